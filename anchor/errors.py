"""The exceptions credanchor raises.

Every error is a :class:`CredAnchorError`; each subclass also subclasses the builtin it
resembles, so callers may catch either::

    CredAnchorError
    ├── ConfigurationError (ValueError)        a bad setting, argument or input file
    │   └── QrCapacityError                    a document too large for a QR code (anchor.credentials.qr)
    ├── CredentialValidationError (ValueError) a credential misses EU elements (anchor.credentials.model)
    ├── ArtifactError (FileNotFoundError)      a compiled contract artifact is missing or unreadable
    ├── ChainError (ConnectionError)           the chain cannot be reached or answered wrongly
    │   ├── InsufficientFundsError             the sending account cannot pay for gas
    │   └── QuorumError                        too few RPC endpoints agree on an answer (anchor.chain.quorum)
    ├── ContractRevertError (RuntimeError)     a contract call reverted; `.error` names the custom error
    ├── DeploymentError (LookupError)          no deployment of the contracts is known for a chain
    ├── DevchainError (RuntimeError)           the local anvil devchain cannot be started or found
    ├── KeyFileError (ValueError)              a key file is unreadable or the passphrase wrong (anchor.crypto.keys)
    ├── StackRulesError (ValueError)           components do not meet a stack's rules (anchor.credentials.stacking)
    ├── StoreError (RuntimeError)              the database cannot be reached or refused a write (anchor.storage.store)
    ├── ProofError (ValueError)                a document cannot be secured (anchor.crypto.proofs)
    ├── CanonicalizationLimitError (ValueError) more RDF canonicalization work than allowed (anchor.crypto.rdfc_budget)
    ├── DidResolutionError (LookupError)       a DID or verification method cannot be resolved (anchor.crypto.did)
    └── UnknownContextError (LookupError)      a JSON-LD context is not bundled; never fetched (anchor.crypto.jsonld)

Messages say what went wrong and what to do next; they never contain keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CredAnchorError(Exception):
    """Base class of every credanchor error."""


class ConfigurationError(CredAnchorError, ValueError):
    """A setting, argument or input is invalid."""


class ArtifactError(CredAnchorError, FileNotFoundError):
    """A compiled contract artifact is missing or unreadable."""


class ChainError(CredAnchorError, ConnectionError):
    """The chain's JSON-RPC endpoint is unreachable or failed a request."""


class NonceTakenError(ChainError):
    """Another transaction of the same account took the nonce a signed transaction was meant for
    (e.g. a revocation sent while the anchoring writer worked): transient, the next try signs again."""


class InsufficientFundsError(ChainError):
    """The sender cannot pay for gas: the account needs ether."""


class QuorumError(ChainError):
    """Fewer of the RPC endpoints than the quorum agree on an answer (or too few answered): a verdict
    that depends on it cannot be given."""


class DeploymentError(CredAnchorError, LookupError):
    """No deployment of the credanchor contracts is known for this chain."""


class DevchainError(CredAnchorError, RuntimeError):
    """The local anvil devchain is not installed, cannot start, or is not running."""


class ContractRevertError(CredAnchorError, RuntimeError):
    """A contract call or transaction reverted.

    ``error`` is the custom error's name (e.g. ``"CredentialAnchorRootExists"``) and
    ``arguments`` its decoded arguments by name; for a plain ``revert("reason")`` or a panic,
    ``error`` is ``"Error"`` or ``"Panic"``.
    """

    def __init__(self, error: str, arguments: Mapping[str, Any], *, contract: str, function: str) -> None:
        self.error = error
        self.arguments = dict(arguments)
        self.contract = contract
        self.function = function
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.arguments.items())
        super().__init__(f"{contract}.{function} reverted with {error}({shown})")


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)
