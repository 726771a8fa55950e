"""HashRevocationRegistry (the comparison's DocumentStore-style baseline) on both chains.

Every test deploys a fresh registry inside the `env` fixture's snapshot, so it is rolled back
with the rest of the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchor.chain.artifacts import load_artifact
from anchor.chain.contracts import HashRevocationRegistryClient, deploy_hash_registry
from anchor.errors import ConfigurationError, ContractRevertError
from anchor.types import Root, TxReceipt

if TYPE_CHECKING:
    from tests.conftest import ContractEnv

REGISTRY = "HashRevocationRegistry"
ZERO_HASH = bytes(32)


def hashes_without_zero_bytes(label: str, count: int) -> list[bytes]:
    """`count` distinct fixed hashes with no zero byte, so their calldata cost is the same 16 gas a byte."""
    candidates = (keccak(text=f"{label} {i}") for i in range(10 * count))
    return [h for h in candidates if 0 not in h][:count]


(ROOT_HASH, DOCUMENT) = hashes_without_zero_bytes("single", 2)
ROOT = Root(ROOT_HASH)
HUNDRED = hashes_without_zero_bytes("credential", 100)

#: Gas measured with the committed artifact, identical on eth-tester and anvil (the hashes are
#: fixed, and no address travels in calldata). The hashes have no zero bytes: each zero byte would
#: cost 12 gas less in calldata.
ISSUE_GAS = 45_532
REVOKE_GAS = 45_686
BULK_REVOKE_100_GAS = 2_459_596  # 24,596 per hash

fixture_settings = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
hashes = st.binary(min_size=32, max_size=32).filter(any)


@pytest.fixture
def registry(env: ContractEnv) -> HashRevocationRegistryClient:
    return deploy_hash_registry(env.chain, env.admin)


@contextmanager
def reverts_with(error: str, **arguments: Any) -> Iterator[None]:
    """The block must revert with exactly this custom error and these decoded arguments."""
    with pytest.raises(ContractRevertError) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def logged(receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
    return [(event.name, event.args) for event in receipt.events]


def send(env: ContractEnv, registry: HashRevocationRegistryClient, function: str, *args: Any, sender: str) -> Any:
    """Reach the contract without the client's argument checks."""
    return env.chain.transact(REGISTRY, registry.address, function, args, sender=sender)


# -- deployment ----------------------------------------------------------------------------------


