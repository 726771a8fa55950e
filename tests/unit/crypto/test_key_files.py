"""Key files at rest: standard formats (encrypted PKCS#8, Ethereum keystore v3), permission checks,
the previous format still loading, and issuer key rotation (old credentials verify, new ones use
the new key; a withdrawn key's credentials do not)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from eth_account import Account

from anchor.crypto import pkcs8
from anchor.crypto.accounts import LEGACY_ACCOUNT_FILE_FORMAT, EthereumKey, account_address
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import VC_V2
from anchor.crypto.keys import (
    KEY_FILE_FORMAT,
    LEGACY_KEY_FILE_FORMAT,
    KeyFileError,
    SigningKey,
    key_entries,
    public_did_document,
    rotate_key,
)
from anchor.crypto.proofs import JCS, add_proof, verify_proofs
from anchor.errors import ConfigurationError

PASSPHRASE = "correct horse battery staple"
DID_WEB = "did:web:academy.example:issuers:data"


def signed_by(key: SigningKey, name: str = "Ana") -> dict[str, Any]:
    unsigned = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": key.did,
        "credentialSubject": {"name": name},
    }
    return add_proof(unsigned, key, cryptosuite=JCS)


def verifies(credential: dict[str, Any], did_document: dict[str, Any]) -> tuple[bool, str]:
    (check,) = verify_proofs(credential, DidResolver({did_document["id"]: did_document}))
    return check.verified, check.reason


@pytest.fixture
def web_key(tmp_path: Path) -> tuple[SigningKey, Path]:
    key = SigningKey.generate(did_web=DID_WEB)
    path = tmp_path / "issuer" / "key.json"
    key.save(path, PASSPHRASE)
    return key, path


# -- encrypted PKCS#8 -------------------------------------------------------------------------------


def test_the_private_key_is_pbes2_pkcs8_with_600000_pbkdf2_iterations(web_key):
    key, path = web_key
    pem = json.loads(path.read_text())["encryptedPrivateKey"]
    der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
    assert bytes.fromhex("06092a864886f70d01050d") in der  # id-PBES2
    assert bytes.fromhex("06092a864886f70d01050c") in der  # id-PBKDF2
    assert bytes.fromhex("02030927c0") in der  # INTEGER 600000
    assert bytes.fromhex("06082a864886f70d0209") in der  # hmacWithSHA256
    assert bytes.fromhex("060960864801650304012a") in der  # aes256-CBC
    assert pkcs8.decrypt(pem, PASSPHRASE).private_bytes_raw() == key.private_key.private_bytes_raw()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_openssl_reads_the_encrypted_private_key(web_key, tmp_path):
    key, path = web_key
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(json.loads(path.read_text())["encryptedPrivateKey"])
    result = subprocess.run(
        ["openssl", "pkey", "-in", str(pem_file), "-passin", "env:PASS", "-pubout", "-outform", "DER"],
        env={**os.environ, "PASS": PASSPHRASE}, capture_output=True, check=True,
    )  # fmt: skip
    assert result.stdout[-32:] == key.public_key  # SubjectPublicKeyInfo ends with the raw Ed25519 key


def test_a_wrong_passphrase_for_pkcs8_is_refused_clearly(web_key):
    _, path = web_key
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        SigningKey.load(path, "not the right passphrase")


# -- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606])
def test_a_key_file_other_users_can_reach_is_refused(web_key, mode):
    _, path = web_key
    path.chmod(mode)
    with pytest.raises(KeyFileError, match=rf"other users \(mode {mode:o}\).*chmod 600"):
        SigningKey.load(path, PASSPHRASE)
    with pytest.raises(KeyFileError, match="chmod 600"):
        public_did_document(path)
    path.chmod(0o600)
    SigningKey.load(path, PASSPHRASE)


def test_an_account_file_other_users_can_reach_is_refused(tmp_path):
    key = EthereumKey.generate()
    path = tmp_path / "account.json"
    key.save(path, PASSPHRASE)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        EthereumKey.load(path, PASSPHRASE)


# -- Ethereum keystore v3 ---------------------------------------------------------------------------


def test_an_account_file_is_a_keystore_v3_that_eth_account_reads(tmp_path):
    key = EthereumKey.generate()
    path = tmp_path / "account.json"
    key.save(path, PASSPHRASE)
    document = json.loads(path.read_text())
    assert document["version"] == 3
    assert document["crypto"]["kdf"] == "scrypt"
    assert document["crypto"]["kdfparams"]["n"] == 2**17
    assert bytes(key.account.key).hex() not in path.read_text()
    assert bytes(Account.decrypt(document, PASSPHRASE)) == bytes(key.account.key)
    assert account_address(path) == key.address
    assert EthereumKey.load(path, PASSPHRASE).address == key.address


def test_a_keystore_written_elsewhere_loads(tmp_path):
    """A keystore from another tool (geth-style lowercase address, pbkdf2) is an account file too."""
    account = Account.create()
    document = Account.encrypt(account.key, PASSPHRASE, kdf="pbkdf2", iterations=1000)
    document["address"] = document["address"].lower()
    path = tmp_path / "imported.json"
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    assert EthereumKey.load(path, PASSPHRASE).address == account.address
    assert account_address(path) == account.address


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(address="0x" + "11" * 20), "does not match the key"),
        (lambda d: d["crypto"].update(mac="00" * 32), "wrong passphrase"),
        (lambda d: d.pop("crypto"), "not an Ethereum keystore"),
        (lambda d: d.update(address=42), "no address"),
        (lambda d: d["crypto"].update(kdf="argon9"), "damaged"),
    ],
    ids=["other-address", "changed-mac", "no-crypto", "address-not-text", "unknown-kdf"],
)
def test_a_damaged_keystore_is_a_key_file_error(tmp_path, change, message):
    path = tmp_path / "account.json"
    EthereumKey.generate().save(path, PASSPHRASE)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match=message):
        EthereumKey.load(path, PASSPHRASE)


def test_a_short_account_passphrase_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="at least 12 characters"):
        EthereumKey.generate().save(tmp_path / "account.json", "short")
    assert not (tmp_path / "account.json").exists()


# -- files of the previous format still load ----------------------------------------------------------


def _legacy_box(secret: bytes, bound: tuple[Any, ...]) -> dict[str, Any]:
    """The previous format's encryption, written from its description: scrypt + AES-256-GCM."""
    salt, nonce = os.urandom(16), os.urandom(12)
    key = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(PASSPHRASE.encode())
    ciphertext = AESGCM(key).encrypt(nonce, secret, json.dumps(bound).encode())
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return {"kdf": "scrypt", "n": 2**14, "r": 8, "p": 1, "salt": b64(salt), "cipher": "AES-256-GCM",
            "nonce": b64(nonce), "ciphertext": b64(ciphertext)}  # fmt: skip


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return path


