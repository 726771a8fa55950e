"""Revert decoding at the chain boundary, and the exception tree."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from anchor import errors
from anchor.chain.reverts import error_table, revert_data


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_every_custom_error_has_the_contract_prefix():
    from anchor.chain.artifacts import CONTRACT_NAMES

    names = {e.name for e in error_table().values()}
    ours = {n for n in names if not n.startswith(("AccessControl", "ERC721", "ERC165", "Strings", "SafeCast"))}
    assert ours, names
    for name in ours:
        assert name.startswith(CONTRACT_NAMES), name


def test_error_table_selectors_match_signatures():
    table = error_table()
    assert table[selector("CredentialAnchorRootExists(bytes32)")].name == "CredentialAnchorRootExists"
    assert table[selector("IssuerRegistryDidTaken(string,address)")].types == ["string", "address"]
    assert table[selector("AccessControlUnauthorizedAccount(address,bytes32)")].names == ["account", "neededRole"]


def test_revert_data_from_a_json_rpc_error():
    class Rpc(Exception):
        data = "0xdeadbeef"

    assert revert_data(Rpc("execution reverted")) == bytes.fromhex("deadbeef")


def test_revert_data_from_an_eth_tester_message():
    payload = selector("CredentialAnchorRootExists(bytes32)") + encode(["bytes32"], [b"'" * 32])
    assert revert_data(Exception(f"execution reverted: {payload!r}")) == payload


def test_no_revert_data():
    assert revert_data(Exception("out of gas")) is None


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.ConfigurationError, ValueError),
        (errors.ArtifactError, FileNotFoundError),
        (errors.ChainError, ConnectionError),
        (errors.ContractRevertError, RuntimeError),
        (errors.DeploymentError, LookupError),
        (errors.DevchainError, RuntimeError),
    ],
)
def test_each_error_is_also_the_builtin_it_resembles(cls, builtin):
    assert issubclass(cls, errors.CredAnchorError) and issubclass(cls, builtin)


def test_revert_message_names_error_and_arguments():
    error = errors.ContractRevertError("CredentialAnchorRootExists", {"root": b"\x01" * 32}, contract="C", function="f")
    assert str(error) == "C.f reverted with CredentialAnchorRootExists(root=0x" + "01" * 32 + ")"


def test_revert_data_is_found_on_the_exception_a_revert_was_raised_from():
    payload = selector("IssuerRegistryInvalidDid(string)") + encode(["string"], ["web:x"])
    try:
        try:
            raise RuntimeError(payload)
        except RuntimeError:
            raise RuntimeError("execution reverted: web:x") from None
    except RuntimeError as outer:
        # `from None` hides the context from tracebacks but keeps it on the exception.
        assert revert_data(outer) == payload
