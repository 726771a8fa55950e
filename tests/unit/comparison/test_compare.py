"""The NFT-vs-VC comparison (anchor/comparison/compare.py) and its outputs (anchor/comparison/report.py) on the
embedded chain.

A comparison run sends a few dozen transactions, so each roster is run once per module (module-scoped
fixtures) and every test reads the same run. Gas figures are checked exactly: a figure the comparison
reports must equal the gas of the same call replayed on a freshly deployed chain (same calldata, same
contract state, hence the same gas), and the figures that `tests/contracts` assert are tied in too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.abi import DecodedCall, decode_call
from anchor.chain.adapter import Chain
from anchor.chain.consent import serialize_metadata
from anchor.chain.contracts import (
    CredentialAnchorClient,
    CredentialNFTClient,
    HashRevocationRegistryClient,
    deploy_hash_registry,
)
from anchor.chain.deployment import deploy_contracts
from anchor.comparison.compare import (
    COURSES,
    GRADES,
    MODES,
    Assumptions,
    Comparison,
    Roster,
    nft_metadata,
    run_comparison,
)
from anchor.comparison.report import write_outputs
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import AwardingBody
from anchor.credentials.status import RandomStatusAllocator
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS
from anchor.errors import ConfigurationError

#: The date run_comparison gives its roster (anchor/comparison/compare.py).
ISSUED = datetime(2026, 3, 1, tzinfo=UTC)
#: The awarding body's public name in run_comparison: it is in every NFT's metadata.
BODY_NAME = "Escola Profissional Exemplo"
#: Assumptions away from the defaults, so the report must carry these and not its own.
ASSUMED = Assumptions(gas_price_gwei=12.5, eth_price=2_468.0, currency="EUR")

#: From tests/contracts/test_hash_revocation_registry.py: a hash without zero bytes.
HASH_ISSUE_GAS = 45_532
HASH_REVOKE_GAS = 45_686
#: From tests/contracts/test_credential_nft.py: 256 bytes of metadata to a holder with no tokens yet.
MINT_GAS_256 = 308_445
BURN_GAS_256 = 71_228
#: From tests/contracts/test_credential_anchor.py: upper bounds for one anchor and one revocation.
ANCHOR_GAS_MAX = 46_500
REVOKE_ONE_IN_EMPTY_WORD_MAX = 47_000
#: Calldata: a zero byte costs 4 gas, any other 16.
ZERO_BYTE_DISCOUNT = 16 - 4
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTRACTS = {"vc": "CredentialAnchor", "nft": "CredentialNFT", "hash": "HashRevocationRegistry"}


# -- runs, shared per module ----------------------------------------------------------------------


@dataclass
class Run:
    chain: Chain
    comparison: Comparison
    result: dict[str, Any]
    roster: Roster
    consent: bool = False
    _calls: dict[str, list[DecodedCall]] = field(default_factory=dict)

    @property
    def credentials(self) -> int:
        return self.comparison.credentials

    @property
    def revoke_many(self) -> int:
        return min(100, self.credentials - 1)

    def figure(self, mode: str, name: str) -> int:
        return int(self.result["observer"]["modes"][mode][name]["value"])

    def address(self, mode: str) -> str:
        return str(self.result["observer"]["modes"][mode]["contracts"][CONTRACTS[mode]])

    def calls(self, mode: str) -> list[DecodedCall]:
        """The calls the comparison sent to `mode`'s contract, in order, decoded from the chain."""
        if mode not in self._calls:
            address = self.address(mode)
            hashes = dict.fromkeys(entry.tx_hash for entry in self.chain.logs(address))
            decoded = [decode_call(CONTRACTS[mode], self.chain.transaction(tx_hash).input) for tx_hash in hashes]
            assert all(call is not None for call in decoded)
            self._calls[mode] = [call for call in decoded if call is not None]
        return self._calls[mode]

    def mint_gas(self) -> dict[int, int]:
        """Token id -> gas of the transaction that minted it, from the receipts on the comparison's chain."""
        address, gas = self.address("nft"), dict[int, int]()
        for event in self.chain.events("CredentialNFT", address):
            if event.event == "CredentialMinted":
                token = int(event.args["tokenId"])
                receipt = self.chain.find_event(
                    "CredentialNFT", address, "CredentialMinted", event.log.block_number, tokenId=token
                )
                assert receipt is not None
                gas[token] = receipt.gas_used
        return gas


