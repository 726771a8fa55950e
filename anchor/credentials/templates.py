"""eddsa-jcs-2022 credentials filled into templates: issuing without a walk over each credential.

The credentials one issuer signs for one course differ only in a few strings: the learner's name,
e-mail identity, DID and grade, the dates, the id, the status entries and the proof's `created` time.
So the credential is built once by the model (`build_credential`) with a *probe* award whose
per-learner values are unique tokens, validated once, and canonicalized (RFC 8785) once with each
probe value replaced by a marker; the canonical text is split at the markers into a `bytes % mapping`
template. A credential is then its values written as JSON (RFC 8785 writes a string as orjson does:
the same short escapes, `\\u00xx` for other control characters, everything else as UTF-8; a lone
surrogate is refused by both) and put between the constant parts. Three templates per shape: the
unsigned document (its SHA-256, with the constant beginning hashed once, is what the proof signs),
the signed credential as the issuer returns it, and the same with its one proof as an object (the
input of the anchoring hash, `anchor_proofs.credential_hash`). The proof configuration's hash is
kept per `created` second, as the plain path keeps it.

What changes the shape — an e-mail, a DID, a grade, an end date, status entries present or absent —
selects another template. A template is made only when the markers account for every probe value
(a model that wrote, say, the learner's name into another string gets none); an award whose values
the template cannot vouch for (a blank name, an id or DID that is not a URI, a date `validate_credential`
would refuse, a value orjson refuses) gets `None`, and the caller takes the plain path, which decides
and says what is wrong. tests/unit/credentials/test_issue_templates.py checks that both paths give the
same credential, hash and errors.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
from sha3 import keccak_256  # type: ignore[import-untyped]  # safe-pysha3, as anchor.crypto.merkle

from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.credentials.model import (
    Award,
    AwardingBody,
    CredentialValidationError,
    Learner,
    MicroCredentialSpec,
    achievement_errors,
    build_achievement,
    build_credential,
    graded,
    hashed_identity,
    is_text,
    is_uri,
    status_value,
    validate_credential,
    xsd_datetime,
)
from anchor.crypto import jcs, multibase
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, proof_configuration
from anchor.errors import ConfigurationError
from anchor.randomness import POOL

#: What a credential of one course can have or lack: e-mail, DID, grade, end date, status entries.
Shape = tuple[bool, bool, bool, bool, bool]
#: Templates kept per issuer before the oldest are dropped (shapes x courses).
_MAX_TEMPLATES = 64


def fast_xsd_datetime(moment: datetime) -> str:
    """`model.xsd_datetime(moment)`, without formatting a date for the usual whole second in UTC (years
    1000-9999): the day is written once, the time of day taken from tables. A property test compares them."""
    if moment.microsecond == 0 and moment.tzinfo is UTC and moment.year >= 1000:
        return (
            _xsd_day(moment.year, moment.month, moment.day)
            + _CLOCK[moment.hour * 60 + moment.minute]
            + _SECOND[moment.second]
        )
    return xsd_datetime(moment)


@lru_cache(maxsize=64)
def _xsd_day(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T"


_CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(24 * 60)]
_SECOND = [f"{second:02d}Z" for second in range(60)]


def _vouched_for(name: str, credential_id: str, did: str | None, issued: str) -> bool:
    """Whether `validate_credential` accepts these per-learner values in a template it accepted: a name
    that is not blank, an id and DID that are URIs, a date of the form it checks (`xsd_datetime` writes a
    year below 1000 with fewer digits). Otherwise the plain path decides."""
    return is_text(name) and is_uri(credential_id) and (not did or is_uri(did)) and checked_date(issued)


def checked_date(text: str) -> bool:
    """Whether `validate_credential`'s dateTime check accepts `text`, an `xsd_datetime` result: it always
    has the form "%Y-%m-%dT%H:%M:%SZ" and the check fails only for a year of fewer than four digits, so
    its length tells (tests/unit/credentials/test_issue_templates.py compares it with the check)."""
    return len(text) == 20


@dataclass(frozen=True)
class _Template:
    """One shape's canonical texts, as `bytes % {slot: JSON}` formats (`%(slot)b`)."""

    unsigned_prefix: Any  # a SHA-256 state that has read the unsigned text's constant beginning
    unsigned_rest: bytes  # the rest of the unsigned text
    signed: bytes  # the credential as the issuer returns it
    hashed_prefix: Any  # a keccak-256 state that has read the anchoring-hash input's constant beginning
    hashed_rest: bytes
    proof_context: Any  # the @context the proof configuration carries (the document's)
    config_hashes: dict[str, bytes]  # SHA-256 of the canonical proof configuration, by `created` time


