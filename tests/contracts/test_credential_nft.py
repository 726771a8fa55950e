"""CredentialNFT: soulbound (ERC-5192) ERC-721 credentials with on-chain JSON metadata.

Every test runs on both chains of the `env` fixture (embedded eth-tester and anvil), starting
from freshly deployed contracts. Functions the client has no method for (transfers, approvals,
balanceOf, name, ...) are reached through `env.chain.transact` / `env.chain.call`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from typing import TYPE_CHECKING, Any

import pytest
from eth_utils import keccak

from anchor.errors import ContractRevertError
from anchor.types import TxReceipt

if TYPE_CHECKING:
    from tests.conftest import ContractEnv

NFT = "CredentialNFT"
ZERO_ADDRESS = "0x" + "00" * 20
DATA_URI_PREFIX = "data:application/json;base64,"

#: Non-ASCII on purpose: the contract stores and serves UTF-8 bytes, not characters.
METADATA: dict[str, Any] = {
    "name": "Zoë Ñúñez — Kraków",
    "achievement": "Grundlagen der Löttechnik",
    "level": 2,
    "tags": ["日本語", "ÆØÅ", "🎓"],
}

#: Gas measured with the committed artifact; eth-tester and anvil agree to the unit, so the
#: same figure is asserted on both chains. Mints go to a holder with no tokens yet (its balance
#: word goes 0 → 1); the burn takes that holder's only token (and earns storage refunds).
MINT_GAS = {256: 306_092, 1280: 1_032_524}
BURN_GAS_256 = 71_228
#: A fresh 32-byte storage word costs at least 20,000 gas (SSTORE zero → non-zero).
SSTORE_SET_GAS = 20_000


# -- helpers -------------------------------------------------------------------------------------


def send(env: ContractEnv, function: str, *args: Any, sender: str) -> TxReceipt:
    return env.chain.transact(NFT, env.nft.address, function, args, sender=sender)


def view(env: ContractEnv, function: str, *args: Any) -> Any:
    return env.chain.call(NFT, env.nft.address, function, args)


@contextmanager
def reverts_with(error: str, **arguments: Any) -> Iterator[None]:
    """The block must revert with exactly this custom error and these decoded arguments."""
    with pytest.raises(ContractRevertError) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def logged(receipt: TxReceipt) -> list[tuple[str, dict[str, Any]]]:
    """Every decoded event of the receipt, in order, as (name, args)."""
    return [(event.name, event.args) for event in receipt.events]


def metadata_of_size(size: int) -> str:
    """A compact JSON object whose UTF-8 encoding is exactly `size` bytes."""
    padding = size - len('{"description":""}')
    text = json.dumps({"description": "x" * padding}, separators=(",", ":"))
    assert len(text.encode()) == size
    return text


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def interface_id(*signatures: str) -> bytes:
    """ERC-165: the XOR of the interface's function selectors."""
    return reduce(lambda a, b: bytes(x ^ y for x, y in zip(a, b, strict=True)), map(selector, signatures))


# -- mint ----------------------------------------------------------------------------------------


def test_token_ids_are_sequential_from_one_and_record_owner_and_issuer(env: ContractEnv) -> None:
    mints = [(env.learner, env.issuer), (env.other_learner, env.other_issuer), (env.learner, env.issuer)]

    token_ids = [env.nft.mint(holder, METADATA, sender=issuer)[0] for holder, issuer in mints]

    assert token_ids == [1, 2, 3]
    for token_id, (holder, issuer) in zip(token_ids, mints, strict=True):
        assert env.nft.owner_of(token_id) == holder
        assert env.nft.issuer_of(token_id) == issuer
        assert env.nft.locked(token_id) is True
    assert view(env, "balanceOf", env.learner) == 2
    assert view(env, "balanceOf", env.other_learner) == 1


def test_mint_emits_transfer_locked_and_credential_minted(env: ContractEnv) -> None:
    token_id, receipt = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    assert token_id == 1
    assert logged(receipt) == [
        ("Transfer", {"from": ZERO_ADDRESS, "to": env.learner, "tokenId": 1}),
        ("Locked", {"tokenId": 1}),
        ("CredentialMinted", {"tokenId": 1, "issuer": env.issuer, "holder": env.learner}),
    ]
    assert {event.address for event in receipt.events} == {env.nft.address}


