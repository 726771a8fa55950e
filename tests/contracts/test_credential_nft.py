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
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from anchor.chain.consent import consent_typed_data, metadata_hash, serialize_metadata, sign_consent
from anchor.errors import ConfigurationError, ContractRevertError
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
#: (Holder consent made `mint` 2,353 / 2,161 gas dearer than before — 306,092 / 1,032,524 — almost
#: all of it the cold read of the issuer's consent flag, 2,100.)
MINT_GAS = {256: 308_445, 1280: 1_034_685}
BURN_GAS_256 = 71_228
#: mintWithConsent of the same 256-byte metadata to a holder with no tokens and nonce 0: the
#: EIP-712 digest, ecrecover (3,000), the nonce's fresh word (22,100) and six more calldata words
#: (deadline, the signature's offset, length and 65 bytes), less the consent-flag read. The
#: signature differs by chain (chain id, contract address), so the figure is for one without zero
#: bytes (16 gas each in calldata; a zero byte costs 4).
MINT_WITH_CONSENT_GAS_256 = 335_330
#: setConsentRequired(true) for an issuer that never set it: one fresh word and one event.
SET_CONSENT_REQUIRED_GAS = 45_235
#: Calldata: a zero byte costs 4 gas, any other byte 16.
ZERO_BYTE_DISCOUNT = 16 - 4

#: Holders that sign consents: local keys (they never send a transaction, so they need no ether).
HOLDER: LocalAccount = Account.from_key(keccak(text="credanchor test holder"))
OTHER_HOLDER: LocalAccount = Account.from_key(keccak(text="credanchor other test holder"))
#: 2100-01-01T00:00:00Z: far beyond any test chain's clock, and the same on both chains.
DEADLINE = 4_102_444_800
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


def consent(
    env: ContractEnv,
    metadata: dict[str, Any] | str = METADATA,
    *,
    holder: LocalAccount = HOLDER,
    issuer: str | None = None,
    deadline: int = DEADLINE,
    signer: LocalAccount | None = None,
) -> bytes:
    """`signer`'s (by default the holder's) signature of the holder's consent at its current nonce."""
    typed_data = env.nft.consent_typed_data(holder.address, issuer or env.issuer, metadata, deadline)
    return sign_consent(signer or holder, typed_data)


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


# -- holder consent (EIP-712) ---------------------------------------------------------------------


def test_consent_is_not_required_by_default(env: ContractEnv) -> None:
    assert env.nft.consent_required(env.issuer) is False
    assert env.nft.consent_nonce(HOLDER.address) == 0


def test_set_consent_required_is_per_issuer_and_emits(env: ContractEnv) -> None:
    receipt = env.nft.set_consent_required(True, sender=env.issuer)

    assert logged(receipt) == [("ConsentRequirementSet", {"issuer": env.issuer, "required": True})]
    assert env.nft.consent_required(env.issuer) is True
    assert env.nft.consent_required(env.other_issuer) is False

    receipt = env.nft.set_consent_required(False, sender=env.issuer)

    assert logged(receipt) == [("ConsentRequirementSet", {"issuer": env.issuer, "required": False})]
    assert env.nft.consent_required(env.issuer) is False


def test_an_issuer_requiring_consent_cannot_mint_plainly(env: ContractEnv) -> None:
    env.nft.set_consent_required(True, sender=env.issuer)

    with reverts_with("CredentialNFTConsentRequired", issuer=env.issuer, holder=env.learner):
        env.nft.mint(env.learner, METADATA, sender=env.issuer)

    assert view(env, "balanceOf", env.learner) == 0
    # Other issuers are not bound by it, and lifting the requirement restores the plain mint.
    assert env.nft.mint(env.learner, METADATA, sender=env.other_issuer)[0] == 1
    env.nft.set_consent_required(False, sender=env.issuer)
    assert env.nft.mint(env.learner, METADATA, sender=env.issuer)[0] == 2


