"""Deploying the contracts and remembering where they are (deployments/<chainId>.json)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import HexAddress
from web3.types import Nonce
from web3.utils.address import get_create_address

from anchor.chain.adapter import Chain
from anchor.chain.artifacts import DEPLOYED_CONTRACT_NAMES, load_artifact
from anchor.chain.contracts import CredentialAnchorClient, CredentialNFTClient, IssuerRegistryClient
from anchor.errors import ChainError, ContractRevertError, DeploymentError
from anchor.settings import private_folder, replace_private

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deployment:
    """Where the credanchor contracts live on one chain."""

    chain_id: int
    issuer_registry: str
    credential_anchor: str
    credential_nft: str
    admin: str
    deployed_block: int
    compiler: str

    def registry(self, chain: Chain) -> IssuerRegistryClient:
        return IssuerRegistryClient(chain, self.issuer_registry)

    def anchor(self, chain: Chain) -> CredentialAnchorClient:
        return CredentialAnchorClient(chain, self.credential_anchor)

    def nft(self, chain: Chain) -> CredentialNFTClient:
        return CredentialNFTClient(chain, self.credential_nft)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    def save(self, directory: Path) -> Path:
        """Write `<directory>/<chainId>.json` atomically (safe to retry, never half-written); a new
        `directory` (in the data directory, which it may create) is private."""
        private_folder(directory)
        path = directory / f"{self.chain_id}.json"
        replace_private(path, self.to_json().encode())
        return path

    @classmethod
    def load(cls, directory: Path, chain_id: int) -> Deployment:
        path = directory / f"{chain_id}.json"
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise DeploymentError(
                f"no deployment for chain {chain_id} in {directory}: run `credanchor deploy --rpc URL` "
                "or `credanchor devchain up`"
            ) from None
        except (ValueError, TypeError) as exc:
            raise DeploymentError(f"{path} is not a credanchor deployment file: {exc}") from exc

    def check(self, chain: Chain) -> None:
        """Fail unless the chain has the expected code at every address (e.g. after a chain reset)."""
        if chain.chain_id != self.chain_id:
            raise DeploymentError(f"deployment is for chain {self.chain_id}, the RPC serves chain {chain.chain_id}")
        for name, address in zip(DEPLOYED_CONTRACT_NAMES, self.addresses(), strict=True):
            if chain.code_at(address) != load_artifact(name).deployed_bytecode:
                raise DeploymentError(
                    f"{name} is not deployed at {address} on chain {self.chain_id} (or its code differs from "
                    "the committed artifact): redeploy with `credanchor deploy`"
                )

    def addresses(self) -> tuple[str, str, str]:
        return self.issuer_registry, self.credential_anchor, self.credential_nft


def deploy_contracts(
    chain: Chain, *, deployer: str | LocalAccount, admin: str | None = None, journal_dir: Path | None = None
) -> Deployment:
    """Deploy IssuerRegistry (administered by `admin`, default the deployer), CredentialAnchor and CredentialNFT,
    from an account the node manages or a local one (each transaction signed here).

    With `journal_dir`, each deployment is written down before it is sent (`<chainId>.partial.json`: the
    contract's address, which the account and nonce decide, and a local account's signed transaction), so
    that a run stopped at any point and started again adopts what was already deployed instead of
    deploying it twice: see :func:`deploy_recorded`.
    """
    address = deployer if isinstance(deployer, str) else str(deployer.address)
    admin = admin or address
    journal = _Journal.open(journal_dir, chain.chain_id, address, admin) if journal_dir is not None else None
    placed = {
        name: _deploy_once(chain, name, args, deployer, journal)
        for name, args in (("IssuerRegistry", [admin]), ("CredentialAnchor", []), ("CredentialNFT", []))
    }
    deployment = Deployment(
        chain_id=chain.chain_id,
        issuer_registry=placed["IssuerRegistry"][0],
        credential_anchor=placed["CredentialAnchor"][0],
        credential_nft=placed["CredentialNFT"][0],
        admin=admin,
        deployed_block=placed["IssuerRegistry"][1],
        compiler=load_artifact("CredentialAnchor").compiler_version,
    )
    log.info("deployed credanchor contracts on chain %d: %s", deployment.chain_id, deployment.addresses())
    return deployment


def deploy_recorded(
    chain: Chain, directory: Path, *, deployer: Callable[[], str | LocalAccount], admin: str | None = None
) -> tuple[Deployment, bool]:
    """The deployment recorded in `directory` for this chain if its code is there (and False: nothing was
    sent), else the three contracts deployed and recorded (True) — what `credanchor deploy` does. The
    IssuerRegistry's admin is `admin`, default the deployer. `deployer()` is asked only when something is to
    be sent (it may unlock a key).

    Safe to retry: run again after a crash, a lost connection or a refused transaction, it deploys only
    what is missing. A contract whose transaction was sent but not seen mined is looked for at its
    address; a local account's transaction is sent again as it was signed (the node knows it, or mines
    it); a node-managed account's pending one is waited for. A second run with a working deployment
    recorded sends nothing; asked for another `admin` than the recorded one's, it refuses rather than
    deploy a second set, which would replace the IssuerRegistry that verifiers trust (remove the
    recorded file to do that on purpose).
    """
    try:
        recorded = Deployment.load(directory, chain.chain_id)
        recorded.check(chain)
    except DeploymentError:
        pass  # none recorded, or not on this chain (any more): deploy
    else:
        if admin is not None and recorded.admin.lower() != admin.lower():
            raise DeploymentError(
                f"chain {chain.chain_id} already has credanchor contracts, recorded in "
                f"{directory / f'{chain.chain_id}.json'} and administered by {recorded.admin}: a second set "
                f"administered by {admin} would replace the IssuerRegistry verifiers trust. To do that on "
                "purpose, remove that file first."
            )
        return recorded, False
    deployment = deploy_contracts(chain, deployer=deployer(), admin=admin, journal_dir=directory)
    deployment.save(directory)
    _Journal.path_for(directory, chain.chain_id).unlink(missing_ok=True)
    return deployment, True


@dataclass
class _Journal:
    """What one deployment run sent or is about to send (`<chainId>.partial.json`, written atomically):
    per contract its address (from the deployer's address and nonce), that nonce, the block before it
    was sent, a local account's signed transaction, and the block it was mined in once known."""

    path: Path
    deployer: str
    admin: str
    steps: dict[str, dict[str, Any]]

    @staticmethod
    def path_for(directory: Path, chain_id: int) -> Path:
        return directory / f"{chain_id}.partial.json"

    @classmethod
    def open(cls, directory: Path, chain_id: int, deployer: str, admin: str) -> _Journal:
        """The journal of an earlier run by the same deployer and admin, or an empty one (an earlier run
        by another account deployed with that account's nonces: nothing of it is this run's to adopt)."""
        path = cls.path_for(directory, chain_id)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path, deployer, admin, {})
        except ValueError as exc:
            raise DeploymentError(f"{path} is not a credanchor deployment journal: {exc}") from exc
        if (data.get("deployer", "").lower(), data.get("admin", "").lower()) != (deployer.lower(), admin.lower()):
            return cls(path, deployer, admin, {})
        return cls(path, deployer, admin, dict(data.get("steps", {})))

    def record(self, name: str, **step: Any) -> None:
        """Write `step` down before what it describes is sent: on disk even if the machine loses power next."""
        self.steps[name] = step
        private_folder(self.path.parent)
        entries = {"deployer": self.deployer, "admin": self.admin, "steps": self.steps}
        replace_private(self.path, json.dumps(entries, indent=2).encode())


