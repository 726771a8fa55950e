"""The bearer secrets of a claim offer: one random secret, the others derived from it; only hashes are stored.

An offer's `reference` is 256 random bits. Its pre-authorized code (OpenID4VCI) and its exchange id (VC API)
are SHA-256 of the reference under distinct labels, so whoever holds the reference (the offer by reference)
can be given the code, but neither the code nor the exchange id reveals the reference or each other. The
store keeps SHA-256 hashes of all three; a transaction code (a short PIN delivered out of band) is kept
hashed together with the pre-authorized code, so its hash cannot be searched through without that code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

TX_CODE_LENGTH = 6


def token() -> str:
    """A fresh random secret: 256 bits, base64url without padding."""
    return secrets.token_urlsafe(32)


def derive(label: str, reference: str) -> str:
    digest = hashlib.sha256(f"credanchor offer {label}\0{reference}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest(secret: str) -> str:
    """What the store keeps of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def tx_code_digest(code: str, tx_code: str) -> str:
    return hashlib.sha256(f"{code}\0tx_code\0{tx_code}".encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class OfferSecrets:
    """An offer's secrets, shown once to its issuer (inside the links), never stored."""

    reference: str
    tx_code: str | None

    @property
    def code(self) -> str:
        """The OpenID4VCI pre-authorized code."""
        return derive("pre-authorized code", self.reference)

    @property
    def exchange(self) -> str:
        """The VC API exchange id."""
        return derive("exchange", self.reference)

    def hashes(self) -> dict[str, str]:
        return {"code": digest(self.code), "reference": digest(self.reference), "exchange": digest(self.exchange)}

    @property
    def tx_code_hash(self) -> str | None:
        return None if self.tx_code is None else tx_code_digest(self.code, self.tx_code)

    @classmethod
    def fresh(cls, *, tx_code: bool) -> OfferSecrets:
        pin = "".join(str(secrets.randbelow(10)) for _ in range(TX_CODE_LENGTH)) if tx_code else None
        return cls(token(), pin)
