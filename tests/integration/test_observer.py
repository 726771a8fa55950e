"""The Observer finds, from public chain data alone, what each mode reveals — on both chains.

One story per chain: an accredited issuer issues a small roster as anchored VCs (one batch,
random status indices) and as NFTs (same credentials, metadata naming learner, title, grade,
date, issuer), revokes one VC and burns one NFT, records hashes in a HashRevocationRegistry.
The observer is then given only the chain and the contract addresses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from anchor import Chain
from anchor.anchoring.batches import anchor_credentials
from anchor.chain.abi import decode_call, decode_logs
from anchor.chain.consent import serialize_metadata
from anchor.chain.contracts import deploy_hash_registry
from anchor.chain.deployment import Deployment, deploy_contracts
from anchor.comparison.observer import DOCUMENT_ISSUED, DOCUMENT_REVOKED, ModeReport, ObserverReport, observe
from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.crypto.keys import SigningKey
from anchor.tools.bench import BENCH_SPEC
from anchor.types import Root

KEY = SigningKey.generate()
BODY = AwardingBody(KEY.did, "Universidade Exemplo", "PT", "Lisboa")
PYTHON_SPEC = replace(BENCH_SPEC, title="Python Foundations")
#: (learner name, title, grade): Ana holds two credentials; Duarte's only token gets burnt.
ROSTER = [
    ("Ana Silva", BENCH_SPEC.title, "A"),
    ("Ana Silva", PYTHON_SPEC.title, "B"),
    ("Bruno Costa", BENCH_SPEC.title, "B"),
    ("Carla Dias", BENCH_SPEC.title, "C"),
    ("Duarte Reis", BENCH_SPEC.title, "B"),
]
DATE = "2026-03-01"


@dataclass
class Story:
    chain: Chain
    deployment: Deployment
    hash_registry: str
    issuer: str
    holders: dict[str, str]  # learner name -> address
    metadata: list[dict[str, Any]]  # per NFT, in mint order
    token_ids: list[int]
    burnt_token: int
    root: Root
    revoked_location: tuple[int, int]  # (list id, index)
    revoked_hash: bytes
    report: ObserverReport


@pytest.fixture(scope="module")
def story(deployed_chain) -> Iterator[Story]:
    chain = deployed_chain.chain
    snapshot = chain.snapshot()
    admin, body, issuer = chain.accounts[:3]
    learners = dict(zip(dict.fromkeys(name for name, _, _ in ROSTER), chain.accounts[5:9], strict=True))
    deployment = deploy_contracts(chain, deployer=admin)  # fresh addresses: no other test's events
    registry, anchor, nft = deployment.registry(chain), deployment.anchor(chain), deployment.nft(chain)
    registry.grant_body(body, sender=admin)
    registry.register_issuer(issuer, did=KEY.did, name=BODY.name, scope="EQF 4-6 micro-credentials", sender=body)

    # VC mode: one anchored batch, random status indices; revoke one credential.
    allocator = RandomStatusAllocator(chain.chain_id, anchor.address, issuer)
    credential_issuer = CredentialIssuer(BODY, KEY, status=allocator)
    when = datetime(2026, 3, 1, tzinfo=UTC)
    signed = [
        credential_issuer.issue(
            PYTHON_SPEC if title == PYTHON_SPEC.title else BENCH_SPEC,
            Award(Learner(name, f"{name.split()[0].lower()}@example.org"), when, grade=grade),
        )
        for name, title, grade in ROSTER
    ]
    batch = anchor_credentials(signed, anchor, sender=issuer)
    entry = next(e for e in batch.credentials[3]["credentialStatus"] if e["statusPurpose"] == "revocation")
    _, location = read_entry(entry)
    anchor.revoke(location.list_id, [location.index], sender=issuer)

    # NFT mode: the same credentials as public tokens; burn Duarte's.
    metadata = [
        {"name": name, "title": title, "grade": grade, "date": DATE, "issuer": BODY.name}
        for name, title, grade in ROSTER
    ]
    token_ids = [nft.mint(learners[m["name"]], m, sender=issuer)[0] for m in metadata]
    nft.burn(token_ids[4], sender=issuer)

    # Hash mode: the batch root issued, one credential's hash revoked.
    hashes = deploy_hash_registry(chain, deployer=admin)
    hashes.issue(batch.root, sender=issuer)
    revoked_hash = credential_hash(batch.credentials[3])
    hashes.revoke(revoked_hash, sender=issuer)

    report = observe(
        chain,
        anchor=anchor.address,
        nft=nft.address,
        registry=registry.address,
        hash_registry=hashes.address,
    )
    yield Story(
        chain=chain,
        deployment=deployment,
        hash_registry=hashes.address,
        issuer=issuer,
        holders=learners,
        metadata=metadata,
        token_ids=token_ids,
        burnt_token=token_ids[4],
        root=batch.root,
        revoked_location=(location.list_id, location.index),
        revoked_hash=revoked_hash,
        report=report,
    )
    chain.revert(snapshot)


# -- NFT mode: everything about the learners is public --------------------------------------------


def test_nft_mode_identifies_every_learner_including_the_one_whose_token_was_burnt(story):
    nft = story.report.mode("nft")
    assert nft.deployed
    assert nft.holders_identified.value == len(story.holders) == 4
    assert {p.holder for p in nft.profiles} == set(story.holders.values())
    assert nft.credentials_seen.value == 5
    assert nft.details["tokens_live"] == 4 and nft.details["tokens_burnt"] == 1


def test_nft_mode_exposes_names_titles_grades_dates_and_issuer(story):
    nft = story.report.mode("nft")
    by_name = {f.field: f for f in nft.fields}
    assert set(by_name) == {"name", "title", "grade", "date", "issuer"}
    assert nft.fields_exposed.value == 5
    assert {name: f.kind for name, f in by_name.items()} == {
        "name": "personal",
        "title": "credential",
        "grade": "result",
        "date": "date",
        "issuer": "issuer",
    }
    assert all(f.count == 5 for f in nft.fields)  # every token, the burnt one too
    assert set(by_name["name"].examples) == set(story.holders)
    assert set(by_name["grade"].examples) == {"A", "B", "C"}


def test_nft_mode_finds_the_burnt_tokens_metadata_in_the_mint_calldata(story):
    nft = story.report.mode("nft")
    assert nft.details["burnt_metadata_from_calldata"] == 1
    (example,) = nft.details["burnt_examples"]
    assert example["token_id"] == story.burnt_token
    assert example["holder"] == story.holders["Duarte Reis"]
    assert json.loads(example["metadata"]) == story.metadata[4]
    assert nft.details["metadata_sources"] == {"tokenURI": 4, "mint calldata": 1}
    assert nft.revocations.value == 1
    assert nft.revocations_attributable.value == 1
    duarte = next(p for p in nft.profiles if p.holder == story.holders["Duarte Reis"])
    assert duarte.names == ("Duarte Reis",)
    assert [(c.token_id, c.burnt) for c in duarte.credentials] == [(story.burnt_token, True)]


def test_nft_mode_links_the_credentials_of_one_learner(story):
    nft = story.report.mode("nft")
    assert nft.linkable_credentials.value == 2
    assert nft.details["holders_with_several_credentials"] == 1
    ana = nft.profiles[0]  # profiles come most credentials first
    assert ana.holder == story.holders["Ana Silva"] and ana.names == ("Ana Silva",)
    assert [(c.title, c.grade, c.date, c.issuer) for c in ana.credentials] == [
        (BENCH_SPEC.title, "A", DATE, BODY.name),
        (PYTHON_SPEC.title, "B", DATE, BODY.name),
    ]


def test_nft_bytes_on_chain_are_the_metadata_and_holder_of_each_mint_and_the_burnt_token_id(story):
    nft = story.report.mode("nft")
    expected = sum(len(serialize_metadata(m).encode()) + 20 for m in story.metadata) + 32
    assert nft.bytes_on_chain.value == expected
    assert nft.calldata_bytes.value > expected  # ABI padding and selectors come on top
    assert nft.transactions.value == 6  # five mints, one burn
    # Per mint: Transfer, Locked, CredentialMinted; the burn: Transfer, CredentialBurned.
    assert nft.events.value == 5 * 3 + 2


def test_nft_issuer_fields_come_from_the_mint_events_and_the_registry(story):
    fields = {f.field: f for f in story.report.mode("nft").issuer_fields}
    assert fields["minting address"].examples == (story.issuer,)
    assert fields["issuer name (registry)"].examples == (BODY.name,)
    assert fields["issuer DID (registry)"].examples == (KEY.did,)


# -- VC mode: roots and random bits, nothing about the learners --------------------------------------


def test_vc_mode_identifies_no_holder_links_nothing_and_attributes_no_revocation(story):
    vc = story.report.mode("vc")
    assert vc.deployed
    assert vc.holders_identified.value == 0
    assert vc.linkable_credentials.value == 0
    assert vc.revocations_attributable.value == 0
    assert vc.fields_exposed.value == 0 and vc.fields == ()
    assert vc.profiles == ()


def test_vc_mode_sees_the_anchored_root_and_the_revocation_bit(story):
    vc = story.report.mode("vc")
    assert vc.credentials_seen.value == 1
    assert [r["root"] for r in vc.details["roots"]] == [story.root.hex()]
    assert vc.details["roots"][0]["issuer"] == story.issuer and not vc.details["roots"][0]["revoked"]
    list_id, index = story.revoked_location
    assert vc.details["revoked_index_examples"] == [f"list {list_id} #{index}"]
    assert vc.details["status_bits_set"] == 1  # read back from contract storage
    assert vc.revocations.value == 1
    assert vc.bytes_on_chain.value == 32 + 4 + 3  # a root; a list id and one packed index
    assert vc.transactions.value == 2 and vc.events.value == 2


def test_vc_mode_counts_what_batches_and_status_changes_let_a_stranger_infer(env):
    """Issue 19 item 11: issuing moments (one per batch — a batch per credential, as the workshop anchors,
    is the issue count), a lower bound of the volume from the lists touched, and status events tied to one
    credential (a shared index links its suspension and revocation; separate indices do not)."""
    start = env.chain.block_number() + 1
    for number in range(4):  # four batches: three of one credential, as the workshop anchors, and one more
        env.anchor.anchor_batch(Root(bytes([number + 1]) * 32), sender=env.issuer)
    env.anchor.anchor_batch(Root(b"\x99" * 32), sender=env.other_issuer)
    # A credential issued before issue 19: one index (500) in both lists — suspended, reinstated, revoked.
    env.anchor.suspend(7, [500], sender=env.issuer)
    env.anchor.reinstate(7, [500], sender=env.issuer)
    env.anchor.revoke(7, [500], sender=env.issuer)
    # A newer credential: its suspension index (600) and revocation index (9000) drawn apart.
    env.anchor.suspend(7, [600], sender=env.issuer)
    env.anchor.revoke(7, [9000], sender=env.issuer)
    env.anchor.revoke(200, [1], sender=env.issuer)  # a second list of the issuer's
    vc = observe(env.chain, anchor=env.anchor.address, nft=None, registry=None, from_block=start).mode("vc")
    inferred = vc.details["inferences"]
    assert inferred["issuing_moments"]["value"] == 5
    assert vc.details["batches_by_issuer"] == {env.issuer: 4, env.other_issuer: 1}
    assert vc.details["status_lists_by_issuer"] == {env.issuer: [7, 200]}
    assert inferred["issued_at_least"]["value"] == vc.details["issued_at_least_by_issuer"][env.issuer] == 65_536
    # Index 500: its suspension history (suspend, reinstate) and the same position in the revocation list.
    assert (vc.details["positions_changed_more_than_once"], vc.details["positions_in_both_lists"]) == (1, 1)
    assert inferred["linked_status_changes"]["value"] == 2
    assert "one credential" in inferred["linked_status_changes"]["explanation"]


def test_vc_mode_report_contains_no_learner_data_at_all(story):
    text = json.dumps(story.report.mode("vc").to_dict())
    for name, _, _ in ROSTER:
        assert name not in text
    for address in story.holders.values():
        assert address.lower() not in text.lower()
    assert BENCH_SPEC.title not in text and PYTHON_SPEC.title not in text


def test_vc_issuer_fields_are_the_issuers_public_record(story):
    fields = {f.field: f for f in story.report.mode("vc").issuer_fields}
    assert fields["anchoring address"].examples == (story.issuer,)
    assert fields["issuer name (registry)"].examples == (BODY.name,)
    assert fields["accreditation scope (registry)"].examples == ("EQF 4-6 micro-credentials",)
    (issuer,) = story.report.registry.issuers
    assert (issuer.address, issuer.names, issuer.dids, issuer.accreditations) == (
        story.issuer,
        (BODY.name,),
        (KEY.did,),
        1,
    )


# -- hash mode ------------------------------------------------------------------------------------


def test_hash_mode_sees_issued_and_revoked_hashes_but_no_person(story):
    hashed = story.report.mode("hash")
    assert hashed.deployed
    assert hashed.credentials_seen.value == 1 and hashed.revocations.value == 1
    assert hashed.details["issued_examples"] == [story.root.hex()]
    assert hashed.details["revoked_examples"] == ["0x" + story.revoked_hash.hex()]
    assert (hashed.holders_identified.value, hashed.linkable_credentials.value) == (0, 0)
    assert hashed.revocations_attributable.value == 0
    assert hashed.bytes_on_chain.value == 64
    assert hashed.transactions.value == 2 and hashed.events.value == 2


def test_the_hash_registry_event_signatures_match_the_deployed_contract(story):
    topics = [entry.topics[0] for entry in story.chain.logs(story.hash_registry)]
    assert topics == [DOCUMENT_ISSUED, DOCUMENT_REVOKED]


# -- the report as a whole -------------------------------------------------------------------------


def test_the_report_is_json_and_every_figure_is_explained(story):
    data = json.loads(json.dumps(story.report.to_dict()))
    assert set(data["modes"]) == {"vc", "nft", "hash"}
    assert data["chain_id"] == story.chain.chain_id
    for mode in data["modes"].values():
        for figure in ModeReport.FIGURES:
            assert isinstance(mode[figure]["value"], int)
            assert mode[figure]["explanation"].endswith(".")


def test_from_block_after_the_story_sees_nothing(story):
    later = observe(
        story.chain,
        anchor=story.deployment.credential_anchor,
        nft=story.deployment.credential_nft,
        registry=story.deployment.issuer_registry,
        from_block=story.report.to_block + 1,
    )
    assert later.mode("nft").credentials_seen.value == 0 and later.mode("vc").credentials_seen.value == 0


def test_without_token_uris_the_mint_calldata_tells_the_same(story):
    report = observe(
        story.chain,
        anchor=None,
        nft=story.deployment.credential_nft,
        registry=None,
        read_token_uris=False,
    )
    nft = report.mode("nft")
    assert nft.details["metadata_sources"] == {"mint calldata": 5}
    assert nft.fields == story.report.mode("nft").fields
    assert nft.holders_identified.value == 4


# -- the chain's read methods -------------------------------------------------------------------


def test_logs_and_transactions_read_the_same_over_json_rpc_and_embedded(story):
    if not story.chain.is_embedded:
        pytest.skip("compares the embedded fast path with eth-tester's own JSON-RPC answers")
    over_rpc = Chain(story.chain._w3, description="the same eth-tester over JSON-RPC")  # not embedded: RPC path
    addresses = list(story.deployment.addresses())
    fast, slow = story.chain.logs(addresses), over_rpc.logs(addresses)
    assert fast == slow and len(fast) > 20
    blocks = {entry.tx_hash: entry.block_number for entry in fast}
    assert story.chain.transactions(blocks, senders=True) == over_rpc.transactions(blocks, senders=True)


def test_decoding_a_mint_from_its_logs_and_calldata(story):
    nft = story.deployment.credential_nft
    minted = [e for e in story.chain.events("CredentialNFT", nft) if e.event == "CredentialMinted"]
    assert [e.args["tokenId"] for e in minted] == story.token_ids
    tx = story.chain.transaction(minted[0].log.tx_hash)
    assert tx.to == nft and tx.sender == story.issuer and tx.block_number == minted[0].log.block_number
    call = decode_call("CredentialNFT", tx.input)
    assert call is not None and call.function == "mint"
    assert call.args == {"holder": story.holders["Ana Silva"], "metadata": serialize_metadata(story.metadata[0])}
    assert call.types == {"holder": "address", "metadata": "string"}
    assert decode_call("CredentialNFT", b"\x12\x34\x56\x78") is None
    assert decode_logs("CredentialAnchor", [minted[0].log]) == []  # another contract's event


# -- robustness -----------------------------------------------------------------------------------


def test_an_empty_chain_and_addresses_without_code():
    chain = Chain.embedded()
    assert observe(chain, anchor=None, nft=None, registry=None).modes == {}
    nobody = chain.accounts[9]
    report = observe(chain, anchor=nobody, nft=nobody, registry=nobody, hash_registry=nobody)
    assert set(report.modes) == {"vc", "nft", "hash"}
    for mode in report.modes.values():
        assert not mode.deployed and mode.notes
        assert all(getattr(mode, name).value == 0 for name in mode.FIGURES)
    assert report.registry is not None and report.registry.issuers == ()
    json.dumps(report.to_dict())


def test_a_contract_of_another_kind_is_observed_as_empty(story):
    # The anchor's address given as the NFT and hash registry: its events are not theirs.
    anchor = story.deployment.credential_anchor
    report = observe(story.chain, anchor=None, nft=anchor, registry=None, hash_registry=anchor)
    assert report.mode("nft").credentials_seen.value == 0 and report.mode("nft").deployed
    assert report.mode("hash").credentials_seen.value == 0
    assert "not recognised" in report.mode("hash").notes[-1]


def test_erc721_style_metadata_reads_as_fields():
    # The demo's metadata: "name" is the credential's (no title next to it), attributes are trait/value pairs.
    chain = Chain.embedded()
    admin, issuer, learner = chain.accounts[0], chain.accounts[3], chain.accounts[5]
    nft = deploy_contracts(chain, deployer=admin).nft(chain)
    metadata = {
        "name": "Data Literacy Essentials (micro-credential)",
        "description": "The same credential minted as a public soulbound token.",
        "attributes": [{"trait_type": "ECTS", "value": 3}, {"trait_type": "EQF level", "value": 5}],
    }
    nft.mint(learner, metadata, sender=issuer)
    report = observe(chain, anchor=None, nft=nft.address, registry=None)
    kinds = {f.field: f.kind for f in report.mode("nft").fields}
    assert kinds == {
        "name": "credential",
        "description": "credential",
        "attributes.ECTS": "credential",
        "attributes.EQF level": "credential",
    }
    (profile,) = report.mode("nft").profiles
    assert profile.holder == learner and profile.names == ()
    assert profile.credentials[0].title == metadata["name"]
