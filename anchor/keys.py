"""Ed25519 signing keys, their DIDs, and encryption at rest.

A key file is JSON holding the DID, the verification method and the private key as an
encrypted PKCS#8 PEM (scrypt-derived key, AES-256-CBC, via `cryptography`'s
BestAvailableEncryption). The private key is never written in the clear and never logged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import multibase
from .did import did_document, did_key_from_public_key, did_web_url
from .errors import ConfigurationError, CredAnchorError

KEY_FILE_FORMAT = "credanchor-ed25519-key/1"
MIN_PASSPHRASE_LENGTH = 12


class KeyFileError(CredAnchorError, ValueError):
    """A key file cannot be read, or the passphrase is wrong."""


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 key bound to a DID and one of its verification methods."""

    private_key: Ed25519PrivateKey = field(repr=False)
    did: str
    verification_method: str

    @classmethod
    def generate(cls, did_web: str | None = None) -> SigningKey:
        """A fresh key; its DID is did:key, or the given did:web DID."""
        return cls.from_private_key(Ed25519PrivateKey.generate(), did_web)

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey, did_web: str | None = None) -> SigningKey:
        public = private_key.public_key().public_bytes_raw()
        if did_web is None:
            did = did_key_from_public_key(public)
            return cls(private_key, did, f"{did}#{did[len('did:key:') :]}")
        did_web_url(did_web)  # validates the DID
        return cls(private_key, did_web, f"{did_web}#key-1")

    @classmethod
    def from_multibase(cls, private_key_multibase: str, did_web: str | None = None) -> SigningKey:
        seed = multibase.decode_key(private_key_multibase, multibase.ED25519_PRIV, what="Ed25519 private key")
        return cls.from_private_key(Ed25519PrivateKey.from_private_bytes(seed), did_web)

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def public_key_multibase(self) -> str:
        return multibase.encode(multibase.ED25519_PUB + self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)

    def did_document(self) -> dict[str, Any]:
        return did_document(self.did, self.public_key, key_id=self.verification_method.partition("#")[2])

    # -- at rest ----------------------------------------------------------------------------------

    def save(self, path: Path, passphrase: str) -> None:
        """Write the key encrypted with `passphrase`; refuses to overwrite an existing file."""
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise ConfigurationError(f"the key passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters")
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        document = {
            "format": KEY_FILE_FORMAT,
            "did": self.did,
            "verificationMethod": self.verification_method,
            "publicKeyMultibase": self.public_key_multibase,
            "encryptedPrivateKey": pem.decode(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyFileError(f"{path} already exists: choose another path or remove it first") from None
        with os.fdopen(fd, "w") as out:
            json.dump(document, out, indent=2)
            out.write("\n")

    @classmethod
    def load(cls, path: Path, passphrase: str) -> SigningKey:
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise KeyFileError(f"no key file at {path}: create one with `credanchor issuer create-key`") from None
        except (OSError, ValueError) as exc:
            raise KeyFileError(f"{path} is not a credanchor key file: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
            raise KeyFileError(f"{path} is not a credanchor key file (format {KEY_FILE_FORMAT})")
        try:
            private_key = serialization.load_pem_private_key(
                document["encryptedPrivateKey"].encode(), passphrase.encode()
            )
        except (ValueError, TypeError, KeyError):
            raise KeyFileError(f"cannot decrypt {path}: wrong passphrase, or the file is damaged") from None
        if not isinstance(private_key, Ed25519PrivateKey):
            raise KeyFileError(f"{path} does not hold an Ed25519 key")
        key = cls(private_key, document["did"], document["verificationMethod"])
        if key.public_key_multibase != document.get("publicKeyMultibase"):
            raise KeyFileError(f"{path}: the public key does not match the private key")
        return key


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
