"""The issuer's Ethereum account: the key that signs its anchoring and status transactions locally,
so any JSON-RPC endpoint works (no node-managed accounts needed), encrypted at rest like the
Ed25519 keys (scrypt + AES-256-GCM, the address authenticated with it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from .keys import KeyFileError, read_key_file, seal, unseal, write_key_file

ACCOUNT_FILE_FORMAT = "credanchor-ethereum-account/1"


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
        document = {"format": ACCOUNT_FILE_FORMAT, "address": self.address}
        document["encryption"] = seal(bytes(self.account.key), passphrase, (self.address,))  # type: ignore[assignment]
        write_key_file(path, document)

    @classmethod
    def load(cls, path: Path, passphrase: str) -> EthereumKey:
        document = read_key_file(path, ACCOUNT_FILE_FORMAT)
        secret = unseal(document, passphrase, (document.get("address"),), path)
        key = cls(Account.from_key(secret))
        if key.address != document.get("address"):
            raise KeyFileError(f"{path}: the address does not match the key")
        return key


def account_address(path: Path) -> str | None:
    """The address recorded in an account file, without decrypting it (None if there is none)."""
    try:
        return str(read_key_file(path, ACCOUNT_FILE_FORMAT)["address"])
    except (KeyFileError, KeyError):
        return None
