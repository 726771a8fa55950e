"""Issuers on disk (profile + encrypted key) and issuing signed credentials from rosters.

An issuer lives in `<data dir>/issuers/<slug>/`: `profile.json` (awarding body: DID, name,
country, region, web site) and `key.json` (the Ed25519 key, encrypted with a passphrase).
Issuing is safe to retry: a credential's id is derived from the issuer and the row's content,
and a credential file that already exists is not written again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from anchor.anchoring.batches import credential_hash as anchoring_hash
from anchor.credentials.model import (
    Award,
    AwardingBody,
    CredentialValidationError,
    MicroCredentialSpec,
    achievement_errors,
    build_achievement,
    build_credential,
    build_issuer,
    graded,
    validate_credential,
    xsd_datetime,
)
from anchor.credentials.roster import RosterRow
from anchor.credentials.status import StatusAllocator
from anchor.crypto.accounts import EthereumKey, account_address
from anchor.crypto.jsonld import LoaderFn
from anchor.crypto.keys import Rotation, SigningKey, public_did_document, rotate_key
from anchor.crypto.proofs import CRYPTOSUITES, RDFC, add_proof, default_loader
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.settings import Settings
from anchor.types import as_list

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REPORT_NAME = "issue-report.csv"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "learner"


# -- issuers on disk ----------------------------------------------------------------------------


def issuers_dir(settings: Settings) -> Path:
    return settings.data_dir / "issuers"


def create_issuer(
    settings: Settings, slug: str, body: AwardingBody, passphrase: str, *, did_web: str | None = None
) -> SigningKey:
    """Generate the issuer's key (did:key, or the given did:web) and write profile and encrypted key."""
    if not _SLUG.match(slug):
        raise ConfigurationError(f"issuer name {slug!r} must be lower-case letters, digits and dashes")
    folder = issuers_dir(settings) / slug
    if (folder / "profile.json").exists():
        raise ConfigurationError(f"issuer {slug!r} already exists in {folder}")
    key = SigningKey.generate(did_web)
    key.save(folder / "key.json", passphrase)
    EthereumKey.generate().save(folder / ACCOUNT_FILE, passphrase)  # signs its transactions
    write_json(folder / "profile.json", asdict(replace(body, did=key.did)))
    return key


ACCOUNT_FILE = "account.json"


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


def local_account(settings: Settings, address: str, passphrase: str) -> EthereumKey | None:
    """The local key of `address`: an issuer's own account or an accreditation body's, if one is here."""
    issuer_key = signing_account(settings, address, passphrase)
    if issuer_key is not None:
        return issuer_key
    for path in bodies_dir(settings).glob("*.json") if bodies_dir(settings).is_dir() else ():
        if path.stem.lower() == address.lower():
            return EthereumKey.load(path, passphrase)
    return None


def has_local_account(settings: Settings, address: str) -> bool:
    folder = bodies_dir(settings)
    in_bodies = folder.is_dir() and any(p.stem.lower() == address.lower() for p in folder.glob("*.json"))
    return in_bodies or issuer_owning(settings, address) is not None


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
        f"no key for {address}: it is neither an issuer's or accreditation body's account in the data "
        "directory nor managed by the node"
    )


def list_issuers(settings: Settings) -> list[str]:
    root = issuers_dir(settings)
    return sorted(p.parent.name for p in root.glob("*/profile.json")) if root.is_dir() else []


def load_profile(settings: Settings, slug: str | None) -> tuple[str, AwardingBody]:
    """The issuer `slug`, or the only issuer when none is named."""
    if slug is None:
        known = list_issuers(settings)
        if len(known) != 1:
            raise ConfigurationError(
                "no issuer yet: create one with `credanchor issuer create`"
                if not known
                else f"several issuers ({', '.join(known)}): choose one with --issuer"
            )
        slug = known[0]
    path = issuers_dir(settings) / slug / "profile.json"
    try:
        return slug, AwardingBody(**json.loads(path.read_text()))
    except FileNotFoundError:
        raise ConfigurationError(f"no issuer {slug!r} in {issuers_dir(settings)}") from None
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{path} is not an issuer profile: {exc}") from exc


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


# -- issuing ------------------------------------------------------------------------------------