def test_mint_with_consent(env: ContractEnv) -> None:
    env.nft.set_consent_required(True, sender=env.issuer)
    signature = consent(env)

    token_id, receipt = env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)

    assert token_id == 1
    assert logged(receipt) == [
        ("Transfer", {"from": ZERO_ADDRESS, "to": HOLDER.address, "tokenId": 1}),
        ("Locked", {"tokenId": 1}),
        ("CredentialMinted", {"tokenId": 1, "issuer": env.issuer, "holder": HOLDER.address}),
    ]
    assert env.nft.owner_of(token_id) == HOLDER.address
    assert env.nft.issuer_of(token_id) == env.issuer
    assert env.nft.metadata(token_id) == METADATA
    assert env.nft.consent_nonce(HOLDER.address) == 1
    assert env.nft.consent_nonce(OTHER_HOLDER.address) == 0


def test_mint_with_consent_works_without_the_requirement_too(env: ContractEnv) -> None:
    token_id, _ = env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, consent(env), sender=env.issuer)

    assert env.nft.owner_of(token_id) == HOLDER.address
    assert env.nft.consent_nonce(HOLDER.address) == 1


def test_each_consent_mints_once_and_the_next_needs_the_next_nonce(env: ContractEnv) -> None:
    signature = consent(env)
    env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)

    second = consent(env)  # signed at nonce 1
    assert second != signature
    assert env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, second, sender=env.issuer)[0] == 2
    assert env.nft.consent_nonce(HOLDER.address) == 2


def test_an_expired_consent_is_refused(env: ContractEnv) -> None:
    deadline = env.chain.block_timestamp() + 60
    signature = consent(env, deadline=deadline)
    env.chain.advance_time(3600)

    with reverts_with("CredentialNFTConsentExpired", deadline=deadline):
        env.nft.mint_with_consent(HOLDER.address, METADATA, deadline, signature, sender=env.issuer)

    assert env.nft.consent_nonce(HOLDER.address) == 0


def test_a_deadline_already_past_is_refused(env: ContractEnv) -> None:
    deadline = env.chain.block_timestamp() - 1  # the next block's timestamp is never earlier
    signature = consent(env, deadline=deadline)

    with reverts_with("CredentialNFTConsentExpired", deadline=deadline):
        env.nft.mint_with_consent(HOLDER.address, METADATA, deadline, signature, sender=env.issuer)


def test_a_consent_signed_by_someone_else_is_refused(env: ContractEnv) -> None:
    signature = consent(env, signer=OTHER_HOLDER)

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)

    assert env.nft.consent_nonce(HOLDER.address) == 0
    assert view(env, "balanceOf", HOLDER.address) == 0


def test_a_consent_is_for_one_holder(env: ContractEnv) -> None:
    signature = consent(env)  # HOLDER's consent, submitted as OTHER_HOLDER's

    with reverts_with("CredentialNFTInvalidConsent", holder=OTHER_HOLDER.address):
        env.nft.mint_with_consent(OTHER_HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)


def test_metadata_changed_after_signing_is_refused(env: ContractEnv) -> None:
    signature = consent(env)
    changed = {**METADATA, "level": 3}

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, changed, DEADLINE, signature, sender=env.issuer)
    # Byte-identical matters, not JSON-equal: the same object serialized differently is refused.
    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, json.dumps(METADATA), DEADLINE, signature, sender=env.issuer)


def test_a_consent_is_for_one_issuer(env: ContractEnv) -> None:
    signature = consent(env, issuer=env.issuer)

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.other_issuer)


def test_a_changed_deadline_is_refused(env: ContractEnv) -> None:
    signature = consent(env, deadline=DEADLINE)

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE + 1, signature, sender=env.issuer)


