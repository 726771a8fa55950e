"""IssuerRegistry, driven through IssuerRegistryClient on both chains (eth-tester and anvil).

Every revert is checked by custom-error name and decoded arguments, every state change by its
exact events. Times come from the chain (block timestamps), never from the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchor.chain.contracts import FOREVER, Accreditation, IssuerRecord
from anchor.errors import ContractRevertError
from anchor.types import TxReceipt
from tests.conftest import ContractEnv

DID = "did:web:example.edu"
NAME = "Example University"
SCOPE = "EQF 4-6, ICT"
OTHER_DID = "did:web:other.example"
BODY_ROLE = keccak(text="ACCREDITATION_BODY_ROLE")
ADMIN_ROLE = bytes(32)
ZERO_ADDRESS = "0x" + "00" * 20

# Upper bounds for the sequence in test_gas_stays_within_measured_bounds: the figures measured on
# both chains, rounded up to the next 1,000. They are identical on both chains except where a
# timestamp travels in calldata (accredit): a zero byte costs 4 gas, a non-zero one 16.
GAS_GRANT_BODY = 52_000  # measured 51,125
GAS_REGISTER_ISSUER = 215_000  # measured 214,554
GAS_ACCREDIT = 104_000  # measured 103,194 .. 103,206, depending on the timestamp's bytes
GAS_UPDATE_ISSUER = 66_000  # measured 65,755 (new DID bound, name changed)
GAS_DEACCREDIT = 42_000  # measured 41,610 (two windows: one running, one future)


# -- helpers ----------------------------------------------------------------------------------------


def expect_revert(action: Callable[[], object], error: str) -> dict[str, Any]:
    """Run `action`, require a revert with the custom error `error`, and return its arguments."""
    with pytest.raises(ContractRevertError) as info:
        action()
    assert info.value.error == error, str(info.value)
    return info.value.arguments


def events(receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
    """Every event of the receipt as (name, args), in order."""
    return [(event.name, event.args) for event in receipt.events]


def block_time(env: ContractEnv, receipt: TxReceipt) -> int:
    return env.chain.block_timestamp(receipt.block_number)


def make_body(env: ContractEnv, account: str) -> TxReceipt:
    return env.registry.grant_body(account, sender=env.admin)


def register_default(env: ContractEnv, **overrides: Any) -> TxReceipt:
    """`body` registers `issuer` as DID / NAME / SCOPE, accredited from now on unless overridden."""
    kwargs: dict[str, Any] = {"did": DID, "name": NAME, "scope": SCOPE, "sender": env.body}
    kwargs.update(overrides)
    issuer = kwargs.pop("issuer", env.issuer)
    return env.registry.register_issuer(issuer, **kwargs)


@pytest.fixture
def reg(env: ContractEnv) -> ContractEnv:
    """`env` with `body` holding the accreditation-body role."""
    make_body(env, env.body)
    return env


@pytest.fixture
def registered(reg: ContractEnv) -> ContractEnv:
    """`reg` with `issuer` registered by `body` (DID, NAME, SCOPE, from now on)."""
    register_default(reg)
    return reg


# -- roles ------------------------------------------------------------------------------------------


def test_body_role_is_the_keccak_of_its_name(env: ContractEnv) -> None:
    assert env.registry.body_role == BODY_ROLE


def test_admin_grants_the_body_role(env: ContractEnv) -> None:
    assert not env.registry.is_body(env.body)
    receipt = make_body(env, env.body)
    assert events(receipt) == [("RoleGranted", {"role": BODY_ROLE, "account": env.body, "sender": env.admin})]
    assert env.registry.is_body(env.body)
    assert not env.registry.is_body(env.other_body)


def test_granting_a_held_role_again_emits_nothing(reg: ContractEnv) -> None:
    receipt = make_body(reg, reg.body)
    assert events(receipt) == []
    assert reg.registry.is_body(reg.body)


def test_admin_revokes_the_body_role(reg: ContractEnv) -> None:
    receipt = reg.registry.revoke_body(reg.body, sender=reg.admin)
    assert events(receipt) == [("RoleRevoked", {"role": BODY_ROLE, "account": reg.body, "sender": reg.admin})]
    assert not reg.registry.is_body(reg.body)


@pytest.mark.parametrize("caller", ["outsider", "body"])
def test_only_the_admin_grants_the_body_role(reg: ContractEnv, caller: str) -> None:
    sender = getattr(reg, caller)
    args = expect_revert(
        lambda: reg.registry.grant_body(reg.other_body, sender=sender), "AccessControlUnauthorizedAccount"
    )
    assert args == {"account": sender, "neededRole": ADMIN_ROLE}
    assert not reg.registry.is_body(reg.other_body)


@pytest.mark.parametrize("caller", ["outsider", "other_body"])
def test_only_the_admin_revokes_the_body_role(reg: ContractEnv, caller: str) -> None:
    make_body(reg, reg.other_body)
    sender = getattr(reg, caller)
    args = expect_revert(lambda: reg.registry.revoke_body(reg.body, sender=sender), "AccessControlUnauthorizedAccount")
    assert args == {"account": sender, "neededRole": ADMIN_ROLE}
    assert reg.registry.is_body(reg.body)


NON_BODY_OPERATIONS: dict[str, Callable[[ContractEnv, str, str], object]] = {
    "registerIssuer": lambda env, issuer, sender: env.registry.register_issuer(
        issuer, did=OTHER_DID, name=NAME, scope=SCOPE, sender=sender
    ),
    "updateIssuer": lambda env, issuer, sender: env.registry.update_issuer(
        issuer, did=OTHER_DID, name=NAME, sender=sender
    ),
    "accredit": lambda env, issuer, sender: env.registry.accredit(issuer, scope=SCOPE, sender=sender),
    "deaccredit": lambda env, issuer, sender: env.registry.deaccredit(issuer, sender=sender),
}


@pytest.mark.parametrize("caller", ["outsider", "admin"])
@pytest.mark.parametrize("operation", list(NON_BODY_OPERATIONS))
def test_only_accreditation_bodies_manage_issuers(registered: ContractEnv, operation: str, caller: str) -> None:
    env = registered
    sender = getattr(env, caller)
    # registerIssuer targets a fresh address; the others the registered issuer.
    target = env.other_issuer if operation == "registerIssuer" else env.issuer
    args = expect_revert(
        lambda: NON_BODY_OPERATIONS[operation](env, target, sender), "AccessControlUnauthorizedAccount"
    )
    assert args == {"account": sender, "neededRole": BODY_ROLE}
    assert env.registry.issuer(env.other_issuer) is None
    record = env.registry.issuer(env.issuer)
    assert (record.did, record.name, record.body) == (DID, NAME, env.body)
    assert len(env.registry.accreditations(env.issuer)) == 1


def test_the_role_check_comes_before_the_issuer_lookup(reg: ContractEnv) -> None:
    args = expect_revert(
        lambda: reg.registry.deaccredit(reg.other_issuer, sender=reg.outsider), "AccessControlUnauthorizedAccount"
    )
    assert args == {"account": reg.outsider, "neededRole": BODY_ROLE}


# -- registerIssuer ---------------------------------------------------------------------------------


def test_unregistered_addresses_and_dids_resolve_to_nothing(reg: ContractEnv) -> None:
    assert reg.registry.issuer(reg.issuer) is None
    assert reg.registry.issuer_by_did(DID) is None
    assert reg.registry.accreditations(reg.issuer) == []
    assert not reg.registry.is_accredited(reg.issuer, reg.chain.block_timestamp())


def test_register_records_the_issuer_and_accredits_it_from_now_on_forever(reg: ContractEnv) -> None:
    receipt = register_default(reg)
    now = block_time(reg, receipt)

    assert events(receipt) == [
        ("IssuerRegistered", {"issuer": reg.issuer, "body": reg.body, "did": DID, "name": NAME}),
        (
            "IssuerAccredited",
            {"issuer": reg.issuer, "body": reg.body, "validFrom": now, "validUntil": FOREVER, "scope": SCOPE},
        ),
    ]
    assert reg.registry.issuer(reg.issuer) == IssuerRecord(did=DID, name=NAME, body=reg.body, registered_at=now)
    assert reg.registry.issuer_by_did(DID) == reg.issuer
    assert reg.registry.accreditations(reg.issuer) == [Accreditation(now, FOREVER, reg.body, SCOPE)]
    assert FOREVER == 2**64 - 1
    assert not reg.registry.is_accredited(reg.issuer, now - 1)
    assert reg.registry.is_accredited(reg.issuer, now)
    assert reg.registry.is_accredited(reg.issuer, FOREVER - 1)
    assert not reg.registry.is_accredited(reg.issuer, FOREVER)


def test_register_with_an_explicit_future_window(reg: ContractEnv) -> None:
    start = reg.chain.block_timestamp() + 1_000
    end = start + 500
    receipt = register_default(reg, valid_from=start, valid_until=end)
    assert events(receipt)[1] == (
        "IssuerAccredited",
        {"issuer": reg.issuer, "body": reg.body, "validFrom": start, "validUntil": end, "scope": SCOPE},
    )
    assert reg.registry.accreditations(reg.issuer) == [Accreditation(start, end, reg.body, SCOPE)]
    # Registered now, accredited only later.
    assert reg.registry.issuer(reg.issuer).registered_at == block_time(reg, receipt)
    assert not reg.registry.is_accredited(reg.issuer, block_time(reg, receipt))


def test_register_rejects_the_zero_address(reg: ContractEnv) -> None:
    assert expect_revert(lambda: register_default(reg, issuer=ZERO_ADDRESS), "IssuerRegistryZeroAddress") == {}
    assert reg.registry.issuer_by_did(DID) is None


@pytest.mark.parametrize("by", ["body", "other_body"])
def test_register_rejects_an_issuer_registered_before(registered: ContractEnv, by: str) -> None:
    env = registered
    make_body(env, env.other_body)
    args = expect_revert(
        lambda: register_default(env, did=OTHER_DID, sender=getattr(env, by)), "IssuerRegistryIssuerExists"
    )
    assert args == {"issuer": env.issuer}
    assert env.registry.issuer(env.issuer).did == DID
    assert env.registry.issuer_by_did(OTHER_DID) is None


@pytest.mark.parametrize("did", ["web:x", "did:", "", "DID:web:example.edu", " did:web:example.edu"])
def test_register_rejects_a_malformed_did(reg: ContractEnv, request: pytest.FixtureRequest, did: str) -> None:
    assert expect_revert(lambda: register_default(reg, did=did), "IssuerRegistryInvalidDid") == {"did": did}
    assert reg.registry.issuer(reg.issuer) is None


def test_the_shortest_accepted_did_is_did_colon_and_one_character(reg: ContractEnv) -> None:
    register_default(reg, did="did:x")
    assert reg.registry.issuer_by_did("did:x") == reg.issuer


def test_register_rejects_a_did_bound_to_another_issuer(
    registered: ContractEnv, request: pytest.FixtureRequest
) -> None:
    env = registered
    args = expect_revert(lambda: register_default(env, issuer=env.other_issuer), "IssuerRegistryDidTaken")
    assert args == {"did": DID, "holder": env.issuer}
    assert env.registry.issuer(env.other_issuer) is None


def test_register_rejects_an_empty_or_inverted_window(reg: ContractEnv) -> None:
    start = reg.chain.block_timestamp() + 1_000
    for end in (start, start - 1):
        args = expect_revert(
            lambda end=end: register_default(reg, valid_from=start, valid_until=end), "IssuerRegistryInvalidWindow"
        )
        assert args == {"validFrom": start, "validUntil": end}
    assert reg.registry.issuer(reg.issuer) is None
    assert reg.registry.issuer_by_did(DID) is None


def test_register_from_now_with_an_end_in_the_past_is_an_invalid_window(reg: ContractEnv) -> None:
    before = reg.chain.block_timestamp()
    end = before - 500
    args = expect_revert(lambda: register_default(reg, valid_until=end), "IssuerRegistryInvalidWindow")
    # validFrom 0 was replaced by the block timestamp before the check.
    assert set(args) == {"validFrom", "validUntil"}
    assert args["validUntil"] == end
    assert args["validFrom"] >= before


def test_register_rejects_a_retroactive_window(reg: ContractEnv) -> None:
    before = reg.chain.block_timestamp()
    start = before - 1_000
    args = expect_revert(
        lambda: register_default(reg, valid_from=start, valid_until=before + 1_000), "IssuerRegistryRetroactiveWindow"
    )
    assert set(args) == {"validFrom", "currentTime"}
    assert args["validFrom"] == start
    assert args["currentTime"] >= before
    assert reg.registry.issuer(reg.issuer) is None


# -- body of record ---------------------------------------------------------------------------------


BODY_OPERATIONS: dict[str, Callable[[ContractEnv, str, str], object]] = {
    name: op for name, op in NON_BODY_OPERATIONS.items() if name != "registerIssuer"
}


@pytest.mark.parametrize("operation", list(BODY_OPERATIONS))
def test_only_the_body_of_record_changes_an_issuer(registered: ContractEnv, operation: str) -> None:
    env = registered
    make_body(env, env.other_body)
    args = expect_revert(
        lambda: BODY_OPERATIONS[operation](env, env.issuer, env.other_body), "IssuerRegistryNotBodyOfRecord"
    )
    assert args == {"issuer": env.issuer, "caller": env.other_body}
    assert env.registry.issuer(env.issuer).did == DID
    assert env.registry.accreditations(env.issuer)[0].valid_until == FOREVER
    assert len(env.registry.accreditations(env.issuer)) == 1


@pytest.mark.parametrize("operation", list(BODY_OPERATIONS))
def test_operations_on_an_unknown_issuer_revert(registered: ContractEnv, operation: str) -> None:
    env = registered
    args = expect_revert(
        lambda: BODY_OPERATIONS[operation](env, env.other_issuer, env.body), "IssuerRegistryUnknownIssuer"
    )
    assert args == {"issuer": env.other_issuer}


# -- updateIssuer -----------------------------------------------------------------------------------


def test_update_changes_did_and_name_and_the_old_did_still_resolves(registered: ContractEnv) -> None:
    env = registered
    registered_at = env.registry.issuer(env.issuer).registered_at
    receipt = env.registry.update_issuer(env.issuer, did=OTHER_DID, name="Renamed University", sender=env.body)
    assert events(receipt) == [
        ("IssuerUpdated", {"issuer": env.issuer, "body": env.body, "did": OTHER_DID, "name": "Renamed University"})
    ]
    assert env.registry.issuer(env.issuer) == IssuerRecord(OTHER_DID, "Renamed University", env.body, registered_at)
    assert env.registry.issuer_by_did(OTHER_DID) == env.issuer
    assert env.registry.issuer_by_did(DID) == env.issuer


def test_update_of_the_name_only_keeps_the_did(registered: ContractEnv) -> None:
    env = registered
    receipt = env.registry.update_issuer(env.issuer, did=DID, name="New Name", sender=env.body)
    assert events(receipt) == [
        ("IssuerUpdated", {"issuer": env.issuer, "body": env.body, "did": DID, "name": "New Name"})
    ]
    assert env.registry.issuer(env.issuer).did == DID
    assert env.registry.issuer(env.issuer).name == "New Name"


def test_an_issuer_may_return_to_a_did_it_held_before(registered: ContractEnv) -> None:
    env = registered
    env.registry.update_issuer(env.issuer, did=OTHER_DID, name=NAME, sender=env.body)
    receipt = env.registry.update_issuer(env.issuer, did=DID, name=NAME, sender=env.body)
    assert events(receipt) == [("IssuerUpdated", {"issuer": env.issuer, "body": env.body, "did": DID, "name": NAME})]
    assert env.registry.issuer(env.issuer).did == DID


@pytest.mark.parametrize("held", ["current", "former"])
def test_update_cannot_take_a_did_bound_to_another_issuer(
    registered: ContractEnv, request: pytest.FixtureRequest, held: str
) -> None:
    env = registered
    register_default(env, issuer=env.other_issuer, did=OTHER_DID)
    if held == "former":
        env.registry.update_issuer(env.other_issuer, did="did:web:third.example", name=NAME, sender=env.body)
    args = expect_revert(
        lambda: env.registry.update_issuer(env.issuer, did=OTHER_DID, name=NAME, sender=env.body),
        "IssuerRegistryDidTaken",
    )
    assert args == {"did": OTHER_DID, "holder": env.other_issuer}
    assert env.registry.issuer(env.issuer).did == DID
    assert env.registry.issuer_by_did(OTHER_DID) == env.other_issuer


def test_update_rejects_a_malformed_did(registered: ContractEnv, request: pytest.FixtureRequest) -> None:
    env = registered
    args = expect_revert(
        lambda: env.registry.update_issuer(env.issuer, did="web:x", name=NAME, sender=env.body),
        "IssuerRegistryInvalidDid",
    )
    assert args == {"did": "web:x"}
    assert env.registry.issuer(env.issuer).did == DID


# -- accredit ---------------------------------------------------------------------------------------


def test_accredit_appends_a_future_window(registered: ContractEnv) -> None:
    env = registered
    first = env.registry.accreditations(env.issuer)[0]
    start = env.chain.block_timestamp() + 1_000
    end = start + 2_000
    receipt = env.registry.accredit(env.issuer, scope="EQF 7", valid_from=start, valid_until=end, sender=env.body)
    assert events(receipt) == [
        (
            "IssuerAccredited",
            {"issuer": env.issuer, "body": env.body, "validFrom": start, "validUntil": end, "scope": "EQF 7"},
        )
    ]
    assert env.registry.accreditations(env.issuer) == [first, Accreditation(start, end, env.body, "EQF 7")]


def test_accredit_from_now_starts_at_the_block_timestamp(reg: ContractEnv) -> None:
    start = reg.chain.block_timestamp() + 1_000
    register_default(reg, valid_from=start, valid_until=start + 10)
    end = start + 5_000
    receipt = reg.registry.accredit(reg.issuer, scope=SCOPE, valid_until=end, sender=reg.body)
    now = block_time(reg, receipt)
    assert events(receipt) == [
        (
            "IssuerAccredited",
            {"issuer": reg.issuer, "body": reg.body, "validFrom": now, "validUntil": end, "scope": SCOPE},
        )
    ]
    assert reg.registry.accreditations(reg.issuer)[1] == Accreditation(now, end, reg.body, SCOPE)
    assert reg.registry.is_accredited(reg.issuer, now)


def test_accredit_rejects_a_retroactive_window(registered: ContractEnv) -> None:
    env = registered
    before = env.chain.block_timestamp()
    args = expect_revert(
        lambda: env.registry.accredit(env.issuer, scope=SCOPE, valid_from=before - 1_000, sender=env.body),
        "IssuerRegistryRetroactiveWindow",
    )
    assert set(args) == {"validFrom", "currentTime"}
    assert args["validFrom"] == before - 1_000
    assert args["currentTime"] >= before
    assert len(env.registry.accreditations(env.issuer)) == 1


def test_accredit_rejects_an_empty_window(registered: ContractEnv) -> None:
    env = registered
    start = env.chain.block_timestamp() + 1_000
    args = expect_revert(
        lambda: env.registry.accredit(env.issuer, scope=SCOPE, valid_from=start, valid_until=start, sender=env.body),
        "IssuerRegistryInvalidWindow",
    )
    assert args == {"validFrom": start, "validUntil": start}
    assert len(env.registry.accreditations(env.issuer)) == 1


# -- deaccredit -------------------------------------------------------------------------------------


def test_deaccredit_ends_the_running_window_now(registered: ContractEnv) -> None:
    env = registered
    registered_at = env.registry.issuer(env.issuer).registered_at
    env.chain.advance_time(100)
    receipt = env.registry.deaccredit(env.issuer, sender=env.body)
    ended = block_time(env, receipt)
    assert ended >= registered_at + 100
    assert events(receipt) == [("IssuerDeaccredited", {"issuer": env.issuer, "body": env.body, "endedAt": ended})]
    assert env.registry.accreditations(env.issuer) == [Accreditation(registered_at, ended, env.body, SCOPE)]
    # History before the de-accreditation is untouched; from then on the issuer is not accredited.
    assert env.registry.is_accredited(env.issuer, registered_at)
    assert env.registry.is_accredited(env.issuer, ended - 1)
    assert not env.registry.is_accredited(env.issuer, ended)
    assert not env.registry.is_accredited(env.issuer, ended + 10**6)
    # The record itself stays.
    assert env.registry.issuer(env.issuer) == IssuerRecord(DID, NAME, env.body, registered_at)


def test_deaccredit_empties_a_future_window(reg: ContractEnv) -> None:
    start = reg.chain.block_timestamp() + 1_000
    register_default(reg, valid_from=start, valid_until=start + 500)
    receipt = reg.registry.deaccredit(reg.issuer, sender=reg.body)
    assert events(receipt) == [
        ("IssuerDeaccredited", {"issuer": reg.issuer, "body": reg.body, "endedAt": block_time(reg, receipt)})
    ]
    assert reg.registry.accreditations(reg.issuer) == [Accreditation(start, start, reg.body, SCOPE)]
    assert not any(reg.registry.is_accredited(reg.issuer, t) for t in (start - 1, start, start + 499))


def test_deaccredit_ends_running_and_future_windows_and_keeps_past_ones(registered: ContractEnv) -> None:
    env = registered
    registered_at = env.registry.issuer(env.issuer).registered_at
    # By the time of the de-accreditation: the registration's window is running, the "past" one
    # has ended, the "future" one has not started.
    now = env.chain.block_timestamp()
    env.registry.accredit(env.issuer, scope="past", valid_from=now + 100, valid_until=now + 150, sender=env.body)
    future = now + 10_000
    env.registry.accredit(env.issuer, scope="future", valid_from=future, valid_until=future + 1, sender=env.body)
    env.chain.advance_time(1_000)
    receipt = env.registry.deaccredit(env.issuer, sender=env.body)
    ended = block_time(env, receipt)
    assert env.registry.accreditations(env.issuer) == [
        Accreditation(registered_at, ended, env.body, SCOPE),
        Accreditation(now + 100, now + 150, env.body, "past"),
        Accreditation(future, future, env.body, "future"),
    ]


def test_deaccredit_without_a_current_or_future_window_reverts(registered: ContractEnv) -> None:
    env = registered
    env.chain.advance_time(10)
    env.registry.deaccredit(env.issuer, sender=env.body)
    env.chain.advance_time(10)
    args = expect_revert(lambda: env.registry.deaccredit(env.issuer, sender=env.body), "IssuerRegistryNotAccredited")
    assert args == {"issuer": env.issuer}


def test_deaccredit_after_every_window_expired_reverts(reg: ContractEnv) -> None:
    start = reg.chain.block_timestamp() + 100
    register_default(reg, valid_from=start, valid_until=start + 10)
    reg.chain.advance_time(1_000)
    args = expect_revert(lambda: reg.registry.deaccredit(reg.issuer, sender=reg.body), "IssuerRegistryNotAccredited")
    assert args == {"issuer": reg.issuer}
    assert reg.registry.accreditations(reg.issuer) == [Accreditation(start, start + 10, reg.body, SCOPE)]


def test_a_second_deaccredit_after_emptying_a_future_window_reverts(registered: ContractEnv) -> None:
    env = registered
    start = env.chain.block_timestamp() + 10_000
    env.registry.accredit(env.issuer, scope=SCOPE, valid_from=start, valid_until=start + 10, sender=env.body)
    env.chain.advance_time(10)
    env.registry.deaccredit(env.issuer, sender=env.body)
    env.chain.advance_time(10)
    args = expect_revert(lambda: env.registry.deaccredit(env.issuer, sender=env.body), "IssuerRegistryNotAccredited")
    assert args == {"issuer": env.issuer}


def test_an_issuer_can_be_re_accredited_after_deaccreditation(registered: ContractEnv) -> None:
    env = registered
    registered_at = env.registry.issuer(env.issuer).registered_at
    env.chain.advance_time(100)
    ended = block_time(env, env.registry.deaccredit(env.issuer, sender=env.body))
    env.chain.advance_time(100)
    receipt = env.registry.accredit(env.issuer, scope=SCOPE, sender=env.body)
    renewed = block_time(env, receipt)
    assert renewed >= ended + 100
    assert env.registry.is_accredited(env.issuer, registered_at)
    assert not env.registry.is_accredited(env.issuer, ended)
    assert not env.registry.is_accredited(env.issuer, renewed - 1)
    assert env.registry.is_accredited(env.issuer, renewed)


# -- history ----------------------------------------------------------------------------------------


def test_is_accredited_before_inside_between_and_after_windows(reg: ContractEnv) -> None:
    now = reg.chain.block_timestamp()
    a, b = now + 1_000, now + 2_000
    c, d = now + 3_000, now + 4_000
    register_default(reg, valid_from=a, valid_until=b)
    reg.registry.accredit(reg.issuer, scope="renewal", valid_from=c, valid_until=d, sender=reg.body)
    expected = {
        a - 1: False,
        a: True,
        b - 1: True,
        b: False,
        c - 1: False,
        c: True,
        d - 1: True,
        d: False,
        FOREVER: False,
    }
    assert {t: reg.registry.is_accredited(reg.issuer, t) for t in expected} == expected
    assert not reg.registry.is_accredited(reg.other_issuer, a)


def test_a_revoked_body_leaves_its_accreditations_in_place(registered: ContractEnv) -> None:
    env = registered
    registered_at = env.registry.issuer(env.issuer).registered_at
    env.chain.advance_time(100)
    revoked_at = block_time(env, env.registry.revoke_body(env.body, sender=env.admin))
    assert env.registry.is_accredited(env.issuer, registered_at)
    assert env.registry.is_accredited(env.issuer, revoked_at - 1)
    # The windows the body granted are unchanged, including the open-ended one.
    assert env.registry.accreditations(env.issuer) == [Accreditation(registered_at, FOREVER, env.body, SCOPE)]
    assert env.registry.issuer(env.issuer) == IssuerRecord(DID, NAME, env.body, registered_at)


def test_a_revoked_body_can_no_longer_change_its_issuers(registered: ContractEnv) -> None:
    env = registered
    env.registry.revoke_body(env.body, sender=env.admin)
    args = expect_revert(
        lambda: env.registry.deaccredit(env.issuer, sender=env.body), "AccessControlUnauthorizedAccount"
    )
    assert args == {"account": env.body, "neededRole": BODY_ROLE}
    # Nor can another body: the revoked one stays the body of record.
    make_body(env, env.other_body)
    args = expect_revert(
        lambda: env.registry.deaccredit(env.issuer, sender=env.other_body), "IssuerRegistryNotBodyOfRecord"
    )
    assert args == {"issuer": env.issuer, "caller": env.other_body}


def test_the_admin_hands_an_orphaned_issuer_to_another_body(registered: ContractEnv) -> None:
    env = registered
    env.registry.revoke_body(env.body, sender=env.admin)
    make_body(env, env.other_body)
    receipt = env.registry.transfer_issuer(env.issuer, env.other_body, sender=env.admin)
    assert events(receipt) == [
        ("IssuerTransferred", {"issuer": env.issuer, "previousBody": env.body, "newBody": env.other_body})
    ]
    assert env.registry.issuer(env.issuer).body == env.other_body
    env.chain.advance_time(10)
    ended = block_time(env, env.registry.deaccredit(env.issuer, sender=env.other_body))
    assert not env.registry.is_accredited(env.issuer, ended)
    # The windows the first body granted are untouched in the past.
    assert env.registry.accreditations(env.issuer)[0].body == env.body
    assert env.registry.is_accredited(env.issuer, ended - 1)


def test_only_the_admin_transfers_issuers_and_only_to_a_body(registered: ContractEnv) -> None:
    env = registered
    args = expect_revert(
        lambda: env.registry.transfer_issuer(env.issuer, env.body, sender=env.body), "AccessControlUnauthorizedAccount"
    )
    assert args == {"account": env.body, "neededRole": b"\x00" * 32}
    args = expect_revert(
        lambda: env.registry.transfer_issuer(env.issuer, env.outsider, sender=env.admin), "IssuerRegistryNotABody"
    )
    assert args == {"account": env.outsider}
    args = expect_revert(
        lambda: env.registry.transfer_issuer(env.outsider, env.body, sender=env.admin), "IssuerRegistryUnknownIssuer"
    )
    assert args == {"issuer": env.outsider}
    assert env.registry.issuer(env.issuer).body == env.body


def test_each_body_manages_its_own_issuers(reg: ContractEnv) -> None:
    make_body(reg, reg.other_body)
    register_default(reg)
    register_default(reg, issuer=reg.other_issuer, did=OTHER_DID, sender=reg.other_body)
    reg.chain.advance_time(10)
    receipt = reg.registry.deaccredit(reg.other_issuer, sender=reg.other_body)
    assert events(receipt) == [
        (
            "IssuerDeaccredited",
            {"issuer": reg.other_issuer, "body": reg.other_body, "endedAt": block_time(reg, receipt)},
        )
    ]
    now = reg.chain.block_timestamp()
    assert reg.registry.is_accredited(reg.issuer, now)
    assert not reg.registry.is_accredited(reg.other_issuer, now)
    assert reg.registry.issuer(reg.other_issuer).body == reg.other_body


# -- property: the past is never rewritten ---------------------------------------------------------

OPERATION = st.one_of(
    # accredit from `offset` seconds after the latest block (0: "from now") for `length` seconds
    st.tuples(st.just("accredit"), st.just(0) | st.integers(10, 5_000), st.integers(10, 5_000)),
    st.tuples(st.just("deaccredit")),
    st.tuples(st.just("advance"), st.integers(1, 3_000)),
)


def _past_probe_times(env: ContractEnv, latest: int) -> set[int]:
    """Every window edge and the seconds around the latest block, up to where the next block may be."""
    times = {0, *range(latest - 1, latest + 3)}
    for window in env.registry.accreditations(env.issuer):
        times.update((window.valid_from - 1, window.valid_from, window.valid_until - 1, window.valid_until))
    # The next block's timestamp is `latest` (anvil, same second) or a little later: times far
    # beyond it are not "before the operation", so asking about them would only cost time.
    return {t for t in times if t <= latest + 2}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first_offset=st.just(0) | st.integers(10, 2_000),
    operations=st.lists(OPERATION, min_size=1, max_size=6),
)
def test_operations_never_change_the_answer_for_earlier_times(
    reg: ContractEnv, first_offset: int, operations: list[tuple[Any, ...]]
) -> None:
    env = reg
    snapshot = env.chain.snapshot()
    try:
        start = env.chain.block_timestamp() + first_offset if first_offset else None
        register_default(env, valid_from=start)
        for operation in operations:
            latest = env.chain.block_timestamp()
            before = {t: env.registry.is_accredited(env.issuer, t) for t in _past_probe_times(env, latest)}
            if operation[0] == "advance":
                env.chain.advance_time(operation[1])
                continue
            if operation[0] == "accredit":
                _, offset, length = operation
                receipt = env.registry.accredit(
                    env.issuer,
                    scope="random",
                    valid_from=latest + offset if offset else None,
                    valid_until=latest + offset + length,
                    sender=env.body,
                )
            else:
                try:
                    receipt = env.registry.deaccredit(env.issuer, sender=env.body)
                except ContractRevertError as exc:
                    assert (exc.error, exc.arguments) == ("IssuerRegistryNotAccredited", {"issuer": env.issuer})
                    continue
            happened = block_time(env, receipt)
            changed = {
                t: (answer, env.registry.is_accredited(env.issuer, t))
                for t, answer in before.items()
                if t < happened and env.registry.is_accredited(env.issuer, t) != answer
            }
            assert changed == {}, f"{operation} at {happened} rewrote history: {changed}"
    finally:
        env.chain.revert(snapshot)


# -- gas --------------------------------------------------------------------------------------------


def test_gas_stays_within_measured_bounds(env: ContractEnv) -> None:
    assert make_body(env, env.body).gas_used <= GAS_GRANT_BODY
    assert register_default(env).gas_used <= GAS_REGISTER_ISSUER
    start = env.chain.block_timestamp() + 1_000
    accredit = env.registry.accredit(
        env.issuer, scope="EQF 7", valid_from=start, valid_until=start + 4_000, sender=env.body
    )
    assert accredit.gas_used <= GAS_ACCREDIT
    update = env.registry.update_issuer(env.issuer, did=OTHER_DID, name="Renamed University", sender=env.body)
    assert update.gas_used <= GAS_UPDATE_ISSUER
    env.chain.advance_time(10)
    assert env.registry.deaccredit(env.issuer, sender=env.body).gas_used <= GAS_DEACCREDIT


# -- client decoding ---------------------------------------------------------------------------------


def test_revert_arguments_carry_checksummed_addresses(registered: ContractEnv) -> None:
    env = registered
    make_body(env, env.other_body)
    with pytest.raises(ContractRevertError) as info:
        env.registry.accredit(env.issuer, scope=SCOPE, sender=env.other_body)
    assert info.value.arguments == {"issuer": env.issuer, "caller": env.other_body}
    assert all(value == to_checksum_address(value) for value in info.value.arguments.values())