class TemplateSigning:
    """Signs eddsa-jcs-2022 credentials of one issuer by filling templates (see the module docstring).

    `finish` turns a signed credential into what the issuer returns (e.g. its proof as an array); it
    is applied to the probe credential, so the template holds exactly what the plain path returns.
    """

    def __init__(
        self,
        body: AwardingBody,
        key: SigningKey,
        issuer_profile: dict[str, Any],
        finish: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        self.body, self.key, self.finish = body, key, finish
        self._issuer_profile = issuer_profile
        # Own achievement objects, never handed out, so that no caller can change what a template holds.
        self._achievements: dict[tuple[MicroCredentialSpec, bool], dict[str, Any] | None] = {}
        self._templates: dict[tuple[int, Shape], tuple[MicroCredentialSpec, _Template | None]] = {}
        self._email_kind = "emailAddress"  # the kind the model wrote, once a template with an e-mail is made

    def issue(
        self,
        spec: MicroCredentialSpec,
        award: Award,
        credential_id: str,
        issued: str,
        status: tuple[dict[str, Any], ...],
        created: str,
        *,
        hashed: bool,
        status_json: bytes | None = None,
    ) -> tuple[bytes, bytes | None] | None:
        """The signed credential's canonical JSON and, if `hashed`, its anchoring hash; None when the plain
        path must decide. `credential_id`, `issued` (`model.xsd_datetime(award.issued_on)`) and `status`
        stand for the award's own: the issuer's id and status entries, without a copy of the award.
        `status_json`, if given, stands for `status`: the JCS bytes of `model.status_value(status)`, as
        `StatusLocation.entries_json` writes them without building the entries."""
        learner = award.learner
        email, did, grade, until = learner.email, learner.did, award.grade, award.valid_until
        with_status = status_json is not None or bool(status)
        shape = (bool(email), bool(did), bool(grade), until is not None, with_status)
        template = self._template(spec, shape)
        if template is None or not _vouched_for(learner.name, credential_id, did, issued):
            return None
        dumps = orjson.dumps  # RFC 8785's string (see the module docstring)
        try:
            values = {b"id": dumps(credential_id), b"name": dumps(learner.name), b"issued": dumps(issued)}
            if email:
                values[b"email"] = self._email_identity(email)
            if did:
                values[b"did"] = dumps(did)
            if grade:
                values[b"grade"] = dumps(grade)
            if until is not None:
                end = fast_xsd_datetime(until)
                if not checked_date(end):
                    return None
                values[b"until"] = dumps(end)
            if with_status:
                values[b"status"] = status_json if status_json is not None else jcs.canonicalize(status_value(status))
            values[b"created"] = dumps(created)
            config_hash = template.config_hashes.get(created) or self._config_hash(template, created)
        except (orjson.JSONEncodeError, ConfigurationError, ValueError, OverflowError):
            return None  # e.g. a lone surrogate, a date without time zone: the plain path says what is wrong
        document = template.unsigned_prefix.copy()
        document.update(template.unsigned_rest % values)
        signature = self.key.sign(config_hash + document.digest())
        values[b"proofValue"] = b'"z%b"' % multibase.base58_encode(signature).encode()  # multibase.encode
        signed = template.signed % values
        if not hashed:
            return signed, None
        anchoring = template.hashed_prefix.copy()
        anchoring.update(template.hashed_rest % values)
        digest: bytes = anchoring.digest()
        return signed, digest

    def _email_identity(self, email: str) -> bytes:
        """The JCS bytes of the learner's hashed e-mail identity, as `build_credential` makes it: an object of
        ASCII strings and booleans (`_make` checked the probe's), which orjson writes with sorted keys as JCS."""
        identity = hashed_identity(self._email_kind, email.strip().lower(), salt=POOL.token_hex(8))
        return orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)

    # -- templates ------------------------------------------------------------------------------

    def _config_hash(self, template: _Template, created: str) -> bytes:
        """The proof configuration's hash for `created`, kept for the next credentials of that second."""
        config = {"@context": template.proof_context} if template.proof_context is not None else {}
        config = proof_configuration(config, cryptosuite=JCS, verification_method=self.key.verification_method,
                                     created=created)  # fmt: skip
        if len(template.config_hashes) >= _MAX_TEMPLATES:
            template.config_hashes.clear()  # `created` moves on: the earlier seconds are done
        digest = template.config_hashes[created] = hashlib.sha256(jcs.canonicalize(config)).digest()
        return digest

    def _template(self, spec: MicroCredentialSpec, shape: Shape) -> _Template | None:
        # Keyed by the spec's identity (hashing a spec dataclass costs more than the lookup); the entry
        # holds the spec, so its id is not reused while the entry lives.
        key = (id(spec), shape)
        entry = self._templates.get(key)
        if entry is not None and entry[0] is spec:
            return entry[1]
        if len(self._templates) >= _MAX_TEMPLATES:
            del self._templates[next(iter(self._templates))]  # the oldest
        template = self._make(spec, shape)
        self._templates[key] = (spec, template)
        return template

    def _achievement(self, spec: MicroCredentialSpec, grade: bool) -> dict[str, Any] | None:
        key = (spec, grade)
        if key not in self._achievements:
            achievement = build_achievement(self.body, spec)
            achievement = graded(achievement) if grade else achievement
            self._achievements[key] = None if achievement_errors(achievement) else achievement
        return self._achievements[key]

    def _make(self, spec: MicroCredentialSpec, shape: Shape) -> _Template | None:
        achievement = self._achievement(spec, shape[2])
        if achievement is None:
            return None
        token = secrets.token_hex(12)
        with_email, with_did, with_grade, with_end, with_status = shape
        email = f"probe-{token}@example.invalid"
        status_probe = {"probe": token}
        probe = Award(
            Learner(f"probe-{token}-name", email if with_email else None, f"did:probe:{token}" if with_did else None),
            issued_on=datetime(1999, 1, 2, 3, 4, 5, tzinfo=UTC) + timedelta(seconds=secrets.randbelow(10**6)),
            grade=f"probe-{token}-grade" if with_grade else None,
            valid_until=datetime(2999, 1, 2, 3, 4, 5, tzinfo=UTC) if with_end else None,
            credential_id=f"urn:probe:{token}",
            extra_status=(status_probe,) if with_status else (),
        )
        credential = build_credential(
            self.body, spec, probe, achievement=achievement, issuer_profile=self._issuer_profile
        )
        try:
            validate_credential(credential, validated_achievement=achievement)
        except CredentialValidationError:
            return None
        strings = {
            f"urn:probe:{token}": "id",
            probe.learner.name: "name",
            xsd_datetime(probe.issued_on): "issued",
            f"did:probe:{token}": "did",
            f"probe-{token}-grade": "grade",
        }
        if probe.valid_until is not None:
            strings[xsd_datetime(probe.valid_until)] = "until"
        marker = f"slot-{token}:"
        found: set[str] = set()

        def mark(value: Any) -> Any:
            """`value` with each probe value replaced by its marker string (a copy: shared parts stay)."""
            if type(value) is str:
                slot = strings.get(value)
                if slot is None:
                    return value
                found.add(slot)
                return marker + slot
            if value is status_probe and with_status:  # the whole credentialStatus value: one entry, or a list
                found.add("status")
                return marker + "status"
            if type(value) is list:
                return [mark(item) for item in value]
            if type(value) is dict:
                if with_email and "salt" in value and value == _probe_identity(value, email):
                    if not _ascii_strings_and_booleans(value):
                        return value  # not what `_email_identity` can write: no template (see below)
                    self._email_kind = value["identityType"]
                    found.add("email")
                    return marker + "email"
                return {name: mark(item) for name, item in value.items()}
            return value

        marked = mark(credential)
        config = proof_configuration(marked, cryptosuite=JCS, verification_method=self.key.verification_method,
                                     created=marker + "created")  # fmt: skip
        signed = self.finish({**marked, "proof": {**config, "proofValue": marker + "proofValue"}})
        texts = [
            _format(jcs.canonicalize(document), marker, token)
            for document in (marked, signed, without_anchor_proofs(signed))
        ]
        probes = [text.encode() for text in strings] + [email.encode()]
        expected = {"id", "name", "issued"} | {slot for slot, present in zip(
            ("email", "did", "grade", "until", "status"), shape, strict=True) if present}  # fmt: skip
        formats = [text for text in texts if text is not None]
        if len(formats) < 3 or found != expected or any(p in h or p in r for h, r in formats for p in probes):
            return None  # a probe value the markers did not account for: no template for this shape
        (unsigned_head, unsigned_rest), (signed_head, signed_rest), (hashed_head, hashed_rest) = formats
        return _Template(
            unsigned_prefix=hashlib.sha256(unsigned_head),
            unsigned_rest=unsigned_rest,
            signed=signed_head.replace(b"%", b"%%") + signed_rest,
            hashed_prefix=keccak_256(hashed_head),
            hashed_rest=hashed_rest,
            proof_context=marked.get("@context"),
            config_hashes={},
        )


def _probe_identity(value: dict[str, Any], email: str) -> dict[str, Any]:
    """The identity object the model makes of the probe e-mail with `value`'s kind and salt."""
    return hashed_identity(str(value.get("identityType")), email, salt=str(value.get("salt")))


def _ascii_strings_and_booleans(value: dict[str, Any]) -> bool:
    return all(key.isascii() and (type(item) is bool or (type(item) is str and item.isascii()))
               for key, item in value.items())  # fmt: skip


def _format(text: bytes, marker: str, token: str) -> tuple[bytes, bytes] | None:
    """Canonical `text` split at its first marker: the text before it, and the rest as a `bytes % mapping`
    format in which each quoted marker is `%(slot)b`; None when the probe token is left anywhere else."""
    pieces = text.split(b'"' + marker.encode())
    if len(pieces) < 2:
        return None
    rest = []
    for piece in pieces[1:]:
        slot, quote, constant = piece.partition(b'"')
        if not quote or not slot.isalpha():
            return None
        rest.append(b"%(" + slot + b")b" + constant.replace(b"%", b"%%"))
    if any(token.encode() in piece for piece in (pieces[0], *rest)):
        return None
    return pieces[0], b"".join(rest)