def test_token_uri_is_a_base64_json_data_uri_of_the_metadata(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    uri = env.nft.token_uri(token_id)

    assert uri.startswith(DATA_URI_PREFIX)
    decoded = base64.b64decode(uri.removeprefix(DATA_URI_PREFIX), validate=True)
    assert json.loads(decoded.decode("utf-8")) == METADATA
    assert "Zoë Ñúñez — Kraków" in decoded.decode("utf-8")
    assert env.nft.metadata(token_id) == METADATA


@pytest.mark.parametrize(
    "text",
    [
        '"a"',  # length ≡ 0 (mod 3): no base64 padding
        '{"a":1}',  # ≡ 1: "=="
        '{"ab":1}',  # ≡ 2: "="
        json.dumps(METADATA, ensure_ascii=False),
    ],
)
def test_token_uri_serves_exactly_the_bytes_minted(env: ContractEnv, text: str) -> None:
    token_id, _ = env.nft.mint(env.learner, text, sender=env.issuer)

    assert env.nft.token_uri(token_id) == DATA_URI_PREFIX + base64.b64encode(text.encode("utf-8")).decode("ascii")


def test_mint_with_empty_metadata_reverts(env: ContractEnv) -> None:
    with reverts_with("CredentialNFTEmptyMetadata"):
        env.nft.mint(env.learner, "", sender=env.issuer)

    assert view(env, "balanceOf", env.learner) == 0
    assert env.nft.mint(env.learner, METADATA, sender=env.issuer)[0] == 1  # the failed mint used no id


def test_mint_to_the_zero_address_reverts(env: ContractEnv) -> None:
    with reverts_with("ERC721InvalidReceiver", receiver=ZERO_ADDRESS):
        env.nft.mint(ZERO_ADDRESS, METADATA, sender=env.issuer)


def test_mint_to_a_contract_that_is_not_an_erc721_receiver_reverts(env: ContractEnv) -> None:
    with reverts_with("ERC721InvalidReceiver", receiver=env.anchor.address):
        env.nft.mint(env.anchor.address, METADATA, sender=env.issuer)


def test_anyone_may_mint_and_becomes_the_tokens_issuer(env: ContractEnv) -> None:
    token_id, receipt = env.nft.mint(env.learner, METADATA, sender=env.outsider)

    assert env.nft.issuer_of(token_id) == env.outsider
    assert receipt.events_named("CredentialMinted")[0].args["issuer"] == env.outsider
    with reverts_with("CredentialNFTNotIssuer", tokenId=token_id, caller=env.issuer):
        env.nft.burn(token_id, sender=env.issuer)
    env.nft.burn(token_id, sender=env.outsider)


@pytest.mark.parametrize("token_id", [0, 1])
def test_views_of_a_token_never_minted_revert(env: ContractEnv, token_id: int) -> None:
    for read in (env.nft.owner_of, env.nft.issuer_of, env.nft.locked, env.nft.token_uri):
        with reverts_with("ERC721NonexistentToken", tokenId=token_id):
            read(token_id)


def test_revert_arguments_carry_checksummed_addresses(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with pytest.raises(ContractRevertError) as caught:
        env.nft.burn(token_id, sender=env.outsider)

    assert caught.value.arguments == {"tokenId": token_id, "caller": env.outsider}


# -- soulbound -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "extra"),
    [
        ("transferFrom", ()),
        ("safeTransferFrom(address,address,uint256)", ()),
        ("safeTransferFrom(address,address,uint256,bytes)", (b"credential",)),
    ],
)
def test_owner_cannot_transfer(env: ContractEnv, function: str, extra: tuple[Any, ...]) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with reverts_with("CredentialNFTSoulbound", tokenId=token_id):
        send(env, function, env.learner, env.other_learner, token_id, *extra, sender=env.learner)

    assert env.nft.owner_of(token_id) == env.learner
    assert view(env, "balanceOf", env.other_learner) == 0


def test_issuer_cannot_transfer_either(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with reverts_with("CredentialNFTSoulbound", tokenId=token_id):
        send(env, "transferFrom", env.learner, env.issuer, token_id, sender=env.issuer)


def test_owner_cannot_burn_by_transferring_to_the_zero_address(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with reverts_with("ERC721InvalidReceiver", receiver=ZERO_ADDRESS):
        send(env, "transferFrom", env.learner, ZERO_ADDRESS, token_id, sender=env.learner)

    assert env.nft.owner_of(token_id) == env.learner


def test_approve_reverts(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with reverts_with("CredentialNFTSoulbound", tokenId=token_id):
        send(env, "approve", env.outsider, token_id, sender=env.learner)

    assert view(env, "getApproved", token_id) == ZERO_ADDRESS


def test_set_approval_for_all_reverts_naming_token_zero(env: ContractEnv) -> None:
    env.nft.mint(env.learner, METADATA, sender=env.issuer)

    with reverts_with("CredentialNFTSoulbound", tokenId=0):
        send(env, "setApprovalForAll", env.outsider, True, sender=env.learner)

    assert view(env, "isApprovedForAll", env.learner, env.outsider) is False


# -- burn ----------------------------------------------------------------------------------------


def test_issuer_burns_the_token(env: ContractEnv) -> None:
    kept, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    burned, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    assert view(env, "balanceOf", env.learner) == 2

    receipt = env.nft.burn(burned, sender=env.issuer)

    assert logged(receipt) == [
        ("Transfer", {"from": env.learner, "to": ZERO_ADDRESS, "tokenId": burned}),
        ("CredentialBurned", {"tokenId": burned, "issuer": env.issuer}),
    ]
    assert view(env, "balanceOf", env.learner) == 1
    assert env.nft.owner_of(kept) == env.learner


def test_a_burned_token_no_longer_exists(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    env.nft.burn(token_id, sender=env.issuer)

    for read in (env.nft.owner_of, env.nft.locked, env.nft.token_uri, env.nft.issuer_of):
        with reverts_with("ERC721NonexistentToken", tokenId=token_id):
            read(token_id)
    with reverts_with("ERC721NonexistentToken", tokenId=token_id):
        view(env, "getApproved", token_id)


def test_burning_twice_reverts(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    env.nft.burn(token_id, sender=env.issuer)

    with reverts_with("ERC721NonexistentToken", tokenId=token_id):
        env.nft.burn(token_id, sender=env.issuer)


def test_burning_a_token_never_minted_reverts(env: ContractEnv) -> None:
    with reverts_with("ERC721NonexistentToken", tokenId=7):
        env.nft.burn(7, sender=env.issuer)


@pytest.mark.parametrize("caller", ["other_issuer", "learner", "outsider"])
def test_only_the_minting_issuer_can_burn(env: ContractEnv, caller: str) -> None:
    token_id, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    address = getattr(env, caller)

    with reverts_with("CredentialNFTNotIssuer", tokenId=token_id, caller=address):
        env.nft.burn(token_id, sender=address)

    assert env.nft.owner_of(token_id) == env.learner
    assert env.nft.issuer_of(token_id) == env.issuer


def test_token_ids_are_not_reused_after_a_burn(env: ContractEnv) -> None:
    first, _ = env.nft.mint(env.learner, METADATA, sender=env.issuer)
    env.nft.burn(first, sender=env.issuer)

    second, _ = env.nft.mint(env.learner, {"name": "reissued"}, sender=env.issuer)

    assert (first, second) == (1, 2)
    assert env.nft.metadata(second) == {"name": "reissued"}


# -- ERC-165, name and symbol --------------------------------------------------------------------


@pytest.mark.parametrize(
    "interface",
    [
        "01ffc9a7",  # ERC-165
        "80ac58cd",  # ERC-721
        "5b5e139f",  # ERC-721 Metadata
        "b45a3c0e",  # ERC-5192
    ],
)
def test_supports_interface(env: ContractEnv, interface: str) -> None:
    assert env.nft.supports_interface(bytes.fromhex(interface)) is True


@pytest.mark.parametrize(
    "interface",
    [
        "ffffffff",  # never an interface, by ERC-165
        "780e9d63",  # ERC-721 Enumerable: not implemented
        "00000000",
    ],
)
def test_does_not_support_interface(env: ContractEnv, interface: str) -> None:
    assert env.nft.supports_interface(bytes.fromhex(interface)) is False


def test_interface_ids_match_their_function_selectors() -> None:
    assert selector("locked(uint256)") == bytes.fromhex("b45a3c0e")  # ERC-5192 has one function
    assert interface_id("supportsInterface(bytes4)") == bytes.fromhex("01ffc9a7")
    assert interface_id("name()", "symbol()", "tokenURI(uint256)") == bytes.fromhex("5b5e139f")
    assert interface_id(
        "balanceOf(address)",
        "ownerOf(uint256)",
        "safeTransferFrom(address,address,uint256,bytes)",
        "safeTransferFrom(address,address,uint256)",
        "transferFrom(address,address,uint256)",
        "approve(address,uint256)",
        "setApprovalForAll(address,bool)",
        "getApproved(uint256)",
        "isApprovedForAll(address,address)",
    ) == bytes.fromhex("80ac58cd")


def test_name_and_symbol(env: ContractEnv) -> None:
    assert view(env, "name") == "credanchor Credential"
    assert view(env, "symbol") == "CRED"


# -- gas -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", sorted(MINT_GAS))
def test_mint_gas(env: ContractEnv, size: int) -> None:
    _, receipt = env.nft.mint(env.learner, metadata_of_size(size), sender=env.issuer)

    assert receipt.gas_used == MINT_GAS[size]


def test_burn_gas(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint(env.learner, metadata_of_size(256), sender=env.issuer)

    assert env.nft.burn(token_id, sender=env.issuer).gas_used == BURN_GAS_256


def test_mint_gas_grows_with_metadata_size(env: ContractEnv) -> None:
    # Different holders, both with no tokens yet, so only the metadata differs.
    _, small = env.nft.mint(env.learner, metadata_of_size(256), sender=env.issuer)
    _, large = env.nft.mint(env.other_learner, metadata_of_size(256 + 1024), sender=env.issuer)

    # 1 KiB more is 32 more storage words, each a fresh SSTORE.
    assert large.gas_used - small.gas_used >= 32 * SSTORE_SET_GAS
