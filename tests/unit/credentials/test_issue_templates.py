"""`CredentialIssuer.issue_json` (eddsa-jcs-2022 credentials filled into templates) gives exactly what the
plain path gives.

The plain path — `issue`: build, validate, `add_proof`-equivalent signing — is the reference. For random
learners (names with quotes, backslashes, control characters, characters above U+FFFF, lone surrogates,
blank ones), e-mails, DIDs, grades, dates in several time zones, given ids and status entries, each
property checks that `json.loads(issue_json(...))` equals `issue(...)` for the same inputs, salts and
`created` time and salts, or that both refuse the award with the same error; that the proof verifies;
and that
`issue_json_hashed`'s hash is `anchor_proofs.credential_hash` of the credential.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest import mock

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import anchor.credentials.model as model
import anchor.credentials.templates as templates
from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import StatusLocation
from anchor.crypto.did import DidResolver
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, verify_proofs
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC

KEY = SigningKey.generate()
BODY = AwardingBody(KEY.did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
CREATED = st.sampled_from(["2026-06-30T12:00:00Z", "2026-06-30T12:00:01Z"])
#: any characters, lone surrogates included (both paths must refuse those alike)
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)
TRICKY = st.sampled_from(['Ana "Q" \\ Silva', "tab\there\nnew", "\x00\x1f\x7f", "emoji 😀 𝄞", "  ", "\u2028\u2029"])
NAMES = TRICKY | ANY_TEXT
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
MOMENTS = st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=ZONES | st.none())
USUAL_MOMENTS = st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))
STATUS_ENTRY = st.dictionaries(
    st.text(max_size=3),
    st.integers(-(2**60), 2**60) | st.floats(-(2.0**52), 2.0**52, allow_nan=False) | ANY_TEXT,  # beyond 2**53: refused
    max_size=3,
)
AWARDS = st.builds(
    Award,
    learner=st.builds(
        Learner,
        name=NAMES,
        email=st.none() | st.just("") | st.emails() | st.just("  Mixed.Case@Example.ORG "),
        did=st.none() | st.just("") | st.sampled_from(["did:example:learner", "not a did", "did:example:é😀"]),
    ),
    issued_on=USUAL_MOMENTS | MOMENTS,
    grade=st.none() | st.just("") | NAMES,
    valid_until=st.none() | USUAL_MOMENTS | MOMENTS,
    credential_id=st.none() | st.sampled_from(["urn:uuid:1234", "not a uri", 'urn:x:"quoted"\\']),
    extra_status=st.just(()) | st.tuples(STATUS_ENTRY),
)
USUAL_AWARDS = st.builds(
    Award,
    learner=st.builds(Learner, name=TRICKY.filter(str.strip) | st.text(min_size=1, max_size=12).filter(str.strip),
                      email=st.none() | st.emails(), did=st.none() | st.just("did:example:learner")),
    issued_on=USUAL_MOMENTS,
    grade=st.none() | st.text(min_size=1, max_size=8),
    valid_until=st.none() | USUAL_MOMENTS,
)  # fmt: skip


class CountingAllocator:
    """Status locations 1, 2, 3…: two of them hand out the same sequence."""

    def __init__(self) -> None:
        self.allocated = 0

    def allocate(self) -> StatusLocation:
        self.allocated += 1
        return StatusLocation(1, "0x" + "11" * 20, "0x" + "22" * 20, 7, self.allocated, self.allocated + 1000)


def outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def issuers(status: bool) -> tuple[CredentialIssuer, CredentialIssuer]:
    make = lambda: CredentialIssuer(BODY, KEY, cryptosuite=JCS, status=CountingAllocator() if status else None)  # noqa: E731
    return make(), make()


class OneSalt:
    """One salt for every hashed identity, drawn by the plain path (`secrets.token_hex`) and the templates
    (`randomness.POOL.token_hex`) alike, so that both sign the same bytes (the e-mails differ from award to award); by
    default "5a5a…", or the one `credential` holds."""

    def __init__(self, credential: dict[str, Any] | None = None) -> None:
        salts = [
            i["salt"] for i in (credential or {}).get("credentialSubject", {}).get("identifier", []) if "salt" in i
        ]
        self.salt = salts[0] if salts else "5a" * 8

    def token_hex(self, nbytes: int = 8) -> str:
        return self.salt


@settings(max_examples=200, deadline=None)
@given(awards=st.lists(AWARDS, min_size=1, max_size=3), created=CREATED, status=st.booleans())
def test_issue_json_is_the_json_of_what_issue_returns_or_the_same_error(awards, created, status):
    plain, fast = issuers(status)
    with mock.patch.object(model, "secrets", OneSalt()), mock.patch.object(templates, "POOL", OneSalt()):
        for award in awards:
            expected = outcome(lambda award=award: plain.issue(BENCH_SPEC, award, created=created))
            got = outcome(lambda award=award: fast.issue_json(BENCH_SPEC, award, created=created))
            if not isinstance(expected, dict):
                assert got == expected
                continue
            # the JCS of what `issue` returns (json.loads would read a float such as 1e16 back as an integer)
            assert got == rfc8785.dumps(expected)
            assert [check.verified for check in verify_proofs(json.loads(got), DidResolver())] == [True]


@settings(max_examples=100, deadline=None)
@given(awards=st.lists(USUAL_AWARDS, min_size=1, max_size=3), status=st.booleans())
def test_usual_awards_are_filled_into_templates_and_hashed_as_credential_hash(awards, status):
    plain, fast = issuers(status)
    for award in awards:
        with mock.patch.object(CredentialIssuer, "_signed", side_effect=AssertionError("the plain path ran")):
            data, hashed = fast.issue_json_hashed(BENCH_SPEC, award)
        credential = json.loads(data)
        created = credential["proof"][0]["created"]
        with mock.patch.object(model, "secrets", OneSalt(credential)):
            assert credential == plain.issue(BENCH_SPEC, award, created=created)
        assert data == rfc8785.dumps(credential)  # canonical JSON
        assert hashed == credential_hash(credential)
        assert [check.verified for check in verify_proofs(credential, DidResolver())] == [True]


def test_the_plain_path_decides_what_the_template_cannot_vouch_for():
    issuer = CredentialIssuer(BODY, KEY, cryptosuite=JCS)
    blank = Award(Learner("   "), datetime(2026, 6, 30, tzinfo=UTC))
    with pytest.raises(model.CredentialValidationError, match="identification of the learner"):
        issuer.issue_json(BENCH_SPEC, blank)
    surrogate = Award(Learner("a\udc80b"), datetime(2026, 6, 30, tzinfo=UTC), credential_id="urn:x:1")
    with pytest.raises(ConfigurationError, match=r"cannot be canonicalized as JSON \(RFC 8785\)"):
        issuer.issue_json(BENCH_SPEC, surrogate)
    early = Award(Learner("Ana"), datetime(999, 6, 30, tzinfo=UTC))
    with pytest.raises(model.CredentialValidationError, match="validFrom"):
        issuer.issue_json(BENCH_SPEC, early)


def test_a_model_that_writes_a_per_learner_value_elsewhere_gets_no_template(monkeypatch):
    """The template checks that its markers account for every probe value: a name copied into the
    description would otherwise be signed as the probe's name."""
    build = model.build_credential

    def naming(*args: Any, **kwargs: Any) -> dict[str, Any]:
        credential = build(*args, **kwargs)
        credential["description"] += " Awarded to " + args[2].learner.name
        return credential

    monkeypatch.setattr(templates, "build_credential", naming)
    monkeypatch.setattr("anchor.credentials.issuance.build_credential", naming)
    issuer = CredentialIssuer(BODY, KEY, cryptosuite=JCS)
    award = Award(Learner("Ana Silva"), datetime(2026, 6, 30, tzinfo=UTC), grade="A")
    credential = json.loads(issuer.issue_json(BENCH_SPEC, award, created="2026-06-30T12:00:00Z"))
    assert credential["description"].endswith("Awarded to Ana Silva")
    assert credential == issuer.issue(BENCH_SPEC, award, created="2026-06-30T12:00:00Z")
    assert [entry[1] for entry in issuer._templates._templates.values()] == [None]  # type: ignore[union-attr]