def comparison_run(learners: int, per_learner: int, **options: Any) -> Run:
    chain = Chain.embedded()
    comparison = run_comparison(chain, learners=learners, per_learner=per_learner, **options)
    roster = Roster.generate(learners, per_learner, issued=ISSUED)
    return Run(chain, comparison, comparison.to_dict(), roster, consent=options.get("require_consent", False))


@pytest.fixture(scope="module")
def run() -> Run:
    """12 learners x 3 credentials, with custom assumptions."""
    return comparison_run(12, 3, assumptions=ASSUMED)


@pytest.fixture(scope="module")
def single() -> Run:
    """12 learners x 1 credential: nothing to link."""
    return comparison_run(12, 1)


@pytest.fixture(scope="module")
def consented() -> Run:
    """6 learners x 2 credentials, every NFT minted with the holder's signed consent."""
    return comparison_run(6, 2, require_consent=True)


@pytest.fixture(scope="module")
def lone() -> Run:
    """One credential: revoked alone, nothing left to revoke in bulk."""
    return comparison_run(1, 1)


ALL_RUNS = ("run", "single", "consented", "lone")


@pytest.fixture(params=ALL_RUNS)
def any_run(request: pytest.FixtureRequest) -> Run:
    value: Run = request.getfixturevalue(request.param)
    return value


# -- a fresh deployment to replay calls on ----------------------------------------------------------


@dataclass
class Fresh:
    chain: Chain
    anchor: CredentialAnchorClient
    nft: CredentialNFTClient
    hashes: HashRevocationRegistryClient
    issuer: str

    def replay(self, mode: str, calls: list[DecodedCall]) -> list[int]:
        """Send `calls` again, in order, from the issuer; their gas."""
        address = {"vc": self.anchor.address, "nft": self.nft.address, "hash": self.hashes.address}[mode]
        return [
            self.chain.transact(
                CONTRACTS[mode], address, call.function, list(call.args.values()), sender=self.issuer
            ).gas_used
            for call in calls
        ]


@pytest.fixture(scope="module")
def fresh_chain() -> Fresh:
    chain = Chain.embedded()
    admin, issuer = chain.accounts[0], chain.accounts[2]  # run_comparison's admin and issuer
    deployment = deploy_contracts(chain, deployer=admin)
    return Fresh(chain, deployment.anchor(chain), deployment.nft(chain), deploy_hash_registry(chain, admin), issuer)


@pytest.fixture
def fresh(fresh_chain: Fresh) -> Iterator[Fresh]:
    snapshot = fresh_chain.chain.snapshot()
    yield fresh_chain
    fresh_chain.chain.revert(snapshot)


def roster_metadata(roster: Roster) -> list[tuple[str, str]]:
    """(holder address, serialized metadata) of every award, in roster order, as NFT mode mints them."""
    body = AwardingBody(SigningKey.generate().did, BODY_NAME, "PT", "Porto", "https://epe.example")
    return [
        (roster.learners[number][2].address, serialize_metadata(nft_metadata(body, spec, award)))
        for number, spec, award in roster.awards
    ]


# -- Roster --------------------------------------------------------------------------------------


def test_roster_is_deterministic() -> None:
    first, second = (Roster.generate(20, 3, issued=ISSUED) for _ in range(2))

    assert [(n, e, a.address) for n, e, a in first.learners] == [(n, e, a.address) for n, e, a in second.learners]
    assert [(i, s.title, a) for i, s, a in first.awards] == [(i, s.title, a) for i, s, a in second.awards]


