"""Ethereum accounts held locally: an issuer's own account (signs its anchoring and status
transactions, so any JSON-RPC endpoint works, no node-managed accounts needed) and accreditation
bodies' accounts.

Account files are standard Web3 Secret Storage (keystore v3) files, as geth, Foundry's `cast
wallet` and eth-account read them: scrypt (n = 2**17, r = 8, p = 1: about 0.35 s and 128 MiB per
try) + AES-128-CTR with a Keccak MAC. They are created with mode 0600 and refused when other users
can read or change them. Files of the previous format (`credanchor-ethereum-account/1`) still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchor.crypto.keys import KeyFileError, check_passphrase, read_key_file, unseal_legacy, write_key_file
from anchor.recursion import restore_recursion_limit
from anchor.types import check_address

restore_recursion_limit()  # importing eth_account raised it (py_ecc): see anchor.recursion

LEGACY_ACCOUNT_FILE_FORMAT = "credanchor-ethereum-account/1"
SCRYPT_N = 2**17


@dataclass(frozen=True)
class EthereumKey:
    account: LocalAccount = field(repr=False)

    @classmethod
    def generate(cls) -> EthereumKey:
        return cls(Account.create())

    @property
    def address(self) -> str:
        return str(self.account.address)

    def save(self, path: Path, passphrase: str) -> None:
        """Write a keystore v3 file encrypted with `passphrase`; refuses to overwrite an existing file."""
        check_passphrase(passphrase)
        write_key_file(path, Account.encrypt(self.account.key, passphrase, kdf="scrypt", iterations=SCRYPT_N))

    @classmethod
    def load(cls, path: Path, passphrase: str) -> EthereumKey:
        document = _read(path)
        if document.get("format") == LEGACY_ACCOUNT_FILE_FORMAT:
            secret = unseal_legacy(document, passphrase, (document.get("address"),), path)
        else:
            try:
                secret = bytes(Account.decrypt(document, passphrase))
            except ValueError as exc:
                if "MAC mismatch" in str(exc):
                    raise KeyFileError(f"cannot decrypt {path}: wrong passphrase, or the file was changed") from None
                raise KeyFileError(f"{path} is damaged ({exc})") from None
            except (KeyError, TypeError) as exc:
                raise KeyFileError(f"{path} is damaged ({exc.__class__.__name__}: {exc})") from None
        key = cls(Account.from_key(secret))
        if key.address != _address(path, document):
            raise KeyFileError(f"{path}: the address does not match the key")
        return key


def account_address(path: Path) -> str | None:
    """The address recorded in an account file, without decrypting it (None if there is none)."""
    try:
        return _address(path, _read(path))
    except KeyFileError:
        return None


def _read(path: Path) -> dict[str, Any]:
    document = read_key_file(path)
    if document.get("format") != LEGACY_ACCOUNT_FILE_FORMAT and not (
        document.get("version") == 3 and isinstance(document.get("crypto"), dict)
    ):
        raise KeyFileError(f"{path} is not an Ethereum keystore (version 3) file")
    return document


def _address(path: Path, document: dict[str, Any]) -> str:
    address = document.get("address")
    if not isinstance(address, str):
        raise KeyFileError(f"{path} records no address")
    try:
        return check_address(address if address.startswith("0x") else "0x" + address, what=f"the address in {path}")
    except ValueError as exc:
        raise KeyFileError(f"{path} records a malformed address ({exc})") from None