def test_eddsa_rdfc_2022_issue_json_is_the_canonical_json_of_issue():
    issuer = CredentialIssuer(BODY, KEY, cryptosuite=RDFC)
    award = Award(Learner("Ana", "ana@example.org"), datetime(2026, 6, 30, tzinfo=UTC))
    data, hashed = issuer.issue_json_hashed(BENCH_SPEC, award)
    credential = json.loads(data)
    assert credential["proof"][0]["cryptosuite"] == RDFC and data == rfc8785.dumps(credential)
    assert hashed == credential_hash(credential)


@settings(max_examples=500, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=())))
def test_orjson_writes_a_string_as_rfc8785_does(text):
    """What the templates rely on to write per-learner strings, lone surrogates refused by both."""
    expected = outcome(lambda: rfc8785.dumps(text))
    got = outcome(lambda: orjson.dumps(text))
    assert got == expected if not isinstance(expected, tuple) else isinstance(got, tuple)


@settings(max_examples=500, deadline=None)
@given(moment=MOMENTS | USUAL_MOMENTS | st.datetimes(timezones=ZONES))
def test_fast_xsd_datetime_is_xsd_datetime_and_checked_as_validation_checks_it(moment):
    text = outcome(lambda: templates.fast_xsd_datetime(moment))
    assert text == outcome(lambda: model.xsd_datetime(moment))
    if isinstance(text, str):
        assert templates.checked_date(text) == (model._XSD_DATETIME.match(text) is not None)
