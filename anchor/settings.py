"""Settings, built once at the entry point and passed down (never read as a global), and the rule for
private files: the data directory, the store and key files are their owner's alone.

The data directory holds learner names, grades, e-mail salts, the status index → credential map that
ties an on-chain revocation to a person, and encrypted keys. So it is created mode 0700 (its missing
parents too), the SQLite store and key files 0600, and each is refused — with the `chmod` that fixes
it — when any group or other permission bit is set or another user owns it (`check_private`, the one
check every one of them goes through, as `ssh` does with private keys).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from anchor.errors import ConfigurationError, CredAnchorError

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class Settings:
    """Where credanchor keeps its state: one data directory that every command reads.

    An existing data directory is checked when the settings are made (`check_private`): one that other
    users can list or enter, or that is another user's, is refused before anything is read from it.
    """

    data_dir: Path
    #: JSON-RPC endpoints of the chain (CREDANCHOR_RPC_URLS, comma-separated) when a command gets no --rpc:
    #: reads fail over from one to the next.
    rpc_urls: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.data_dir.exists():
            if not self.data_dir.is_dir():
                raise ConfigurationError(f"the data directory {self.data_dir} exists and is not a directory")
            check_private(self.data_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        urls = tuple(url.strip() for url in env.get("CREDANCHOR_RPC_URLS", "").split(",") if url.strip())
        return cls(data_dir=data_dir_from_env(environ), rpc_urls=urls)

    @property
    def deployments_dir(self) -> Path:
        return self.data_dir / "deployments"

    @property
    def devchain_dir(self) -> Path:
        return self.data_dir / "devchain"


def data_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The data directory named by CREDANCHOR_DATA_DIR (default ~/.credanchor), not yet checked."""
    env = os.environ if environ is None else environ
    return Path(env.get("CREDANCHOR_DATA_DIR") or str(Path.home() / ".credanchor")).expanduser()


def private_folder(path: Path) -> Path:
    """`path` as a folder, created with its missing parents mode 0700 (their owner alone may list or
    enter them); a folder that exists is left as it is (the data directory is checked by Settings)."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by another process meanwhile
            folder.mkdir(mode=PRIVATE_FOLDER_MODE)  # the umask can only take bits away
    if not path.is_dir():
        raise ConfigurationError(f"{path} exists and is not a directory")
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to a new or existing file `path` that only its owner may read (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), PRIVATE_FILE_MODE)  # an existing file keeps its mode through O_CREAT
        file.write(data)


def replace_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash or a power cut leaves the old file or the new one, whole:
    a private staging file, synced, renamed over it, and the folder synced."""
    staging = path.with_name(f".{path.name}.new")
    write_private(staging, data)
    fd = os.open(staging, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(staging, path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (after a rename in it: the new name survives a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_private(path: Path, *, error: type[CredAnchorError] = ConfigurationError) -> None:
    """Refuse (`error`, with the `chmod` to run) a file or folder that other users can read, list or
    change — any group or other permission bit — or that belongs to another user."""
    status = path.stat()
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        wanted = PRIVATE_FOLDER_MODE if stat.S_ISDIR(status.st_mode) else PRIVATE_FILE_MODE
        raise error(
            f"{path} can be read or changed by other users (mode {mode:o}): restrict it with `chmod {wanted:o} {path}`"
        )
    if status.st_uid != os.geteuid():
        raise error(f"{path} belongs to another user (uid {status.st_uid}): it must be your own")