@pytest.fixture
def legacy_key(tmp_path: Path) -> tuple[SigningKey, Path]:
    key = SigningKey.generate(did_web=DID_WEB)
    bound = (key.did, key.verification_method, key.public_key_multibase)
    document = {"format": LEGACY_KEY_FILE_FORMAT, "did": key.did, "verificationMethod": key.verification_method,
                "publicKeyMultibase": key.public_key_multibase,
                "encryption": _legacy_box(key.private_key.private_bytes_raw(), bound)}  # fmt: skip
    return key, _write(tmp_path / "key.json", document)


def test_a_previous_format_key_file_still_loads(legacy_key):
    key, path = legacy_key
    assert SigningKey.load(path, PASSPHRASE).public_key == key.public_key
    assert public_did_document(path) == key.did_document()
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        SigningKey.load(path, "not the right passphrase")


def test_rotating_a_previous_format_key_file_rewrites_it_in_the_current_one(legacy_key):
    key, path = legacy_key
    rotation = rotate_key(path, PASSPHRASE)
    assert json.loads(path.read_text())["format"] == KEY_FILE_FORMAT
    assert rotation.previous.id == key.verification_method
    assert verifies(signed_by(key), public_did_document(path))[0]


def test_a_previous_format_account_file_still_loads(tmp_path):
    account = Account.create()
    document = {"format": LEGACY_ACCOUNT_FILE_FORMAT, "address": account.address,
                "encryption": _legacy_box(bytes(account.key), (account.address,))}  # fmt: skip
    path = _write(tmp_path / "account.json", document)
    assert EthereumKey.load(path, PASSPHRASE).address == account.address
    assert account_address(path) == account.address


# -- rotation ---------------------------------------------------------------------------------------


