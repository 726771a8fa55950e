"""Deploying the contracts and remembering where they are (deployments/<chainId>.json)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.chain.adapter import Chain
from anchor.chain.artifacts import DEPLOYED_CONTRACT_NAMES, load_artifact
from anchor.chain.contracts import CredentialAnchorClient, CredentialNFTClient, IssuerRegistryClient
from anchor.errors import DeploymentError
from anchor.settings import private_folder

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
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)
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


def deploy_contracts(chain: Chain, *, deployer: str | LocalAccount, admin: str | None = None) -> Deployment:
    """Deploy IssuerRegistry (administered by `admin`, default the deployer), CredentialAnchor and CredentialNFT,
    from an account the node manages or a local one (each transaction signed here)."""
    admin = admin or (deployer if isinstance(deployer, str) else str(deployer.address))
    registry, receipt = chain.deploy("IssuerRegistry", [admin], sender=deployer)
    anchor, _ = chain.deploy("CredentialAnchor", sender=deployer)
    nft, _ = chain.deploy("CredentialNFT", sender=deployer)
    deployment = Deployment(
        chain_id=chain.chain_id,
        issuer_registry=registry,
        credential_anchor=anchor,
        credential_nft=nft,
        admin=admin,
        deployed_block=receipt.block_number,
        compiler=load_artifact("CredentialAnchor").compiler_version,
    )
    log.info("deployed credanchor contracts on chain %d: %s", deployment.chain_id, deployment.addresses())
    return deployment


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