def test_roster_learners_are_distinct_people() -> None:
    roster = Roster.generate(300, 1, issued=ISSUED)  # past the 132 first/last-name pairs

    names, emails, addresses = zip(*((n, e, a.address) for n, e, a in roster.learners), strict=True)
    assert len(set(names)) == len(set(emails)) == len(set(addresses)) == 300
    assert (names[0], names[132]) == ("Ana Sousa", "Ana Sousa 2")


def test_roster_awards_each_learner_the_first_courses() -> None:
    roster = Roster.generate(4, 2, issued=ISSUED)

    assert len(roster.awards) == 8
    for position, (number, spec, award) in enumerate(roster.awards):
        learner, k = divmod(position, 2)
        assert number == learner
        assert spec is COURSES[k]
        assert award.learner.name == roster.learners[learner][0]
        assert award.learner.email == roster.learners[learner][1]
        assert award.issued_on == ISSUED + timedelta(days=30 * k)
        assert award.grade == GRADES[(learner + k) % len(GRADES)]


@pytest.mark.parametrize(("learners", "per_learner"), [(0, 1), (-1, 1), (1, 0), (1, 4), (0, 4)])
def test_roster_refuses_impossible_sizes(learners: int, per_learner: int) -> None:
    with pytest.raises(ConfigurationError, match="credentials per learner"):
        Roster.generate(learners, per_learner, issued=ISSUED)


def test_run_comparison_refuses_more_credentials_per_learner_than_courses(fresh: Fresh) -> None:
    with pytest.raises(ConfigurationError):
        run_comparison(fresh.chain, learners=2, per_learner=len(COURSES) + 1)


def test_nft_metadata_is_the_credentials_public_face_learner_included() -> None:
    roster = Roster.generate(2, 3, issued=ISSUED)
    body = AwardingBody(SigningKey.generate().did, BODY_NAME, "PT", "Porto", "https://epe.example")
    (_, data, award), (_, safety, safety_award) = roster.awards[0], roster.awards[1]

    metadata = nft_metadata(body, data, award)

    assert metadata["name"] == "Data Literacy Essentials"
    traits = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
    assert traits == {
        "Learner": "Ana Sousa",
        "Awarding body": BODY_NAME,
        "Issued on": "2026-03-01",
        "Grade": "A",
        "ECTS": 3,
        "EQF level": 5,
    }
    # A course without ECTS credits has no ECTS trait.
    assert "ECTS" not in {a["trait_type"] for a in nft_metadata(body, safety, safety_award)["attributes"]}


# -- what the observer finds ----------------------------------------------------------------------


def test_the_observer_identifies_every_nft_holder_and_no_one_else(any_run: Run) -> None:
    assert any_run.figure("nft", "holders_identified") == any_run.comparison.learners
    for mode in ("vc", "hash"):
        assert any_run.figure(mode, "holders_identified") == 0
        assert any_run.figure(mode, "linkable_credentials") == 0
        assert any_run.figure(mode, "revocations_attributable") == 0
        assert any_run.figure(mode, "fields_exposed") == 0
        assert any_run.result["observer"]["modes"][mode]["fields"] == []


@pytest.mark.parametrize(("name", "linkable"), [("run", 36), ("consented", 12), ("single", 0), ("lone", 0)])
def test_nft_credentials_of_one_learner_are_linkable(request: pytest.FixtureRequest, name: str, linkable: int) -> None:
    chosen: Run = request.getfixturevalue(name)
    # Every credential whose holder has another one — burnt ones too: the mint event keeps the holder.
    expected = chosen.credentials if chosen.comparison.per_learner > 1 else 0

    assert chosen.figure("nft", "linkable_credentials") == expected == linkable