def test_deploys_the_committed_artifact(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    assert env.chain.code_at(registry.address) == load_artifact(REGISTRY).deployed_bytecode
    # Not part of the main deployment: its addresses are unchanged.
    assert registry.address not in env.deployment.addresses()


# -- issue ---------------------------------------------------------------------------------------


def test_issue_records_the_root_under_the_sender(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    assert registry.is_issued(env.issuer, ROOT) is False

    receipt = registry.issue(ROOT, sender=env.issuer)

    assert logged(receipt) == [("DocumentIssued", {"issuer": env.issuer, "root": ROOT.value})]
    assert registry.is_issued(env.issuer, ROOT) is True
    assert registry.issued_block(env.issuer, ROOT) == receipt.block_number
    assert registry.is_issued(env.other_issuer, ROOT) is False
    assert registry.is_revoked(env.issuer, ROOT.value) is False


def test_a_root_is_issued_once_per_issuer(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    registry.issue(ROOT, sender=env.issuer)

    with reverts_with("HashRevocationRegistryAlreadyIssued", root=ROOT.value):
        registry.issue(ROOT, sender=env.issuer)

    registry.issue(ROOT, sender=env.other_issuer)  # another namespace
    assert registry.is_issued(env.other_issuer, ROOT)


def test_the_zero_root_is_refused(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    with reverts_with("HashRevocationRegistryZeroHash"):
        registry.issue(Root(ZERO_HASH), sender=env.issuer)


# -- revoke --------------------------------------------------------------------------------------


def test_revoke_publishes_the_hash(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    receipt = registry.revoke(DOCUMENT, sender=env.issuer)

    assert logged(receipt) == [("DocumentRevoked", {"issuer": env.issuer, "documentHash": DOCUMENT})]
    assert registry.is_revoked(env.issuer, DOCUMENT) is True
    assert registry.revoked_block(env.issuer, DOCUMENT) == receipt.block_number
    assert registry.is_revoked(env.other_issuer, DOCUMENT) is False
    assert registry.revoked_block(env.other_issuer, DOCUMENT) == 0


def test_a_hash_need_not_belong_to_an_issued_root(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    # The registry cannot know a root's leaves; revoking a root revokes its whole batch by convention.
    registry.issue(ROOT, sender=env.issuer)

    registry.revoke(ROOT.value, sender=env.issuer)

    assert registry.is_issued(env.issuer, ROOT) and registry.is_revoked(env.issuer, ROOT.value)


def test_revoking_twice_reverts(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    registry.revoke(DOCUMENT, sender=env.issuer)

    with reverts_with("HashRevocationRegistryAlreadyRevoked", documentHash=DOCUMENT):
        registry.revoke(DOCUMENT, sender=env.issuer)


def test_issuers_only_revoke_in_their_own_namespace(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    registry.revoke(DOCUMENT, sender=env.outsider)

    assert registry.is_revoked(env.outsider, DOCUMENT)
    assert not registry.is_revoked(env.issuer, DOCUMENT)
    registry.revoke(DOCUMENT, sender=env.issuer)  # not "already revoked": another namespace
    assert registry.is_revoked(env.issuer, DOCUMENT)


def test_the_zero_hash_cannot_be_revoked(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    with reverts_with("HashRevocationRegistryZeroHash"):
        registry.revoke(ZERO_HASH, sender=env.issuer)


@pytest.mark.parametrize("bad", [b"", b"\x01" * 31, b"\x01" * 33])
def test_the_client_refuses_hashes_that_are_not_32_bytes(
    env: ContractEnv, registry: HashRevocationRegistryClient, bad: bytes
) -> None:
    with pytest.raises(ConfigurationError):
        registry.revoke(bad, sender=env.issuer)
    with pytest.raises(ConfigurationError):
        registry.bulk_revoke([DOCUMENT, bad], sender=env.issuer)
    assert not registry.is_revoked(env.issuer, DOCUMENT)


# -- bulk revoke ---------------------------------------------------------------------------------


def test_bulk_revoke_emits_one_event_per_hash_in_order(
    env: ContractEnv, registry: HashRevocationRegistryClient
) -> None:
    documents = HUNDRED[:5]

    receipt = registry.bulk_revoke(documents, sender=env.issuer)

    assert logged(receipt) == [("DocumentRevoked", {"issuer": env.issuer, "documentHash": h}) for h in documents]
    assert all(registry.is_revoked(env.issuer, h) for h in documents)
    assert all(registry.revoked_block(env.issuer, h) == receipt.block_number for h in documents)
    assert not registry.is_revoked(env.issuer, HUNDRED[5])


def test_bulk_revoke_is_all_or_nothing(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    registry.revoke(HUNDRED[3], sender=env.issuer)

    with reverts_with("HashRevocationRegistryAlreadyRevoked", documentHash=HUNDRED[3]):
        registry.bulk_revoke(HUNDRED[:5], sender=env.issuer)

    assert [registry.is_revoked(env.issuer, h) for h in HUNDRED[:5]] == [False, False, False, True, False]


def test_bulk_revoke_refuses_a_repeated_hash(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    with reverts_with("HashRevocationRegistryAlreadyRevoked", documentHash=DOCUMENT):
        registry.bulk_revoke([DOCUMENT, HUNDRED[0], DOCUMENT], sender=env.issuer)

    assert not registry.is_revoked(env.issuer, DOCUMENT)


def test_bulk_revoke_refuses_the_zero_hash(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    with reverts_with("HashRevocationRegistryZeroHash"):
        registry.bulk_revoke([DOCUMENT, ZERO_HASH], sender=env.issuer)


def test_bulk_revoke_needs_a_hash(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    with reverts_with("HashRevocationRegistryNoHashes"):
        send(env, registry, "bulkRevoke", [], sender=env.issuer)
    with pytest.raises(ConfigurationError):
        registry.bulk_revoke([], sender=env.issuer)


# -- fuzzing every entry point that takes a hash --------------------------------------------------


@fixture_settings
@given(root=hashes, documents=st.lists(hashes, min_size=1, max_size=8, unique=True))
def test_any_hash_round_trips(
    env: ContractEnv, registry: HashRevocationRegistryClient, root: bytes, documents: list[bytes]
) -> None:
    snapshot = env.chain.snapshot()
    try:
        registry.issue(Root(root), sender=env.issuer)
        assert registry.is_issued(env.issuer, Root(root)) and not registry.is_issued(env.outsider, Root(root))
        with reverts_with("HashRevocationRegistryAlreadyIssued", root=root):
            registry.issue(Root(root), sender=env.issuer)

        first, rest = documents[0], documents[1:]
        registry.revoke(first, sender=env.issuer)
        if rest:
            registry.bulk_revoke(rest, sender=env.issuer)
        assert all(registry.is_revoked(env.issuer, h) for h in documents)
        assert not any(registry.is_revoked(env.outsider, h) for h in documents)
        with reverts_with("HashRevocationRegistryAlreadyRevoked", documentHash=documents[-1]):
            registry.revoke(documents[-1], sender=env.issuer)
    finally:
        env.chain.revert(snapshot)


# -- what it reveals -------------------------------------------------------------------------------


def test_anyone_holding_a_credential_can_link_it_to_its_revocation(
    env: ContractEnv, registry: HashRevocationRegistryClient
) -> None:
    """The event log carries the revoked hash itself: hash the credential, find its revocation."""
    credential = b'{"credentialSubject":{"name":"Zo\xc3\xab"}}'
    receipt = registry.bulk_revoke([HUNDRED[0], keccak(credential), HUNDRED[1]], sender=env.issuer)

    revoked_hashes = [event.args["documentHash"] for event in receipt.events_named("DocumentRevoked")]

    assert keccak(credential) in revoked_hashes
    assert registry.is_revoked(env.issuer, keccak(credential))


# -- gas -----------------------------------------------------------------------------------------


def test_issue_gas(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    assert registry.issue(ROOT, sender=env.issuer).gas_used == ISSUE_GAS


def test_revoke_one_gas(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    assert registry.revoke(DOCUMENT, sender=env.issuer).gas_used == REVOKE_GAS


def test_bulk_revoke_100_gas(env: ContractEnv, registry: HashRevocationRegistryClient) -> None:
    assert len(set(HUNDRED)) == 100

    assert registry.bulk_revoke(HUNDRED, sender=env.issuer).gas_used == BULK_REVOKE_100_GAS
