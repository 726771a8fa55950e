"""Bounded RDF canonicalization (issue 19, item 2): poison datasets are refused early, real ones pass.

Nothing here looks at a clock: the work is counted (Hash N-Degree Quads calls and permutations,
documents, datasets), and the time cap is tested by a budget that has already spent its time.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.canon import URDNA2015
from pyld.nquads import parse_nquads

from anchor.crypto import multibase
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import VC_V2, document_loader
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC, add_proof, canonical_rdf, verify_proofs
from anchor.crypto.rdfc_budget import (
    DEFAULT_LIMITS,
    CanonicalizationLimitError,
    CanonicalizationLimits,
    canonicalization_budget,
    canonicalize_dataset,
    node_map_comparisons,
)
from anchor.crypto.transform import _generic_rdf
from anchor.errors import ConfigurationError, CredAnchorError

from .test_rdfc import credential as micro_credential

KEY = SigningKey.generate()
LINK = "https://example.org/vocab#link"
CONTEXT = [VC_V2, {"link": {"@id": LINK, "@type": "@id"}, "v": "https://example.org/vocab#v"}]
UNLIMITED = CanonicalizationLimits(
    max_document_nodes=10**9,
    max_blank_nodes=10**9,
    deep_work_per_blank_node=10**9,
    min_deep_work=10**9,
    max_deep_work=10**9,
    max_value_comparisons=10**12,
    max_seconds=10**9,
)


def junk_proof(**changes: Any) -> dict[str, Any]:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": RDFC,
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": KEY.verification_method,
        "proofPurpose": "assertionMethod",
        "proofValue": multibase.encode(bytes(64)),
    }
    return {**proof, **changes}


def clique_credential(size: int, **proof_changes: Any) -> dict[str, Any]:
    """A 'credential' whose subjects are `size` blank nodes, each linked to every one (itself too)."""
    subjects = [{"id": f"_:b{i}", "link": [f"_:b{j}" for j in range(size)]} for i in range(size)]
    return {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "issuer": KEY.did,
        "credentialSubject": subjects,
        "proof": junk_proof(**proof_changes),
    }


def clique_nquads(size: int) -> str:
    return "".join(f"_:e{i} <{LINK}> _:e{j} .\n" for i in range(size) for j in range(size))


# -- poison datasets are refused, counted, before any signature check --------------------------------


@pytest.mark.parametrize("size", [6, 7, 8, 10])
def test_a_blank_node_clique_with_a_junk_signature_fails_within_the_step_limit(size):
    with canonicalization_budget() as budget:
        (check,) = verify_proofs(clique_credential(size), DidResolver(), controller=KEY.did)
    assert not check.verified
    assert "Hash N-Degree Quads steps" in check.reason and "refused before any signature check" in check.reason
    # It stopped at the first step past the per-dataset limit: not one permutation more.
    assert budget.deep_work == DEFAULT_LIMITS.min_deep_work + 1
    assert budget.hash_n_degree_calls > 0


@pytest.mark.parametrize("size", [6, 7, 8, 10])
def test_a_clique_dataset_raises_a_domain_error_naming_the_limit(size):
    with canonicalization_budget() as budget, pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_dataset(parse_nquads(clique_nquads(size)))
    assert caught.value.limit == "deep_work"
    assert isinstance(caught.value, CredAnchorError) and isinstance(caught.value, ValueError)  # a 4xx in the API
    assert budget.deep_work == DEFAULT_LIMITS.min_deep_work + 1


def test_the_step_limit_grows_with_the_colliding_blank_nodes():
    limits = CanonicalizationLimits(min_deep_work=10, deep_work_per_blank_node=3)
    with canonicalization_budget(limits) as budget, pytest.raises(CanonicalizationLimitError):
        canonicalize_dataset(parse_nquads(clique_nquads(6)))
    assert budget.deep_work == 3 * 6 + 1  # 6 blank nodes share a first-degree hash: 18 steps allowed


def test_one_budget_bounds_the_steps_of_a_whole_request():
    """Each clique of 4 fits the per-dataset limit (556 steps), but not three of them in one request."""
    limits = CanonicalizationLimits(max_deep_work=1_500)
    with canonicalization_budget(limits) as budget:
        for _ in range(2):
            canonicalize_dataset(parse_nquads(clique_nquads(4)))
        with pytest.raises(CanonicalizationLimitError, match="in this request"):
            canonicalize_dataset(parse_nquads(clique_nquads(4)))
    assert budget.deep_work == limits.max_deep_work + 1


def test_an_enclosing_budget_is_shared_and_its_limits_win():
    limits = CanonicalizationLimits(min_deep_work=5, deep_work_per_blank_node=1)
    with canonicalization_budget(limits) as outer, canonicalization_budget(UNLIMITED) as inner:
        assert inner is outer
        with pytest.raises(CanonicalizationLimitError):
            canonicalize_dataset(parse_nquads(clique_nquads(4)))
    assert outer.deep_work == 6


# -- the cheap checks come first --------------------------------------------------------------------

OTHER = SigningKey.generate()


@pytest.mark.parametrize(
    ("changes", "expected", "reason"),
    [
        ({"proofValue": "z" + "2" * 200}, {}, "too long for a 64-byte Ed25519 signature"),
        ({"proofValue": multibase.encode(bytes(63))}, {}, "holds 63 bytes, not a 64-byte"),
        ({"proofValue": "u" + "A" * 86}, {}, "starting with 'z'"),
        ({"proofPurpose": "keyAgreement"}, {}, "is not authorized for keyAgreement"),
        ({"proofPurpose": "authentication"}, {"purpose": "assertionMethod"}, "for authentication, not assertionMethod"),
        ({"verificationMethod": "did:example:1#key"}, {}, "unsupported DID method"),
        ({"verificationMethod": "did:key:z" + "2" * 100_000 + "#k"}, {}, "100001 characters cannot be a multibase"),
        ({"verificationMethod": OTHER.verification_method}, {"controller": KEY.did}, f"key of {OTHER.did}, not of"),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, {}, "unsupported proof"),
    ],
)
def test_an_unusable_proof_fails_without_any_canonicalization(changes, expected, reason):
    with canonicalization_budget() as budget:
        (check,) = verify_proofs(clique_credential(10, **changes), DidResolver(), **expected)
    assert not check.verified
    assert reason in check.reason
    assert budget.documents == 0 and budget.deep_work == 0


def test_a_proof_set_canonicalizes_the_document_once():
    unsigned = {"@context": CONTEXT, "type": ["VerifiableCredential"], "issuer": KEY.did,
                "credentialSubject": {"id": "urn:uuid:1", "v": "x"}}  # fmt: skip
    signed = unsigned
    for _ in range(5):
        signed = add_proof(signed, KEY, cryptosuite=RDFC)
    with canonicalization_budget() as budget:
        checks = verify_proofs(signed, DidResolver(), controller=KEY.did, purpose="assertionMethod")
    assert [c.verified for c in checks] == [True] * 5
    assert budget.documents == 1 + 5  # the document once, each proof's options once


# -- the other caps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["template", "pyld"])
def test_too_many_blank_nodes_are_refused_on_both_paths(path):
    """11 objects without ids, in a subject and a credential without ids: 13 blank nodes."""
    canonicalize = canonical_rdf if path == "template" else _generic_rdf
    document = {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "credentialSubject": {"v": [{"v": str(i % 3)} for i in range(11)]},
    }
    with (
        canonicalization_budget(CanonicalizationLimits(max_blank_nodes=12)),
        pytest.raises(CanonicalizationLimitError) as caught,
    ):
        canonicalize(document, document_loader())
    assert caught.value.limit == "blank_nodes"
    with canonicalization_budget(CanonicalizationLimits(max_blank_nodes=13)):
        assert "_:c14n12 " in canonicalize(document, document_loader())


def test_a_document_too_large_to_expand_is_refused_before_expansion():
    document = {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "credentialSubject": {"v": [str(i) for i in range(100)]},
    }
    limits = CanonicalizationLimits(max_document_nodes=100)
    with canonicalization_budget(limits) as budget, pytest.raises(CanonicalizationLimitError) as caught:
        canonical_rdf(document, document_loader())
    assert caught.value.limit == "size"
    assert budget.datasets == 0


def test_values_pyld_would_compare_quadratically_are_refused_before_conversion():
    """k values of one property cost pyld k(k-1)/2 comparisons (20,000 values took 100 s)."""
    document = {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "urn:s", "v": [str(i) for i in range(1_001)]},
    }
    with canonicalization_budget() as budget, pytest.raises(CanonicalizationLimitError) as caught:
        canonical_rdf(document, document_loader())
    assert caught.value.limit == "values"
    assert "500500 times" in str(caught.value)
    assert budget.datasets == 0


def test_node_map_comparisons_merge_nodes_by_id_and_count_reverse_properties():
    value = [{"@value": "a"}]
    expanded = [
        {"@id": "urn:x", "urn:p": value * 3, "@type": ["urn:T", "urn:U"]},
        {"@id": "urn:x", "urn:p": value * 2},  # merged with the first: 5 values of urn:p
        {"urn:p": value * 4},  # a blank node of its own
        {"@id": "urn:y", "@reverse": {"urn:q": [{"@id": "urn:z"}, {"@id": "urn:z"}]}},
        {"@graph": [{"@id": "urn:x", "urn:p": value}]},  # named graphs counted together: an upper bound
    ]
    assert node_map_comparisons(expanded) == 15 + 1 + 6 + 1  # urn:p of x (6), @type (2), anonymous (4), z←q (2)


def test_a_spent_time_budget_refuses_the_next_canonicalization():
    document = {"@context": CONTEXT, "type": ["VerifiableCredential"], "credentialSubject": {"id": "urn:s", "v": "x"}}
    with canonicalization_budget() as budget:
        budget.seconds = DEFAULT_LIMITS.max_seconds + 0.001  # as if this request had canonicalized that long
        with pytest.raises(CanonicalizationLimitError) as caught:
            canonical_rdf(document, document_loader())
    assert caught.value.limit == "time"


def test_limits_must_be_positive():
    with pytest.raises(ConfigurationError, match="min_deep_work must be positive"):
        CanonicalizationLimits(min_deep_work=0)


# -- real data is unaffected --------------------------------------------------------------------------


@pytest.mark.parametrize("cryptosuite", [RDFC, JCS])
def test_a_real_credential_needs_no_n_degree_hashing(cryptosuite):
    document = micro_credential("Ana", "Welding", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "A", 5)
    signed = add_proof(document, KEY, cryptosuite=cryptosuite)
    with canonicalization_budget() as budget:
        (check,) = verify_proofs(signed, DidResolver(), controller=KEY.did, purpose="assertionMethod")
    assert check.verified, check.reason
    assert budget.deep_work == 0


def test_the_rdfc_suites_hard_but_legitimate_shapes_pass():
    """RDFC-1.0's test suite: a double circle of 3 (a legitimate graph that needs n-degree hashing),
    canonicalized within the default limits and exactly as pyld's unbounded URDNA2015 does."""
    double_circle = "".join(
        f"_:e{i} <{LINK}> _:e{(i + 1) % 3} .\n_:e{i} <https://example.org/vocab#prev> _:e{(i - 1) % 3} .\n"
        for i in range(3)
    )
    with canonicalization_budget() as budget:
        ours = canonicalize_dataset(parse_nquads(double_circle))
    assert budget.deep_work > 0
    assert ours == URDNA2015().main(parse_nquads(double_circle), {"format": "application/n-quads"})