def test_every_revocation_is_counted_and_in_nft_mode_tied_to_a_person(any_run: Run) -> None:
    revoked = 1 + any_run.revoke_many

    for mode in MODES:
        assert any_run.result["modes"][mode]["revoked"] == revoked
        assert any_run.figure(mode, "revocations") == revoked
    assert any_run.figure("nft", "revocations_attributable") == revoked


def test_nft_fields_expose_the_learner_the_title_the_grade_and_the_date(run: Run) -> None:
    fields = {f["field"]: f for f in run.result["observer"]["modes"]["nft"]["fields"]}

    assert run.figure("nft", "fields_exposed") == len(fields)
    assert {"name", "attributes.Learner", "attributes.Grade", "attributes.Issued on"} <= fields.keys()
    assert fields["attributes.Learner"]["kind"] == "personal"
    assert fields["attributes.Grade"]["kind"] == "result"
    assert fields["attributes.Issued on"]["kind"] == "date"
    for name in ("name", "attributes.Learner", "attributes.Grade", "attributes.Issued on"):
        assert fields[name]["count"] == run.credentials  # burnt tokens included: their mint calldata stays
    names = {name for name, _, _ in run.roster.learners}
    examples = fields["attributes.Learner"]["examples"]
    assert examples and set(examples) <= names
    assert set(fields["name"]["examples"]) == {course.title for course in COURSES}
    assert "2026-03-01" in fields["attributes.Issued on"]["examples"]


def test_nft_profiles_put_a_real_name_on_every_holder_address(run: Run) -> None:
    by_address = {account.address: name for name, _, account in run.roster.learners}
    profiles = run.result["observer"]["modes"]["nft"]["profiles"]

    assert {p["holder"]: p["names"] for p in profiles} == {address: [name] for address, name in by_address.items()}
    for profile in profiles:
        assert [c["title"] for c in profile["credentials"]] == [course.title for course in COURSES]


def test_nft_mode_mints_the_rosters_metadata_to_the_learners_addresses(run: Run) -> None:
    mints = [call for call in run.calls("nft") if call.function == "mint"]

    assert [(call.args["holder"], call.args["metadata"]) for call in mints] == roster_metadata(run.roster)


def test_bytes_on_chain_vc_holds_a_root_and_status_indices(any_run: Run) -> None:
    # anchorBatch(bytes32) + revoke(uint32 listId, 3 bytes an index), once for one, once for the rest.
    revokes = 1 + (any_run.revoke_many > 0)
    assert any_run.figure("vc", "bytes_on_chain") == 32 + 4 * revokes + 3 * (1 + any_run.revoke_many)
    assert any_run.figure("hash", "bytes_on_chain") == 32 * (1 + 1 + any_run.revoke_many)


def test_bytes_on_chain_nft_holds_every_tokens_metadata(any_run: Run) -> None:
    minted = roster_metadata(any_run.roster)
    metadata_bytes = sum(len(text.encode()) for _, text in minted)
    settings = 1 if any_run.consent else 0  # setConsentRequired(bool)
    # mint: the 20-byte holder and the metadata (mintWithConsent adds a 32-byte deadline and a 65-byte
    # signature); burn: a 32-byte token id.
    per_mint = 20 + (32 + 65 if any_run.consent else 0)
    expected = metadata_bytes + per_mint * len(minted) + 32 * (1 + any_run.revoke_many) + settings

    assert any_run.figure("nft", "bytes_on_chain") == expected
    assert any_run.figure("nft", "bytes_on_chain") > metadata_bytes
    # The whole VC record on-chain is smaller than any one token's metadata.
    assert any_run.figure("vc", "bytes_on_chain") < min(len(text.encode()) for _, text in minted)


# -- transactions and gas -------------------------------------------------------------------------


