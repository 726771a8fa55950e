"""W3C Data Integrity proofs with the EdDSA cryptosuites eddsa-rdfc-2022 and eddsa-jcs-2022.

Follows "Data Integrity EdDSA Cryptosuites v1.0": transform the unsecured document (RDF Dataset
Canonicalization, or JCS), canonicalize the proof configuration the same way, hash each with
SHA-256, and sign `hash(proofConfig) || hash(document)` with Ed25519; the signature travels as a
base58-btc multibase `proofValue`. Several proofs may sit on one document (a proof set): each
signs the document without any `proof`.

Verification checks the cheap things first — the proof's type and cryptosuite, its verification
method (resolved, authorized for the proof purpose, controlled by whom the caller expects) and the
shape of its proofValue — and only then canonicalizes, because RDF canonicalization of untrusted
input is the expensive step: it runs within a :class:`~anchor.crypto.rdfc_budget.CanonicalizationBudget`
shared by all proofs of a call (or of a whole request, if the caller opens one), and the document
is canonicalized once per cryptosuite however many proofs it carries.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from pyld import jsonld

from anchor.crypto import jcs, multibase
from anchor.crypto.did import DidResolutionError, DidResolver
from anchor.crypto.jsonld import LoaderFn, UnknownContextError, document_loader
from anchor.crypto.keys import SigningKey, verify_signature
from anchor.crypto.rdfc import ShapeCanonicalizer
from anchor.crypto.rdfc_budget import (
    CanonicalizationLimitError,
    CanonicalizationLimits,
    canonicalization_budget,
    canonicalize_dataset,
    expanded_to_rdf,
)
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list, xsd_timestamp

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
PROOF_TYPE = "DataIntegrityProof"


class ProofError(CredAnchorError, ValueError):
    """A document cannot be secured: it is not valid JSON-LD for its contexts, or options are wrong."""


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of verifying one proof of a proof set."""

    verified: bool
    reason: str
    cryptosuite: str | None = None
    verification_method: str | None = None
    controller: str | None = None
    proof_purpose: str | None = None


def now_xsd() -> str:
    """The current time as an XML Schema dateTime in UTC, to the second (as the spec's examples)."""
    return xsd_timestamp(time.time())


# -- transformation and hashing ---------------------------------------------------------------