# The n-degree step is written out in anchor.crypto.rdfc_budget (pyld has no hook in its permutation
# loop): it must give exactly pyld's answer on graphs whose blank nodes look alike.
edge = st.tuples(st.integers(0, 4), st.sampled_from([LINK, "https://example.org/vocab#other"]), st.integers(0, 4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edge, min_size=1, max_size=12), st.booleans())
def test_the_bounded_n_degree_step_agrees_with_pyld(edges, named_graph):
    graph = " _:g" if named_graph else ""
    nquads = "".join(f"_:e{s} <{p}> _:e{o}{graph} .\n" for s, p, o in dict.fromkeys(edges))
    with canonicalization_budget(UNLIMITED):
        ours = canonicalize_dataset(parse_nquads(nquads))
    assert ours == URDNA2015().main(parse_nquads(nquads), {"format": "application/n-quads"})


def test_relabelling_a_poison_graph_does_not_change_the_refusal():
    """Blank node labels do not matter: every relabelling is refused after the same count."""
    counts = set()
    for order in itertools.islice(itertools.permutations(range(6)), 6):
        nquads = "".join(f"_:n{order[i]} <{LINK}> _:n{order[j]} .\n" for i in range(6) for j in range(6))
        with canonicalization_budget() as budget, pytest.raises(CanonicalizationLimitError):
            canonicalize_dataset(parse_nquads(nquads))
        counts.add(budget.deep_work)
    assert counts == {DEFAULT_LIMITS.min_deep_work + 1}