def test_transactions_per_mode(any_run: Run) -> None:
    modes, count, many = any_run.result["modes"], any_run.credentials, any_run.revoke_many
    bulk = 1 if many else 0

    assert modes["vc"]["transactions"] == 2 + bulk
    assert modes["hash"]["transactions"] == 2 + bulk
    assert modes["nft"]["transactions"] == count + 1 + many + (1 if any_run.consent else 0)
    assert (modes["vc"]["revoke_100_transactions"], modes["hash"]["revoke_100_transactions"]) == (bulk, bulk)
    assert modes["nft"]["revoke_100_transactions"] == many
    for mode in MODES:  # the observer counts the same transactions, from their events
        assert any_run.figure(mode, "transactions") == modes[mode]["transactions"]


def test_the_bulk_revocation_covers_all_but_one_credential_up_to_100(any_run: Run) -> None:
    assert any_run.result["bulk_revocation_size"] == any_run.revoke_many == min(100, any_run.credentials - 1)


def test_twelve_by_three_sends_three_vc_and_hash_transactions_and_one_per_nft(run: Run) -> None:
    modes = run.result["modes"]

    assert (modes["vc"]["transactions"], modes["hash"]["transactions"]) == (3, 3)
    assert modes["nft"]["transactions"] == 36 + 1 + 35


def test_total_gas_is_issuing_plus_both_revocations(any_run: Run) -> None:
    for mode, figures in any_run.result["modes"].items():
        assert figures["gas"] == figures["issue_gas"] + figures["revoke_one_gas"] + figures["revoke_100_gas"], mode
        assert figures["gas_per_credential"] == round(figures["gas"] / any_run.credentials, 1)
        assert figures["issue_gas_per_credential"] == round(figures["issue_gas"] / any_run.credentials, 1)


def test_vc_gas_is_the_gas_of_its_calls_replayed_on_a_fresh_chain(run: Run, fresh: Fresh) -> None:
    calls = run.calls("vc")
    vc = run.result["modes"]["vc"]

    assert [call.function for call in calls] == ["anchorBatch", "revoke", "revoke"]
    assert len(calls[1].args["indices"]) == 3  # one credential
    assert len(calls[2].args["indices"]) == 3 * run.revoke_many
    assert fresh.replay("vc", calls) == [vc["issue_gas"], vc["revoke_one_gas"], vc["revoke_100_gas"]]


def test_vc_revoke_one_is_one_credential_in_an_empty_word(run: Run, fresh: Fresh) -> None:
    revoke = run.calls("vc")[1]
    index = int.from_bytes(revoke.args["indices"], "big")
    list_id = revoke.args["listId"]
    gas = run.result["modes"]["vc"]["revoke_one_gas"]

    assert fresh.anchor.revoke(list_id, [index], sender=fresh.issuer).gas_used == gas  # an empty word
    assert gas <= REVOKE_ONE_IN_EMPTY_WORD_MAX
    neighbour = index ^ 1  # same storage word, now written: much cheaper, so `gas` was an empty word's
    assert fresh.anchor.revoke(list_id, [neighbour], sender=fresh.issuer).gas_used < gas - 10_000


def test_vc_anchor_gas_matches_a_fresh_batch_of_the_same_size(run: Run, fresh: Fresh) -> None:
    key = SigningKey.generate()
    body = AwardingBody(key.did, BODY_NAME, "PT", "Porto", "https://epe.example")
    allocator = RandomStatusAllocator(fresh.chain.chain_id, fresh.anchor.address, fresh.issuer)
    issuer = CredentialIssuer(body, key, cryptosuite=JCS, status=allocator)
    signed = [issuer.issue(spec, award) for _, spec, award in run.roster.awards]

    gas = anchor_credentials(signed, fresh.anchor, sender=fresh.issuer).receipt.gas_used

    # One root whatever the batch; the random roots differ only in their zero bytes (12 gas each).
    assert abs(gas - run.result["modes"]["vc"]["issue_gas"]) <= ZERO_BYTE_DISCOUNT * 32
    assert run.result["modes"]["vc"]["issue_gas"] <= ANCHOR_GAS_MAX


