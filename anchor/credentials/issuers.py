"""Issuers and accreditation bodies on disk: profiles, encrypted keys and Ethereum accounts.

An issuer lives in `<data dir>/issuers/<slug>/`: `profile.json` (awarding body: DID, name, country, region,
web site; and two settings that are not part of the credential's issuer profile: `public_url`, the public
base URL where `credanchor serve` answers for it, which its credentials' `statusListCredential` URLs start
with, and `status_purposes`, the status entries its credentials carry), `key.json` (the Ed25519 signing
key, encrypted with a passphrase) and `account.json` (its own Ethereum account, a v3 keystore, which signs
its transactions). An accreditation body that keeps its key here has `<data dir>/bodies/<address>.json`;
any other account kept here (the deployer, who administers the IssuerRegistry) has
`<data dir>/accounts/<address>.json`. Issuing credentials with these keys is `anchor.credentials.issuance`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.credentials.model import AwardingBody
from anchor.credentials.status import PURPOSES, public_base_url, status_purposes
from anchor.crypto.accounts import EthereumKey, account_address
from anchor.crypto.keys import Rotation, SigningKey, public_did_document, rotate_key
from anchor.errors import ConfigurationError
from anchor.settings import Settings, private_folder

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ACCOUNT_FILE = "account.json"
PROFILE_FILE = "profile.json"
#: The profile member holding the issuer's public base URL (absent: none).
PUBLIC_URL = "public_url"
#: The profile member naming the status purposes its credentials carry entries for (absent: both).
STATUS_PURPOSES = "status_purposes"
#: Profile members that are settings of the issuer, not part of the credential's issuer profile.
_SETTINGS = (PUBLIC_URL, STATUS_PURPOSES)


def issuers_dir(settings: Settings) -> Path:
    return settings.data_dir / "issuers"


def create_issuer(
    settings: Settings,
    slug: str,
    body: AwardingBody,
    passphrase: str,
    *,
    did_web: str | None = None,
    public_url: str | None = None,
    purposes: str | None = None,
) -> SigningKey:
    """Generate the issuer's key (did:key, or the given did:web) and write profile and encrypted key;
    `public_url`: its public base URL (see the module docstring); `purposes`: the status purposes of its
    credentials (`status.status_purposes`; None: revocation and suspension)."""
    if not _SLUG.match(slug):
        raise ConfigurationError(f"issuer name {slug!r} must be lower-case letters, digits and dashes")
    folder = issuers_dir(settings) / slug
    if (folder / PROFILE_FILE).exists():
        raise ConfigurationError(f"issuer {slug!r} already exists in {folder}")
    checked = None if public_url is None else public_base_url(public_url, "--public-url")
    chosen = None if purposes is None else list(status_purposes(purposes))
    key = SigningKey.generate(did_web)
    key.save(folder / "key.json", passphrase)
    EthereumKey.generate().save(folder / ACCOUNT_FILE, passphrase)  # signs its transactions
    profile = asdict(replace(body, did=key.did))
    settings_members = {PUBLIC_URL: checked, STATUS_PURPOSES: chosen}
    write_json(folder / PROFILE_FILE, {**profile, **{k: v for k, v in settings_members.items() if v is not None}})
    return key


def issuer_account(settings: Settings, slug: str) -> str | None:
    """The issuer's own Ethereum address (from its account file, without decrypting it)."""
    return account_address(issuers_dir(settings) / slug / ACCOUNT_FILE)


def issuer_owning(settings: Settings, address: str) -> str | None:
    """The issuer in the data directory whose Ethereum account is `address`, if any."""
    for slug in list_issuers(settings):
        if (issuer_account(settings, slug) or "").lower() == address.lower():
            return slug
    return None


def signing_account(settings: Settings, address: str, passphrase: str) -> EthereumKey | None:
    """The local key of whichever issuer in the data directory owns `address`, if one does."""
    slug = issuer_owning(settings, address)
    return None if slug is None else EthereumKey.load(issuers_dir(settings) / slug / ACCOUNT_FILE, passphrase)


def bodies_dir(settings: Settings) -> Path:
    return settings.data_dir / "bodies"


def create_body_account(settings: Settings, passphrase: str) -> str:
    """A new Ethereum account for an accreditation body, encrypted in `<data dir>/bodies/<address>.json`."""
    key = EthereumKey.generate()
    key.save(bodies_dir(settings) / f"{key.address}.json", passphrase)
    return key.address


def accounts_dir(settings: Settings) -> Path:
    return settings.data_dir / "accounts"


def create_local_account(settings: Settings, passphrase: str) -> str:
    """A new Ethereum account (e.g. a deployer's, on a public network), encrypted in
    `<data dir>/accounts/<address>.json`."""
    key = EthereumKey.generate()
    key.save(accounts_dir(settings) / f"{key.address}.json", passphrase)
    return key.address


def _account_file(settings: Settings, address: str) -> Path | None:
    """The body's or other account's key file of `address` in the data directory, if there is one."""
    for folder in (bodies_dir(settings), accounts_dir(settings)):
        for path in folder.glob("*.json") if folder.is_dir() else ():
            if path.stem.lower() == address.lower():
                return path
    return None