def canonical_rdf(document: dict[str, Any], loader: LoaderFn) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0) of a JSON-LD document as N-Quads.

    Fails, like a JSON-LD "safe mode", when a property of the document is not defined by its
    contexts (it would silently fall out of the signed data), and on control characters that
    pyld's N-Quads escaping does not write the RDFC-1.0 way. Runs within the enclosing
    canonicalization budget (or a default one), and raises CanonicalizationLimitError past it.
    """
    canonicalizer = _CANONICALIZERS.pop(loader, None)
    if canonicalizer is None:
        canonicalizer = ShapeCanonicalizer(loader, lambda d: _generic_rdf(d, loader))
    _CANONICALIZERS[loader] = canonicalizer  # most recently used last
    while len(_CANONICALIZERS) > _MAX_LOADERS:
        _CANONICALIZERS.pop(next(iter(_CANONICALIZERS)))
    _refuse_control_characters(document)
    try:
        with canonicalization_budget() as budget, budget.timing():
            budget.check_document(document)
            return canonicalizer.canonicalize(document, _safe_mode)
    except jsonld.JsonLdError as exc:
        raise _jsonld_error(exc) from exc
    except CredAnchorError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # pyld on malformed input (relative IRIs, huge numbers)
        raise ProofError(f"the document is not valid JSON-LD: {exc}") from exc


# One shape canonicalizer per document loader (each loader may serve other contexts), a few kept.
_CANONICALIZERS: dict[LoaderFn, ShapeCanonicalizer] = {}
_MAX_LOADERS = 8
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False)
    # json writes control characters as escapes: a cheap look first, then at the strings themselves.
    maybe = "\\u00" in text or "\\b" in text or "\\f" in text or "\x7f" in text
    if maybe and any(_CONTROL.search(leaf) for leaf in _strings(document)):
        raise ProofError("the document holds control characters (other than tab, newline, return): remove them")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _generic_rdf(document: dict[str, Any], loader: LoaderFn) -> str:
    """The whole way through pyld: expand, check, to RDF, canonicalize."""
    expanded = jsonld.expand(document, {"documentLoader": loader})
    _safe_mode(document, expanded)
    dataset = expanded_to_rdf(expanded, loader)
    for graph, triples in dataset.items():  # a dataset is a set: drop repeated triples
        unique = {json.dumps(t, sort_keys=True): t for t in triples}
        dataset[graph] = list(unique.values())
    return canonicalize_dataset(dataset)


def _safe_mode(document: dict[str, Any], expanded: Any) -> None:
    lost = _leaf_count(document) - _expanded_leaf_count(expanded)
    if lost:
        raise ProofError(
            f"{lost} value(s) of the document are not defined by its JSON-LD @context and would not be "
            "signed: define every property in a context (or remove it)"
        )


def _jsonld_error(exc: Exception) -> Exception:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CredAnchorError):
            return cause
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "cause", None)
    return ProofError(f"the document is not valid JSON-LD: {exc}")


# Safe mode by counting: every value of the compact document must survive expansion. A value
# object ({"@value": …, "@type"/"@language": …}) is one value; an @json literal is as many values
# as its JSON holds; @index, @language and @direction annotate, they are not values.
_ANNOTATIONS = ("@context", "@index", "@language", "@direction")


def _leaf_count(value: Any) -> int:
    if isinstance(value, dict):
        if "@value" in value:
            return _json_leaves(value["@value"]) if value.get("@type") == "@json" else int(value["@value"] is not None)
        return sum(_leaf_count(v) for k, v in value.items() if k not in _ANNOTATIONS)
    if isinstance(value, list):
        return sum(_leaf_count(v) for v in value)
    return 0 if value is None else 1


def _json_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_json_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_json_leaves(v) for v in value)
    return 0 if value is None else 1


def _expanded_leaf_count(value: Any) -> int:
    if isinstance(value, list):
        return sum(_expanded_leaf_count(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        return _json_leaves(value["@value"]) if value.get("@type") == "@json" else int(value["@value"] is not None)
    count = 1 if "@id" in value else 0
    for key, item in value.items():
        if key == "@type":
            count += len(item) if isinstance(item, list) else 1
        elif key not in ("@id", "@index", "@language", "@direction"):
            count += _expanded_leaf_count(item)
    return count


def _transform(document: dict[str, Any], cryptosuite: str, loader: LoaderFn) -> bytes:
    if cryptosuite == RDFC:
        return canonical_rdf(document, loader).encode()
    return jcs.canonicalize(document)


def hash_data(unsecured: dict[str, Any], proof_config: dict[str, Any], loader: LoaderFn) -> bytes:
    """SHA-256(canonical proof config) || SHA-256(canonical document): the bytes that are signed."""
    cryptosuite = proof_config["cryptosuite"]
    config_hash = hashlib.sha256(_transform(proof_config, cryptosuite, loader)).digest()
    document_hash = hashlib.sha256(_transform(unsecured, cryptosuite, loader)).digest()
    return config_hash + document_hash


def proof_configuration(
    document: dict[str, Any],
    *,
    cryptosuite: str,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The proof options without proofValue, carrying the document's @context as the spec requires."""
    if cryptosuite not in CRYPTOSUITES:
        raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        config["challenge"] = challenge
    if domain is not None:
        config["domain"] = domain
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


# -- sign and verify ----------------------------------------------------------------------------


def create_proof(
    document: dict[str, Any],
    key: SigningKey,
    *,
    cryptosuite: str = RDFC,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    loader: LoaderFn | None = None,
) -> dict[str, Any]:
    """A DataIntegrityProof over `document` (any existing `proof` is not signed: proof sets)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = proof_configuration(
        unsecured,
        cryptosuite=cryptosuite,
        verification_method=key.verification_method,
        created=created or now_xsd(),
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
    )
    signature = key.sign(hash_data(unsecured, config, loader or default_loader()))
    proof = dict(config)
    if cryptosuite == RDFC:
        proof.pop("@context", None)  # the rdfc proof inherits the document's context
    proof["proofValue"] = multibase.encode(signature)
    return proof


def add_proof(document: dict[str, Any], key: SigningKey, **options: Any) -> dict[str, Any]:
    """A copy of `document` secured with one more proof (a single proof, or a proof set)."""
    proof = create_proof(document, key, **options)
    secured = copy.copy(document)
    existing = document.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


def proofs_of(document: dict[str, Any]) -> list[Any]:
    return as_list(document.get("proof"))


def verify_proofs(
    document: dict[str, Any],
    resolver: DidResolver,
    *,
    loader: LoaderFn | None = None,
    handled_elsewhere: Collection[str] = (),
    controller: str | None = None,
    purpose: str | None = None,
    limits: CanonicalizationLimits | None = None,
) -> list[ProofCheck]:
    """Verify every proof of `document`; an empty list means it has none.

    A proof this module cannot verify is a failed check, never skipped silently — except proofs
    whose `cryptosuite` is in `handled_elsewhere` (e.g. an anchor proof checked against a chain).
    `controller` and `purpose`, when given, are what every proof must have (e.g. the issuer's DID
    and assertionMethod): a proof by another controller or for another purpose fails before any
    canonicalization. `limits` bound the canonicalization work of this call, unless the caller has
    opened a budget for a larger scope (see `anchor.crypto.rdfc_budget.canonicalization_budget`).
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    loader = loader or default_loader()
    document_hash = _document_hasher(unsecured, loader)
    expected = _Expected(controller, purpose)
    with canonicalization_budget(limits):
        return [
            _verify_one(unsecured, proof, resolver, loader, expected, document_hash)
            for proof in proofs_of(document)
            if not (isinstance(proof, dict) and proof.get("cryptosuite") in handled_elsewhere)
        ]


