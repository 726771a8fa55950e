"""Settings, built once at the entry point and passed down (never read as a global)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from anchor.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    """Where credanchor keeps its state: one data directory that every command reads."""

    data_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw = env.get("CREDANCHOR_DATA_DIR") or str(Path.home() / ".credanchor")
        data_dir = Path(raw).expanduser()
        if data_dir.exists() and not data_dir.is_dir():
            raise ConfigurationError(f"CREDANCHOR_DATA_DIR={raw} exists and is not a directory")
        return cls(data_dir=data_dir)

    @property
    def deployments_dir(self) -> Path:
        return self.data_dir / "deployments"

    @property
    def devchain_dir(self) -> Path:
        return self.data_dir / "devchain"
