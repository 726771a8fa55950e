"""Fuzzing the verifier with JSON-LD-equivalent rewrites of signed credentials (issue 19, item 3).

An eddsa-rdfc-2022 signature covers the RDF graph, so a rewrite that keeps the graph keeps the signature:
a property under its IRI, a value object, a list of one, ``@id``/``@type`` for ``id``/``type``, a term
aliased by an inline context, a property moved into an ``@included`` node with the same ``@id`` (plainly or
through an alias). The strategy `rewrites` applies one to three of them, anywhere in the credential, its
subject or its status entries (after signing). Rewrites that do change the graph only break the signature.

The property: the verifier never passes a rewritten credential whose checked members — what the checks read
from the JSON — differ from the signed original's, nor one whose original did not verify (an expired, a
revoked or an unanchored credential stays failed however it is written). And another person's credential,
rewritten and presented by a holder who signs the presentation, never verifies.

Default run: 150 derandomised examples per test; ``CREDANCHOR_FUZZ_EXAMPLES=N`` raises it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from anchor.credentials.presentation import verify_presentation
from anchor.credentials.status import StatusLocation
from anchor.credentials.verify import Verifier
from anchor.crypto.jsonld import MICROCREDENTIAL_V1, VC_V2
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof
from anchor.types import as_list

from .conftest import fuzz_settings

CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
MC = "https://w3id.org/credanchor/microcredential#"
DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

#: term -> (IRI, coercion): "@id", a datatype, or None. A wrong guess only changes the graph (then the
#: signature fails), so the table need not be complete.
TERMS: dict[str, tuple[str, str | None]] = {
    "validFrom": (CRED + "validFrom", DATETIME),
    "validUntil": (CRED + "validUntil", DATETIME),
    "issuer": (CRED + "issuer", "@id"),
    "credentialSubject": (CRED + "credentialSubject", "@id"),
    "credentialStatus": (CRED + "credentialStatus", "@id"),
    "name": ("https://schema.org/name", None),
    "statusPurpose": (STATUS + "statusPurpose", None),
    "statusListIndex": (STATUS + "statusListIndex", None),
    "statusListCredential": (STATUS + "statusListCredential", "@id"),
    "chainId": (MC + "chainId", None),
    "statusContract": (MC + "statusContract", None),
    "statusIssuer": (MC + "statusIssuer", None),
    "statusListId": (MC + "statusListId", None),
}


@cache
def issuer() -> SigningKey:
    return SigningKey.generate()


@cache
def holder() -> SigningKey:
    return SigningKey.generate()


def _credential(subject: str, **members: Any) -> dict[str, Any]:
    unsigned = {
        "@context": [VC_V2, MICROCREDENTIAL_V1],
        "id": f"urn:uuid:5e1f0000-0000-4000-8000-{hashlib.sha256(json.dumps(members).encode()).hexdigest()[:12]}",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer().did, "name": "Escola Técnica"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "name": "Ana"},
        **members,
    }
    return add_proof(unsigned, issuer(), cryptosuite=RDFC)


@cache
def seeds() -> tuple[dict[str, Any], ...]:
    """Signed credentials: one that verifies, and ones that must not (expired, revoked by a list the verifier
    cannot read, carrying credanchor's on-chain status without an anchor proof)."""
    third_party = {"id": "https://status.example/1#7", "type": "BitstringStatusListEntry",
                   "statusPurpose": "revocation", "statusListIndex": "7",
                   "statusListCredential": "https://status.example/1"}  # fmt: skip
    on_chain = StatusLocation(31337, ADDRESS, ADDRESS, 1, 77).entries()
    me = holder().did
    return (
        _credential(me, validUntil="2027-01-01T00:00:00Z"),
        _credential(me, validUntil="2026-03-01T00:00:00Z"),
        _credential(me, credentialStatus=[third_party]),
        _credential(me, credentialStatus=on_chain),
    )


def verifier() -> Verifier:
    return Verifier(None, profile="vc", now=NOW)


@cache
def originally_verified(index: int) -> bool:
    return verifier().verify(seeds()[index]).verified


def reading(credential: dict[str, Any]) -> str:
    """What the checks read from the JSON (the report's checks and holder binding)."""
    subjects = [s.get("id") if isinstance(s, dict) else s for s in as_list(credential.get("credentialSubject"))]
    read = {k: credential.get(k) for k in ("id", "type", "issuer", "validFrom", "validUntil", "credentialStatus")}
    return json.dumps({**read, "subjects": subjects}, sort_keys=True, default=str)


# -- the rewrites ------------------------------------------------------------------------------------------


def _nodes(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The credential, its subjects and its status entries: where the checked members are."""
    nodes = [c]
    for member in ("credentialSubject", "credentialStatus"):
        nodes += [n for n in as_list(c.get(member)) if isinstance(n, dict)]
    return nodes


def _typed(term: str, value: Any) -> Any:
    _, coercion = TERMS.get(term, ("", None))
    if coercion == "@id" and isinstance(value, str):
        return {"@id": value}
    if coercion and coercion != "@id" and isinstance(value, str):
        return {"@value": value, "@type": coercion}
    return {"@value": value} if not isinstance(value, dict | list) else value


def _pick(draw: Any, c: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    choices = [(n, k) for n in _nodes(c) for k in n if not k.startswith("@")]
    return draw(st.sampled_from(choices)) if choices else None


def r_iri_key(draw: Any, c: dict[str, Any]) -> None:
    picked = _pick(draw, c)
    if picked and picked[1] in TERMS:
        node, key = picked
        node[TERMS[key][0]] = _typed(key, node.pop(key))


def r_value_object(draw: Any, c: dict[str, Any]) -> None:
    picked = _pick(draw, c)
    if picked:
        node, key = picked
        node[key] = _typed(key, node[key]) if key not in ("id", "type") else node[key]


def r_list_of_one(draw: Any, c: dict[str, Any]) -> None:
    picked = _pick(draw, c)
    if picked and not isinstance(picked[0][picked[1]], list) and picked[1] != "id":
        node, key = picked
        node[key] = [node[key]]


def r_keyword(draw: Any, c: dict[str, Any]) -> None:
    node = draw(st.sampled_from(_nodes(c)))
    key = draw(st.sampled_from(["id", "type"]))
    if key in node:
        node["@" + key] = node.pop(key)


def r_inline_alias(draw: Any, c: dict[str, Any]) -> None:
    picked = _pick(draw, c)
    if not picked:
        return
    node, key = picked
    alias = draw(st.sampled_from(["a", "expires", "why", "who", "zz"])) + "x"
    if key in ("id", "type"):
        definition: Any = "@" + key
    elif key in TERMS:
        iri, coercion = TERMS[key]
        definition = {"@id": iri, **({"@type": coercion} if coercion else {})}
    else:
        return
    c["@context"] = [*as_list(c["@context"]), {alias: definition}]
    node[alias] = node.pop(key)


def r_included(draw: Any, c: dict[str, Any]) -> None:
    """Move a member into a node with the same @id elsewhere: JSON-LD merges the two."""
    owners = [n for n in _nodes(c) if isinstance(n.get("id"), str)]
    if not owners:
        return
    node = draw(st.sampled_from(owners))
    keys = [k for k in node if k in TERMS]
    if not keys:
        return
    key = draw(st.sampled_from(keys))
    where = draw(st.sampled_from(_nodes(c)[:2]))
    spelling = "@included"
    if draw(st.booleans()):
        spelling = "alsox"
        c["@context"] = [*as_list(c["@context"]), {spelling: "@included"}]
    where.setdefault(spelling, []).append({"id": node["id"], TERMS[key][0]: _typed(key, node.pop(key))})


REWRITES = [r_iri_key, r_value_object, r_list_of_one, r_keyword, r_inline_alias, r_included]


@st.composite
def rewrites(draw: Any, credential: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """One to three JSON-LD rewrites of a copy of `credential` (its proof kept as signed)."""
    changed = copy.deepcopy(credential)
    chosen = draw(st.lists(st.sampled_from(REWRITES), min_size=1, max_size=3))
    for rewrite in chosen:
        rewrite(draw, changed)
    return [r.__name__ for r in chosen], changed


# -- the properties ----------------------------------------------------------------------------------------


@fuzz_settings(150)
@given(data=st.data())
def test_a_rewritten_credential_never_passes_with_other_checked_members(data: Any) -> None:
    index = data.draw(st.integers(0, len(seeds()) - 1))
    original = seeds()[index]
    names, credential = data.draw(rewrites(original))
    report = verifier().verify(credential)  # must not raise
    if report.verified:
        assert originally_verified(index), f"{names} made a failing credential pass: {report.to_dict()}"
        assert reading(credential) == reading(original), f"{names} passed with other checked members"


@fuzz_settings(75)
@given(data=st.data())
def test_another_persons_credential_rewritten_never_passes_in_a_presentation(data: Any) -> None:
    theirs = _credential("did:example:someone-else", validUntil="2027-01-01T00:00:00Z")
    names, credential = data.draw(rewrites(theirs))
    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder().did,
          "verifiableCredential": [credential]}  # fmt: skip
    suite = data.draw(st.sampled_from([RDFC, JCS]))
    signed = add_proof(vp, holder(), cryptosuite=suite, proof_purpose="authentication", challenge="c")
    report = verify_presentation(signed, verifier(), challenge="c")
    assert not report.verified, f"{names}: another person's credential passed: {report.to_dict()}"