@pytest.mark.parametrize("domain", ["chainId", "verifyingContract", "name", "version"])
def test_a_consent_for_another_domain_is_refused(env: ContractEnv, domain: str) -> None:
    typed_data = env.nft.consent_typed_data(HOLDER.address, env.issuer, METADATA, DEADLINE)
    typed_data["domain"] = {
        **typed_data["domain"],
        domain: {"chainId": 1, "verifyingContract": env.anchor.address, "name": "CredentialNFT", "version": "2"}[
            domain
        ],
    }

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(
            HOLDER.address, METADATA, DEADLINE, sign_consent(HOLDER, typed_data), sender=env.issuer
        )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda sig: b"",
        lambda sig: sig[:64],  # 64 bytes of r and s without v (not an EIP-2098 compact signature)
        lambda sig: sig + b"\x00",
        lambda sig: bytes(65),
        lambda sig: sig[:64] + bytes([sig[64] ^ 1]),  # the other recovery id: another address
        lambda sig: sig[:32] + (SECP256K1_N - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + sig[64:],
    ],
    ids=["empty", "no-v", "66-bytes", "zeros", "flipped-v", "high-s"],
)
def test_malformed_signatures_are_refused(env: ContractEnv, mangle: Any) -> None:
    signature = consent(env)

    with reverts_with("CredentialNFTInvalidConsent", holder=HOLDER.address):
        env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, mangle(signature), sender=env.issuer)

    # The genuine signature still works: refusals use up no nonce.
    assert env.nft.mint_with_consent(HOLDER.address, METADATA, DEADLINE, signature, sender=env.issuer)[0] == 1


def test_no_one_consents_for_the_zero_address(env: ContractEnv) -> None:
    typed_data = consent_typed_data(
        env.chain.chain_id, env.nft.address, ZERO_ADDRESS, env.issuer, METADATA, 0, DEADLINE
    )

    with reverts_with("CredentialNFTInvalidConsent", holder=ZERO_ADDRESS):
        env.nft.mint_with_consent(ZERO_ADDRESS, METADATA, DEADLINE, sign_consent(HOLDER, typed_data), sender=env.issuer)


def test_a_holder_with_code_is_asked_through_erc1271(env: ContractEnv) -> None:
    # CredentialAnchor has code but no `isValidSignature`: the ERC-1271 check fails, whatever is signed.
    typed_data = consent_typed_data(
        env.chain.chain_id, env.nft.address, env.anchor.address, env.issuer, METADATA, 0, DEADLINE
    )

    with reverts_with("CredentialNFTInvalidConsent", holder=env.anchor.address):
        env.nft.mint_with_consent(
            env.anchor.address, METADATA, DEADLINE, sign_consent(HOLDER, typed_data), sender=env.issuer
        )


def test_mint_with_consent_still_needs_metadata(env: ContractEnv) -> None:
    with reverts_with("CredentialNFTEmptyMetadata"):
        env.nft.mint_with_consent(HOLDER.address, "", DEADLINE, consent(env, ""), sender=env.issuer)

    assert env.nft.consent_nonce(HOLDER.address) == 0


def test_the_contract_publishes_its_eip712_domain(env: ContractEnv) -> None:
    """ERC-5267 `eip712Domain()` matches the domain the Python side signs in."""
    fields, name, version, chain_id, verifying_contract, salt, extensions = view(env, "eip712Domain")
    domain = env.nft.consent_typed_data(HOLDER.address, env.issuer, METADATA, DEADLINE)["domain"]

    assert fields == b"\x0f"  # name, version, chainId, verifyingContract
    assert (name, version, chain_id, verifying_contract) == (
        domain["name"],
        domain["version"],
        domain["chainId"],
        domain["verifyingContract"],
    )
    assert (salt, extensions) == (bytes(32), [])


def test_the_deployed_code_is_the_committed_artifact(env: ContractEnv) -> None:
    """No immutables (the domain separator is computed per call): the deployment check compares bytes."""
    env.deployment.check(env.chain)


