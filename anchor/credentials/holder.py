"""The holder's side: a learner's own did:key, and Verifiable Presentations signed with it.

A holder (learner) generates their key and keeps it; the issuer never sees it. The issuer only
learns the holder's DID and writes it as `credentialSubject.id` (the roster's `learner_did`):
that binds the credential to the holder. To show credentials to a verifier, the holder wraps
them in a VC Data Model 2.0 `VerifiablePresentation` naming themselves as `holder`, and signs it
with a Data Integrity proof of purpose `authentication` that carries the verifier's `challenge`
(and `domain`). The verifier (anchor.credentials.presentation) then knows the presentation was made just now,
for it, by the DID the credentials were issued to — a copied presentation cannot be replayed
elsewhere, and a copied credential cannot be presented by someone else.

Holder key files use the issuer key format (anchor.crypto.keys): the private key as encrypted PKCS#8
under the holder's passphrase, never in the clear.
"""

from __future__ import annotations

import copy
import logging
import uuid
from pathlib import Path
from typing import Any

from anchor.crypto.jsonld import VC_V2, LoaderFn
from anchor.crypto.keys import KeyFileError, SigningKey, public_did_document
from anchor.crypto.proofs import CRYPTOSUITES, RDFC, add_proof
from anchor.errors import ConfigurationError
from anchor.types import as_list

logger = logging.getLogger(__name__)

PRESENTATION_TYPE = "VerifiablePresentation"
#: The environment variable the CLI reads a holder's passphrase from (by default).
HOLDER_PASSPHRASE_ENV = "CREDANCHOR_HOLDER_PASSPHRASE"


# -- the holder's key ---------------------------------------------------------------------------


def create_holder_key(path: Path, passphrase: str) -> SigningKey:
    """A fresh did:key for a holder, written to `path` encrypted with `passphrase`.

    Refuses to overwrite an existing file (a lost holder key cannot be recovered, and the
    credentials issued to its DID could no longer be presented).
    """
    if path.exists():
        raise KeyFileError(f"{path} already exists: choose another path (an existing holder key is never replaced)")
    key = SigningKey.generate()
    key.save(path, passphrase)
    logger.info("created holder key %s in %s", key.did, path)
    return key


def load_holder_key(path: Path, passphrase: str) -> SigningKey:
    """The holder key in `path`; KeyFileError when it is missing, damaged, or the passphrase is wrong."""
    _require_key_file(path)
    return SigningKey.load(path, passphrase)


def holder_did_document(path: Path) -> dict[str, Any]:
    """The DID document of the holder key in `path` (public part only: no passphrase needed)."""
    _require_key_file(path)
    return public_did_document(path)


def _require_key_file(path: Path) -> None:
    if not path.is_file():
        raise KeyFileError(f"no holder key file at {path}: create one with `credanchor holder create {path}`")


# -- presentations ------------------------------------------------------------------------------


def subject_ids(credential: dict[str, Any]) -> set[str]:
    """The DIDs (or other ids) a credential names as its subjects: whom it was issued to."""
    subjects = as_list(credential.get("credentialSubject"))
    return {s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)}


def present(
    credentials: list[dict[str, Any]],
    key: SigningKey,
    *,
    challenge: str | None,
    domain: str | None,
    cryptosuite: str = RDFC,
    presentation_id: str | None = None,
    allow_unbound: bool = False,
    created: str | None = None,
    loader: LoaderFn | None = None,
) -> dict[str, Any]:
    """A VC 2.0 VerifiablePresentation of `credentials` by the holder `key`, with an authentication proof.

    The proof carries `challenge` and `domain` (what the verifier asked for), so the presentation
    answers that request only. `presentation_id` defaults to a fresh `urn:uuid:`.

    Refused (ConfigurationError): a credential issued to another DID than the key's — a holder can
    only present what was issued to it — and, unless `allow_unbound`, a credential that names no
    subject id at all (it is bound to nobody, so the verifier cannot tie it to the holder).
    """
    if cryptosuite not in CRYPTOSUITES:
        raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
    for name, value in (("challenge", challenge), ("domain", domain)):
        if value is not None and not value.strip():
            raise ConfigurationError(f"the {name} is empty: give the one the verifier asked for, or none")
    if not credentials:
        raise ConfigurationError("nothing to present: give at least one credential")
    for position, credential in enumerate(credentials, start=1):
        _check_presentable(credential, position, key.did, allow_unbound)
    if presentation_id is not None and ":" not in presentation_id:
        raise ConfigurationError(f"the presentation id {presentation_id!r} must be a URL, e.g. urn:uuid:…")
    presentation: dict[str, Any] = {
        "@context": [VC_V2],
        "id": presentation_id or f"urn:uuid:{uuid.uuid4()}",
        "type": [PRESENTATION_TYPE],
        "holder": key.did,
        "verifiableCredential": [copy.deepcopy(c) for c in credentials],
    }
    return add_proof(
        presentation,
        key,
        cryptosuite=cryptosuite,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        created=created,
        loader=loader,
    )


def _check_presentable(credential: Any, position: int, holder: str, allow_unbound: bool) -> None:
    if not isinstance(credential, dict):
        raise ConfigurationError(f"credential {position} is not a JSON object")
    name = credential.get("id") if isinstance(credential.get("id"), str) else f"credential {position}"
    if "VerifiableCredential" not in as_list(credential.get("type")):
        raise ConfigurationError(f"{name} is not a verifiable credential (its type has no VerifiableCredential)")
    if "proof" not in credential:
        raise ConfigurationError(f"{name} carries no proof: only credentials signed by their issuer can be presented")
    subjects = subject_ids(credential)
    if subjects and holder not in subjects:
        raise ConfigurationError(
            f"{name} was issued to {', '.join(sorted(subjects))}, not to this holder ({holder}): "
            "a holder can only present credentials issued to its own DID"
        )
    if not subjects and not allow_unbound:
        raise ConfigurationError(
            f"{name} names no credentialSubject.id: it is bound to no holder, so a verifier cannot tie it to "
            "the presentation's holder; present it anyway with allow_unbound (CLI: --allow-unbound)"
        )