def test_hash_gas_is_the_contract_tests_figure_less_the_zero_bytes(any_run: Run, fresh: Fresh) -> None:
    calls = any_run.calls("hash")
    hashed = any_run.result["modes"]["hash"]
    root, first = calls[0].args["root"], calls[1].args["documentHash"]

    assert [call.function for call in calls] == ["issue", "revoke"] + (["bulkRevoke"] if any_run.revoke_many else [])
    assert hashed["issue_gas"] == HASH_ISSUE_GAS - ZERO_BYTE_DISCOUNT * root.count(0)
    assert hashed["revoke_one_gas"] == HASH_REVOKE_GAS - ZERO_BYTE_DISCOUNT * first.count(0)
    if any_run.revoke_many:
        assert len(calls[2].args["documentHashes"]) == any_run.revoke_many
    assert fresh.replay("hash", calls) == [
        hashed["issue_gas"],
        hashed["revoke_one_gas"],
        *([hashed["revoke_100_gas"]] if any_run.revoke_many else []),
    ]


def test_vc_and_hash_modes_record_the_same_batch_root(any_run: Run) -> None:
    assert any_run.calls("vc")[0].args["root"] == any_run.calls("hash")[0].args["root"]


def test_the_fresh_deployment_reproduces_the_contract_tests_nft_figures(fresh: Fresh) -> None:
    metadata = json.dumps({"description": "x" * (256 - len('{"description":""}'))}, separators=(",", ":"))
    assert len(metadata.encode()) == 256
    holder = fresh.chain.accounts[5]

    token, receipt = fresh.nft.mint(holder, metadata, sender=fresh.issuer)

    assert receipt.gas_used == MINT_GAS_256
    assert fresh.nft.burn(token, sender=fresh.issuer).gas_used == BURN_GAS_256


@pytest.mark.parametrize("name", ["run", "single", "lone"])
def test_nft_gas_equals_direct_mints_and_burns_of_the_same_metadata(
    request: pytest.FixtureRequest, name: str, fresh: Fresh
) -> None:
    chosen: Run = request.getfixturevalue(name)
    nft = chosen.result["modes"]["nft"]

    minted = [fresh.nft.mint(holder, text, sender=fresh.issuer) for holder, text in roster_metadata(chosen.roster)]
    burnt = [fresh.nft.burn(token, sender=fresh.issuer).gas_used for token, _ in minted[: 1 + chosen.revoke_many]]

    # Token by token: the receipt of each mint the comparison sent, found by its CredentialMinted event.
    assert chosen.mint_gas() == {token: receipt.gas_used for token, receipt in minted}
    assert sum(receipt.gas_used for _, receipt in minted) == nft["issue_gas"]
    assert nft["issue_gas_per_credential"] == round(nft["issue_gas"] / len(minted), 1)
    assert burnt[0] == nft["revoke_one_gas"]
    assert sum(burnt[1:]) == nft["revoke_100_gas"]
    # Every mint writes its metadata: each costs several times the whole anchored batch.
    assert min(receipt.gas_used for _, receipt in minted) > 5 * chosen.result["modes"]["vc"]["issue_gas"]


# -- gas per credential against batch size ----------------------------------------------------------


def test_gas_per_credential_by_batch_size(any_run: Run) -> None:
    by_size = any_run.result["gas_per_credential_by_batch_size"]
    modes, count = any_run.result["modes"], any_run.credentials
    sizes = sorted({1, 10, 100, 1_000, 10_000, 100_000, count})

    assert set(by_size) == set(MODES)
    for mode in MODES:
        assert [int(n) for n in by_size[mode]] == sizes
    for n in sizes:
        assert by_size["vc"][str(n)] == round(modes["vc"]["issue_gas"] / n, 2)
        assert by_size["hash"][str(n)] == round(modes["hash"]["issue_gas"] / n, 2)
    assert set(by_size["nft"].values()) == {round(modes["nft"]["issue_gas"] / count, 2)}
    assert by_size["vc"][str(count)] < by_size["nft"][str(count)]
    assert by_size["vc"]["1"] == modes["vc"]["issue_gas"]
    assert by_size["vc"]["10"] == pytest.approx(by_size["vc"]["1"] / 10, abs=0.01)


