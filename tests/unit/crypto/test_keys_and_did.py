"""Ed25519 keys, did:key derivation, multibase, and key files encrypted at rest."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor.crypto import multibase
from anchor.crypto.did import DidResolver, did_document, did_key_from_public_key
from anchor.crypto.keys import KEY_FILE_FORMAT, MIN_PASSPHRASE_LENGTH, KeyFileError, SigningKey
from anchor.errors import ConfigurationError, CredAnchorError

VECTORS = Path(__file__).parent / "vectors"
PAIR = json.loads((VECTORS / "keyPair.json").read_text())
VECTOR_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
PASSPHRASE = "correct horse battery staple"


def reference_base58(data: bytes) -> str:
    """The textbook base58-btc encoder, one digit per division."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        digits = alphabet[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


@pytest.fixture
def vector_key() -> SigningKey:
    return SigningKey.from_multibase(PAIR["privateKeyMultibase"])


@pytest.fixture
def saved(tmp_path: Path) -> tuple[SigningKey, Path]:
    key = SigningKey.generate()
    path = tmp_path / "issuer" / "key.json"
    key.save(path, PASSPHRASE)
    return key, path


# -- did:key ---------------------------------------------------------------------------------------


def test_did_key_of_the_w3c_vector_key(vector_key):
    assert vector_key.did == VECTOR_DID
    assert vector_key.public_key_multibase == PAIR["publicKeyMultibase"]
    assert vector_key.verification_method == f"{VECTOR_DID}#{PAIR['publicKeyMultibase']}"
    assert did_key_from_public_key(vector_key.public_key) == VECTOR_DID
    assert multibase.decode(PAIR["publicKeyMultibase"])[:2] == bytes([0xED, 0x01])


def test_the_vector_did_resolves_to_its_key(vector_key):
    method = DidResolver().verification_method(vector_key.verification_method)
    assert method.public_key == vector_key.public_key
    assert method.controller == VECTOR_DID
    assert method.purposes == {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
    assert DidResolver().document(VECTOR_DID) == vector_key.did_document()


def test_a_did_key_document_derives_from_the_key(vector_key):
    document = did_document(VECTOR_DID, vector_key.public_key)
    method_id = f"{VECTOR_DID}#{PAIR['publicKeyMultibase']}"
    assert document["id"] == VECTOR_DID
    assert document["verificationMethod"] == [
        {
            "id": method_id,
            "type": "Multikey",
            "controller": VECTOR_DID,
            "publicKeyMultibase": PAIR["publicKeyMultibase"],
        }
    ]
    assert document["assertionMethod"] == document["authentication"] == [method_id]


def test_a_did_web_key_has_a_key_1_method():
    key = SigningKey.generate(did_web="did:web:uni.example:issuers:1")
    assert key.did == "did:web:uni.example:issuers:1"
    assert key.verification_method == "did:web:uni.example:issuers:1#key-1"
    method = DidResolver(documents={key.did: key.did_document()}).verification_method(key.verification_method)
    assert method.public_key == key.public_key


@pytest.mark.parametrize(
    ("method_id", "message"),
    [
        ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "has no #fragment"),
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#x", "is not a multibase-encoded Ed25519 did:key"),
        ("did:ion:abc#key-1", "unsupported DID method"),
        (f"{VECTOR_DID}#other", "has no verification method"),
    ],
)
def test_unresolvable_methods_say_why(method_id, message):
    # a malformed did:key surfaces as the multibase ConfigurationError, the rest as DidResolutionError
    with pytest.raises(CredAnchorError, match=message):
        DidResolver().verification_method(method_id)


def test_a_private_key_multibase_must_carry_the_private_key_prefix():
    with pytest.raises(ConfigurationError, match="not a multibase-encoded Ed25519 private key"):
        SigningKey.from_multibase(PAIR["publicKeyMultibase"])


