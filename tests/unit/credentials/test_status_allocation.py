"""Status locations (anchor.credentials.status): a credential's revocation and suspension indices are drawn
apart (issue 19 item 11), and entries written with one index for both lists, before, still read."""

from __future__ import annotations

from anchor.credentials.status import LIST_SIZE, RandomStatusAllocator, StatusLocation, locations_for, read_entry

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
