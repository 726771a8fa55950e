"""Ed25519 signing keys, their DIDs, and encryption at rest.

A key file is JSON holding the DID, the verification method, the public key and the 32-byte
private seed encrypted with AES-256-GCM under a key derived from the passphrase with scrypt
(N = 2**17, r = 8, p = 1: about 0.4 s and 128 MiB per try, so guessing is expensive). The
DID, verification method and public key are the cipher's associated data: editing any of them
makes decryption fail. The private key is never written in the clear and never logged.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from . import multibase
from .did import did_document, did_key_from_public_key, did_web_url
from .errors import ConfigurationError, CredAnchorError

KEY_FILE_FORMAT = "credanchor-ed25519-key/2"
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
        document: dict[str, Any] = {
            "format": KEY_FILE_FORMAT,
            "did": self.did,
            "verificationMethod": self.verification_method,
            "publicKeyMultibase": self.public_key_multibase,
        }
        bound = (self.did, self.verification_method, self.public_key_multibase)
        document["encryption"] = seal(self.private_key.private_bytes_raw(), passphrase, bound)
        write_key_file(path, document)

    @classmethod
    def load(cls, path: Path, passphrase: str) -> SigningKey:
        document = read_key_file(path, KEY_FILE_FORMAT)
        try:
            did, method = str(document["did"]), str(document["verificationMethod"])
        except KeyError as exc:
            raise KeyFileError(f"{path} is damaged (KeyError: {exc})") from None
        bound = (document.get("did"), document.get("verificationMethod"), document.get("publicKeyMultibase"))
        seed = unseal(document, passphrase, bound, path)
        try:
            signing_key = cls(Ed25519PrivateKey.from_private_bytes(seed), did, method)
        except ValueError as exc:
            raise KeyFileError(f"{path} is damaged ({exc})") from None
        if signing_key.public_key_multibase != document.get("publicKeyMultibase"):
            raise KeyFileError(f"{path}: the public key does not match the private key")
        return signing_key


SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


def seal(secret: bytes, passphrase: str, bound: tuple[Any, ...]) -> dict[str, Any]:
    """`secret` encrypted under `passphrase` (scrypt + AES-256-GCM); `bound` is authenticated with it."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ConfigurationError(f"the key passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    cipher = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
    return {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(salt),
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(cipher.encrypt(nonce, secret, json.dumps(bound).encode())),
    }


def unseal(document: dict[str, Any], passphrase: str, bound: tuple[Any, ...], path: Path) -> bytes:
    """The secret sealed in `document["encryption"]`; KeyFileError if damaged or the passphrase is wrong."""
    try:
        box = document["encryption"]
        if box["kdf"] != "scrypt" or box["cipher"] != "AES-256-GCM":
            raise KeyFileError(f"{path} uses an unknown encryption ({box['kdf']}, {box['cipher']})")
        key = _derive(passphrase, _unb64(box["salt"]), int(box["n"]), int(box["r"]), int(box["p"]))
        ciphertext, nonce = _unb64(box["ciphertext"]), _unb64(box["nonce"])
        cipher = AESGCM(key)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"{path} is damaged ({exc.__class__.__name__}: {exc})") from None
    try:
        return cipher.decrypt(nonce, ciphertext, json.dumps(bound).encode())
    except (InvalidTag, ValueError):
        raise KeyFileError(f"cannot decrypt {path}: wrong passphrase, or the file was changed") from None


def write_key_file(path: Path, document: dict[str, Any]) -> None:
    """Create a key file readable by its owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists: choose another path or remove it first") from None
    with os.fdopen(fd, "w") as out:
        json.dump(document, out, indent=2)
        out.write("\n")


def public_did_document(path: Path) -> dict[str, Any]:
    """The DID document of a key file's public part — no passphrase needed."""
    document = read_key_file(path, KEY_FILE_FORMAT)
    try:
        public_key = multibase.decode_key(document["publicKeyMultibase"], multibase.ED25519_PUB, what="public key")
        return did_document(document["did"], public_key, key_id=str(document["verificationMethod"]).partition("#")[2])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"{path}: no usable public key ({exc})") from exc


def read_key_file(path: Path, key_format: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}: create one with `credanchor issuer create`") from None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path} is not a credanchor key file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != key_format:
        raise KeyFileError(f"{path} is not a credanchor key file (format {key_format})")
    return document


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not (2**14 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ValueError(f"scrypt parameters out of range (n={n}, r={r}, p={p})")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text, validate=True)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
