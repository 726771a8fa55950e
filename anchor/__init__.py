"""credanchor: blockchain-anchored micro-credentials.

The public surface of the library; modules prefixed with an underscore are private.
"""

from .chain import Chain
from .contracts import (
    Accreditation,
    BatchRecord,
    CredentialAnchorClient,
    CredentialNFTClient,
    IssuerRecord,
    IssuerRegistryClient,
    pack_indices,
)
from .deployment import Deployment, deploy_contracts
from .errors import (
    ArtifactError,
    ChainError,
    ConfigurationError,
    ContractRevertError,
    CredAnchorError,
    DeploymentError,
    DevchainError,
)
from .settings import Settings
from .types import Event, Root, StatusPurpose, TxReceipt

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
__version__ = "0.1.0"
