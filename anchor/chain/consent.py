"""Holder consent to an NFT-mode mint: the EIP-712 `MintConsent` a learner signs for `mintWithConsent`.

An issuer that requires consent (`CredentialNFT.setConsentRequired(true)`) can only mint a public
token to a holder who signed, for this contract on this chain::

    MintConsent(address holder,address issuer,bytes32 metadataHash,uint256 nonce,uint256 deadline)

where `metadataHash` is the keccak-256 of the metadata's UTF-8 bytes exactly as minted — hence
:func:`serialize_metadata`, the one serialization both the mint and the consent use — and `nonce`
is the holder's current `consentNonce` (a consent mints once).

The typed data is a plain JSON-ready dict (what `eth_signTypedData_v4` takes), so a wallet can sign
it as well as :func:`sign_consent` with a local key. This module uses eth-account only (no chain).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from anchor.errors import ConfigurationError
from anchor.types import check_address

#: The EIP-712 domain of CredentialNFT (name and version as in its constructor).
DOMAIN_NAME = "credanchor CredentialNFT"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "MintConsent"
CONSENT_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    PRIMARY_TYPE: [
        {"name": "holder", "type": "address"},
        {"name": "issuer", "type": "address"},
        {"name": "metadataHash", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}
_UINT256_MAX = 2**256 - 1


def serialize_metadata(metadata: Mapping[str, Any] | str) -> str:
    """The metadata text a token stores: a string as given, a mapping as compact JSON (UTF-8, not escaped)."""
    if isinstance(metadata, str):
        return metadata
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)


def metadata_hash(metadata: Mapping[str, Any] | str) -> bytes:
    """keccak-256 of the serialized metadata's UTF-8 bytes: the contract's `keccak256(bytes(metadata))`."""
    return keccak(serialize_metadata(metadata).encode("utf-8"))


def _uint256(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT256_MAX:
        raise ConfigurationError(f"{what} must be an integer from 0 to 2**256 - 1, got {value!r}")
    return value


def consent_typed_data(
    chain_id: int,
    nft_address: str,
    holder: str,
    issuer: str,
    metadata_text: Mapping[str, Any] | str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 typed data by which `holder` consents to `issuer` minting `metadata_text` to it.

    `nonce` is the holder's current `consentNonce` on the contract at `nft_address`; `deadline` the
    last block timestamp at which the consent may be used. `metadata_text` must be what the mint
    sends (a mapping is serialized with :func:`serialize_metadata`, as the client's mint does).
    """
    return {
        "types": CONSENT_TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": _uint256(chain_id, "the chain id"),
            "verifyingContract": check_address(nft_address, "the CredentialNFT address"),
        },
        "message": {
            "holder": check_address(holder, "the holder"),
            "issuer": check_address(issuer, "the issuer"),
            "metadataHash": "0x" + metadata_hash(metadata_text).hex(),
            "nonce": _uint256(nonce, "the consent nonce"),
            "deadline": _uint256(deadline, "the consent deadline"),
        },
    }


def sign_consent(local_account: LocalAccount, typed_data: Mapping[str, Any]) -> bytes:
    """The 65-byte signature (r ‖ s ‖ v) of the consent `typed_data` by `local_account`.

    That is the holder's own key for a holder without code; for a contract wallet (ERC-1271) it is
    whichever key the wallet's `isValidSignature` accepts, so the signer is not checked here.
    """
    signed = local_account.sign_message(encode_typed_data(full_message=dict(typed_data)))
    return bytes(signed.signature)