@dataclass(frozen=True)
class _Expected:
    controller: str | None
    purpose: str | None


#: The longest base58-btc multibase text of a 64-byte signature is 'z' + 88 characters; anything
#: longer is refused before decoding (base58 decoding is quadratic in the length).
_MAX_PROOF_VALUE = 90
_DocumentHash = Callable[[str], bytes]
#: What transforming an untrusted document may raise: a failed check, never an escaped exception.
_UNTRANSFORMABLE = (ConfigurationError, ProofError, UnknownContextError, CanonicalizationLimitError)


def _document_hasher(unsecured: dict[str, Any], loader: LoaderFn) -> _DocumentHash:
    """SHA-256 of the transformed document, computed once per cryptosuite: every proof of a proof
    set signs the same document, so ten proofs must not cost ten canonicalizations."""
    digests: dict[str, bytes | CredAnchorError] = {}

    def document_hash(cryptosuite: str) -> bytes:
        if cryptosuite not in digests:
            try:
                digests[cryptosuite] = hashlib.sha256(_transform(unsecured, cryptosuite, loader)).digest()
            except _UNTRANSFORMABLE as exc:
                digests[cryptosuite] = exc
        digest = digests[cryptosuite]
        if isinstance(digest, CredAnchorError):
            raise digest
        return digest

    return document_hash


def _verify_one(
    unsecured: dict[str, Any],
    proof: Any,
    resolver: DidResolver,
    loader: LoaderFn,
    expected: _Expected,
    document_hash: _DocumentHash,
) -> ProofCheck:
    # The cheap checks come first: canonicalizing untrusted input is the expensive step, so an
    # unusable proof must never get that far.
    if not isinstance(proof, dict):
        return ProofCheck(False, "a proof must be a JSON object")
    for name in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str):
            return ProofCheck(False, f"the proof has no {name}")
    suite, method_id, purpose = proof["cryptosuite"], proof["verificationMethod"], proof["proofPurpose"]
    if proof["type"] != PROOF_TYPE or suite not in CRYPTOSUITES:
        return ProofCheck(False, f"unsupported proof {proof['type']}/{suite}", suite)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite == RDFC:
        config.pop("@context", None)
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
    elif "@context" in config and config["@context"] != unsecured.get("@context"):
        return ProofCheck(False, "the proof's @context differs from the document's", suite, method_id)
    if expected.purpose is not None and purpose != expected.purpose:
        return ProofCheck(False, f"the proof is for {purpose}, not {expected.purpose}", suite, method_id)
    try:
        method = resolver.verification_method(method_id)
    except (DidResolutionError, ConfigurationError) as exc:
        return ProofCheck(False, str(exc), suite, method_id)
    if purpose not in method.purposes:
        return ProofCheck(False, f"{method_id} is not authorized for {purpose}", suite, method_id, method.controller)
    if expected.controller is not None and method.controller != expected.controller:
        return ProofCheck(
            False,
            f"the proof was made with a key of {method.controller}, not of {expected.controller}",
            suite,
            method_id,
            method.controller,
        )
    signature = _signature(proof["proofValue"])
    if isinstance(signature, str):
        return ProofCheck(False, signature, suite, method_id, method.controller)
    try:
        config_hash = hashlib.sha256(_transform(config, suite, loader)).digest()
        data = config_hash + document_hash(suite)
    except _UNTRANSFORMABLE as exc:
        return ProofCheck(False, str(exc), suite, method_id, method.controller)
    if not verify_signature(method.public_key, signature, data):
        return ProofCheck(
            False,
            "the signature does not match: the document or its proof options were changed, or it was signed "
            "with another key",
            suite,
            method_id,
            method.controller,
            purpose,
        )
    return ProofCheck(True, "signature verified", suite, method_id, method.controller, purpose)


def _signature(proof_value: str) -> bytes | str:
    """The 64 signature bytes of a proofValue, or why it cannot hold them."""
    if len(proof_value) > _MAX_PROOF_VALUE:
        return f"the proofValue is {len(proof_value)} characters long: too long for a 64-byte Ed25519 signature"
    try:
        signature = multibase.decode(proof_value)
    except ConfigurationError as exc:
        return str(exc)
    if len(signature) != 64:
        return f"the proofValue holds {len(signature)} bytes, not a 64-byte Ed25519 signature"
    return signature


_LOADER: LoaderFn | None = None


def default_loader() -> LoaderFn:
    """The shared loader of the bundled contexts (its canonicalization templates are shared too)."""
    global _LOADER
    if _LOADER is None:
        _LOADER = document_loader()
    return _LOADER