def local_account(settings: Settings, address: str, passphrase: str) -> EthereumKey | None:
    """The local key of `address`: an issuer's own account, an accreditation body's or another account
    kept here, if one is."""
    issuer_key = signing_account(settings, address, passphrase)
    if issuer_key is not None:
        return issuer_key
    path = _account_file(settings, address)
    return None if path is None else EthereumKey.load(path, passphrase)


def has_local_account(settings: Settings, address: str) -> bool:
    return _account_file(settings, address) is not None or issuer_owning(settings, address) is not None


def sender_for(
    settings: Settings, node_accounts: Iterable[str], address: str, passphrase: Callable[[], str]
) -> LocalAccount | str:
    """How to send from `address`: its local key (asking `passphrase()` only then), or the address
    itself when the node manages it; ConfigurationError when neither is possible."""
    if has_local_account(settings, address):
        key = local_account(settings, address, passphrase())
        if key is not None:
            return key.account
    if address.lower() in {a.lower() for a in node_accounts}:
        return address
    raise ConfigurationError(
        f"no key for {address}: it is neither an issuer's, accreditation body's or other account in the data "
        "directory (credanchor account create) nor managed by the node"
    )


def list_issuers(settings: Settings) -> list[str]:
    root = issuers_dir(settings)
    return sorted(p.parent.name for p in root.glob(f"*/{PROFILE_FILE}")) if root.is_dir() else []


def load_profile(settings: Settings, slug: str | None) -> tuple[str, AwardingBody]:
    """The issuer `slug`, or the only issuer when none is named."""
    slug, data = _profile_data(settings, slug)
    for member in _SETTINGS:
        data.pop(member, None)
    try:
        return slug, AwardingBody(**data)
    except TypeError as exc:
        raise ConfigurationError(
            f"{issuers_dir(settings) / slug / PROFILE_FILE} is not an issuer profile: {exc}"
        ) from exc


def issuer_public_url(settings: Settings, slug: str) -> str | None:
    """The issuer's public base URL (where `credanchor serve` answers for it), or None when it has none."""
    url = _profile_data(settings, slug)[1].get(PUBLIC_URL)
    return None if url is None else public_base_url(str(url), f"{slug}'s public URL")


def issuer_status_purposes(settings: Settings, slug: str) -> tuple[str, ...]:
    """The status purposes the issuer's credentials carry entries for (default: revocation and suspension)."""
    chosen = _profile_data(settings, slug)[1].get(STATUS_PURPOSES)
    return tuple(PURPOSES) if chosen is None else status_purposes(chosen, f"{slug}'s status purposes")


def set_issuer_status_purposes(settings: Settings, slug: str | None, purposes: str) -> str:
    """Set the status purposes of the issuer `slug` (or the only one); returns the slug. Credentials issued
    before keep the entries they carry."""
    slug, data = _profile_data(settings, slug)
    data[STATUS_PURPOSES] = list(status_purposes(purposes))
    write_json(issuers_dir(settings) / slug / PROFILE_FILE, data)
    return slug


def set_issuer_public_url(settings: Settings, slug: str | None, public_url: str | None) -> str:
    """Set (or, with None, remove) the public base URL of the issuer `slug` (or the only one); returns the slug.

    Credentials issued before keep the URL they were signed with: serve the old URL as well, or reissue."""
    slug, data = _profile_data(settings, slug)
    if public_url is None:
        data.pop(PUBLIC_URL, None)
    else:
        data[PUBLIC_URL] = public_base_url(public_url, "--public-url")
    write_json(issuers_dir(settings) / slug / PROFILE_FILE, data)
    return slug


def _profile_data(settings: Settings, slug: str | None) -> tuple[str, dict[str, Any]]:
    """The issuer `slug` (or the only issuer when none is named) and its profile file's members."""
    if slug is None:
        known = list_issuers(settings)
        if len(known) != 1:
            raise ConfigurationError(
                "no issuer yet: create one with `credanchor issuer create`"
                if not known
                else f"several issuers ({', '.join(known)}): choose one with --issuer"
            )
        slug = known[0]
    path = issuers_dir(settings) / slug / PROFILE_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigurationError(f"no issuer {slug!r} in {issuers_dir(settings)}") from None
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not an issuer profile: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} is not an issuer profile: not a JSON object")
    return slug, data


def key_file(settings: Settings, slug: str) -> Path:
    return issuers_dir(settings) / slug / "key.json"


def load_key(settings: Settings, slug: str, passphrase: str) -> SigningKey:
    return SigningKey.load(key_file(settings, slug), passphrase)


def issuer_did_document(settings: Settings, slug: str) -> dict[str, Any]:
    """The issuer's DID document (current and retired keys), from its key file's public part."""
    return public_did_document(key_file(settings, slug))


def rotate_issuer_key(settings: Settings, slug: str | None, passphrase: str, *, withdraw: bool = False) -> Rotation:
    """Give the issuer a new signing key (see `anchor.crypto.keys.rotate_key`); its profile keeps its DID."""
    slug, _ = load_profile(settings, slug)
    return rotate_key(key_file(settings, slug), passphrase, withdraw=withdraw)


def write_json(path: Path, data: Any) -> None:
    """Write atomically: a crash leaves either the old file or the whole new one (its folder, when new,
    private: it is in the data directory)."""
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    os.replace(tmp, path)
