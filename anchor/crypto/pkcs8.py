"""Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018): PBKDF2-HMAC-SHA256
and AES-256-CBC — the form `openssl pkey` and every PKCS#8 reader accepts.

`cryptography` writes encrypted PKCS#8 only with a fixed 2,048 PBKDF2 iterations, far below
current guidance, so the few DER structures are written here with 600,000 iterations (OWASP's
figure for PBKDF2-HMAC-SHA256); reading is left to `cryptography`, which accepts any PBES2 key,
scrypt-based ones from `openssl pkcs8 -topk8 -scrypt` included.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

PBKDF2_ITERATIONS = 600_000

ID_PBES2 = "1.2.840.113549.1.5.13"
ID_PBKDF2 = "1.2.840.113549.1.5.12"
ID_HMAC_WITH_SHA256 = "1.2.840.113549.2.9"
ID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def encrypt(private_key: Ed25519PrivateKey, passphrase: str) -> str:
    """`private_key` as a PEM "ENCRYPTED PRIVATE KEY" block under `passphrase`."""
    plain = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(SHA256(), length=32, salt=salt, iterations=PBKDF2_ITERATIONS).derive(passphrase.encode())
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    pbkdf2_params = _sequence(
        _octets(salt), _integer(PBKDF2_ITERATIONS), _integer(32), _sequence(_oid(ID_HMAC_WITH_SHA256), _null())
    )
    pbes2_params = _sequence(
        _sequence(_oid(ID_PBKDF2), pbkdf2_params),
        _sequence(_oid(ID_AES256_CBC), _octets(iv)),
    )
    der = _sequence(_sequence(_oid(ID_PBES2), pbes2_params), _octets(ciphertext))
    return _pem("ENCRYPTED PRIVATE KEY", der)


def decrypt(pem: str, passphrase: str) -> Ed25519PrivateKey:
    """The Ed25519 key in an encrypted PKCS#8 PEM block; ValueError if the passphrase is wrong or it is damaged."""
    key = serialization.load_pem_private_key(pem.encode(), passphrase.encode())
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"it holds a {type(key).__name__}, not an Ed25519 key")
    return key


# -- DER (X.690), only what the structures above need -----------------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _sequence(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))  # non-negative, minimal


def _null() -> bytes:
    return b"\x05\x00"


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(arc) for arc in dotted.split("."))
    body = bytearray()
    for arc in (40 * first + second, *rest):
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(0x80 | (arc & 0x7F))
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _pem(label: str, der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
