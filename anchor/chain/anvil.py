"""Finding Foundry's anvil, and fetching the pinned build with npm when it is missing.

Where anvil comes from, in order: `$CREDANCHOR_ANVIL`; the checkout's `node_modules` (`npm ci` installs
the pinned package there); the user's cache, `$XDG_CACHE_HOME/credanchor/anvil-<version>` (default
`~/.cache`), where `credanchor devchain up` puts it after a plain `pip install`; an `anvil` on PATH.

The version is pinned here, once, for the installed package, which has no package.json beside it; a
test checks that it equals the checkout's package.json. Fetching is safe to retry: npm installs into a
fresh folder beside the cache entry, which is renamed into place only once the binary is there, so an
interrupted fetch leaves nothing that looks installed.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from anchor.errors import DevchainError
from anchor.settings import private_folder

log = logging.getLogger(__name__)

#: The pinned anvil release (the checkout's package.json pins the same; tests/unit/chain/test_anvil.py checks it).
ANVIL_VERSION = "1.7.1"
#: Foundry's npm packages, one per platform: (system, machine) → package name.
ANVIL_PACKAGES = {
    ("Linux", "x86_64"): "@foundry-rs/anvil-linux-amd64",
    ("Linux", "aarch64"): "@foundry-rs/anvil-linux-arm64",
    ("Linux", "arm64"): "@foundry-rs/anvil-linux-arm64",
    ("Darwin", "x86_64"): "@foundry-rs/anvil-darwin-amd64",
    ("Darwin", "arm64"): "@foundry-rs/anvil-darwin-arm64",
}
REPO_ROOT = Path(__file__).resolve().parents[2]
NPM_TIMEOUT_SECONDS = 600
INSTALL_NODE = (
    "install Node.js 20 or later with npm (Debian/Ubuntu: `sudo apt-get install nodejs npm`; macOS: "
    "`brew install node`; or https://nodejs.org/en/download)"
)


def anvil_package(system: str | None = None, machine: str | None = None) -> str:
    """The npm package holding anvil for this platform (or the given one)."""
    system = system or platform.system()
    machine = machine or platform.machine()
    try:
        return ANVIL_PACKAGES[(system, machine)]
    except KeyError:
        raise DevchainError(
            f"no anvil package for {system} {machine}: install Foundry (https://getfoundry.sh) and set "
            "CREDANCHOR_ANVIL to its anvil, or pass --rpc URL of a chain you run yourself"
        ) from None


def _package_binary(prefix: Path, package: str) -> Path:
    return prefix / "node_modules" / package / "bin" / "anvil"


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where a fetched anvil lives: `$XDG_CACHE_HOME/credanchor/anvil-<version>` (default ~/.cache)."""
    env = os.environ if environ is None else environ
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "credanchor" / f"anvil-{ANVIL_VERSION}"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_anvil(repo_root: Path | None = None, environ: Mapping[str, str] | None = None) -> tuple[Path, str] | None:
    """The anvil to run and where it was found ("CREDANCHOR_ANVIL", "checkout", "cache", "PATH"), or None."""
    env = os.environ if environ is None else environ
    override = env.get("CREDANCHOR_ANVIL")
    if override:
        if _executable(Path(override)):
            return Path(override), "CREDANCHOR_ANVIL"
        raise DevchainError(f"CREDANCHOR_ANVIL={override} is not an executable file: fix or unset it")
    package = anvil_package()
    candidates = [
        (_package_binary(repo_root or REPO_ROOT, package), "checkout"),
        (_package_binary(cache_dir(env), package), "cache"),
    ]
    on_path = shutil.which("anvil", path=env.get("PATH"))
    if on_path:
        candidates.append((Path(on_path), "PATH"))
    for candidate, where in candidates:
        if _executable(candidate):
            return candidate, where
    return None


def tool_version(binary: Path | str) -> str | None:
    """The first line `binary --version` prints, or None when it does not run."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else None


def fetch_anvil(notify: Callable[[str], None], environ: Mapping[str, str] | None = None) -> Path:
    """Install the pinned anvil package with npm into the cache; returns the binary. `notify` hears what
    is fetched (the CLI prints it on stderr)."""
    env = os.environ if environ is None else environ
    package = anvil_package()
    target = cache_dir(env)
    binary = _package_binary(target, package)
    if _executable(binary):
        return binary
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        raise DevchainError(
            f"anvil is not installed and npm, which fetches it, is missing: {INSTALL_NODE}, then run the "
            f"command again (it fetches {package}@{ANVIL_VERSION} into {target}); or set CREDANCHOR_ANVIL "
            "to an anvil binary"
        )
    private_folder(target.parent)
    notify(f"anvil not found: fetching {package}@{ANVIL_VERSION} with npm into {target}")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        command = [npm, "install", "--prefix", str(staging), "--no-save", "--no-audit", "--no-fund",
                   f"{package}@{ANVIL_VERSION}"]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS, check=False, env=dict(env)
            )
        except subprocess.TimeoutExpired:
            raise DevchainError(
                f"npm did not finish fetching {package}@{ANVIL_VERSION} within {NPM_TIMEOUT_SECONDS} s: "
                "check the network (or the npm registry set in ~/.npmrc) and run the command again"
            ) from None
        if done.returncode != 0 or not _executable(_package_binary(staging, package)):
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise DevchainError(
                f"npm could not fetch {package}@{ANVIL_VERSION} (exit code {done.returncode}: {tail or 'no output'}): "
                "check the network (or the npm registry set in ~/.npmrc) and run the command again, or set "
                "CREDANCHOR_ANVIL to an anvil binary"
            )
        if target.exists() and not _executable(binary):
            shutil.rmtree(target)  # a cache entry someone emptied: replace it
        try:
            staging.rename(target)
        except OSError:
            if not _executable(binary):  # not another process that got there first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("anvil %s installed in %s", ANVIL_VERSION, target)
    return binary


def anvil_binary(notify: Callable[[str], None] | None = None) -> Path:
    """The anvil executable; when none is found and `notify` is given, the pinned one fetched with npm."""
    found = find_anvil()
    if found is not None:
        return found[0]
    if notify is not None:
        return fetch_anvil(notify)
    raise DevchainError(
        f"anvil is not installed: `credanchor devchain up` fetches {anvil_package()}@{ANVIL_VERSION} with npm "
        "(in a checkout, `npm ci` installs it), or set CREDANCHOR_ANVIL to an anvil binary"
    )
