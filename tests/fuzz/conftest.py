"""Shared pieces of the fuzz tests: settings, JSON strategies and the credential mutations.

``CREDANCHOR_FUZZ_EXAMPLES=N`` raises every fuzz test to N examples (randomised, not derandomised) and
enables the ``@pytest.mark.fuzz`` long runs, which are skipped when it is unset.

A *mutation* always changes what is verified: the signed content (its JCS form without anchor proofs —
so reordering object keys, or writing 1 as 1.0, does not count) or the material of the anchor proof the
verifier uses (root, path, account, contract, chain). `semantically_changed` is the judge, so a sequence
of mutations that cancels out is never held against the verifier.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from anchor.credentials.anchor_proofs import ANCHOR_PROOF_TYPE, anchor_proofs_of, without_anchor_proofs
from anchor.crypto.jcs import canonicalize
from anchor.crypto.proofs import JCS, proofs_of
from anchor.types import Root

FUZZ_EXAMPLES = int(os.environ.get("CREDANCHOR_FUZZ_EXAMPLES", "0") or 0)
LONG_RUN = pytest.mark.skipif(not FUZZ_EXAMPLES, reason="set CREDANCHOR_FUZZ_EXAMPLES=N for the long fuzz run")
SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]


def fuzz_settings(default: int) -> settings:
    """`default` examples, derandomised — or CREDANCHOR_FUZZ_EXAMPLES random ones when it is set."""
    return settings(
        max_examples=FUZZ_EXAMPLES or default,
        deadline=None,
        derandomize=not FUZZ_EXAMPLES,
        database=None,
        suppress_health_check=SUPPRESSED,
        print_blob=True,
    )


# -- JSON values --------------------------------------------------------------------------------------

NASTY_STRINGS = [
    "", " ", "0", "-1", "null", "true", "0x", "0x" + "00" * 32, "0x" + "ff" * 33, "0x" + "zz" * 32,
    "0x" + "00" * 20, "\u202e\u0000", "\ud800", "a\udfffb", "🎓" * 50, "ä" * 3000, "x" * 70_000,
    "did:key:z6Mk", "did:web:example.org", "https://www.w3.org/ns/credentials/v2", "https://example.org/ctx",
    "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z",
    "VerifiableCredential", "OpenBadgeCredential", "DataIntegrityProof", ANCHOR_PROOF_TYPE, JCS,
    "eddsa-rdfc-2022", "assertionMethod", "authentication", "BitstringStatusListEntry", "revocation",
    "suspension", "NaN", "1e400", "@id", "@context", "@type", "@vocab", "@graph",
]  # fmt: skip
NASTY_NUMBERS = [0, -1, 1, 2**53, 2**53 + 1, -(2**63), 2**64, 2**256, 10**30, -(10**400), 1.0, -0.0, 1e308, 5e-324]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30),  # lone surrogates too
        st.sampled_from(NASTY_STRINGS),
        st.sampled_from(NASTY_NUMBERS),
    )


def nested(depth: int) -> Any:
    value: Any = "deep"
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


#: (opening text, closing text, levels it nests): brackets and quotes inside its strings do not nest.
NESTING_UNITS = [
    ("[", "]", 1),
    ('{"a":', "}", 1),
    ('[{"b":', "}]", 2),
    ('{"verifiableCredential":[', "]}", 2),
    ('{"k\\"[{":[', "]}", 2),
]


@st.composite
def deep_json_texts(draw: st.DrawFn, min_depth: int = 65, max_depth: int = 100_000) -> str:
    """A JSON text nesting at least `min_depth` levels (up to about `max_depth`): arrays, objects, mixes,
    closed or left open, after a member whose string is full of brackets. Built as text: no encoder could
    recurse that deep (the attack of issue 19, item 1)."""
    opening, closing, levels = draw(st.sampled_from(NESTING_UNITS))
    repeat = -(-draw(st.integers(min_value=min_depth, max_value=max_depth)) // levels)
    body = opening * repeat + ("1" + closing * repeat if draw(st.booleans()) else "")
    wrapper = draw(st.sampled_from([("", ""), ('{"pad": "[[[[{{{{", "x": ', "}"), ('["\\"]]]]", ', "]")]))
    return wrapper[0] + body + wrapper[1]


def json_values() -> st.SearchStrategy[Any]:
    base = scalars()
    tree = st.recursive(
        base,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
        max_leaves=12,
    )
    return st.one_of(tree, st.integers(min_value=50, max_value=400).map(nested))


# -- judging a mutation -------------------------------------------------------------------------------


def signed_form(credential: Any) -> Any:
    """What the issuer signed, canonically (JCS); a non-canonicalisable document is its own marker."""
    if not isinstance(credential, dict):
        return ("not-a-dict", repr(credential))
    try:
        return canonicalize(without_anchor_proofs(credential))
    except Exception as exc:  # huge integers, lone surrogates, ...: certainly not what was signed
        return ("uncanonicalisable", repr(exc))


def anchor_material(credential: Any) -> Any:
    """The last anchor proof as the verifier reads it (same lenient parsing), or a raw marker."""
    if not isinstance(credential, dict):
        return None
    proofs = anchor_proofs_of(credential)
    if not proofs:
        return None
    proof = proofs[-1]
    try:
        return (
            Root.from_hex(str(proof["merkleRoot"])).value,
            tuple(Root.from_hex(str(node)).value for node in proof["merklePath"]),
            str(proof["anchoredBy"]).lower(),
            str(proof["anchorContract"]).lower(),
            int(proof["chainId"]),
        )
    except Exception:
        return ("malformed", repr(proof))


def semantically_changed(original: dict[str, Any], mutated: Any) -> bool:
    return signed_form(original) != signed_form(mutated) or anchor_material(original) != anchor_material(mutated)


def legitimately_plain(original: dict[str, Any], mutated: Any, profile: str) -> bool:
    """Under the "vc" profile a credential stripped of its anchor proofs is a plain VC: if what was signed
    is unchanged (JCS — RDFC would also accept RDF-equal rewrites), it may verify."""
    if profile != "vc" or not isinstance(mutated, dict) or anchor_proofs_of(mutated):
        return False
    issuer_proofs = [p for p in proofs_of(original) if isinstance(p, dict) and p.get("type") != ANCHOR_PROOF_TYPE]
    jcs_signed = all(p.get("cryptosuite") == JCS for p in issuer_proofs)
    return signed_form(original) == signed_form(mutated) or not jcs_signed


def must_fail(original: dict[str, Any], mutated: Any, profile: str, others: Sequence[Any] = ()) -> bool:
    """True when `mutated` differs (semantically) from `original` and from every other genuine credential
    in `others` (swapping both halves of two credentials gives back a genuine one)."""
    return all(
        semantically_changed(seed, mutated) and not legitimately_plain(seed, mutated, profile)
        for seed in [original, *others]
    )


# -- the seed corpus ----------------------------------------------------------------------------------


@dataclass
class Seed:
    credential: dict[str, Any]


@dataclass
class Corpus:
    seeds: list[Seed]
    roots: dict[str, str] = field(default_factory=dict)  # batch label -> merkleRoot
    accounts: dict[str, str] = field(default_factory=dict)  # issuer label -> anchoring account
    dids: dict[str, str] = field(default_factory=dict)  # issuer label -> DID

    @property
    def genuine(self) -> list[dict[str, Any]]:
        return [seed.credential for seed in self.seeds]


# -- mutations ----------------------------------------------------------------------------------------

Path = tuple[Any, ...]


def node_paths(value: Any, prefix: Path = ()) -> list[Path]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += node_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += node_paths(child, (*prefix, index))
    return paths


def get_at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def signed_paths(credential: dict[str, Any]) -> list[Path]:
    """Every node of the credential outside its proofs (the issuer proof is mutated separately)."""
    return [p for p in node_paths(credential) if p and p[0] != "proof"]


def issuer_proof_index(credential: dict[str, Any]) -> int | None:
    proofs = credential.get("proof")
    if not isinstance(proofs, list):
        return None
    return next((i for i, p in enumerate(proofs) if isinstance(p, dict) and p.get("type") != ANCHOR_PROOF_TYPE), None)


def anchor_proof_index(credential: dict[str, Any]) -> int | None:
    proofs = credential.get("proof")
    if not isinstance(proofs, list):
        return None
    indices = [i for i, p in enumerate(proofs) if isinstance(p, dict) and p.get("type") == ANCHOR_PROOF_TYPE]
    return indices[-1] if indices else None


def random_node(draw: Any) -> str:
    return "0x" + draw(st.binary(min_size=32, max_size=32)).hex()


Mutation = Callable[[Any, dict[str, Any], Corpus, Seed], None]


def m_replace(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    path = draw(st.sampled_from(signed_paths(c)))
    parent, last = get_at(c, path[:-1]), path[-1]
    parent[last] = draw(json_values())


def m_insert(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    dicts = [p for p in [(), *signed_paths(c)] if isinstance(get_at(c, p), dict)]
    lists = [p for p in signed_paths(c) if isinstance(get_at(c, p), list)]
    path = draw(st.sampled_from(dicts + lists))
    target = get_at(c, path)
    if isinstance(target, list):
        target.insert(draw(st.integers(0, len(target))), draw(json_values()))
    else:
        key = draw(st.text(min_size=0, max_size=20).filter(lambda k: k not in target and k != "proof"))
        target[key] = draw(json_values())


def m_delete(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    path = draw(st.sampled_from(signed_paths(c)))
    del get_at(c, path[:-1])[path[-1]]


def _mutate_list_member(draw: Any, c: dict[str, Any], name: str, replacements: list[Any]) -> None:
    values = c.get(name)
    values = list(values) if isinstance(values, list) else [values]
    action = draw(st.sampled_from(["replace", "drop", "append", "prepend", "swap", "whole", "duplicate"]))
    new = draw(st.sampled_from(replacements) | json_values())
    if action == "replace" and values:
        values[draw(st.integers(0, len(values) - 1))] = new
    elif action == "drop" and values:
        values.pop(draw(st.integers(0, len(values) - 1)))
    elif action == "append":
        values.append(new)
    elif action == "prepend":
        values.insert(0, new)
    elif action == "swap" and len(values) > 1:
        i, j = draw(st.lists(st.integers(0, len(values) - 1), min_size=2, max_size=2, unique=True))
        values[i], values[j] = values[j], values[i]
    elif action == "duplicate" and values:
        values.append(values[draw(st.integers(0, len(values) - 1))])
    else:
        c[name] = new
        return
    c[name] = values


CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2",
    "https://example.org/unknown-context.jsonld",
    {"@vocab": "https://example.org/#"},
    {"name": "https://example.org/#evilName"},
    {"@protected": False},
]
TYPES = ["VerifiableCredential", "OpenBadgeCredential", "AchievementCredential", "VerifiablePresentation", "X"]


def m_context(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    _mutate_list_member(draw, c, "@context", CONTEXTS)


def m_type(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    _mutate_list_member(draw, c, "type", TYPES)


DATES = ["2000-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2099-01-01T00:00:00Z", "2026-03-01", "yesterday",
         "2026-03-01T00:00:00+14:00", "2026-03-01T00:00:00.000000001Z", 0, None, [], {}, 2**70]  # fmt: skip


def m_dates(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    name = draw(st.sampled_from(["validFrom", "validUntil", "issuanceDate", "expirationDate"]))
    if draw(st.booleans()) and name in c:
        del c[name]
    else:
        c[name] = draw(st.sampled_from(DATES) | json_values())


def m_issuer(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    other = draw(st.sampled_from([*corpus.dids.values(), "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]))
    shape = draw(st.sampled_from(["id", "string", "junk"]))
    if shape == "id" and isinstance(c.get("issuer"), dict):
        c["issuer"]["id"] = other
    elif shape == "string":
        c["issuer"] = other
    else:
        c["issuer"] = draw(json_values())


def _proofs(c: dict[str, Any]) -> list[Any]:
    proofs = c.get("proof")
    if not isinstance(proofs, list):
        proofs = [proofs] if proofs is not None else []
        c["proof"] = proofs
    return proofs


def _other_seed(draw: Any, corpus: Corpus, seed: Seed) -> Seed:
    others = [s for s in corpus.seeds if s is not seed]
    return draw(st.sampled_from(others))


def m_swap_issuer_proof(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    other = _other_seed(draw, corpus, seed).credential
    i, j = issuer_proof_index(c), issuer_proof_index(other)
    if i is not None and j is not None:
        c["proof"][i] = copy.deepcopy(other["proof"][j])


def m_swap_anchor_proof(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    other = _other_seed(draw, corpus, seed).credential
    i, j = anchor_proof_index(c), anchor_proof_index(other)
    if i is not None and j is not None:
        c["proof"][i] = copy.deepcopy(other["proof"][j])


def m_swap_signed_body(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    """Another credential's signed content (with its issuer proof) under this one's anchor proof."""
    other = copy.deepcopy(_other_seed(draw, corpus, seed).credential)
    mine = anchor_proof_index(c)
    theirs = anchor_proof_index(other)
    if mine is not None and theirs is not None:
        other["proof"][theirs] = c["proof"][mine]
        c.clear()
        c.update(other)


def m_drop_proof(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    proofs = _proofs(c)
    what = draw(st.sampled_from(["one", "all", "null", "empty"]))
    if what == "one" and proofs:
        proofs.pop(draw(st.integers(0, len(proofs) - 1)))
    elif what == "all":
        del c["proof"]
    elif what == "null":
        c["proof"] = None
    else:
        c["proof"] = []


def m_duplicate_proof(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    """A second copy of the issuer proof (changes the signed proof set), or of a *tampered* anchor proof
    placed last (the one the verifier reads)."""
    proofs = _proofs(c)
    i, j = issuer_proof_index(c), anchor_proof_index(c)
    if draw(st.booleans()) and i is not None:
        proofs.insert(draw(st.integers(0, len(proofs))), copy.deepcopy(proofs[i]))
    elif j is not None:
        tampered = copy.deepcopy(proofs[j])
        path = tampered.get("merklePath")
        tampered["merklePath"] = [random_node(draw), *(path if isinstance(path, list) else [])]
        proofs.append(tampered)


def _anchor_proof(c: dict[str, Any]) -> dict[str, Any] | None:
    j = anchor_proof_index(c)
    return c["proof"][j] if j is not None else None


def m_merkle_path(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    proof = _anchor_proof(c)
    if proof is None or not isinstance(proof.get("merklePath"), list):
        return
    path = proof["merklePath"]
    action = draw(st.sampled_from(["replace", "truncate", "extend", "reverse", "empty", "from-other", "junk"]))
    if action == "replace" and path:
        path[draw(st.integers(0, len(path) - 1))] = random_node(draw)
    elif action == "truncate" and path:
        del path[draw(st.integers(0, len(path) - 1)) :]
    elif action == "extend":
        at, count = draw(st.integers(0, len(path))), draw(st.integers(1, 40))
        path[at:at] = [random_node(draw) for _ in range(count)]
    elif action == "reverse":
        path.reverse()
    elif action == "empty":
        path.clear()
    elif action == "from-other":
        other = _anchor_proof(copy.deepcopy(_other_seed(draw, corpus, seed).credential))
        if other is not None:
            proof["merklePath"] = other["merklePath"]
    else:
        proof["merklePath"] = draw(json_values())


def m_merkle_root(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    proof = _anchor_proof(c)
    if proof is None:
        return
    label = draw(st.sampled_from(sorted(corpus.roots)))
    proof["merkleRoot"] = draw(st.sampled_from([corpus.roots[label], random_node(draw), "0x" + "00" * 32]))
    if draw(st.booleans()):  # claim the batch's own issuer anchored it
        proof["anchoredBy"] = corpus.accounts[label.split(":")[0]]


def m_anchor_field(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    proof = _anchor_proof(c)
    if proof is None:
        return
    name = draw(st.sampled_from(["merkleRoot", "merklePath", "anchoredBy", "anchorContract", "chainId", "type"]))
    choices = [*corpus.accounts.values(), "0x" + "00" * 20, 1, 0, -1, 2**256, "31337x", None]
    if draw(st.booleans()) and name in proof:
        del proof[name]
    else:
        proof[name] = draw(st.sampled_from(choices) | json_values())


def m_status_entries(draw: Any, c: dict[str, Any], corpus: Corpus, seed: Seed) -> None:
    """Another credential's status entries, or only its index or list, in this one (the attack of issue 19,
    item 5: a file edited to revoke someone else's credential)."""
    other = _other_seed(draw, corpus, seed).credential
    theirs = copy.deepcopy(other.get("credentialStatus"))
    mine = c.get("credentialStatus")
    if draw(st.booleans()) or not isinstance(mine, list) or not isinstance(theirs, list):
        c["credentialStatus"] = theirs
        return
    name = draw(st.sampled_from(["statusListIndex", "statusListId", "statusIssuer", "id"]))
    for entry, their_entry in zip(mine, theirs, strict=False):
        if isinstance(entry, dict) and isinstance(their_entry, dict) and name in their_entry:
            entry[name] = their_entry[name]


MUTATIONS: dict[str, Mutation] = {
    "replace": m_replace,
    "insert": m_insert,
    "delete": m_delete,
    "context": m_context,
    "type": m_type,
    "dates": m_dates,
    "issuer": m_issuer,
    "swap_issuer_proof": m_swap_issuer_proof,
    "swap_anchor_proof": m_swap_anchor_proof,
    "swap_signed_body": m_swap_signed_body,
    "drop_proof": m_drop_proof,
    "duplicate_proof": m_duplicate_proof,
    "merkle_path": m_merkle_path,
    "merkle_root": m_merkle_root,
    "anchor_field": m_anchor_field,
    "status_entries": m_status_entries,
}


def mutate(draw: Any, corpus: Corpus, seed: Seed) -> tuple[list[str], dict[str, Any]]:
    """1-3 mutations of a copy of `seed`; returns their names and the mutated credential."""
    credential = copy.deepcopy(seed.credential)
    names = draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3))
    for name in names:
        MUTATIONS[name](draw, credential, corpus, seed)
    return names, credential
