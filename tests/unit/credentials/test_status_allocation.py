"""Status locations (anchor.credentials.status): a credential's revocation and suspension indices are drawn
apart (issue 19 item 11), and entries written with one index for both lists, before, still read."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.credentials import status
from anchor.credentials.model import status_value
from anchor.credentials.status import LIST_SIZE, RandomStatusAllocator, StatusLocation, locations_for, read_entry
from anchor.crypto import jcs

CONTRACT = "0x" + "33" * 20
ISSUER = "0x" + "ab" * 20


def entries_by_purpose(location: StatusLocation) -> dict[str, int]:
    return {entry["statusPurpose"]: read_entry(entry)[1].index for entry in location.entries()}


def test_the_in_memory_allocator_draws_each_purposes_index_apart() -> None:
    allocator = RandomStatusAllocator(1, CONTRACT, ISSUER)
    locations = [allocator.allocate() for _ in range(500)]
    assert sum(location.index != location.suspension_index for location in locations) >= 495
    for indices in ([loc.index for loc in locations], [loc.suspension_index for loc in locations]):
        assert len(set(indices)) == 500  # never reused within a purpose
    assert entries_by_purpose(locations[0]) == {"revocation": locations[0].index,
                                                "suspension": locations[0].suspension_index}  # fmt: skip


def test_each_action_changes_its_own_purposes_index() -> None:
    location = StatusLocation(1, CONTRACT, ISSUER, 9, 100, 200)
    credential = {"id": "urn:a", "credentialStatus": location.entries("https://u.example/status")}
    assert list(locations_for([credential], "revoke").values()) == [[100]]
    assert list(locations_for([credential], "suspend").values()) == [[200]]
    assert list(locations_for([credential], "reinstate").values()) == [[200]]
    assert [e["id"] for e in credential["credentialStatus"]] == [
        "https://u.example/status/9/revocation#100", "https://u.example/status/9/suspension#200"]  # fmt: skip


def test_a_location_with_one_index_for_both_lists_still_reads() -> None:
    # Credentials issued before the indices were drawn apart carry one index in both entries.
    legacy = StatusLocation(1, CONTRACT, ISSUER, 1, 4242)
    assert entries_by_purpose(legacy) == {"revocation": 4242, "suspension": 4242}
    credential = {"id": "urn:b", "credentialStatus": legacy.entries()}
    assert list(locations_for([credential], "suspend").values()) == [[4242]]


def test_a_list_takes_half_its_entries_before_the_next() -> None:
    allocator = RandomStatusAllocator(1, CONTRACT, ISSUER, first_list=5)
    allocator._used = (set(range(LIST_SIZE // 2 - 1)), set(range(LIST_SIZE // 2 - 1)))
    assert allocator.allocate().list_id == 5
    assert allocator.allocate().list_id == 6


PROBE_DIGITS = [str(index) for index in status._PROBE_INDICES.values()]
#: base URLs and addresses with what a format must keep as it is: "%", the probe indices' digits, non-ASCII
TEXTS = st.text(max_size=12) | st.sampled_from(["https://s.example/v1/status/%d%%", f"https://x/{PROBE_DIGITS[0]}"])
LOCATIONS = st.builds(
    StatusLocation,
    chain_id=st.integers(0, 2**54),
    contract=TEXTS,
    issuer=st.just(ISSUER) | TEXTS,
    list_id=st.integers(0, 2**32 - 1) | st.sampled_from([int(digits) for digits in PROBE_DIGITS]),
    index=st.integers(0, 2**24 - 1),
    suspension_index=st.none() | st.integers(0, 2**24 - 1),
)
PURPOSE_SETS = st.lists(st.sampled_from(["revocation", "suspension"]), max_size=2, unique=True)


@settings(max_examples=300, deadline=None)
@given(location=LOCATIONS, base=st.none() | TEXTS, purposes=PURPOSE_SETS, as_tuple=st.booleans())
def test_entries_json_is_the_canonical_json_of_the_entries(location, base, purposes, as_tuple):
    chosen = tuple(purposes) if as_tuple else purposes  # a list, as a caller may pass one
    twin = StatusLocation(location.chain_id, location.contract, location.issuer, location.list_id, 7, 9)
    for place in (location, twin):  # the second of one list reuses its format
        expected = outcome(lambda place=place: jcs.canonicalize(status_value(place.entries(base, chosen))))
        assert outcome(lambda place=place: place.entries_json(base, chosen)) == expected


def outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as exc:  # e.g. a chain id beyond I-JSON: both refuse it alike
        return ("raised", type(exc), str(exc))


def test_indices_are_drawn_through_the_pool_not_one_system_call_each(monkeypatch: Any) -> None:
    def refused(n: int) -> int:
        raise AssertionError("secrets.randbelow ran: one system call per index")

    monkeypatch.setattr(status.secrets, "randbelow", refused)
    allocator = RandomStatusAllocator(1, CONTRACT, ISSUER)
    assert len({allocator.allocate().index for _ in range(200)}) == 200


def test_entries_json_takes_the_purposes_as_any_iterable() -> None:
    location = StatusLocation(1, CONTRACT, ISSUER, 3, 10, 20)
    expected = jcs.canonicalize(status_value(location.entries(None, ["revocation", "suspension"])))
    assert location.entries_json(None, (p for p in ("suspension", "revocation"))) == expected
    odd = StatusLocation(1, f"0x{status._PROBE_INDICES['revocation']}", ISSUER, 3, 10, 20)  # no format: entries
    assert odd.entries_json(None, iter(["revocation"])) == jcs.canonicalize(
        status_value(odd.entries(None, ["revocation"]))
    )
