from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor import ConfigurationError, Root, pack_indices
from anchor.chain.contracts import MAX_LIST_ENTRIES
from anchor.types import merkle_path_from_hex


@given(st.binary(min_size=32, max_size=32))
def test_root_hex_round_trip(raw):
    root = Root(raw)
    assert Root.from_hex(root.hex()) == root
    assert Root.from_hex(root.hex()[2:]) == root


@pytest.mark.parametrize("text", ["0x1234", "0x" + "zz" * 32, "", "0x" + "00" * 33])
def test_bad_root_hex_says_what_is_wrong(text):
    with pytest.raises(ConfigurationError, match="Merkle root"):
        Root.from_hex(text)


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=20), st.booleans())
def test_a_merkle_path_reads_back_in_any_hex_spelling(nodes, upper):
    written = ["0x" + (node.hex().upper() if upper else node.hex()) for node in nodes]
    assert merkle_path_from_hex(written) == nodes
    assert merkle_path_from_hex([text[2:] for text in written]) == nodes


@pytest.mark.parametrize(
    "nodes",
    ["0x" + "00" * 32, ["0x" + "00" * 31 + " 0"], ["0x" + "zz" * 32], ["0x" + "00" * 33], [None], [32], ["0x12"]],
)
def test_a_malformed_merkle_path_says_what_is_wrong(nodes):
    with pytest.raises(ConfigurationError, match="Merkle"):
        merkle_path_from_hex(nodes)


def test_root_must_be_32_bytes():
    with pytest.raises(ConfigurationError):
        Root(b"\x01" * 31)


@given(st.sets(st.integers(0, MAX_LIST_ENTRIES - 1), min_size=1, max_size=300))
def test_pack_indices_round_trip(indices):
    packed = pack_indices(indices)
    assert len(packed) == 3 * len(indices)
    decoded = [int.from_bytes(packed[i : i + 3], "big") for i in range(0, len(packed), 3)]
    assert decoded == sorted(indices)


def test_pack_indices_drops_duplicates():
    assert pack_indices([5, 5, 1]) == bytes([0, 0, 1, 0, 0, 5])


@pytest.mark.parametrize("indices", [[], [-1], [MAX_LIST_ENTRIES]])
def test_pack_indices_refuses_what_the_contract_cannot_store(indices):
    with pytest.raises(ConfigurationError):
        pack_indices(indices)
