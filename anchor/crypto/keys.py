"""Ed25519 signing keys, their DIDs, encryption at rest, and key rotation.

An issuer's key file (`key.json`, format `credanchor-ed25519-keyring/3`) is JSON naming the DID
and listing its keys, oldest first; the last one is the current signing key. Each entry has its
verification method id, public key, creation date and, once replaced, when it was retired or
withdrawn. Only the current key has a private part, held as an encrypted PKCS#8 block (PBES2:
PBKDF2-HMAC-SHA256 with 600,000 iterations + AES-256-CBC; `openssl pkey` reads it): a retired
key is never used to sign again, so its private part is not kept.

Rotation (did:web DIDs only — a did:key DID *is* its key) adds a key and retires the current one.
The DID document keeps a retired key under `assertionMethod`, so credentials it signed still
verify, and drops it from the other relationships; a *withdrawn* key (compromised) leaves the
document entirely, so what it signed no longer verifies.

Key files are created with mode 0600 and refused when other users can read or change them.
Files of the previous format (`credanchor-ed25519-key/2`: scrypt + AES-256-GCM) still load; a
rotation rewrites them in the current one. The private key is never written in the clear and
never logged.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

from anchor.crypto import multibase, pkcs8
from anchor.crypto.did import did_document, did_key_from_public_key, did_web_url, keys_document
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.settings import PRIVATE_FILE_MODE, check_private, private_folder, sync_folder

KEY_FILE_FORMAT = "credanchor-ed25519-keyring/3"
LEGACY_KEY_FILE_FORMAT = "credanchor-ed25519-key/2"
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

    @cached_property
    def _sodium_secret_key(self) -> bytes:
        # libsodium's secret key (seed || public key), made once: its Ed25519 signing takes 60% of
        # OpenSSL's time here (22 vs 36 µs); Ed25519 is deterministic, so the signature is the same.
        return bytes(crypto_sign_seed_keypair(self.private_key.private_bytes_raw())[1])

    def sign(self, data: bytes) -> bytes:
        return crypto_sign(data, self._sodium_secret_key)[:64]

    def did_document(self) -> dict[str, Any]:
        """The DID document of this key alone (a rotated issuer's full one: `public_did_document`)."""
        return did_document(self.did, self.public_key, key_id=self.verification_method.partition("#")[2])

    # -- at rest ----------------------------------------------------------------------------------

    def save(self, path: Path, passphrase: str) -> None:
        """Write the key encrypted with `passphrase`; refuses to overwrite an existing file."""
        entry = KeyEntry(self.verification_method, self.public_key_multibase, _now())
        write_key_file(path, _keyring_document(self.did, [entry], self._sealed(passphrase)))

    @classmethod
    def load(cls, path: Path, passphrase: str) -> SigningKey:
        """The current signing key in `path`."""
        document = read_key_file(path, KEY_FILE_FORMAT, LEGACY_KEY_FILE_FORMAT)
        if document["format"] == LEGACY_KEY_FILE_FORMAT:
            return _load_legacy(path, document, passphrase)
        did, entries, sealed = _parse_keyring(path, document)
        try:
            private_key = pkcs8.decrypt(sealed, passphrase)
        except ValueError as exc:
            # PBES2's AES-CBC has no integrity check: a wrong passphrase fails the padding check, or (one
            # time in ~256) passes it and leaves garbage that fails to parse — the two look the same.
            raise KeyFileError(
                f"cannot decrypt {path}: wrong passphrase, or the file is damaged ({exc.__class__.__name__}: "
                f"{str(exc).split('. ')[0]})"
            ) from None
        signing_key = cls(private_key, did, entries[-1].id)
        if signing_key.public_key_multibase != entries[-1].public_key_multibase:
            raise KeyFileError(f"{path}: the public key does not match the private key")
        return signing_key

    def _sealed(self, passphrase: str) -> str:
        check_passphrase(passphrase)
        return pkcs8.encrypt(self.private_key, passphrase)


@dataclass(frozen=True)
class KeyEntry:
    """One key of an issuer's keyring, as its DID document publishes it."""

    id: str
    public_key_multibase: str
    created: str
    retired: str | None = None
    withdrawn: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"id": self.id, "publicKeyMultibase": self.public_key_multibase, "created": self.created}
        return data | {k: v for k, v in (("retired", self.retired), ("withdrawn", self.withdrawn)) if v}


