"""Compiled contract artifacts (ABI + bytecode), committed under contracts/build/.

The runtime only reads these files; it never needs a Solidity compiler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from anchor.errors import ArtifactError

#: The contracts of a credanchor deployment, in the order of `Deployment.addresses()`.
DEPLOYED_CONTRACT_NAMES = ("IssuerRegistry", "CredentialAnchor", "CredentialNFT")
#: Contracts the NFT-vs-VC comparison deploys for itself (not part of a deployment).
COMPARISON_CONTRACT_NAMES = ("HashRevocationRegistry",)
#: Every contract with a committed artifact.
CONTRACT_NAMES = DEPLOYED_CONTRACT_NAMES + COMPARISON_CONTRACT_NAMES

# A wheel carries the artifacts inside the package; a source checkout keeps them in contracts/build.
_CANDIDATE_DIRS = (
    Path(__file__).resolve().parent.parent / "_build",
    Path(__file__).resolve().parents[2] / "contracts" / "build",
)


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    compiler_version: str


def build_dir() -> Path:
    for candidate in _CANDIDATE_DIRS:
        if (candidate / "CredentialAnchor.json").is_file():
            return candidate
    raise ArtifactError(
        "compiled contracts not found (looked in "
        + ", ".join(str(c) for c in _CANDIDATE_DIRS)
        + "): reinstall credanchor, or run `python scripts/compile_contracts.py` in a checkout"
    )


@cache
def load_artifact(name: str) -> Artifact:
    if name not in CONTRACT_NAMES:
        raise ArtifactError(f"unknown contract {name!r}; known: {', '.join(CONTRACT_NAMES)}")
    path = build_dir() / f"{name}.json"
    try:
        data = json.loads(path.read_text())
        return Artifact(
            name=name,
            abi=data["abi"],
            bytecode=bytes.fromhex(data["bytecode"][2:]),
            deployed_bytecode=bytes.fromhex(data["deployedBytecode"][2:]),
            compiler_version=data["compiler"]["version"],
        )
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(f"cannot read contract artifact {path}: {exc}") from exc