def test_signatures_verify_with_the_public_key(vector_key):
    from anchor.crypto.keys import verify_signature

    signature = vector_key.sign(b"hello")
    assert verify_signature(vector_key.public_key, signature, b"hello")
    assert not verify_signature(vector_key.public_key, signature, b"hellO")
    assert not verify_signature(SigningKey.generate().public_key, signature, b"hello")
    assert not verify_signature(b"short", signature, b"hello")


# -- multibase -------------------------------------------------------------------------------------


@given(st.binary(max_size=80))
def test_multibase_round_trip(data):
    text = multibase.encode(data)
    assert text.startswith("z")
    assert multibase.decode(text) == data
    assert text[1:] == reference_base58(data)


@given(st.integers(min_value=0, max_value=8), st.binary(max_size=40))
def test_leading_zero_bytes_survive(zeros, data):
    padded = b"\0" * zeros + data
    text = multibase.encode(padded)
    assert multibase.decode(text) == padded
    assert text[1:].startswith("1" * zeros)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "z"),
        (b"\0", "z1"),
        (b"\0\0\x01", "z112"),
        (b"Hello World!", "z2NEpo7TZRRrLZSi2U"),
        (bytes([0xED, 0x01]) + bytes(32), "z6MkeTG3bFFSLYVU7VqhgZxqr6YzpaGrQtFMh1uvqGy1vDnP"),
    ],
)
def test_multibase_known_answers(data, text):
    assert multibase.encode(data) == text
    assert multibase.decode(text) == data


@pytest.mark.parametrize(("text", "message"), [("z0OIl", "not a base58-btc character"), ("f00", "starting with 'z'")])
def test_multibase_refuses_what_it_cannot_read(text, message):
    with pytest.raises(ConfigurationError, match=message):
        multibase.decode(text)


# -- key files -------------------------------------------------------------------------------------


def test_key_file_round_trip(saved):
    key, path = saved
    loaded = SigningKey.load(path, PASSPHRASE)
    assert loaded.did == key.did
    assert loaded.verification_method == key.verification_method
    assert loaded.public_key == key.public_key
    assert loaded.sign(b"data") == key.sign(b"data")  # Ed25519 is deterministic: same private key


def test_a_did_web_key_file_round_trip(tmp_path):
    key = SigningKey.generate(did_web="did:web:uni.example")
    key.save(tmp_path / "key.json", PASSPHRASE)
    loaded = SigningKey.load(tmp_path / "key.json", PASSPHRASE)
    assert (loaded.did, loaded.verification_method) == ("did:web:uni.example", "did:web:uni.example#key-1")
    assert loaded.public_key == key.public_key


def test_the_key_file_holds_no_private_key_in_the_clear(saved):
    key, path = saved
    seed = key.private_key.private_bytes_raw()
    content = path.read_text()
    document = json.loads(content)
    assert document["format"] == KEY_FILE_FORMAT
    assert document["keys"] == [
        {"id": key.verification_method, "publicKeyMultibase": key.public_key_multibase,
         "created": document["keys"][0]["created"]}
    ]  # fmt: skip
    pem = document["encryptedPrivateKey"]
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    forms = {
        "hex": seed.hex(),
        "HEX": seed.hex().upper(),
        "base64": base64.b64encode(seed).decode(),
        "base64url": base64.urlsafe_b64encode(seed).decode().rstrip("="),
        "base64 (unpadded)": base64.b64encode(seed).decode().rstrip("="),
        "base58": multibase.base58_encode(seed),
        "multibase private key": multibase.encode(multibase.ED25519_PRIV + seed),
    }
    for name, form in forms.items():
        assert form not in content, f"the private key appears in the clear as {name}"
    assert seed not in path.read_bytes()
    assert "PRIVATE KEY-----\n" not in content.replace("ENCRYPTED PRIVATE KEY-----\n", "")