@dataclass(frozen=True)
class Rotation:
    """What `rotate_key` did: the new signing key and the key it replaced."""

    key: SigningKey
    previous: KeyEntry


def rotate_key(path: Path, passphrase: str, *, withdraw: bool = False) -> Rotation:
    """Replace the current key of the did:web key file `path` by a new one (same passphrase).

    The old key is retired — kept in the DID document for the credentials it signed — or, with
    `withdraw` (it was compromised), removed from it. The file is replaced atomically: a crash
    leaves the old file or the new one, never a mix.
    """
    current = SigningKey.load(path, passphrase)
    if not current.did.startswith("did:web:"):
        raise ConfigurationError(
            f"{current.did} is a did:key DID, which is its key and cannot rotate: create a did:web issuer "
            "(`credanchor issuer create --did-web`) to be able to rotate keys"
        )
    _, entries = key_entries(path)
    now = _now()
    previous = replace(entries[-1], retired=now, withdrawn=now if withdraw else None)
    fresh = Ed25519PrivateKey.generate()
    method = f"{current.did}#key-{_next_key_number(entries)}"
    new_key = SigningKey(fresh, current.did, method)
    entries = [*entries[:-1], previous, KeyEntry(method, new_key.public_key_multibase, now)]
    replace_key_file(path, _keyring_document(current.did, entries, new_key._sealed(passphrase)))
    return Rotation(new_key, previous)


def key_entries(path: Path) -> tuple[str, list[KeyEntry]]:
    """The DID and every key of a key file, oldest first (the last is current) — no passphrase needed."""
    document = read_key_file(path, KEY_FILE_FORMAT, LEGACY_KEY_FILE_FORMAT)
    if document["format"] == LEGACY_KEY_FILE_FORMAT:
        try:
            entry = KeyEntry(str(document["verificationMethod"]), str(document["publicKeyMultibase"]), "")
            return str(document["did"]), [entry]
        except KeyError as exc:
            raise KeyFileError(f"{path} is damaged (KeyError: {exc})") from None
    did, entries, _ = _parse_keyring(path, document)
    return did, entries


def public_did_document(path: Path) -> dict[str, Any]:
    """The DID document of a key file's public part: current and retired keys, not withdrawn ones."""
    did, entries = key_entries(path)
    try:
        return _did_document(did, entries)
    except (TypeError, ValueError) as exc:
        raise KeyFileError(f"{path}: no usable public key ({exc})") from exc


def _did_document(did: str, entries: list[KeyEntry]) -> dict[str, Any]:
    published = [entry for entry in entries if entry.withdrawn is None]
    for entry in published:
        multibase.decode_key(entry.public_key_multibase, multibase.ED25519_PUB, what="public key")
    methods = [(entry.id, entry.public_key_multibase) for entry in published]
    return keys_document(did, methods, retired={entry.id for entry in published if entry.retired})


def _keyring_document(did: str, entries: list[KeyEntry], sealed: str) -> dict[str, Any]:
    return {
        "format": KEY_FILE_FORMAT,
        "did": did,
        "keys": [entry.to_json() for entry in entries],
        "encryptedPrivateKey": sealed,
    }


def _parse_keyring(path: Path, document: dict[str, Any]) -> tuple[str, list[KeyEntry], str]:
    """The DID, the keys and the current key's encrypted PKCS#8 block of a keyring document."""
    try:
        did, sealed = document["did"], document["encryptedPrivateKey"]
        entries = [_entry(item) for item in document["keys"]]
        if not isinstance(did, str) or not isinstance(sealed, str) or not entries:
            raise TypeError("did, keys and encryptedPrivateKey are required")
        if any(not entry.id.startswith(did + "#") for entry in entries):
            raise ValueError(f"every key id must be a fragment of {did}")
        if entries[-1].retired is not None or any(entry.retired is None for entry in entries[:-1]):
            raise ValueError("only the last key may be current")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeyFileError(f"{path} is damaged ({exc.__class__.__name__}: {exc})") from None
    return did, entries, sealed