def url_uuid5_urn(name: str) -> str:
    """`urn:uuid:` + RFC 9562 UUIDv5 of `name` in the URL namespace — `uuid.uuid5`'s value, written
    without building a UUID object (a sixth of the cost; it runs once per issued credential)."""
    digest = bytearray(hashlib.sha1(_URL_NAMESPACE + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 9562 variant
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


class CredentialIssuer:
    """Builds, validates and signs credentials for one awarding body and key."""

    def __init__(
        self,
        body: AwardingBody,
        key: SigningKey,
        *,
        cryptosuite: str = RDFC,
        loader: LoaderFn | None = None,
        status: StatusAllocator | None = None,
        status_base_url: str | None = None,
    ):
        if cryptosuite not in CRYPTOSUITES:
            raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
        if body.did != key.did:
            raise ConfigurationError(f"the profile's DID {body.did} is not the key's DID {key.did}")
        self.body, self.key, self.cryptosuite = body, key, cryptosuite
        self.status, self.status_base_url = status, status_base_url
        self.loader = loader or default_loader()
        self._issuer_profile = build_issuer(body)
        # One achievement object per course (and graded or not), validated once.
        self._achievements: dict[tuple[MicroCredentialSpec, bool], dict[str, Any]] = {}

    def credential_id(self, spec: MicroCredentialSpec, award: Award, *, dated: bool = True) -> str:
        """A stable id: the same issuer, learner, achievement (and date, if `dated`) give the same id."""
        learner = award.learner
        when = xsd_datetime(award.issued_on) if dated else "undated"
        seed = "|".join((self.body.did, spec.title, learner.name, learner.email or "", learner.did or "", when))
        return url_uuid5_urn(seed)

    def issue(self, spec: MicroCredentialSpec, award: Award, *, created: str | None = None) -> dict[str, Any]:
        key = (spec, bool(award.grade))
        achievement = self._achievements.get(key)
        if achievement is None:
            achievement = build_achievement(self.body, spec)
            achievement = graded(achievement) if award.grade else achievement
            problems = achievement_errors(achievement)
            if problems:
                raise CredentialValidationError(problems)
            self._achievements[key] = achievement
        if award.credential_id is None:
            award = replace(award, credential_id=self.credential_id(spec, award))
        if self.status is not None:
            entries = self.status.allocate().entries(self.status_base_url)
            award = replace(award, extra_status=(*award.extra_status, *entries))
        credential = build_credential(
            self.body, spec, award, achievement=achievement, issuer_profile=self._issuer_profile
        )
        validate_credential(credential, validated_achievement=achievement)
        return add_proof(credential, self.key, cryptosuite=self.cryptosuite, created=created, loader=self.loader)


def sign_credential(
    credential: dict[str, Any], key: SigningKey, *, cryptosuite: str = RDFC, loader: LoaderFn | None = None
) -> dict[str, Any]:
    """Sign any VC 2.0 credential (the W3C VC API's issue): `issuer` is set to the key's DID when absent,
    and must be it when present; a credential that already has a proof, or is not VC 2.0, is refused."""
    from anchor.credentials.verify import vc_data_model_errors

    credential = dict(credential)
    issuer = credential.setdefault("issuer", key.did)
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != key.did:
        raise ConfigurationError(
            f"credential.issuer is {issuer_id!r}, but the key signs as {key.did}: set issuer to it, or leave it out"
        )
    if "proof" in credential:
        raise ConfigurationError("the credential already has a proof: send it unsigned")
    problems = vc_data_model_errors(credential)
    if problems:
        raise ConfigurationError("not a VC 2.0 credential: " + "; ".join(problems))
    return add_proof(credential, key, cryptosuite=cryptosuite, loader=loader or default_loader())


class AlreadyIssuedError(CredAnchorError, ValueError):
    """The same credential was issued before, differently (e.g. with another cryptosuite)."""


class CredentialQueue(Protocol):
    def document(self, credential_id: str) -> dict[str, Any] | None: ...

    def queue(
        self, credential: dict[str, Any], credential_hash: bytes, issuer_account: str, *, file_name: str | None = None
    ) -> bool: ...


def issue_and_queue(
    issuer: CredentialIssuer,
    store: CredentialQueue,
    account: str,
    spec: MicroCredentialSpec,
    award: Award,
    *,
    dated: bool = True,
) -> tuple[dict[str, Any], bool]:
    """Sign one credential and queue it for anchoring by `account`: (credential, newly issued?).

    Safe to retry: the id comes from the content, and an id already in the store is returned as stored.
    """
    credential_id = issuer.credential_id(spec, award, dated=dated)
    earlier = store.document(credential_id)
    if earlier is not None:
        suites = {p.get("cryptosuite") for p in as_list(earlier.get("proof")) if isinstance(p, dict)}
        if issuer.cryptosuite not in suites:
            raise AlreadyIssuedError(
                f"credential {credential_id} was issued before with {', '.join(sorted(map(str, suites)))}, "
                f"not {issuer.cryptosuite}: it is not signed again (fetch it, or revoke it and issue anew)"
            )
        return earlier, False
    credential = issuer.issue(spec, replace(award, credential_id=credential_id))
    store.queue(credential, anchoring_hash(credential), account)
    return credential, True


@dataclass(frozen=True)
class RowOutcome:
    line: int
    learner: str
    status: str  # issued | already-issued | failed
    credential_id: str = ""
    file: str = ""
    errors: tuple[str, ...] = ()


def issue_roster(
    rows: Iterable[RosterRow],
    issuer: CredentialIssuer,
    out_dir: Path,
    *,
    on_row: Callable[[RowOutcome], None] | None = None,
    on_issued: Callable[[dict[str, Any], Path], None] | None = None,
    recorded: Callable[[str], dict[str, Any] | None] | None = None,
) -> list[RowOutcome]:
    """Sign every valid row into `out_dir/<learner>-<id>.json`; every row gets an outcome, none is dropped.

    `on_issued(credential, path)` runs before a new file is written (e.g. to queue it for anchoring);
    `recorded(id)` returns a credential recorded by an earlier run, which is written again rather
    than signed anew — so a run that died between the two steps is finished by the next one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for row in rows:
        outcome = _issue_row(row, issuer, out_dir, on_issued, recorded)
        outcomes.append(outcome)
        if on_row is not None:
            on_row(outcome)
    write_report(out_dir / REPORT_NAME, outcomes)
    return outcomes


def _issue_row(
    row: RosterRow,
    issuer: CredentialIssuer,
    out_dir: Path,
    on_issued: Callable[[dict[str, Any], Path], None] | None,
    recorded: Callable[[str], dict[str, Any] | None] | None,
) -> RowOutcome:
    if row.spec is None or row.award is None:
        return RowOutcome(row.line, row.learner_name, "failed", errors=row.errors)
    credential_id = issuer.credential_id(row.spec, row.award, dated=row.dated)
    path = out_dir / f"{slugify(row.learner_name)}-{credential_id.rsplit(':', 1)[1][:8]}.json"
    if path.exists():
        return RowOutcome(row.line, row.learner_name, "already-issued", credential_id, path.name)
    earlier = recorded(credential_id) if recorded is not None else None
    if earlier is not None:
        write_json(path, earlier)
        return RowOutcome(row.line, row.learner_name, "already-issued", credential_id, path.name)
    try:
        credential = issuer.issue(row.spec, replace(row.award, credential_id=credential_id))
    except CredAnchorError as exc:
        errors = tuple(str(e) for e in getattr(exc, "errors", [])) or (str(exc),)
        return RowOutcome(row.line, row.learner_name, "failed", credential_id, errors=errors)
    if on_issued is not None:
        on_issued(credential, path)  # e.g. queue for anchoring, before the file exists: a retry redoes both
    write_json(path, credential)
    return RowOutcome(row.line, row.learner_name, "issued", credential_id, path.name)


def write_report(path: Path, outcomes: list[RowOutcome]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "learner", "status", "credential_id", "file", "errors"])
        for o in outcomes:
            writer.writerow([o.line, o.learner, o.status, o.credential_id, o.file, " | ".join(o.errors)])
    tmp.replace(path)


def write_json(path: Path, data: Any) -> None:
    """Write atomically: a crash leaves either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    os.replace(tmp, path)