def test_the_key_file_is_private_to_its_owner(saved):
    _, path = saved
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_refused_clearly(saved):
    _, path = saved
    with pytest.raises(KeyFileError, match="wrong passphrase") as caught:
        SigningKey.load(path, "not the right passphrase")
    assert str(path) in str(caught.value)
    assert PASSPHRASE not in str(caught.value)


@pytest.mark.parametrize("passphrase", ["", "short", "x" * (MIN_PASSPHRASE_LENGTH - 1)])
def test_a_short_passphrase_is_refused(tmp_path, passphrase):
    with pytest.raises(ConfigurationError, match=f"at least {MIN_PASSPHRASE_LENGTH} characters"):
        SigningKey.generate().save(tmp_path / "key.json", passphrase)
    assert not (tmp_path / "key.json").exists()


def test_a_passphrase_of_the_minimum_length_is_enough(tmp_path):
    SigningKey.generate().save(tmp_path / "key.json", "x" * MIN_PASSPHRASE_LENGTH)
    SigningKey.load(tmp_path / "key.json", "x" * MIN_PASSPHRASE_LENGTH)


def test_an_existing_file_is_never_overwritten(saved):
    key, path = saved
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        SigningKey.generate().save(path, PASSPHRASE)
    assert path.read_bytes() == before
    assert SigningKey.load(path, PASSPHRASE).did == key.did


def test_an_existing_file_of_another_kind_is_not_overwritten(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("keep me")
    with pytest.raises(KeyFileError, match="already exists"):
        SigningKey.generate().save(path, PASSPHRASE)
    assert path.read_text() == "keep me"


def test_a_missing_key_file_says_how_to_create_one(tmp_path):
    with pytest.raises(KeyFileError, match=r"no key file at .*credanchor issuer create") as missing:
        SigningKey.load(tmp_path / "absent.json", PASSPHRASE)
    # the same reader serves issuer, holder and account keys: each is named with the command that makes it
    assert "credanchor holder create PATH" in str(missing.value)
    assert "credanchor account create" in str(missing.value)


def _damage(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text("{not json"), "is not a credanchor key file"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), "is not a credanchor key file"),
        (lambda p: p.write_text("[]"), "not an object"),
        (lambda p: _damage(p, lambda d: d.update(format="pem/1")), "is not a credanchor key file"),
        (lambda p: _damage(p, lambda d: d.pop("encryptedPrivateKey")), "damaged"),
        (
            lambda p: _damage(p, lambda d: d.update(encryptedPrivateKey=d["encryptedPrivateKey"][:120])),
            "damaged",
        ),
        (
            lambda p: _damage(
                p, lambda d: d["keys"][0].update(publicKeyMultibase=SigningKey.generate().public_key_multibase)
            ),
            "does not match the private key",
        ),
        (lambda p: _damage(p, lambda d: d.update(did="did:key:z6MkOther")), "must be a fragment of"),
        (lambda p: _damage(p, lambda d: d.update(keys=[])), "damaged"),
        (lambda p: _damage(p, lambda d: d["keys"][0].update(retired="2026-01-01T00:00:00Z")), "may be current"),
    ],
    ids=[
        "not-json",
        "binary",
        "not-an-object",
        "format",
        "no-private-key",
        "truncated-private-key",
        "other-public-key",
        "other-did",
        "no-keys",
        "no-current-key",
    ],
)
def test_a_damaged_file_is_a_key_file_error(saved, damage, message):
    _, path = saved
    damage(path)
    with pytest.raises(KeyFileError, match=message):
        SigningKey.load(path, PASSPHRASE)


@pytest.mark.parametrize(
    "change",
    [lambda d: d.pop("did"), lambda d: d["keys"][0].pop("id"), lambda d: d.update(encryptedPrivateKey=42)],
    ids=["no-did", "no-key-id", "private-key-not-text"],
)
def test_a_file_with_missing_or_mistyped_fields_is_a_key_file_error(saved, change):
    _, path = saved
    _damage(path, change)
    with pytest.raises(KeyFileError):
        SigningKey.load(path, PASSPHRASE)