def _entry(item: dict[str, Any]) -> KeyEntry:
    retired, withdrawn = item.get("retired"), item.get("withdrawn")
    if not all(isinstance(value, str | None) for value in (retired, withdrawn)):
        raise TypeError("retired and withdrawn are dates")
    return KeyEntry(str(item["id"]), str(item["publicKeyMultibase"]), str(item["created"]), retired, withdrawn)


def _next_key_number(entries: list[KeyEntry]) -> int:
    numbers = [int(e.id.rpartition("#key-")[2]) for e in entries if e.id.rpartition("#key-")[2].isdigit()]
    return max(numbers, default=0) + 1


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ConfigurationError(f"the key passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters")


# -- files ----------------------------------------------------------------------------------------


def write_key_file(path: Path, document: dict[str, Any]) -> None:
    """Create a key file readable by its owner only; never overwrite one."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists: choose another path or remove it first") from None
    with os.fdopen(fd, "w") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def replace_key_file(path: Path, document: dict[str, Any]) -> None:
    """Replace a key file atomically (a new file, synced, renamed over the old one)."""
    staging = path.with_name(f".{path.name}.new")
    staging.unlink(missing_ok=True)  # left by a crash before the rename: the old file is still whole
    write_key_file(staging, document)
    os.replace(staging, path)
    sync_folder(path.parent)


def read_key_file(path: Path, *formats: str) -> dict[str, Any]:
    """A key file's JSON, after checking that only its owner can read or change it."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeyFileError(
            f"no key file at {path}: check the path, or make the key — an issuer's with `credanchor issuer "
            "create`, a learner's with `credanchor holder create PATH`, an Ethereum account with `credanchor "
            "account create`"
        ) from None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path} is not a credanchor key file: {exc}") from exc
    if not isinstance(document, dict):
        raise KeyFileError(f"{path} is not a key file: it holds JSON {type(document).__name__}, not an object")
    if formats and document.get("format") not in formats:
        raise KeyFileError(f"{path} is not a credanchor key file (format {formats[0]})")
    check_private(path, error=KeyFileError)
    return document


# -- the previous format (read only) ----------------------------------------------------------------


def _load_legacy(path: Path, document: dict[str, Any], passphrase: str) -> SigningKey:
    try:
        did, method = str(document["did"]), str(document["verificationMethod"])
    except KeyError as exc:
        raise KeyFileError(f"{path} is damaged (KeyError: {exc})") from None
    bound = (document.get("did"), document.get("verificationMethod"), document.get("publicKeyMultibase"))
    seed = unseal_legacy(document, passphrase, bound, path)
    try:
        signing_key = SigningKey(Ed25519PrivateKey.from_private_bytes(seed), did, method)
    except ValueError as exc:
        raise KeyFileError(f"{path} is damaged ({exc})") from None
    if signing_key.public_key_multibase != document.get("publicKeyMultibase"):
        raise KeyFileError(f"{path}: the public key does not match the private key")
    return signing_key


def unseal_legacy(document: dict[str, Any], passphrase: str, bound: tuple[Any, ...], path: Path) -> bytes:
    """The secret of a previous-format file (scrypt + AES-256-GCM, `bound` authenticated with it)."""
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


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not (2**14 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ValueError(f"scrypt parameters out of range (n={n}, r={r}, p={p})")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text, validate=True)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Ed25519 (RFC 8032) verification by libsodium, which takes about half the time OpenSSL takes
    here (measured 66 µs vs 119 µs) and is strict: besides a non-canonical S it also refuses
    small-order public keys and R points, which no honest signer produces."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        crypto_sign_open(signature + data, public_key)
    except BadSignatureError:
        return False
    return True