# -- the consent helpers (no chain) ---------------------------------------------------------------

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
NFT_ADDRESS = "0x" + "ab" * 20
ISSUER_ADDRESS = "0x" + "cd" * 20


def test_the_consent_signature_is_over_the_eip712_digest_computed_by_hand() -> None:
    """Encode the EIP-712 digest from the spec's definitions and check `sign_consent` signed exactly it."""
    chain_id, nonce = 31337, 5
    typed_data = consent_typed_data(chain_id, NFT_ADDRESS, HOLDER.address, ISSUER_ADDRESS, METADATA, nonce, DEADLINE)
    domain_type = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    domain_separator = keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [keccak(domain_type), keccak(b"credanchor CredentialNFT"), keccak(b"1"), chain_id, NFT_ADDRESS],
        )
    )
    consent_type = b"MintConsent(address holder,address issuer,bytes32 metadataHash,uint256 nonce,uint256 deadline)"
    struct_hash = keccak(
        abi_encode(
            ["bytes32", "address", "address", "bytes32", "uint256", "uint256"],
            [
                keccak(consent_type),
                HOLDER.address,
                ISSUER_ADDRESS,
                keccak(json.dumps(METADATA, separators=(",", ":"), ensure_ascii=False).encode()),
                nonce,
                DEADLINE,
            ],
        )
    )
    digest = keccak(b"\x19\x01" + domain_separator + struct_hash)

    signature = sign_consent(HOLDER, typed_data)

    assert len(signature) == 65
    assert signature == bytes(HOLDER.unsafe_sign_hash(digest).signature)  # RFC 6979: deterministic
    assert json.loads(json.dumps(typed_data)) == typed_data  # JSON-ready, as eth_signTypedData_v4 takes it


def test_the_mint_and_the_consent_share_one_serialization() -> None:
    text = serialize_metadata(METADATA)

    assert text == json.dumps(METADATA, separators=(",", ":"), ensure_ascii=False)
    assert "Zoë" in text  # UTF-8 on-chain, not \u escapes
    assert serialize_metadata(text) == text  # a string is sent as given
    assert metadata_hash(METADATA) == metadata_hash(text) == keccak(text.encode("utf-8"))


@pytest.mark.parametrize(
    "change",
    [
        {"nft_address": "0x1234"},
        {"holder": "not an address"},
        {"nonce": -1},
        {"deadline": 2**256},
        {"chain_id": True},
    ],
)
def test_consent_typed_data_refuses_bad_arguments(change: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "chain_id": 1,
        "nft_address": NFT_ADDRESS,
        "holder": HOLDER.address,
        "issuer": ISSUER_ADDRESS,
        "metadata_text": METADATA,
        "nonce": 0,
        "deadline": DEADLINE,
    }
    with pytest.raises(ConfigurationError):
        consent_typed_data(**{**arguments, **change})


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


def test_mint_with_consent_gas(env: ContractEnv) -> None:
    metadata = metadata_of_size(256)
    signature = consent(env, metadata)

    _, receipt = env.nft.mint_with_consent(HOLDER.address, metadata, DEADLINE, signature, sender=env.issuer)

    assert receipt.gas_used == MINT_WITH_CONSENT_GAS_256 - ZERO_BYTE_DISCOUNT * signature.count(0)


def test_set_consent_required_gas(env: ContractEnv) -> None:
    assert env.nft.set_consent_required(True, sender=env.issuer).gas_used == SET_CONSENT_REQUIRED_GAS


def test_mint_gas_grows_with_metadata_size(env: ContractEnv) -> None:
    # Different holders, both with no tokens yet, so only the metadata differs.
    _, small = env.nft.mint(env.learner, metadata_of_size(256), sender=env.issuer)
    _, large = env.nft.mint(env.other_learner, metadata_of_size(256 + 1024), sender=env.issuer)

    # 1 KiB more is 32 more storage words, each a fresh SSTORE.
    assert large.gas_used - small.gas_used >= 32 * SSTORE_SET_GAS
