"""Fuzzing `Verifier.verify` and `verify_presentation` with malformed and adversarial credentials.

One embedded chain per module: contracts deployed, a body granted, two issuers registered; each issues and
anchors small batches (eddsa-jcs-2022, and a few eddsa-rdfc-2022), which are the seed corpus. Mutations of
the seeds (conftest.MUTATIONS: values changed, inserted or deleted in the signed content, wrong contexts,
types, dates and issuers, swapped, dropped or duplicated proofs, Merkle paths replaced, truncated or
extended, roots of other batches and issuers, junk anchor fields) and arbitrary JSON must

- never make an exception escape the verifier, and
- never verify (no false pass) when the mutation changed what is verified.

Default run: 200 derandomised examples per test. ``CREDANCHOR_FUZZ_EXAMPLES=N`` raises every test to N
random examples and enables the ``fuzz``-marked long run (N=10000 for ≥ 10,000 cases); without it that
test is skipped.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor.anchoring.batches import anchor_credentials
from anchor.anchoring.status_changes import stored_credentials
from anchor.chain.adapter import Chain
from anchor.chain.deployment import deploy_contracts
from anchor.chain.view import ChainReader
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.presentation import verify_presentation
from anchor.credentials.status import RandomStatusAllocator
from anchor.credentials.verify import CHECKS, PROFILES, Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS, RDFC
from anchor.errors import CredAnchorError
from anchor.tools.bench import BENCH_SPEC

from .conftest import LONG_RUN, Corpus, Seed, fuzz_settings, json_values, must_fail, mutate, signed_form

ISSUED = datetime(2026, 3, 1, tzinfo=UTC)
VP_CONTEXT = "https://www.w3.org/ns/credentials/v2"


class World:
    def __init__(self) -> None:
        chain = Chain.embedded()
        admin, body, acme, beta = chain.accounts[:4]
        deployment = deploy_contracts(chain, deployer=admin)
        registry = deployment.registry(chain)
        anchor = deployment.anchor(chain)
        registry.grant_body(body, sender=admin)
        self.corpus = Corpus(seeds=[])
        batches = {"acme": (acme, [(JCS, 4), (JCS, 3), (RDFC, 2)]), "beta": (beta, [(JCS, 4), (RDFC, 1)])}
        for label, (account, plan) in batches.items():
            key = SigningKey.generate()
            name = f"{label.title()} Academy"
            registry.register_issuer(account, did=key.did, name=name, scope="micro", sender=body)
            allocator = RandomStatusAllocator(chain.chain_id, anchor.address, account)
            self.corpus.accounts[label], self.corpus.dids[label] = account, key.did
            n = 0
            for number, (suite, count) in enumerate(plan):
                issuer = CredentialIssuer(AwardingBody(key.did, name, "PT"), key, cryptosuite=suite, status=allocator)
                signed = []
                for _ in range(count):
                    learner = Learner(f"Learner {label} {n} Zoë", f"l{n}@{label}.example")
                    signed.append(issuer.issue(BENCH_SPEC, Award(learner, ISSUED, grade="B")))
                    n += 1
                batch = anchor_credentials(signed, anchor, sender=account)
                tag = f"{label}:{number}"
                self.corpus.roots[tag] = batch.root.hex()
                self.corpus.seeds += [Seed(c) for c in batch.credentials]
        self.verifiers = {p: Verifier(ChainReader(chain, registry.address), profile=p) for p in PROFILES}


@pytest.fixture(scope="module")
def world() -> World:
    made = World()
    for seed in made.corpus.seeds:  # the corpus itself verifies, with every check
        for verifier in made.verifiers.values():
            report = verifier.verify(seed.credential)
            assert report.verified, report.to_dict()
            assert [c.name for c in report.checks] == list(CHECKS)
    return made


def seeds_of(data: Any, world: World) -> Seed:
    # RDFC verification is ~50x slower: pick a JCS seed four times in five.
    jcs = [s for s in world.corpus.seeds if "eddsa-jcs" in str(s.credential["proof"][0].get("cryptosuite"))]
    return data.draw(st.sampled_from(jcs) if data.draw(st.integers(0, 4)) else st.sampled_from(world.corpus.seeds))


def check_mutated(data: Any, world: World) -> None:
    seed = seeds_of(data, world)
    names, credential = mutate(data.draw, world.corpus, seed)
    profile = data.draw(st.sampled_from(PROFILES))
    report = world.verifiers[profile].verify(credential)  # must not raise
    assert [c.name for c in report.checks] == list(CHECKS)
    report.to_dict()
    if must_fail(seed.credential, credential, profile, world.corpus.genuine):
        assert not report.verified, f"false pass ({profile}) after {names}: {report.to_dict()}"


@fuzz_settings(200)
@given(data=st.data())
def test_mutated_credentials_never_crash_and_never_pass(world: World, data: Any) -> None:
    check_mutated(data, world)


@fuzz_settings(200)
@given(document=json_values() | st.dictionaries(st.sampled_from(["@context", "type", "issuer", "proof",
       "credentialSubject", "validFrom", "validUntil", "credentialStatus", "id"]), json_values()))  # fmt: skip
def test_arbitrary_json_is_never_verified(world: World, document: Any) -> None:
    for verifier in world.verifiers.values():
        assert not verifier.verify(document).verified


@fuzz_settings(200)
@given(data=st.data())
def test_junk_grafted_onto_a_real_credential(world: World, data: Any) -> None:
    """A real credential with one top-level member set to junk (or to another credential's member)."""
    seed = seeds_of(data, world)
    credential = copy.deepcopy(seed.credential)
    name = data.draw(st.sampled_from([*credential, "evidence", "termsOfUse", "refreshService"]))
    other = data.draw(st.sampled_from(world.corpus.seeds)).credential
    credential[name] = data.draw(json_values() | st.just(copy.deepcopy(other.get(name))))
    for profile, verifier in world.verifiers.items():
        report = verifier.verify(credential)
        if must_fail(seed.credential, credential, profile, world.corpus.genuine):
            assert not report.verified, f"false pass ({profile}) with {name}: {report.to_dict()}"


@fuzz_settings(100)
@given(data=st.data())
def test_presentations_of_mutated_credentials(world: World, data: Any) -> None:
    """Presentations (unsigned, so require_proof=False) holding mutated credentials, and junk around them."""
    seed = seeds_of(data, world)
    names, credential = mutate(data.draw, world.corpus, seed)
    profile = data.draw(st.sampled_from(PROFILES))
    intact = [s.credential for s in data.draw(st.lists(st.sampled_from(world.corpus.seeds), max_size=2))]
    shown = [*intact, credential]
    presentation: dict[str, Any] = {"@context": [VP_CONTEXT], "type": ["VerifiablePresentation"],
                                    "verifiableCredential": shown if len(shown) > 1 else credential}  # fmt: skip
    if data.draw(st.booleans()):
        member = data.draw(st.sampled_from(["holder", "proof", "id", "@context", "type", "verifiableCredential"]))
        presentation[member] = data.draw(json_values())
    challenge = data.draw(st.none() | st.text(max_size=10))
    report = verify_presentation(presentation, world.verifiers[profile], challenge=challenge, require_proof=False)
    report.to_dict()
    given_credentials = presentation["verifiableCredential"]
    given_credentials = given_credentials if isinstance(given_credentials, list) else [given_credentials]
    if must_fail(seed.credential, credential, profile, world.corpus.genuine) and any(
        c is credential for c in given_credentials
    ):
        assert not report.verified, f"false pass ({profile}) after {names}: {report.to_dict()}"


@pytest.mark.fuzz
@LONG_RUN
@fuzz_settings(1)
@given(data=st.data())
def test_long_run_mutated_credentials(world: World, data: Any) -> None:
    """The long run: CREDANCHOR_FUZZ_EXAMPLES mutated credentials (10000 for the ≥ 10,000-case run)."""
    check_mutated(data, world)


@pytest.mark.parametrize("member", ["validFrom", "issuer"])
def test_huge_integer_in_an_rdfc_credential_does_not_escape(world: World, member: str) -> None:
    seed = next(s for s in world.corpus.seeds if s.credential["proof"][0].get("cryptosuite") == RDFC)
    credential = copy.deepcopy(seed.credential)
    credential[member] = 10**400
    for verifier in world.verifiers.values():
        assert not verifier.verify(credential).verified


class StoredCopies:
    """The store's lookup (anchor.anchoring.status_changes.CredentialLookup) over the genuine corpus."""

    def __init__(self, credentials: list[dict[str, Any]]) -> None:
        self.by_id = {credential["id"]: credential for credential in credentials}

    def document(self, credential_id: str) -> dict[str, Any] | None:
        found = self.by_id.get(credential_id)
        return copy.deepcopy(found) if found is not None else None


@fuzz_settings(200)
@given(data=st.data())
def test_a_status_change_never_acts_on_an_edited_file(world: World, data: Any) -> None:
    """Issue 19 item 5: whatever was changed in a credential file (status entries included), the status
    commands either refuse it with a credanchor error or act on the stored credential it is, unchanged."""
    seed = data.draw(st.sampled_from(world.corpus.seeds))
    names, credential = mutate(data.draw, world.corpus, seed)
    try:
        (found,) = stored_credentials(StoredCopies(world.corpus.genuine), [credential])
    except CredAnchorError:
        return
    assert found in world.corpus.genuine
    assert signed_form(found) == signed_form(credential), f"accepted a file edited by {names}"
