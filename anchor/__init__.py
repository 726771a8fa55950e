"""credanchor: blockchain-anchored micro-credentials.

The package is organised by concern (see docs/architecture.md): `crypto`, `credentials`, `chain`,
`anchoring`, `storage`, `comparison`, `tools` and `cli`. This module imports nothing itself: the
names below are loaded on first use, so `import anchor.crypto.jcs` does not pull in web3.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Accreditation": "anchor.chain.contracts",
    "CredentialAnchorClient": "anchor.chain.contracts",
    "CredentialNFTClient": "anchor.chain.contracts",
    "IssuerRecord": "anchor.chain.contracts",
    "IssuerRegistryClient": "anchor.chain.contracts",
    "pack_indices": "anchor.chain.contracts",
    "Chain": "anchor.chain.adapter",
    "Deployment": "anchor.chain.deployment",
    "deploy_contracts": "anchor.chain.deployment",
    "ArtifactError": "anchor.errors",
    "ChainError": "anchor.errors",
    "ConfigurationError": "anchor.errors",
    "ContractRevertError": "anchor.errors",
    "CredAnchorError": "anchor.errors",
    "DeploymentError": "anchor.errors",
    "DevchainError": "anchor.errors",
    "Settings": "anchor.settings",
    "BatchRecord": "anchor.types",
    "Event": "anchor.types",
    "Root": "anchor.types",
    "StatusPurpose": "anchor.types",
    "TxReceipt": "anchor.types",
}
__all__ = [
    "Accreditation",
    "ArtifactError",
    "BatchRecord",
    "Chain",
    "ChainError",
    "ConfigurationError",
    "ContractRevertError",
    "CredAnchorError",
    "CredentialAnchorClient",
    "CredentialNFTClient",
    "Deployment",
    "DeploymentError",
    "DevchainError",
    "Event",
    "IssuerRecord",
    "IssuerRegistryClient",
    "Root",
    "Settings",
    "StatusPurpose",
    "TxReceipt",
    "deploy_contracts",
    "pack_indices",
]

if TYPE_CHECKING:
    from anchor.chain.adapter import Chain
    from anchor.chain.contracts import (
        Accreditation,
        CredentialAnchorClient,
        CredentialNFTClient,
        IssuerRecord,
        IssuerRegistryClient,
        pack_indices,
    )
    from anchor.chain.deployment import Deployment, deploy_contracts
    from anchor.errors import (
        ArtifactError,
        ChainError,
        ConfigurationError,
        ContractRevertError,
        CredAnchorError,
        DeploymentError,
        DevchainError,
    )
    from anchor.settings import Settings
    from anchor.types import BatchRecord, Event, Root, StatusPurpose, TxReceipt


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'anchor' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
