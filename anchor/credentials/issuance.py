"""Issuing signed credentials: one at a time, from rosters, and queued for anchoring.

`issue_and_queue` is the one issue-and-queue path: the API, `credanchor issue` (through
`issue_roster`), `credanchor stack issue` and the workshop all call it, with the store behind the
`CredentialQueue` interface and status indices from a `StatusAllocator`. Issuing is safe to retry:
a credential's id is derived from the issuer and the row's content, a credential already queued
is returned as queued, and a credential file that already exists is not written again.
Issuers' keys and profiles on disk are `anchor.credentials.issuers`.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from anchor.credentials.anchor_proofs import credential_hash as anchoring_hash
from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.credentials.issuers import write_json
from anchor.credentials.model import (
    CONTEXT,
    Award,
    AwardingBody,
    CredentialValidationError,
    Learner,
    MicroCredentialSpec,
    achievement_errors,
    build_achievement,
    build_credential,
    build_issuer,
    graded,
    proof_as_array,
    validate_credential,
)
from anchor.credentials.roster import RosterRow
from anchor.credentials.status import PURPOSES, StatusAllocator
from anchor.credentials.status import status_purposes as checked_purposes
from anchor.credentials.templates import TemplateSigning, fast_xsd_datetime
from anchor.crypto import jcs, multibase
from anchor.crypto.jsonld import LoaderFn
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import keccak
from anchor.crypto.proofs import CRYPTOSUITES, JCS, RDFC, add_proof, default_loader, now_xsd, proof_configuration
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list

REPORT_NAME = "issue-report.csv"
#: The inline context object every credential's @context holds.
_CONTEXT_TERMS = next(c for c in CONTEXT if isinstance(c, dict))


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "learner"


def url_uuid5_urn(name: str) -> str:
    """`urn:uuid:` + RFC 9562 UUIDv5 of `name` in the URL namespace — `uuid.uuid5`'s value, written
    without building a UUID object (a sixth of the cost; it runs once per issued credential)."""
    h = hashlib.sha1(_URL_NAMESPACE + name.encode(), usedforsecurity=False).hexdigest()
    # the first 16 bytes, with version 5 in the high nibble of byte 6 and the RFC 9562 variant in byte 8
    return f"urn:uuid:{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes
#: the high nibble of byte 8 (a hex digit) with its top two bits set to the variant's 10
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _xsd_or_none(moment: datetime) -> str | None:
    """`xsd_datetime(moment)`, or None where that raises (the plain path raises it in its own order)."""
    try:
        return fast_xsd_datetime(moment)
    except (ValueError, OverflowError):
        return None


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
        status_purposes: Iterable[str] = tuple(PURPOSES),
    ):
        """`status` allocates on-chain status entries (none without it), one for each of `status_purposes`
        (`status.status_purposes`; default revocation and suspension), their list credentials under
        `status_base_url` (else the lists' URNs)."""
        if cryptosuite not in CRYPTOSUITES:
            raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
        if body.did != key.did:
            raise ConfigurationError(f"the profile's DID {body.did} is not the key's DID {key.did}")
        self.body, self.key, self.cryptosuite = body, key, cryptosuite
        self.status, self.status_base_url = status, status_base_url
        self.status_purposes = checked_purposes(status_purposes)
        self.loader = loader or default_loader()
        self._issuer_profile = build_issuer(body)
        # One achievement object per course (and graded or not), validated once.
        self._achievements: dict[tuple[MicroCredentialSpec, bool], dict[str, Any]] = {}
        self._last_achievement: tuple[MicroCredentialSpec, bool, dict[str, Any]] | None = None
        # What all its credentials share, checked as plain JSON once (see jcs.KnownPlain).
        self._known = jcs.KnownPlain()
        self._known.remember(_CONTEXT_TERMS)
        self._known.remember(self._issuer_profile)
        self._jcs = _JcsSigning(key, self._known) if cryptosuite == JCS else None
        self._templates = TemplateSigning(body, key, self._issuer_profile, proof_as_array) if self._jcs else None

    def credential_id(self, spec: MicroCredentialSpec, award: Award, *, dated: bool = True) -> str:
        """A stable id: the same issuer, learner, achievement (and date, if `dated`) give the same id."""
        return self._credential_id(spec, award.learner, fast_xsd_datetime(award.issued_on) if dated else "undated")

    def _credential_id(self, spec: MicroCredentialSpec, learner: Learner, when: str) -> str:
        seed = "|".join((self.body.did, spec.title, learner.name, learner.email or "", learner.did or "", when))
        return url_uuid5_urn(seed)

    def issue(self, spec: MicroCredentialSpec, award: Award, *, created: str | None = None) -> dict[str, Any]:
        return self._issue(spec, award, created)[0]

    def issue_json(self, spec: MicroCredentialSpec, award: Award, *, created: str | None = None) -> bytes:
        """The signed credential as its canonical JSON (RFC 8785) bytes, ready to write or send: `json.loads`
        of them is what `issue` returns for the same award and `created`. eddsa-jcs-2022 credentials are
        filled into templates (anchor.credentials.templates), in less than half the time `issue` takes."""
        return self._issue_json(spec, award, created, hashed=False)[0]

    def issue_json_hashed(self, spec: MicroCredentialSpec, award: Award) -> tuple[bytes, bytes]:
        """`issue_json`, and the credential's anchoring hash (`anchor_proofs.credential_hash`), as `issue_hashed`."""
        data, hashed = self._issue_json(spec, award, None, hashed=True)
        if hashed is None:
            raise AssertionError("_issue_json(hashed=True) gave no hash")
        return data, hashed

    def _issue_json(
        self, spec: MicroCredentialSpec, award: Award, created: str | None, *, hashed: bool
    ) -> tuple[bytes, bytes | None]:
        created = created or now_xsd()
        achievement = self._achievement(spec, bool(award.grade))
        issued = _xsd_or_none(award.issued_on) if self._templates is not None else None
        if self._templates is None or issued is None:  # eddsa-rdfc-2022, or a date the plain path refuses
            credential, canonical = self._issue(spec, award, created)
        else:
            credential_id = award.credential_id
            if credential_id is None:
                credential_id = self._credential_id(spec, award.learner, issued)
            # The usual case, one fresh location and no entries of the award's own: its entries' JSON is
            # written straight from the location, and the entries are built only if the plain path decides.
            location = self.status.allocate() if self.status is not None and not award.extra_status else None
            if location is not None:
                status_json = location.entries_json(self.status_base_url, self.status_purposes)
                filled = self._templates.issue(spec, award, credential_id, issued, (), created, hashed=hashed,
                                               status_json=status_json)  # fmt: skip
            else:
                status = award.extra_status if self.status is None else self._status(award)
                filled = self._templates.issue(spec, award, credential_id, issued, status, created, hashed=hashed)
            if filled is not None:
                return filled
            if location is not None:
                status = tuple(location.entries(self.status_base_url, self.status_purposes))
            award = replace(award, credential_id=credential_id, extra_status=status)
            credential, canonical = self._signed(spec, award, achievement, created)
        data = jcs.canonicalize(credential, known=self._known)
        if not hashed:
            return data, None
        return data, keccak(canonical) if canonical is not None else self.anchoring_hash(credential)

    def _issue(
        self, spec: MicroCredentialSpec, award: Award, created: str | None
    ) -> tuple[dict[str, Any], bytes | None]:
        """The signed credential, and the JCS bytes of its anchoring-hash input (the credential with its one
        proof as an object, `anchor_proofs.without_anchor_proofs`) when signing had them for free."""
        achievement = self._achievement(spec, bool(award.grade))
        credential_id = award.credential_id if award.credential_id is not None else self.credential_id(spec, award)
        award = replace(award, credential_id=credential_id, extra_status=self._status(award))
        return self._signed(spec, award, achievement, created)

    def _achievement(self, spec: MicroCredentialSpec, grade: bool) -> dict[str, Any]:
        """The course's achievement object (graded or not), built and validated once."""
        last = self._last_achievement  # most calls repeat the last course: no hash of the spec for them
        if last is not None and last[0] is spec and last[1] is grade:
            return last[2]
        key = (spec, grade)
        achievement = self._achievements.get(key)
        if achievement is None:
            achievement = build_achievement(self.body, spec)
            achievement = graded(achievement) if grade else achievement
            problems = achievement_errors(achievement)
            if problems:
                raise CredentialValidationError(problems)
            self._achievements[key] = achievement
            self._known.remember(achievement)
        self._last_achievement = (spec, grade, achievement)
        return achievement

    def _status(self, award: Award) -> tuple[dict[str, Any], ...]:
        """The award's status entries: with a status allocator, a fresh location's after the award's own."""
        if self.status is None:
            return award.extra_status
        return (*award.extra_status, *self.status.allocate().entries(self.status_base_url, self.status_purposes))

    def _signed(
        self, spec: MicroCredentialSpec, award: Award, achievement: dict[str, Any], created: str | None
    ) -> tuple[dict[str, Any], bytes | None]:
        credential = build_credential(
            self.body, spec, award, achievement=achievement, issuer_profile=self._issuer_profile
        )
        validate_credential(credential, validated_achievement=achievement)
        if self._jcs is not None:
            secured, canonical = self._jcs.secured(credential, created or now_xsd())
        else:
            secured = add_proof(credential, self.key, cryptosuite=self.cryptosuite, created=created, loader=self.loader)
            canonical = None
        return proof_as_array(secured), canonical

    def issue_hashed(self, spec: MicroCredentialSpec, award: Award) -> tuple[dict[str, Any], bytes]:
        """A signed credential and its hash for anchoring (`anchor_proofs.credential_hash`), for less
        than the two apart: the JCS bytes signing wrote serve the hash too."""
        credential, canonical = self._issue(spec, award, None)
        return credential, keccak(canonical) if canonical is not None else self.anchoring_hash(credential)

    def anchoring_hash(self, credential: dict[str, Any]) -> bytes:
        """`anchor_proofs.credential_hash` of a credential, made cheaper for this issuer's own credentials
        by not checking again the parts they all share."""
        return keccak(jcs.canonicalize(without_anchor_proofs(credential), known=self._known))


class _JcsSigning:
    """eddsa-jcs-2022 proofs on the credentials of one issuer: the same proof as `add_proof`, made cheaper
    by what all of them share. The shared @context, achievement and issuer profile are checked as plain
    JSON once (`jcs.KnownPlain`), and the proof configuration, which differs only by its `created` second,
    is hashed once per second. tests/unit/credentials/test_issue_fast_path.py checks the proofs equal `add_proof`'s.
    """

    def __init__(self, key: SigningKey, known: jcs.KnownPlain) -> None:
        self.key, self.known = key, known
        self._config_hash: tuple[str, tuple[Any, ...], bytes] | None = None  # created, @context key, hash

    def secured(self, credential: dict[str, Any], created: str) -> tuple[dict[str, Any], bytes | None]:
        """The credential with its proof, and the JCS bytes of the result when the credential and the
        proof configuration were both found plain (the secured document then is too: it adds a string)."""
        config = proof_configuration(
            credential, cryptosuite=JCS, verification_method=self.key.verification_method, created=created
        )
        context = self._context_key(config.get("@context"))  # None unless the configuration is plain
        cached = self._config_hash
        if context is not None and cached is not None and cached[:2] == (created, context):
            config_hash = cached[2]
        else:
            config_hash = hashlib.sha256(jcs.canonicalize(config, known=self.known)).digest()
            self._config_hash = (created, context, config_hash) if context is not None else None
        plain = jcs.is_plain(credential, self.known)
        document = jcs.serialize_plain(credential) if plain else None
        document_hash = hashlib.sha256(document or jcs.canonicalize(credential)).digest()
        proof = {**config, "proofValue": multibase.encode(self.key.sign(config_hash + document_hash))}
        secured = {**credential, "proof": proof}
        return secured, jcs.serialize_plain(secured) if document is not None and context is not None else None

    def _context_key(self, context: Any) -> tuple[Any, ...] | None:
        """What names an @context exactly: its strings, and the ids of remembered objects still unchanged."""
        if type(context) is not list:
            return None
        key: list[Any] = []
        for item in context:
            if type(item) is str:
                key.append(item)
            elif self.known.unchanged(item):
                key.append(id(item))
            else:
                return None
        return tuple(key)


def sign_credential(
    credential: dict[str, Any], key: SigningKey, *, cryptosuite: str = RDFC, loader: LoaderFn | None = None
) -> dict[str, Any]:
    """Sign any VC 2.0 or VC 1.1 credential (the W3C VC API's issue): `issuer` is set to the key's DID
    when absent, and must be it when present; a credential that already has a proof, or is neither, is
    refused. A VC 1.1 credential gets `issuanceDate` (now) when it has none, as VC 1.1 requires one, and
    the Data Integrity context after its own (its context does not define the proof's terms)."""
    from anchor.credentials.verify import VC_V1_CONTEXT, vc_data_model_errors

    credential = dict(credential)
    context = credential.get("@context")
    if isinstance(context, list) and context[:1] == [VC_V1_CONTEXT]:
        credential.setdefault("issuanceDate", now_xsd())
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
        raise ConfigurationError("not a VC 2.0 or 1.1 credential: " + "; ".join(problems))
    return add_proof(credential, key, cryptosuite=cryptosuite, loader=loader or default_loader())


class AlreadyIssuedError(CredAnchorError, ValueError):
    """The same credential was issued before, differently (e.g. with another cryptosuite)."""


class CredentialQueue(Protocol):
    def document(self, credential_id: str) -> dict[str, Any] | None: ...

    def queue(
        self, credential: dict[str, Any], credential_hash: bytes, issuer_account: str, *, file_name: str | None = None
    ) -> bool: ...


Sign = Callable[[MicroCredentialSpec, Award], dict[str, Any]]


def issue_and_queue(
    issuer: CredentialIssuer,
    store: CredentialQueue,
    account: str,
    spec: MicroCredentialSpec,
    award: Award,
    *,
    dated: bool = True,
    file_name: str | None = None,
    sign: Sign | None = None,
) -> tuple[dict[str, Any], bool]:
    """Sign one credential and queue it for anchoring by `account`: (credential, newly issued?).

    Safe to retry: the id comes from the content, and an id already in the store is returned as stored
    (AlreadyIssuedError when it was signed with another cryptosuite than `issuer`'s). `sign(spec, award)`
    signs in place of `issuer.issue` (a stacked credential); `file_name` is kept with the queued credential,
    so that the anchoring writes the anchored credential under the name its file has.
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
    credential = (sign or issuer.issue)(spec, replace(award, credential_id=credential_id))
    store.queue(credential, anchoring_hash(credential), account, file_name=file_name)
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
    queue: CredentialQueue | None = None,
    account: str | None = None,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> list[RowOutcome]:
    """Sign every valid row into `out_dir/<learner>-<id>.json`; every row gets an outcome, none is dropped.

    With a `queue` (and the issuer's `account` that anchors), each row goes through `issue_and_queue`
    before its file is written, so a run that died between the two steps is finished by the next one:
    the queued credential is written again rather than signed anew.
    """
    if (queue is None) != (account is None):
        raise ValueError("issue_roster: give both queue and account (to queue for anchoring), or neither")
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for row in rows:
        outcome = _issue_row(row, issuer, out_dir, queue, account)
        outcomes.append(outcome)
        if on_row is not None:
            on_row(outcome)
    write_report(out_dir / REPORT_NAME, outcomes)
    return outcomes


def _issue_row(
    row: RosterRow, issuer: CredentialIssuer, out_dir: Path, queue: CredentialQueue | None, account: str | None
) -> RowOutcome:
    if row.spec is None or row.award is None:
        return RowOutcome(row.line, row.learner_name, "failed", errors=row.errors)
    credential_id = issuer.credential_id(row.spec, row.award, dated=row.dated)
    path = out_dir / f"{slugify(row.learner_name)}-{credential_id.rsplit(':', 1)[1][:8]}.json"
    if path.exists():
        return RowOutcome(row.line, row.learner_name, "already-issued", credential_id, path.name)
    try:
        if queue is not None and account is not None:
            credential, created = issue_and_queue(
                issuer, queue, account, row.spec, row.award, dated=row.dated, file_name=path.name
            )
        else:
            credential, created = issuer.issue(row.spec, replace(row.award, credential_id=credential_id)), True
    except CredAnchorError as exc:
        errors = tuple(str(e) for e in getattr(exc, "errors", [])) or (str(exc),)
        return RowOutcome(row.line, row.learner_name, "failed", credential_id, errors=errors)
    write_json(path, credential)  # after queueing: a retry finds the queued credential and writes it
    return RowOutcome(row.line, row.learner_name, "issued" if created else "already-issued", credential_id, path.name)


def write_report(path: Path, outcomes: list[RowOutcome]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "learner", "status", "credential_id", "file", "errors"])
        for o in outcomes:
            writer.writerow([o.line, o.learner, o.status, o.credential_id, o.file, " | ".join(o.errors)])
    tmp.replace(path)
