"""W3C BitstringStatusListCredentials built from on-chain status words.

The contract keeps each list as 256-bit words in W3C bit order (index 0 is the most significant
bit of word 0), so the list's bitstring is the words concatenated big-endian. The credential
is signed by the issuer's key with a short validity (`ttl`), so a verifier without a chain RPC
can still check status; a verifier with one reads the bits on-chain (what credanchor does). The
bits themselves are read by :func:`anchor.chain.view.read_list`.
Batch revocation (`revokeBatch`) sets no list bits: it shows in the on-chain batch record only.
"""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

from anchor.credentials.model import xsd_datetime
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import RDFC, add_proof
from anchor.errors import ConfigurationError
from anchor.types import StatusPurpose

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def encode_list(bits: bytes) -> str:
    """encodedList: the bitstring GZIP-compressed, then multibase base64url without padding."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ConfigurationError("encodedList must be multibase base64url (it starts with 'u')")
    raw = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


def bit_at(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def status_list_credential(
    bits: bytes,
    *,
    url: str,
    purpose: StatusPurpose,
    key: SigningKey,
    cryptosuite: str = RDFC,
    ttl: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
) -> dict[str, Any]:
    """A signed BitstringStatusListCredential at `url` for one list, valid for `ttl` from now."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    credential = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.did,
        "validFrom": xsd_datetime(moment),
        "validUntil": xsd_datetime(moment + ttl),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose.name.lower(),
            "encodedList": encode_list(bits),
            "ttl": int(ttl.total_seconds() * 1000),
        },
    }
    return add_proof(credential, key, cryptosuite=cryptosuite, created=xsd_datetime(moment))