def _deploy_once(
    chain: Chain, name: str, args: list[Any], deployer: str | LocalAccount, journal: _Journal | None
) -> tuple[str, int]:
    """Deploy `name` — or, when the journal says an earlier run sent it, adopt it — and return its address and
    the block it was mined in (or a block before it, when only that is known)."""
    if journal is None:
        address, receipt = chain.deploy(name, args, sender=deployer)
        return address, receipt.block_number
    step = journal.steps.get(name)
    if step is not None:
        earlier = _earlier_attempt(chain, name, step, deployer)
        if earlier is not None:
            journal.record(name, **{**step, "block": earlier[1]})
            return earlier
    if isinstance(deployer, str):  # the node signs, and picks the nonce: the pending count, as read here
        before, nonce = chain.block_number(), chain.nonce(deployer)
        journal.record(name, address=_create_address(deployer, nonce), nonce=nonce, after_block=before)
        address, receipt = chain.deploy(name, args, sender=deployer)
        journal.record(name, address=address, nonce=nonce, after_block=before, block=receipt.block_number)
        return address, receipt.block_number
    # A local key: while the nonce an earlier run signed for is still free, sign for that nonce again (with
    # today's fees): the new transaction replaces the old one, so at most one of them deploys.
    free = step is not None and "raw" in step and chain.nonce(str(deployer.address), "latest") <= int(step["nonce"])
    replacing = int(step["nonce"]) if step is not None and free else None
    while True:
        before, signed = chain.block_number(), chain.sign_deployment(name, args, account=deployer, nonce=replacing)
        created = _create_address(str(deployer.address), signed.nonce)
        journal.record(name, address=created, nonce=signed.nonce, after_block=before, raw=signed.raw.hex())
        mined = chain.send_raw(signed.raw, name, "constructor")
        if mined is not None:
            journal.record(name, **{**journal.steps[name], "block": mined.block_number})
            return created, mined.block_number
        log.info("%s: nonce %d of %s was taken by another transaction; signing again",
                 name, signed.nonce, deployer.address)  # fmt: skip
        replacing = None