# -- fees -------------------------------------------------------------------------------------------


def test_assumptions_fee_formula() -> None:
    assert Assumptions().fee(1_000_000) == pytest.approx(1_000_000 * 10 * 1e-9 * 3_000)
    assert ASSUMED.fee(21_000) == pytest.approx(21_000 * 12.5e-9 * 2_468)
    assert Assumptions(gas_price_gwei=0).fee(10**9) == 0


def test_fees_use_the_given_assumptions(run: Run) -> None:
    result = run.result

    assert result["assumptions"] == {
        "gas_price_gwei": 12.5,
        "eth_price": 2_468.0,
        "currency": "EUR",
        "note": "assumed, only for the fee estimates",
    }
    for mode, figures in result["modes"].items():
        fee = figures["gas"] * 12.5 * 1e-9 * 2_468.0
        assert figures["fee"] == pytest.approx(round(fee, 4), abs=1e-9), mode
        issuing = figures["issue_gas"] * 12.5 * 1e-9 * 2_468.0  # per credential: the fee of issuing
        assert figures["fee_per_credential"] == pytest.approx(round(issuing / run.credentials, 6), abs=1e-12), mode
        assert figures["revoke_one_fee"] == pytest.approx(round(figures["revoke_one_gas"] * 12.5e-9 * 2_468.0, 4))
        assert figures["revoke_100_fee"] == pytest.approx(round(figures["revoke_100_gas"] * 12.5e-9 * 2_468.0, 4))


def test_default_assumptions_are_reported_as_assumed(single: Run) -> None:
    assert single.result["assumptions"]["gas_price_gwei"] == 10.0
    assert single.result["assumptions"]["eth_price"] == 3_000.0
    assert "assumed" in single.result["assumptions"]["note"]


# -- holder consent -----------------------------------------------------------------------------------


def test_consent_mode_turns_consent_on_and_mints_with_every_holders_signature(consented: Run) -> None:
    nft = CredentialNFTClient(consented.chain, consented.address("nft"))
    issuer = consented.chain.accounts[2]
    calls = consented.calls("nft")

    assert nft.consent_required(issuer) is True
    assert calls[0].function == "setConsentRequired" and calls[0].args == {"required": True}
    mints = [call for call in calls if call.function.startswith("mint")]
    assert {call.function for call in mints} == {"mintWithConsent"}
    assert [(c.args["holder"], c.args["metadata"]) for c in mints] == roster_metadata(consented.roster)
    for _, _, account in consented.roster.learners:  # one consent used per credential
        assert nft.consent_nonce(account.address) == consented.comparison.per_learner
    assert consented.result["modes"]["nft"]["transactions"] == consented.credentials + 1 + consented.revoke_many + 1


def test_consent_does_not_hide_anyone_from_the_observer(consented: Run) -> None:
    assert consented.figure("nft", "holders_identified") == consented.comparison.learners
    names = {name for name, _, _ in consented.roster.learners}
    fields = {f["field"]: f for f in consented.result["observer"]["modes"]["nft"]["fields"]}
    assert set(fields["attributes.Learner"]["examples"]) <= names
    assert len(fields["attributes.Learner"]["examples"]) == min(5, len(names))


def test_without_consent_the_issuer_never_asked_for_it(run: Run) -> None:
    nft = CredentialNFTClient(run.chain, run.address("nft"))

    assert nft.consent_required(run.chain.accounts[2]) is False
    assert {call.function for call in run.calls("nft")} == {"mint", "burn"}


