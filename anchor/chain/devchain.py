"""The local devchain: Foundry's anvil, from the pinned npm package (anchor.chain.anvil), with persisted state.

`credanchor devchain up` starts anvil in the background on a free loopback port with a fixed
mnemonic and the project's hardfork, waits until it answers, deploys the contracts (or finds
them already deployed in the persisted state) and records the URL and deployment in the data
directory. `down` stops it; anvil writes its state on the way out and every few seconds, so the
next `up` resumes where the last one stopped.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from anchor.chain.adapter import HARDFORK, Chain
from anchor.chain.anvil import anvil_binary
from anchor.chain.deployment import REPO_DEPLOYMENTS, Deployment, deploy_recorded
from anchor.errors import ChainError, DeploymentError, DevchainError
from anchor.settings import Settings, private_folder

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337
#: Foundry's well-known development mnemonic: deterministic, public, worthless outside a devchain.
MNEMONIC = "test test test test test test test test test test test junk"
STATE_INTERVAL_SECONDS = 5
#: The conventional devchain port, used when it is free and no port is asked for.
DEFAULT_PORT = 8545


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something listens on the port (connections of a stopped server lingering in TIME_WAIT
    do not count, as the server sets SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def anvil_command(port: int, state_file: Path | None = None) -> list[str]:
    command = [
        str(anvil_binary()),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--chain-id", str(CHAIN_ID),
        "--mnemonic", MNEMONIC,
        "--hardfork", HARDFORK,
    ]  # fmt: skip
    if state_file is not None:
        command += ["--state", str(state_file), "--state-interval", str(STATE_INTERVAL_SECONDS)]
    return command


def wait_until_ready(url: str, process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> Chain:
    """Poll `url` until it answers; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise DevchainError(f"anvil exited with code {process.returncode} before answering on {url}")
        try:
            return Chain.connect(url, timeout=2)
        except ChainError:
            if time.monotonic() > deadline:
                raise DevchainError(f"anvil did not answer on {url} within {timeout:.0f} s") from None
            time.sleep(0.1)


class AnvilProcess:
    """An anvil child process owned by this Python process (tests use it directly)."""

    def __init__(self, port: int | None = None, state_file: Path | None = None, log_file: Path | None = None) -> None:
        self.port = port if port is not None else free_port()
        if port_in_use(self.port):
            raise DevchainError(f"port {self.port} is already in use: pick another with --port")
        self.url = f"http://127.0.0.1:{self.port}"
        out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            anvil_command(self.port, state_file), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self.chain = wait_until_ready(self.url, self.process)
        except DevchainError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True)
class DevchainInfo:
    pid: int
    port: int
    url: str
    chain_id: int
    state_file: str
    log_file: str


@dataclass(frozen=True)
class DevchainStatus:
    running: bool
    url: str | None = None
    pid: int | None = None
    block_number: int | None = None
    deployment: Deployment | None = None


def _info_path(settings: Settings) -> Path:
    return settings.devchain_dir / "devchain.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) is not running; nor is a reused pid that is not anvil.
    try:
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return False
        return b"anvil" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def read_info(settings: Settings) -> DevchainInfo | None:
    path = _info_path(settings)
    try:
        info = DevchainInfo(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise DevchainError(f"{path} is corrupt ({exc}): delete it and run `credanchor devchain up`") from exc
    return info if _alive(info.pid) else None


def up(settings: Settings, port: int | None = None, notify: Callable[[str], None] | None = None) -> DevchainStatus:
    """Start the devchain (or report the running one) and make sure the contracts are deployed. When
    anvil is missing and `notify` is given, the pinned anvil is fetched with npm first (`notify` hears so)."""
    info = read_info(settings)
    if info is None:
        anvil_binary(notify)  # found, or fetched into the user's cache before anything starts
        private_folder(settings.devchain_dir)
        state_file = settings.devchain_dir / "state.json"
        log_file = settings.devchain_dir / "anvil.log"
        if port is None:
            port = DEFAULT_PORT if not port_in_use(DEFAULT_PORT) else free_port()
        anvil = AnvilProcess(port, state_file=state_file, log_file=log_file)
        info = DevchainInfo(anvil.process.pid, anvil.port, anvil.url, CHAIN_ID, str(state_file), str(log_file))
        tmp = _info_path(settings).with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(info), indent=2))
        tmp.replace(_info_path(settings))
        chain = anvil.chain
        log.info("anvil started: pid %d, %s", info.pid, info.url)
    else:
        if port is not None and port != info.port:
            raise DevchainError(f"the devchain already runs on port {info.port}: run `credanchor devchain down` first")
        chain = wait_until_ready(info.url, None)
    deployment = ensure_deployed(chain, settings)
    return DevchainStatus(True, info.url, info.pid, chain.block_number(), deployment)


def ensure_deployed(chain: Chain, settings: Settings) -> Deployment:
    """The recorded deployment if its code is on the chain, else a fresh one (recorded)."""
    deployment, sent = deploy_recorded(chain, settings.deployments_dir, deployer=lambda: chain.accounts[0])
    if sent and REPO_DEPLOYMENTS.is_dir():
        deployment.save(REPO_DEPLOYMENTS)
    return deployment


def down(settings: Settings) -> bool:
    """Stop the devchain; anvil dumps its state on the way out. Returns whether one was running."""
    info = read_info(settings)
    if info is None:
        _info_path(settings).unlink(missing_ok=True)
        return False
    try:
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(info.pid):
            if time.monotonic() > deadline:
                os.kill(info.pid, signal.SIGKILL)
            time.sleep(0.1)
    except PermissionError:
        raise DevchainError(f"not allowed to stop process {info.pid}: is the devchain someone else's?") from None
    except ProcessLookupError:
        pass  # it ended on its own meanwhile
    _info_path(settings).unlink(missing_ok=True)
    return True


def status(settings: Settings) -> DevchainStatus:
    info = read_info(settings)
    if info is None:
        return DevchainStatus(False)
    chain = wait_until_ready(info.url, None, timeout=5)
    try:
        deployment: Deployment | None = Deployment.load(settings.deployments_dir, chain.chain_id)
    except DeploymentError:
        deployment = None
    return DevchainStatus(True, info.url, info.pid, chain.block_number(), deployment)


def devchain_chain(settings: Settings) -> tuple[Chain, Deployment]:
    """The running devchain and its deployment, or a clear error saying how to get one."""
    info = read_info(settings)
    if info is None:
        raise DevchainError("no chain: run `credanchor devchain up` first, or pass --rpc URL")
    chain = wait_until_ready(info.url, None, timeout=5)
    deployment = Deployment.load(settings.deployments_dir, chain.chain_id)
    deployment.check(chain)
    return chain, deployment