def _earlier_attempt(
    chain: Chain, name: str, step: dict[str, Any], deployer: str | LocalAccount
) -> tuple[str, int] | None:
    """Where an earlier run's deployment of `name` is (address, block), or None if it never will be: its
    nonce went to another transaction, it reverted, or it was never sent."""
    address, nonce = str(step["address"]), int(step["nonce"])
    block = int(step.get("block", step["after_block"]))  # the mined block, or one before it
    expected = load_artifact(name).deployed_bytecode
    if chain.code_at(address) == expected:
        return address, block
    if "raw" in step:  # sent again exactly as signed: mined now — or void, or refused now (say, its fees are
        try:  # below today's base fee): then the caller signs again for the same nonce while it is free
            mined = chain.send_raw(bytes.fromhex(step["raw"]), name, "constructor")
        except (ContractRevertError, ChainError) as exc:
            log.info("%s: the transaction signed for nonce %d was not mined (%s)", name, nonce, exc)
            return None
        return (address, mined.block_number) if mined is not None else None
    sender = deployer if isinstance(deployer, str) else str(deployer.address)
    if chain.nonce(sender, "latest") <= nonce < chain.nonce(sender, "pending"):
        _wait_mined(chain, sender, nonce)  # the node holds it, unmined
    return (address, block) if chain.code_at(address) == expected else None


def _create_address(sender: str, nonce: int) -> str:
    """Where the contract created by `sender`'s transaction with `nonce` lives (keccak of RLP [sender, nonce])."""
    return str(get_create_address(cast(HexAddress, sender), cast(Nonce, nonce)))


def _wait_mined(chain: Chain, sender: str, nonce: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while chain.nonce(sender, "latest") <= nonce:
        if time.monotonic() > deadline:
            raise DeploymentError(
                f"{sender}'s transaction with nonce {nonce} is still pending after {timeout:g} s: deploy again later"
            )
        time.sleep(1.0)


#: Deployment files shipped with a source checkout (the devchain's deterministic addresses).
REPO_DEPLOYMENTS = Path(__file__).resolve().parents[2] / "hardhat-free-devchain" / "deployments"


def trusted_registry(settings: Any, chain_id: int) -> str | None:
    """The IssuerRegistry recorded for `chain_id` in the data directory (or the checkout), if any."""
    for directory in (settings.deployments_dir, REPO_DEPLOYMENTS):
        try:
            return Deployment.load(directory, chain_id).issuer_registry
        except DeploymentError:
            continue
    return None
