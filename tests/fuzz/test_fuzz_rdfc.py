"""Fuzzing RDF canonicalization with poison datasets (issue 19, item 2).

Random graphs of blank nodes that look alike — cliques, complete bipartite graphs, circles, random
dense graphs, over one to three predicates, in named graphs or not — given to the verifier as an
eddsa-rdfc-2022 "credential" with a junk signature, and to the canonicalizer as N-Quads; and wide
arrays whose conversion to RDF pyld would make quadratic. Each must end in a verdict or a
CanonicalizationLimitError within the counted bounds — never a hang, never an escaped exception —
and whatever is canonicalized must be exactly pyld's URDNA2015 answer. Work is counted, never timed.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pyld.canon import URDNA2015
from pyld.nquads import parse_nquads

from anchor.crypto import multibase
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import VC_V2, document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import RDFC, verify_proofs
from anchor.crypto.rdfc_budget import (
    DEFAULT_LIMITS,
    CanonicalizationLimitError,
    canonicalization_budget,
    canonicalize_dataset,
)
from anchor.crypto.transform import _generic_rdf

from .conftest import fuzz_settings

KEY = SigningKey.generate()
PREDICATES = ["https://example.org/vocab#p", "https://example.org/vocab#q", "https://example.org/vocab#r"]
CONTEXT = [VC_V2, {f"p{i}": {"@id": iri, "@type": "@id"} for i, iri in enumerate(PREDICATES)}]
#: A refused graph stops at the first step past the limit (at most 12 blank nodes: the minimum applies).
MOST_STEPS = DEFAULT_LIMITS.min_deep_work + 1

Edge = tuple[int, int, int]  # subject, predicate index, object


@st.composite
def poison_graphs(draw: Any) -> tuple[int, list[Edge]]:
    """Blank nodes 0..n-1 and edges between them, in shapes whose nodes are hard to tell apart."""
    size = draw(st.integers(2, 12))
    predicates = draw(st.sampled_from([1, 1, 2, 3]))  # one predicate makes the nodes most alike
    shape = draw(st.sampled_from(["clique", "clique", "bipartite", "bipartite", "circle", "double-circle", "random"]))
    pairs: list[tuple[int, int]]
    if shape == "clique":
        pairs = [(i, j) for i in range(size) for j in range(size) if draw(st.booleans()) or i != j]
    elif shape == "bipartite":
        half = size // 2
        pairs = [(i, j) for i in range(half) for j in range(half, size)]
    elif shape == "circle":
        pairs = [(i, (i + 1) % size) for i in range(size)]
    elif shape == "double-circle":
        pairs = [(i, (i + 1) % size) for i in range(size)] + [(i, (i + 2) % size) for i in range(size)]
    else:
        pairs = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=size * size))
    edges = [(s, draw(st.integers(0, predicates - 1)) if shape == "random" else k % predicates, o)
             for k, (s, o) in enumerate(pairs)]  # fmt: skip
    return size, list(dict.fromkeys(edges)) or [(0, 0, 1)]


def as_credential(size: int, edges: list[Edge]) -> dict[str, Any]:
    subjects: list[dict[str, Any]] = [{"id": f"_:b{node}"} for node in range(size)]
    for s, p, o in edges:
        subjects[s].setdefault(f"p{p}", []).append(f"_:b{o}")
    return {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "issuer": KEY.did,
        "credentialSubject": subjects,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": RDFC,
            "created": "2026-01-01T00:00:00Z",
            "verificationMethod": KEY.verification_method,
            "proofPurpose": "assertionMethod",
            "proofValue": multibase.encode(bytes(64)),
        },
    }


def as_nquads(edges: list[Edge], named: bool) -> str:
    graph = " _:g" if named else ""
    return "".join(f"_:e{s} <{PREDICATES[p]}> _:e{o}{graph} .\n" for s, p, o in edges)


@fuzz_settings(60)
@given(poison_graphs())
def test_a_poison_credential_gets_a_verdict_within_the_bounds(graph):
    size, edges = graph
    with canonicalization_budget() as budget:
        checks = verify_proofs(as_credential(size, edges), DidResolver(), controller=KEY.did)
    assert [check.verified for check in checks] == [False]  # a junk signature never verifies
    assert budget.deep_work <= MOST_STEPS


@fuzz_settings(60)
@given(poison_graphs(), st.booleans())
def test_a_poison_dataset_is_canonicalized_as_pyld_does_or_refused(graph, named):
    _, edges = graph
    nquads = as_nquads(edges, named)
    with canonicalization_budget() as budget:
        try:
            ours = canonicalize_dataset(parse_nquads(nquads))
        except CanonicalizationLimitError as exc:
            assert exc.limit == "deep_work"
            assert budget.deep_work == DEFAULT_LIMITS.min_deep_work + 1
            return
    assert budget.deep_work <= DEFAULT_LIMITS.min_deep_work  # so pyld's own run is bounded too
    assert ours == URDNA2015().main(parse_nquads(nquads), {"format": "application/n-quads"})


@fuzz_settings(20)
@given(
    st.integers(1, 3_000),
    st.integers(1, 5),
    st.sampled_from(["one array", "merged ids", "types"]),
)
def test_wide_values_are_refused_before_pyld_converts_them(count, groups, spread):
    """k values of one node's property cost pyld k(k-1)/2 comparisons, however they are spelled.
    (pyld's own path: the template path never gives pyld the merged nodes, only placeholders.)"""
    values = [f"urn:v:{i}" for i in range(count)]
    if spread == "one array":
        subject: Any = {"id": "urn:s", "p0": values}
    elif spread == "merged ids":  # the same node written as several objects: pyld merges them
        chunks = [values[i::groups] for i in range(groups)]
        subject = [{"id": "urn:s", "p0": chunk} for chunk in chunks if chunk]
    else:
        subject = {"id": "urn:s", "type": values}
    document = {"@context": CONTEXT, "type": ["VerifiableCredential"], "credentialSubject": subject}
    comparisons = count * (count - 1) // 2
    with canonicalization_budget() as budget:
        try:
            _generic_rdf(document, document_loader())
        except CanonicalizationLimitError as exc:
            assert exc.limit == "values"
            assert comparisons > DEFAULT_LIMITS.max_value_comparisons
            assert budget.datasets == 0  # refused before pyld converted anything
            return
    assert comparisons <= DEFAULT_LIMITS.max_value_comparisons


def test_every_small_clique_is_refused_or_agrees_with_pyld():
    """The exhaustive corner of the fuzzers: cliques of 2 to 6 blank nodes, with and without loops."""
    for size, loops in itertools.product(range(2, 7), (True, False)):
        edges = [(i, 0, j) for i in range(size) for j in range(size) if loops or i != j]
        with canonicalization_budget() as budget:
            try:
                ours = canonicalize_dataset(parse_nquads(as_nquads(edges, named=False)))
            except CanonicalizationLimitError:
                assert size >= 5
                assert budget.deep_work == DEFAULT_LIMITS.min_deep_work + 1
                continue
        assert ours == URDNA2015().main(parse_nquads(as_nquads(edges, named=False)), {"format": "application/n-quads"})