# -- the outputs: comparison.json, two plots, report.html --------------------------------------------


@dataclass
class Outputs:
    comparison: dict[str, Any]
    paths: dict[str, Path]
    html: str


@pytest.fixture(scope="module")
def outputs(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    out = tmp_path_factory.mktemp("compare") / "nested" / "out"  # created by write_outputs
    paths = write_outputs(run.result, out)
    return Outputs(run.result, paths, paths["report"].read_text(encoding="utf-8"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_write_outputs_writes_the_four_files(outputs: Outputs) -> None:
    paths = outputs.paths

    assert {name: path.name for name, path in paths.items()} == {
        "json": "comparison.json",
        "gas_plot": "gas_vs_batch.png",
        "privacy_plot": "privacy.png",
        "report": "report.html",
    }
    assert all(path.is_file() for path in paths.values())
    assert len({path.parent for path in paths.values()}) == 1


def test_comparison_json_is_the_comparison(outputs: Outputs) -> None:
    assert json.loads(outputs.paths["json"].read_text(encoding="utf-8")) == outputs.comparison


def test_plots_are_pngs(outputs: Outputs) -> None:
    for name in ("gas_plot", "privacy_plot"):
        data = outputs.paths[name].read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        assert len(data) > 10_000, name


def test_report_is_self_contained(outputs: Outputs) -> None:
    tags = parsed(outputs.html).tags
    references = [
        value or "" for _, attrs in tags for key, value in attrs.items() if key in ("src", "href", "srcset", "data")
    ]

    assert not [r for r in references if not r.startswith("data:")]
    assert "url(" not in outputs.html and "@import" not in outputs.html
    assert not [tag for tag, _ in tags if tag in ("script", "link", "iframe", "object")]
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert len(images) == 2
    embedded = [base64.b64decode((attrs["src"] or "").removeprefix("data:image/png;base64,")) for attrs in images]
    assert embedded == [outputs.paths["gas_plot"].read_bytes(), outputs.paths["privacy_plot"].read_bytes()]


def test_report_shows_the_measured_figures(outputs: Outputs, run: Run) -> None:
    html, modes = outputs.html, outputs.comparison["modes"]

    assert f"<td>{modes['nft']['issue_gas_per_credential']:,.1f}</td>" in html
    assert f"<td>{modes['nft']['revoke_one_gas']:,}</td>" in html
    assert f"<td>{modes['nft']['gas']:,}</td>" in html
    assert "<tr><th scope=row>holders identified</th><td>0</td><td>12</td><td>0</td>" in html
    assert "<tr><th scope=row>credentials linkable to one person</th><td>0</td><td>36</td><td>0</td>" in html
    assert "<b>assumed</b> gas price of 12.5 gwei" in html
    assert "2,468.0 EUR" in html
    assert "36 credentials" in html and "The same 12 learners" in html
    for name, _, _ in run.roster.learners[:3]:  # the NFT fields anyone can read, with real names
        assert name in html


def test_report_names_the_bulk_revocation_size_it_measured(outputs: Outputs) -> None:
    bulk = outputs.comparison["bulk_revocation_size"]
    assert bulk == 35

    assert "Gas to revoke 100</th>" not in outputs.html
    assert "Transactions to revoke 100</th>" not in outputs.html
    assert "then a hundred were revoked" not in outputs.html
    assert f"revoke {bulk}</th>" in outputs.html


def test_report_is_accessible(outputs: Outputs) -> None:
    page = parsed(outputs.html)

    (html_tag,) = [attrs for tag, attrs in page.tags if tag == "html"]
    assert html_tag.get("lang") == "en"
    assert page.title.strip()
    headers = [attrs for tag, attrs in page.tags if tag == "th"]
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert all((attrs.get("alt") or "").strip() for tag, attrs in page.tags if tag == "img")
    assert any(tag == "meta" and attrs.get("charset") == "utf-8" for tag, attrs in page.tags)