def test_rotation_signs_new_credentials_with_a_new_key_and_old_ones_still_verify(web_key):
    old_key, path = web_key
    old_credential = signed_by(old_key, "signed before the rotation")
    rotation = rotate_key(path, PASSPHRASE)
    current = SigningKey.load(path, PASSPHRASE)
    assert current.verification_method == f"{DID_WEB}#key-2" == rotation.key.verification_method
    assert current.did == DID_WEB and current.public_key != old_key.public_key
    new_credential = signed_by(current, "signed after the rotation")
    assert new_credential["proof"]["verificationMethod"] == f"{DID_WEB}#key-2"
    document = public_did_document(path)
    assert verifies(old_credential, document) == (True, verifies(old_credential, old_key.did_document())[1])
    assert verifies(new_credential, document)[0]


def test_a_retired_key_stays_an_assertion_method_only(web_key):
    _, path = web_key
    rotate_key(path, PASSPHRASE)
    document = public_did_document(path)
    key_1, key_2 = f"{DID_WEB}#key-1", f"{DID_WEB}#key-2"
    assert [method["id"] for method in document["verificationMethod"]] == [key_1, key_2]
    assert document["assertionMethod"] == [key_1, key_2]
    for relationship in ("authentication", "capabilityInvocation", "capabilityDelegation"):
        assert document[relationship] == [key_2]


def test_a_retired_key_signing_anything_new_is_not_authenticated(web_key):
    """A presentation proof (authentication) by a retired key fails: it may only vouch for old assertions."""
    old_key, path = web_key
    rotate_key(path, PASSPHRASE)
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": DID_WEB}
    presentation = add_proof(unsigned, old_key, cryptosuite=JCS, proof_purpose="authentication", challenge="c-1")
    verified, reason = verifies(presentation, public_did_document(path))
    assert not verified and "authentication" in reason


def test_a_withdrawn_key_leaves_the_did_document_and_its_credentials_fail(web_key):
    old_key, path = web_key
    old_credential = signed_by(old_key)
    rotation = rotate_key(path, PASSPHRASE, withdraw=True)
    assert rotation.previous.withdrawn is not None
    document = public_did_document(path)
    assert [method["id"] for method in document["verificationMethod"]] == [f"{DID_WEB}#key-2"]
    verified, reason = verifies(old_credential, document)
    assert not verified and f"{DID_WEB}#key-1" in reason
    assert verifies(signed_by(SigningKey.load(path, PASSPHRASE)), document)[0]


def test_the_key_file_keeps_no_private_part_of_a_retired_key(web_key):
    old_key, path = web_key
    before = json.loads(path.read_text())["encryptedPrivateKey"]
    rotate_key(path, PASSPHRASE)
    document = json.loads(path.read_text())
    assert document["encryptedPrivateKey"] != before
    assert pkcs8.decrypt(document["encryptedPrivateKey"], PASSPHRASE).private_bytes_raw() != (
        old_key.private_key.private_bytes_raw()
    )
    assert [set(entry) for entry in document["keys"]] == [
        {"id", "publicKeyMultibase", "created", "retired"},
        {"id", "publicKeyMultibase", "created"},
    ]


def test_rotating_again_numbers_the_next_key_and_keeps_every_earlier_one(web_key):
    _, path = web_key
    rotate_key(path, PASSPHRASE, withdraw=True)
    rotate_key(path, PASSPHRASE)
    did, entries = key_entries(path)
    assert did == DID_WEB
    assert [(e.id.rpartition("#")[2], e.retired is not None, e.withdrawn is not None) for e in entries] == [
        ("key-1", True, True),
        ("key-2", True, False),
        ("key-3", False, False),
    ]
    assert SigningKey.load(path, PASSPHRASE).verification_method == f"{DID_WEB}#key-3"


def test_a_did_key_cannot_rotate(tmp_path):
    path = tmp_path / "key.json"
    SigningKey.generate().save(path, PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(ConfigurationError, match=r"did:key DID.*cannot rotate.*--did-web"):
        rotate_key(path, PASSPHRASE)
    assert path.read_bytes() == before


def test_a_wrong_passphrase_rotates_nothing(web_key):
    _, path = web_key
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        rotate_key(path, "not the right passphrase")
    assert path.read_bytes() == before


def test_rotation_replaces_the_file_whole_and_private(web_key):
    """A staging file left by a crash is not mistaken for the key; the result is 0600 like any key file."""
    _, path = web_key
    staging = path.with_name(f".{path.name}.new")
    staging.write_text("left by a crash")
    rotate_key(path, PASSPHRASE)
    assert not staging.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]
