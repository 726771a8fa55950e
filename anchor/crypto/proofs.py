"""W3C Data Integrity proofs with the EdDSA cryptosuites eddsa-rdfc-2022 and eddsa-jcs-2022.

Follows "Data Integrity EdDSA Cryptosuites v1.0": transform the unsecured document (RDF Dataset
Canonicalization, or JCS), canonicalize the proof configuration the same way, hash each with
SHA-256, and sign `hash(proofConfig) || hash(document)` with Ed25519; the signature travels as a
base58-btc multibase `proofValue`. Several proofs may sit on one document (VC Data Integrity 1.0
§2.1.1 and §4.5): in a *proof set* each signs the document without any `proof`; a proof of a *proof
chain* names earlier proofs by `id` in its `previousProof` (a string or a list) and signs the
document with exactly those proofs as its `proof` (a list, in the order the document holds them).
A chain proof verifies only if its own signature does and every proof it names verifies too; a
name that matches no proof, or several, fails it with a reason.

VC Data Model 1.1 documents (`https://www.w3.org/2018/credentials/v1`) are signed the same way: that
context does not define the Data Integrity terms, so :func:`add_proof` appends
`https://w3id.org/security/data-integrity/v2` to the document's `@context` first ("context
injection", VC Data Integrity 1.0 §2.4.1; what Digital Bazaar's libraries do too). eddsa-jcs-2022
proofs carry the `@context` they signed: a verifier accepts a document whose `@context` starts with
it and checks the signature over that context (vc-di-eddsa, Verify Proof (eddsa-jcs-2022)).

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
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from anchor.crypto import jcs, multibase
from anchor.crypto.did import DidResolutionError, DidResolver
from anchor.crypto.jsonld import DATA_INTEGRITY_V2, VC_V2, LoaderFn, UnknownContextError, document_loader
from anchor.crypto.keys import SigningKey, verify_signature
from anchor.crypto.rdfc_budget import CanonicalizationLimitError, CanonicalizationLimits, canonicalization_budget
from anchor.crypto.transform import ProofError, UndefinedValuesError, canonical_rdf, undefined_paths
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.types import as_list, xsd_timestamp

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
PROOF_TYPE = "DataIntegrityProof"

__all__ = [
    "CRYPTOSUITES", "JCS", "PROOF_TYPE", "RDFC", "ProofCheck", "ProofError", "add_proof", "canonical_rdf",
    "create_proof", "default_loader", "hash_data", "now_xsd", "proof_configuration", "proofs_of", "verify_proofs",
    "with_suite_context",
]  # fmt: skip


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
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """The proof options without proofValue, carrying the document's @context as the spec requires."""
    if cryptosuite not in CRYPTOSUITES:
        raise ConfigurationError(f"unknown cryptosuite {cryptosuite!r}; use one of {', '.join(CRYPTOSUITES)}")
    config: dict[str, Any] = {"type": PROOF_TYPE}
    if proof_id is not None:
        config["id"] = proof_id
    config |= {
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        config["challenge"] = challenge
    if domain is not None:
        config["domain"] = domain
    if previous_proof is not None:
        config["previousProof"] = previous_proof
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


# -- sign and verify ----------------------------------------------------------------------------


def needs_suite_context(document: dict[str, Any]) -> bool:
    """Whether `document` has an @context that does not define the Data Integrity terms (neither the
    VC 2.0 nor the Data Integrity context is in it: e.g. a VC Data Model 1.1 credential)."""
    if "@context" not in document:
        return False
    contexts = as_list(document["@context"])
    return VC_V2 not in contexts and DATA_INTEGRITY_V2 not in contexts


def with_suite_context(document: dict[str, Any]) -> dict[str, Any]:
    """`document`, with the Data Integrity context appended to its @context when that does not define
    the proof's terms (VC Data Integrity 1.0 §2.4.1, context injection); unchanged otherwise."""
    if not needs_suite_context(document):
        return document
    return {**document, "@context": [*as_list(document["@context"]), DATA_INTEGRITY_V2]}


def create_proof(
    document: dict[str, Any],
    key: SigningKey,
    *,
    cryptosuite: str = RDFC,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    loader: LoaderFn | None = None,
) -> dict[str, Any]:
    """A DataIntegrityProof over `document`.

    Without `previous_proof` the new proof joins a proof set (the document's existing proofs are not
    signed); with it, it extends a proof chain: it signs the document with the proofs of those ids as
    its `proof`. `proof_id` names the new proof, so that a later proof can name it in turn. The
    document's @context must define the Data Integrity terms (:func:`add_proof` sees to it).
    """
    if needs_suite_context(document):
        raise ProofError(
            f"the document's @context does not define the Data Integrity terms: add {DATA_INTEGRITY_V2} "
            "(add_proof does)"
        )
    previous = None if previous_proof is None else _reference_list(previous_proof)
    unsecured = _chained_input(document, previous)
    config = proof_configuration(
        document,
        cryptosuite=cryptosuite,
        verification_method=key.verification_method,
        created=created or now_xsd(),
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
        proof_id=proof_id,
        previous_proof=previous_proof if isinstance(previous_proof, str | None) else list(previous_proof),
    )
    try:
        data = hash_data(unsecured, config, loader or default_loader())
    except UndefinedValuesError as exc:  # say where: the signer's own document, so the search is affordable
        raise UndefinedValuesError(exc.lost, undefined_paths(unsecured, loader or default_loader())) from None
    signature = key.sign(data)
    proof = dict(config)
    if cryptosuite == RDFC:
        proof.pop("@context", None)  # the rdfc proof inherits the document's context
    proof["proofValue"] = multibase.encode(signature)
    return proof


def add_proof(document: dict[str, Any], key: SigningKey, **options: Any) -> dict[str, Any]:
    """A copy of `document` secured with one more proof (a single proof, a proof set, or with
    `previous_proof=` a proof chain); the Data Integrity context is appended to its @context first
    when that does not define the proof's terms (a VC 1.1 credential)."""
    secured = copy.copy(with_suite_context(document))
    proof = create_proof(secured, key, **options)
    existing = document.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


def _reference_list(previous_proof: str | Sequence[str]) -> list[str]:
    references = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
    if not references or not all(isinstance(r, str) and r for r in references):
        raise ProofError("previousProof must be a proof id, or a non-empty list of them")
    return references


def _chained_input(document: dict[str, Any], previous: list[str] | None) -> dict[str, Any]:
    """The document a new proof signs: without proofs, or with the proofs `previous` names (§4.2)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous is None:
        return unsecured
    matching = _matching_proofs(proofs_of(document), previous)
    if isinstance(matching, str):
        raise ProofError(f"cannot chain the new proof: {matching}")
    return {**unsecured, "proof": [proof for _, proof in matching]}


def _matching_proofs(proofs: list[Any], references: list[str]) -> list[tuple[int, Any]] | str:
    """The proofs (position, proof) whose `id` is one of `references`, in document order — or why
    they cannot be found: a reference no proof has, or one that several proofs have."""
    positions: dict[str, list[int]] = {}
    for position, proof in enumerate(proofs):
        if isinstance(proof, dict) and isinstance(proof.get("id"), str):
            positions.setdefault(proof["id"], []).append(position)
    for reference in references:
        found = positions.get(reference, [])
        if not found:
            return f"previousProof {reference!r} names no proof of this document"
        if len(found) > 1:
            return f"previousProof {reference!r} names {len(found)} proofs of this document (ids must be unique)"
    wanted = set(references)
    return [
        (position, proof)
        for position, proof in enumerate(proofs)
        if isinstance(proof, dict) and proof.get("id") in wanted
    ]


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

    Proof chains (VC Data Integrity 1.0 §4.5): a proof with `previousProof` has its references
    resolved first (a dangling or ambiguous one fails it before any canonicalization), is verified
    over the document with the proofs it names as `proof`, and verifies only if they all do.
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    loader = loader or default_loader()
    proofs = proofs_of(document)
    hasher = _DocumentHasher(unsecured, proofs, loader)
    expected = _Expected(controller, purpose)
    with canonicalization_budget(limits):
        own = {
            position: _verify_one(unsecured, proof, resolver, loader, expected, hasher.for_proof(proof))
            for position, proof in enumerate(proofs)
            if not (isinstance(proof, dict) and proof.get("cryptosuite") in handled_elsewhere)
        }
    return [_chain_verdict(position, proofs, own, ()) for position in own]


def _chain_verdict(position: int, proofs: list[Any], own: dict[int, ProofCheck], seen: tuple[int, ...]) -> ProofCheck:
    """A proof's check, failed if a proof its previousProof names did not verify (or the names loop)."""
    check = own[position]
    proof = proofs[position]
    if not check.verified or not isinstance(proof, dict) or "previousProof" not in proof:
        return check
    matching = _matching_proofs(proofs, _references(proof["previousProof"]) or [])
    assert not isinstance(matching, str)  # a dangling reference failed the proof's own check
    for earlier, _ in matching:
        if earlier in seen or earlier == position:
            return _failed(check, "its previousProof references form a cycle")
        if earlier not in own:
            return _failed(check, f"previousProof {proofs[earlier].get('id')!r} names a proof not verified here")
        verdict = _chain_verdict(earlier, proofs, own, (*seen, position))
        if not verdict.verified:
            return _failed(
                check, f"the previous proof {proofs[earlier].get('id')!r} does not verify ({verdict.reason})"
            )
    return check


def _failed(check: ProofCheck, reason: str) -> ProofCheck:
    return ProofCheck(
        False, reason, check.cryptosuite, check.verification_method, check.controller, check.proof_purpose
    )


def _references(value: Any) -> list[str] | None:
    """previousProof as a list of ids, or None when it is neither a string nor a non-empty list of them."""
    references = [value] if isinstance(value, str) else value
    if not isinstance(references, list) or not references or not all(isinstance(r, str) for r in references):
        return None
    return references


@dataclass(frozen=True)
class _Expected:
    controller: str | None
    purpose: str | None


#: The longest base58-btc multibase text of a 64-byte signature is 'z' + 88 characters; anything
#: longer is refused before decoding (base58 decoding is quadratic in the length).
_MAX_PROOF_VALUE = 90
#: The SHA-256 of the transformed document a proof signs, given the proof's cryptosuite and, for
#: eddsa-jcs-2022, the @context it signed (None: the document's own).
_DocumentHash = Callable[[str, Any], bytes]
#: What transforming an untrusted document may raise: a failed check, never an escaped exception.
_UNTRANSFORMABLE = (ConfigurationError, ProofError, UnknownContextError, CanonicalizationLimitError)


class _DocumentHasher:
    """SHA-256 of the transformed documents the proofs sign, each computed once: every proof of a
    proof set signs the same document, so ten proofs must not cost ten canonicalizations. A chain
    proof signs the document with the proofs it names; a jcs proof, with the @context it carries."""

    def __init__(self, unsecured: dict[str, Any], proofs: list[Any], loader: LoaderFn) -> None:
        self.unsecured, self.proofs, self.loader = unsecured, proofs, loader
        self.digests: dict[tuple[str, int, tuple[int, ...]], bytes | CredAnchorError] = {}

    def for_proof(self, proof: Any) -> _DocumentHash | str:
        """The hash function for `proof`'s document, or why its previousProof cannot be resolved."""
        if not isinstance(proof, dict) or "previousProof" not in proof:
            return lambda suite, context: self.digest(suite, context, None)
        references = _references(proof["previousProof"])
        if references is None:
            return "previousProof must be a proof id or a non-empty list of them"
        matching = _matching_proofs(self.proofs, references)
        if isinstance(matching, str):
            return matching
        positions = tuple(position for position, _ in matching)
        return lambda suite, context: self.digest(suite, context, positions)

    def digest(self, suite: str, context: Any, previous: tuple[int, ...] | None) -> bytes:
        # The context by identity (a proof's own @context, alive as long as this hasher; None for rdfc,
        # whose one document is then canonicalized once): serializing it for the key cost more than
        # the Ed25519 verification (≈ 25 µs); equal copies in several jcs proofs cost one JCS pass each.
        key = (suite, id(context), previous or ())
        if key not in self.digests:
            document = dict(self.unsecured)
            if context is not None:
                document["@context"] = context
            if previous is not None:
                document["proof"] = [self.proofs[position] for position in previous]
            try:
                self.digests[key] = hashlib.sha256(_transform(document, suite, self.loader)).digest()
            except _UNTRANSFORMABLE as exc:
                self.digests[key] = exc
        digest = self.digests[key]
        if isinstance(digest, CredAnchorError):
            raise digest
        return digest


def _verify_one(
    unsecured: dict[str, Any],
    proof: Any,
    resolver: DidResolver,
    loader: LoaderFn,
    expected: _Expected,
    document_hash: _DocumentHash | str,
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
    if isinstance(document_hash, str):  # a previousProof that names no proof (or several)
        return ProofCheck(False, document_hash, suite, method_id)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    signed_context = None
    if suite == RDFC:
        config.pop("@context", None)
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
    elif "@context" in config:
        # eddsa-jcs-2022: the document's @context must start with the proof's, which is what was signed.
        signed_context = config["@context"]
        if not _starts_with(unsecured.get("@context"), signed_context):
            return ProofCheck(False, "the document's @context does not start with the proof's", suite, method_id)
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
        data = config_hash + document_hash(suite, signed_context)
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


def _starts_with(document_context: Any, proof_context: Any) -> bool:
    ours, theirs = as_list(document_context), as_list(proof_context)
    return bool(theirs) and ours[: len(theirs)] == theirs


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
