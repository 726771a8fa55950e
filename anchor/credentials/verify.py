"""Verifying a credential with nothing but the file and a chain RPC: a report of named checks.

Checks, each `pass`, `fail` or `not_applicable` with a reason:

- `schema`            the micro-credential model (EU elements, OB 3.0 shape);
- `signature`         the issuer's Data Integrity proof, by a key of the credential's issuer DID;
- `merkle_inclusion`  the anchor proof's Merkle path leads from the credential's hash to its root;
- `anchored`          that root was anchored by the proof's account, in a genuine CredentialAnchor
                      (runtime code equal to the committed artifact), checked on-chain;
- `issuer_accredited` in the trusted IssuerRegistry, the issuer's DID is bound to that account and
                      the account was accredited at the anchoring time;
- `revocation`        the batch is not revoked and the credential's revocation bit is clear, in the
                      issuer's own list (the anchoring account, in the anchoring contract);
- `suspension`        the credential's suspension bit is clear (same list rule);
- `validity_period`   now is within validFrom / validUntil (VC 1.1: issuanceDate / expirationDate).

With `profile="vc"` (the W3C VC API endpoints) any VC 2.0 or VC 1.1 credential is accepted: `schema`
checks the VC Data Model basics instead of the micro-credential model, and a credential without an
anchor proof gets `not_applicable` (not `fail`) for the three anchoring checks — unless it carries
credanchor's on-chain status: then it must be anchored (a revoked batch is only seen through the
anchor proof's root).

The chain is read only for what needs it: :func:`needs_chain` says whether a document (a credential,
or a presentation's credentials) carries an anchor proof or on-chain status. One that does not — a
plain VC, or malformed input — verifies with ``Verifier(None)``, so the CLI and the API answer it
without a chain configured or reachable.

`signature` also requires that the JSON says what was signed (anchor.credentials.signed_view): an
eddsa-rdfc-2022 proof signs the RDF graph, and a JSON-LD-equivalent rewrite — a value object, a
property under its IRI, an inline-context alias, `@id` for `id` — must not hide a checked value.

A credential verifies when no check fails. The chain is read through a
:class:`~anchor.credentials.chain_view.ChainView` (over a real chain:
``Verifier(anchor.chain.view.ChainReader(chain, registry))``), so this module needs no web3. Its
answers (contract code, batches, registry answers, status-list chunks) are cached for the life of
a Verifier: verifying a thousand credentials of one batch reads the chain a handful of times. Use
a fresh Verifier to see changes made since (the CLI makes one per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from anchor.credentials.anchor_proofs import (
    ANCHOR_PROOF_TYPE,
    PairHashes,
    anchor_proofs_of,
    signed_hash,
    without_anchor_proofs,
)
from anchor.credentials.chain_view import ChainView
from anchor.credentials.model import CredentialValidationError, validate_credential
from anchor.credentials.signed_view import (
    carries_onchain_status,
    mismatch_reason,
    plain_json_problems,
    unsigned_fields,
)
from anchor.credentials.status import read_entry
from anchor.crypto import jcs
from anchor.crypto.did import DidResolver
from anchor.crypto.jsonld import LoaderFn
from anchor.crypto.proofs import RDFC, default_loader, verify_proofs
from anchor.errors import ChainError, ConfigurationError, ContractRevertError
from anchor.types import BatchRecord, Root, StatusPurpose, as_list, check_address, merkle_path_from_hex, xsd_timestamp

_CHUNK_WORDS = 512  # status words read at once: 131,072 entries, a whole default-size list


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


PROFILES = ("microcredential", "vc")
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

CHECKS = (
    "schema", "signature", "merkle_inclusion", "anchored", "issuer_accredited", "revocation", "suspension",
    "validity_period",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    reason: str


@dataclass
class VerificationReport:
    credential_id: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(check.outcome is not Outcome.FAIL for check in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "credential": self.credential_id,
            "verified": self.verified,
            "checks": {c.name: {"outcome": c.outcome.value, "reason": c.reason} for c in self.checks},
        }


@dataclass(frozen=True)
class _Anchor:
    issuer: str
    contract: str
    root: Root
    record: BatchRecord


class Verifier:
    """Verifies credentials against one chain (or none) and the IssuerRegistry it trusts (if any)."""

    def __init__(
        self,
        chain: ChainView | None,
        *,
        resolver: DidResolver | None = None,
        loader: LoaderFn | None = None,
        now: datetime | None = None,
        profile: str = "microcredential",
    ) -> None:
        if profile not in PROFILES:
            raise ConfigurationError(f"unknown verification profile {profile!r}; use one of {', '.join(PROFILES)}")
        self.profile = profile
        self.chain = chain
        self.resolver = resolver or DidResolver()
        self.loader = loader
        self.now = now
        self._genuine: dict[str, bool] = {}
        self._batches: dict[tuple[str, str, bytes], BatchRecord] = {}
        self._words: dict[tuple[str, str, int, StatusPurpose, int], list[int]] = {}
        self._did_owners: dict[str, str | None] = {}
        self._accreditations: dict[tuple[str, int], bool] = {}
        self._pairs = PairHashes()  # the Merkle paths of one batch share their upper nodes

    def verify(self, credential: Any) -> VerificationReport:
        # The checks canonicalize the same values up to three times (proof configuration, document,
        # anchoring hash) and change none of them: each member is checked and serialized once.
        with jcs.checked_once():
            return self._verify(credential)

    def _verify(self, credential: Any) -> VerificationReport:
        identifier = credential.get("id") if isinstance(credential, dict) else None
        report = VerificationReport(identifier if isinstance(identifier, str) else None)
        add = report.checks.append
        if not isinstance(credential, dict):
            add(Check("schema", Outcome.FAIL, "a credential is a JSON object"))
            return report
        signed = without_anchor_proofs(credential)  # the credential as its issuer signed it
        add(self._schema(credential, signed))
        signature, graph_signed = self._signature(credential, signed)
        inclusion, anchor = self._anchoring(credential, signed)
        accreditation = self._accreditation(credential, anchor)
        pinned = all(c.outcome is Outcome.PASS for c in (*inclusion, accreditation))
        if graph_signed and not pinned:
            # The rdfc proof signs the graph; the JSON the checks read must say the same. An anchored
            # credential's JSON is pinned already: its Merkle leaf hashes the JCS form the issuer's
            # accredited account anchored, so only otherwise is the (≈ 6 ms) graph comparison needed.
            signature = self._signed_graph(credential) or signature
        add(signature)
        add(inclusion[0])
        add(inclusion[1])
        add(accreditation)
        add(self._status(credential, StatusPurpose.REVOCATION, anchor))
        add(self._status(credential, StatusPurpose.SUSPENSION, anchor))
        add(self._validity(credential))
        return report

    # -- checks -----------------------------------------------------------------------------------

    def _schema(self, credential: dict[str, Any], signed: dict[str, Any]) -> Check:
        if self.profile == "vc":
            problems = vc_data_model_errors(credential)
            if problems:
                return Check("schema", Outcome.FAIL, "; ".join(problems))
            version = "1.1" if _is_vc_v1(credential) else "2.0"
            return Check("schema", Outcome.PASS, f"a W3C Verifiable Credential {version}")
        try:
            validate_credential(signed)
        except CredentialValidationError as exc:
            return Check("schema", Outcome.FAIL, "; ".join(str(e) for e in exc.errors))
        return Check("schema", Outcome.PASS, "an Open Badges 3.0 micro-credential with every EU element")

    def _signature(self, credential: dict[str, Any], signed: dict[str, Any]) -> tuple[Check, bool]:
        """The `signature` check, and whether an eddsa-rdfc-2022 proof (which signs the graph) verified."""
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        # What the checks read must be what was signed (anchor.credentials.signed_view): the cheap
        # look at the JSON first, the graph after the signature verified.
        hidden = plain_json_problems(unsecured)
        if hidden:
            return Check("signature", Outcome.FAIL, mismatch_reason(hidden)), False
        # The issuer and purpose are checked before any canonicalization (the expensive step).
        controller = issuer_id if isinstance(issuer_id, str) else None
        checks = (
            verify_proofs(signed, self.resolver, loader=self.loader, controller=controller, purpose="assertionMethod")
            if "proof" in signed
            else []
        )
        if not checks:
            return Check("signature", Outcome.FAIL, "the credential carries no issuer proof"), False
        failed = [c for c in checks if not c.verified]
        if failed:
            return Check("signature", Outcome.FAIL, failed[0].reason), False
        if not any(c.controller == issuer_id and c.proof_purpose == "assertionMethod" for c in checks):
            return Check("signature", Outcome.FAIL, f"no proof was made by a key of the issuer {issuer_id}"), False
        suites = ", ".join(sorted({c.cryptosuite or "" for c in checks}))
        passed = Check("signature", Outcome.PASS, f"{suites} proof by {issuer_id} verified")
        return passed, any(c.cryptosuite == RDFC for c in checks)

    def _signed_graph(self, credential: dict[str, Any]) -> Check | None:
        """A failed `signature` if the JSON the checks read differs from the graph the rdfc proof signed."""
        unsecured = {k: v for k, v in credential.items() if k != "proof"}
        hidden = unsigned_fields(unsecured, self.loader or default_loader())
        return Check("signature", Outcome.FAIL, mismatch_reason(hidden)) if hidden else None

    def _anchoring(
        self, credential: dict[str, Any], signed: dict[str, Any]
    ) -> tuple[tuple[Check, Check], _Anchor | None]:
        proofs = anchor_proofs_of(credential)
        if not proofs and self.profile == "vc" and carries_onchain_status(credential):
            # A batch revocation is only seen through the anchor proof's root: without it a credential
            # of a revoked batch would pass. credanchor's own credentials verify with their anchoring.
            reason = (
                "the credential carries credanchor's on-chain status but no anchor proof: its anchoring "
                "was removed (or it was never anchored), so a revoked batch could not be seen"
            )
            return (_fail("merkle_inclusion", reason), _fail("anchored", reason)), None
        if not proofs and self.profile == "vc":
            plain = "no anchor proof: a plain verifiable credential"
            na = Outcome.NOT_APPLICABLE
            return (Check("merkle_inclusion", na, plain), Check("anchored", na, plain)), None
        if not proofs:
            reason = "the credential has no anchor proof: it was never anchored"
            return (_fail("merkle_inclusion", reason), _fail("anchored", reason)), None
        proof = proofs[-1]
        try:
            root = Root.from_hex(str(proof["merkleRoot"]))
            path = merkle_path_from_hex(proof["merklePath"])
            issuer = check_address(proof["anchoredBy"], "anchoredBy")
            contract = check_address(proof["anchorContract"], "anchorContract")
            chain_id = int(proof["chainId"])
            hashed = signed_hash(signed)
        except (KeyError, TypeError, ValueError) as exc:
            reason = f"the {ANCHOR_PROOF_TYPE} is malformed ({exc.__class__.__name__}: {exc})"
            return (_fail("merkle_inclusion", reason), _fail("anchored", reason)), None
        if self._pairs.root_of(hashed, path) != root.value:
            changed = "the Merkle path does not lead to the anchored root: the credential was changed"
            inclusion = _fail("merkle_inclusion", changed)
        else:
            inclusion = Check("merkle_inclusion", Outcome.PASS, f"in the batch with root {root.hex()}")
        if self.chain is None:
            return (inclusion, _fail("anchored", "no chain to check against: pass an RPC URL")), None
        try:
            if self.chain.chain_id != chain_id:
                elsewhere = f"anchored on chain {chain_id}, but the RPC serves chain {self.chain.chain_id}"
                return (inclusion, _fail("anchored", elsewhere)), None
            if not self._is_genuine(contract):
                fake = f"{contract} is not a CredentialAnchor contract (its code differs)"
                return (inclusion, _fail("anchored", fake)), None
            record = self._batch(contract, issuer, root)
        except (ChainError, ContractRevertError) as exc:
            return (inclusion, _fail("anchored", f"cannot read the chain: {exc}")), None
        if not record.anchored:
            return (inclusion, _fail("anchored", f"{issuer} never anchored root {root.hex()}")), None
        when = _iso(record.anchored_at)
        anchored = Check("anchored", Outcome.PASS, f"anchored by {issuer} at {when} (block {record.anchored_block})")
        return (inclusion, anchored), _Anchor(issuer, contract, root, record)

    def _accreditation(self, credential: dict[str, Any], anchor: _Anchor | None) -> Check:
        name = "issuer_accredited"
        if (
            anchor is None
            and self.profile == "vc"
            and not anchor_proofs_of(credential)
            and not carries_onchain_status(credential)
        ):
            return Check(name, Outcome.NOT_APPLICABLE, "not anchored, so no registry entry applies")
        if anchor is None:
            return _fail(name, "not anchored, so there is no anchoring time to check against")
        if self.chain is None or not self.chain.has_registry:
            return _fail(name, "no trusted IssuerRegistry for this chain: pass its address (--registry)")
        issuer = credential.get("issuer")
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        when = _iso(anchor.record.anchored_at)
        try:
            bound = self._did_owner(str(did))
            accredited = self._accredited(anchor.issuer, anchor.record.anchored_at)
        except (ChainError, ContractRevertError) as exc:
            return _fail(name, f"cannot read the registry: {exc}")
        if bound is None or bound.lower() != anchor.issuer.lower():
            return _fail(name, f"the registry does not bind {did} to the anchoring account {anchor.issuer}")
        if not accredited:
            return _fail(name, f"{did} was not accredited at the anchoring time {when}")
        return Check(name, Outcome.PASS, f"{did} was accredited at {when}")

    def _status(self, credential: dict[str, Any], purpose: StatusPurpose, anchor: _Anchor | None) -> Check:
        name = purpose.name.lower()
        state = "revoked" if purpose is StatusPurpose.REVOCATION else "suspended"
        if purpose is StatusPurpose.REVOCATION and anchor is not None and anchor.record.revoked:
            return _fail(name, f"the whole batch was revoked at {_iso(anchor.record.revoked_at)}")
        raw = credential.get("credentialStatus")
        entries = as_list(raw)
        if not all(isinstance(e, dict) and e.get("type") == "BitstringStatusListEntry" for e in entries):
            return _fail(name, "credentialStatus must be a BitstringStatusListEntry or a list of them")
        relevant = [e for e in entries if e.get("statusPurpose") == name]
        if not relevant:
            if purpose is StatusPurpose.REVOCATION and anchor is not None:
                return Check(name, Outcome.PASS, "the batch is not revoked (no per-credential revocation entry)")
            return Check(name, Outcome.NOT_APPLICABLE, f"no {name} status entry")
        for entry in relevant:
            try:
                _, location = read_entry(entry)
                if self.chain is None:  # the entry was read first: a malformed one says so, chain or not
                    return _fail(name, "no chain to read the status list from: pass an RPC URL")
                if location.chain_id != self.chain.chain_id or not self._is_genuine(location.contract):
                    return _fail(name, f"the {name} list is not on this chain's CredentialAnchor")
                if anchor is not None and (location.issuer.lower(), location.contract.lower()) != (
                    anchor.issuer.lower(),
                    anchor.contract.lower(),
                ):
                    return _fail(name, f"the {name} list is not the issuer's own (it must be where it anchored)")
                if self._bit(location.contract, location.issuer, location.list_id, purpose, location.index):
                    return _fail(name, f"{state} (list {location.list_id}, index {location.index})")
            except ConfigurationError as exc:
                return _fail(name, f"malformed {name} entry: {exc}")
            except (ChainError, ContractRevertError) as exc:
                return _fail(name, f"cannot read the status list: {exc}")
        return Check(name, Outcome.PASS, f"not {state}")

    def _validity(self, credential: dict[str, Any]) -> Check:
        now = self.now or datetime.now(UTC)
        begins, ends = ("issuanceDate", "expirationDate") if _is_vc_v1(credential) else ("validFrom", "validUntil")
        try:
            start = _parse(credential.get(begins))
            end = _parse(credential.get(ends)) if credential.get(ends) is not None else None
        except ValueError as exc:
            return Check("validity_period", Outcome.FAIL, str(exc))
        if start is not None and now < start:
            return Check("validity_period", Outcome.FAIL, f"not valid before {credential[begins]}")
        if end is not None and now > end:
            return Check("validity_period", Outcome.FAIL, f"expired at {credential[ends]}")
        return Check("validity_period", Outcome.PASS, "within its validity period")

    # -- cached chain reads -----------------------------------------------------------------------

    def _is_genuine(self, contract: str) -> bool:
        key = contract.lower()
        if key not in self._genuine:
            assert self.chain is not None
            self._genuine[key] = self.chain.is_credential_anchor(contract)
        return self._genuine[key]

    def _bit(self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, index: int) -> bool:
        """One status bit, from a cached chunk of the list (512 words = 131,072 entries per read)."""
        chunk = index // (256 * _CHUNK_WORDS)
        key = (contract.lower(), issuer.lower(), list_id, purpose, chunk)
        if key not in self._words:
            assert self.chain is not None
            self._words[key] = self.chain.status_words(
                contract, issuer, list_id, purpose, chunk * _CHUNK_WORDS, _CHUNK_WORDS
            )
        word = self._words[key][(index // 256) % _CHUNK_WORDS]
        return bool(word >> (255 - index % 256) & 1)

    def _did_owner(self, did: str) -> str | None:
        if did not in self._did_owners:
            assert self.chain is not None
            self._did_owners[did] = self.chain.issuer_by_did(did)
        return self._did_owners[did]

    def _accredited(self, issuer: str, timestamp: int) -> bool:
        key = (issuer.lower(), timestamp)
        if key not in self._accreditations:
            assert self.chain is not None
            self._accreditations[key] = self.chain.is_accredited(issuer, timestamp)
        return self._accreditations[key]

    def _batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        key = (contract.lower(), issuer.lower(), root.value)
        if key not in self._batches:
            assert self.chain is not None
            self._batches[key] = self.chain.batch(contract, issuer, root)
        return self._batches[key]


def needs_chain(document: Any) -> bool:
    """Whether verifying `document` reads a chain: a well-formed credential with an anchor proof or
    credanchor's on-chain status, or a well-formed presentation holding one. Anything else — a plain
    VC, or input that is not a VC (or VP) at all, whatever it carries — is verified without one."""
    if not isinstance(document, dict):
        return False
    if "VerifiablePresentation" in as_list(document.get("type")):
        return not vc_data_model_errors(document, "VerifiablePresentation") and any(
            needs_chain(inner) for inner in as_list(document.get("verifiableCredential"))
        )
    return not vc_data_model_errors(document) and bool(anchor_proofs_of(document) or carries_onchain_status(document))


def _is_vc_v1(document: dict[str, Any]) -> bool:
    context = as_list(document.get("@context"))
    return bool(context) and context[0] == VC_V1_CONTEXT


def vc_data_model_errors(document: Any, kind: str = "VerifiableCredential") -> list[str]:
    """What keeps `document` from being a VC Data Model 2.0 or 1.1 credential (a 2.0 presentation) —
    empty if nothing. VC 1.1: `issuanceDate` is required, and validFrom / validUntil are VC 2.0 names
    (1.1 has issuanceDate / expirationDate)."""
    if not isinstance(document, dict):
        return [f"a {kind} is a JSON object"]
    problems = []
    context = as_list(document.get("@context"))
    v1 = kind == "VerifiableCredential" and _is_vc_v1(document)
    if not context or (context[0] != VC_V2_CONTEXT and not v1):
        accepted = f"{VC_V2_CONTEXT} or {VC_V1_CONTEXT}" if kind == "VerifiableCredential" else VC_V2_CONTEXT
        problems.append(f"@context must be a list starting with {accepted}")
    if kind not in as_list(document.get("type")):
        problems.append(f"type must include {kind}")
    if kind == "VerifiableCredential":
        issuer = document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer_id, str) or ":" not in issuer_id:
            problems.append("issuer must be a URL, or an object whose id is one")
        subjects = as_list(document.get("credentialSubject"))
        if not subjects or not all(isinstance(s, dict) and s for s in subjects):
            problems.append("credentialSubject must be a non-empty object or a list of them")
        if v1:
            if not isinstance(document.get("issuanceDate"), str):
                problems.append("issuanceDate is required in a VC 1.1 credential (an XML Schema date-time string)")
            problems += [
                f"{name} is not a VC 1.1 term: use {instead}"
                for name, instead in (("validFrom", "issuanceDate"), ("validUntil", "expirationDate"))
                if name in document
            ]
        for name in ("expirationDate",) if v1 else ("validFrom", "validUntil"):
            if name in document and not isinstance(document[name], str):
                problems.append(f"{name} must be an XML Schema date-time string")
    if "id" in document and (not isinstance(document["id"], str) or ":" not in document["id"]):
        problems.append("id must be a URL")
    return problems


def _fail(name: str, reason: str) -> Check:
    return Check(name, Outcome.FAIL, reason)


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(timestamp: int) -> str:
    return xsd_timestamp(timestamp)
