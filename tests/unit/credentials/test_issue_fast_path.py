"""The fast eddsa-jcs-2022 issuing path gives exactly what the plain path gives.

`CredentialIssuer` signs its eddsa-jcs-2022 credentials without walking again the parts they all share
(`jcs.KnownPlain`) and hashes the proof configuration once per second; `issue_hashed` takes the
anchoring hash from the bytes signing wrote. Each property here compares one of them with the plain
path — `add_proof`, `jcs.canonicalize` without memory, `anchor_proofs.credential_hash` — on random
learners, grades, dates and status entries, and on shared parts changed after they were remembered.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, proof_as_array
from anchor.credentials.status import RandomStatusAllocator
from anchor.crypto import jcs
from anchor.crypto.did import DidResolver
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, add_proof, verify_proofs
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC

KEY = SigningKey.generate()
BODY = AwardingBody(KEY.did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
#: names with control characters, quotes, accents and characters above U+FFFF (JCS sorts and escapes them)
NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
AWARDS = st.builds(
    Award,
    learner=st.builds(
        Learner, name=NAMES, email=st.none() | st.emails(), did=st.none() | st.just("did:example:learner")
    ),
    issued_on=st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC)),
    grade=st.none() | NAMES,
    valid_until=st.none() | st.just(datetime(2099, 1, 1, tzinfo=UTC)),
)
CREATED = st.sampled_from(["2026-06-30T12:00:00Z", "2026-06-30T12:00:01Z"])


def plain_path(credential: dict, created: str) -> dict:
    """What `add_proof` makes of the same unsigned credential, its proof in an array as issuers write it."""
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return proof_as_array(add_proof(unsigned, KEY, cryptosuite=JCS, created=created))


@settings(max_examples=150, deadline=None)
@given(awards=st.lists(AWARDS, min_size=1, max_size=4), created=CREATED, status=st.booleans())
def test_the_fast_path_signs_what_add_proof_signs(awards, created, status):
    allocator = RandomStatusAllocator(1, "0x" + "11" * 20, "0x" + "22" * 20) if status else None
    issuer = CredentialIssuer(BODY, KEY, cryptosuite=JCS, status=allocator)
    for award in awards:  # one issuer, several credentials: the second one on uses what it remembered
        credential = issuer.issue(BENCH_SPEC, award, created=created)
        assert credential == plain_path(credential, created)


@settings(max_examples=100, deadline=None)
@given(awards=st.lists(AWARDS, min_size=1, max_size=3))
def test_issue_hashed_gives_the_anchoring_hash(awards):
    issuer = CredentialIssuer(
        BODY, KEY, cryptosuite=JCS, status=RandomStatusAllocator(1, "0x" + "11" * 20, "0x" + "22" * 20)
    )
    for award in awards:
        credential, hashed = issuer.issue_hashed(BENCH_SPEC, award)
        assert hashed == credential_hash(credential) == issuer.anchoring_hash(credential)


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.__setitem__("name", 1.5),  # a float: JCS writes it the ECMAScript way
        lambda a: a.__setitem__("name", "Café \U0001f600"),  # a character above U+FFFF: sorted by UTF-16
        lambda a: a.__setitem__("extra", math.nan),  # not JSON at all
        lambda a: a["alignment"].append({"targetName": 2**60}),  # beyond I-JSON
        lambda a: a.__setitem__("name", "Another title"),
    ],
)
def test_a_shared_part_changed_after_it_was_remembered_is_checked_again(change):
    issuer = CredentialIssuer(BODY, KEY, cryptosuite=JCS)
    award = Award(Learner("Ana", "ana@example.org"), datetime(2026, 6, 30, tzinfo=UTC), grade="A")
    first = issuer.issue(BENCH_SPEC, award, created="2026-06-30T12:00:00Z")
    change(first["credentialSubject"]["achievement"])  # the issuer's own achievement object: shared
    second = award.__class__(award.learner, award.issued_on + timedelta(days=1), grade="A")
    try:
        credential = issuer.issue(BENCH_SPEC, second, created="2026-06-30T12:00:00Z")
    except ConfigurationError:
        with pytest.raises(ConfigurationError):
            jcs.canonicalize({k: v for k, v in first.items() if k != "proof"})
        return
    assert credential == plain_path(credential, "2026-06-30T12:00:00Z")
    resolver = DidResolver()
    assert [check.verified for check in verify_proofs(credential, resolver)] == [True]


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False), st.text(max_size=5)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(shared=st.lists(st.dictionaries(st.text(max_size=3), VALUES, max_size=4), min_size=1, max_size=3),
       other=VALUES, replacement=SCALARS, data=st.data())  # fmt: skip
def test_known_plain_canonicalizes_as_rfc8785(shared, other, replacement, data):
    known = jcs.KnownPlain()
    for part in shared:
        known.remember(part)
    document = {"shared": shared, "other": other}
    expected = _reference(document)
    assert _ours(document, known) == expected
    # change a remembered part in place: the memory must notice
    part = data.draw(st.sampled_from(shared))
    part[data.draw(st.text(max_size=3))] = replacement
    assert _ours(document, known) == _reference(document)


def _reference(value):
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        return type(exc)


def _ours(value, known):
    try:
        return jcs.canonicalize(value, known=known)
    except ConfigurationError as exc:
        cause = exc.__cause__
        return type(cause) if cause is not None else ConfigurationError


def test_a_part_holding_null_is_not_remembered():
    """orjson writes NaN as null: a remembered null could turn into NaN unseen, so none is remembered."""
    known = jcs.KnownPlain()
    part = {"a": None}
    assert not known.remember(part)
    part["a"] = math.nan
    with pytest.raises(ConfigurationError):
        jcs.canonicalize({"p": part}, known=known)
    assert known.remember({"a": [1, "x", True]})
