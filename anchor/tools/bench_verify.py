"""`credanchor bench verify`: library verification per cryptosuite against the Ed25519 verify ceiling,
and eddsa-rdfc-2022 against Digital Bazaar vc.js verifying the same credentials, in one run.

The credentials are what credanchor issues: an OB 3.0 micro-credential with status entries, anchored
in one batch on the embedded chain. credanchor's figure is the whole `Verifier.verify` report (schema,
signature, Merkle inclusion, root on chain, accreditation, status, validity), with the chain reads a
batch needs made once before timing; vc.js's is `verifyCredential` with its stock document loader
and the context packages their owners publish, given a status check that passes (it has no chain to
read) — so vc.js does less of the work than credanchor does.

With the eddsa-jcs-2022 figure comes its *floor*: what one verification costs before any check runs,
measured in the same run on one of the credentials — the Ed25519 verify, the SHA-256 of the signed
document, the keccak256 of the Merkle leaf's input (the credential as signed, 8 KB here) and one C pass
writing the canonical bytes (orjson, sorted keys: the least any canonicalization costs). What is left
of the target's time per verification after the floor is the budget every check (model, signed view,
plainness, anchoring, accreditation, status, validity) has to fit in.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import without_anchor_proofs
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import RandomStatusAllocator
from anchor.credentials.verify import Verifier
from anchor.crypto.jcs import canonicalize
from anchor.crypto.keys import verify_signature
from anchor.crypto.merkle import keccak
from anchor.crypto.proofs import JCS, RDFC
from anchor.tools.bench import BENCH_SPEC, machine, one_core
from anchor.tools.peers import npm_version, run_peer
from anchor.tools.pipeline import PipelineChain

#: Targets of the performance issue, second round.
VERIFY_TARGET_SHARE_OF_CEILING = 0.5
RDFC_TARGET_RATIO_TO_VCJS = 10.0


def bench_verify(count_jcs: int = 2_000, count_rdfc: int = 300, *, peer_count: int = 100) -> dict[str, Any]:
    """Verifications/s per cryptosuite on one core, the Ed25519 verify ceiling, and vc.js (`peer_count`
    of the eddsa-rdfc-2022 credentials; 0: not measured)."""
    setup = PipelineChain.embedded()
    anchor = setup.deployment.anchor(setup.chain)
    body = AwardingBody(setup.key.did, "Bench University", "PT")
    issued = datetime(2026, 6, 30, tzinfo=UTC)
    batches: dict[str, list[dict[str, Any]]] = {}
    for suite, count in ((JCS, count_jcs), (RDFC, count_rdfc)):
        statuses = RandomStatusAllocator(setup.chain.chain_id, anchor.address, setup.issuer_account,
                                         first_list=len(batches) + 1)  # fmt: skip
        issuer = CredentialIssuer(body, setup.key, cryptosuite=suite, status=statuses)
        signed = [issuer.issue(BENCH_SPEC, Award(Learner(f"Learner {i}", f"l{i}@example.org"), issued, grade="A"))
                  for i in range(count)]  # fmt: skip
        batches[suite] = anchor_credentials(signed, anchor, sender=setup.issuer_account).credentials

    verifier = Verifier(ChainReader(setup.chain, setup.deployment.issuer_registry))
    with one_core() as pinned:
        ceiling = _verify_ceiling(setup)
        suites = {suite: _rate(verifier, credentials, ceiling) for suite, credentials in batches.items()}
        suites[JCS]["floor"] = _floor(batches[JCS][-1], ceiling, suites[JCS]["credentials_per_second"])
        peer: dict[str, Any] = (
            run_peer({"peer": "vcjs-verify", "credentials": batches[RDFC][:peer_count]})
            if peer_count
            else {"not_measured": "--peer 0"}
        )
    rdfc = suites[RDFC]
    figures: dict[str, Any] = {"name": f"Digital Bazaar vc.js {npm_version('@digitalbazaar/vc')} verifyCredential"}
    if "per_second" in peer:
        figures.update(
            credentials=peer["count"],
            verified=peer["verified"],
            credentials_per_second=round(peer["per_second"], 1),
            rdfc_ratio=round(rdfc["credentials_per_second"] / peer["per_second"], 2),
        )
    else:
        figures["not_measured"] = peer["not_measured"]
    figures["target_ratio"] = RDFC_TARGET_RATIO_TO_VCJS
    return {
        "machine": machine(),
        "cpu": pinned,
        "ed25519_verifications_per_second": round(ceiling),
        "cryptosuites": suites,
        "peer": figures,
    }


def _verify_ceiling(setup: PipelineChain, count: int = 10_000) -> float:
    """Ed25519 verifications/s of one core on 64-byte messages (what a data integrity proof signs)."""
    message = bytes(64)
    signature, public_key = setup.key.sign(message), setup.key.public_key
    start = time.perf_counter()
    for _ in range(count):
        verify_signature(public_key, signature, message)
    return count / (time.perf_counter() - start)


def _floor(credential: dict[str, Any], ceiling: float, rate: float, count: int = 2_000) -> dict[str, Any]:
    """The fixed costs of verifying `credential` (µs each, see the module's docstring) and what is left of
    the target's time per verification for the checks."""
    signed = without_anchor_proofs(credential)
    leaf_input = canonicalize(signed)
    document = canonicalize({k: v for k, v in signed.items() if k != "proof"})
    costs = {
        "ed25519_verify_us": 1e6 / ceiling,
        "sha256_of_document_us": _micros(lambda: hashlib.sha256(document).digest(), count),
        "keccak256_of_leaf_input_us": _micros(lambda: keccak(leaf_input), count),
        "canonical_bytes_us": _micros(lambda: orjson.dumps(credential, option=orjson.OPT_SORT_KEYS), count),
    }
    fixed = sum(costs.values())
    at_target = 1e6 / (ceiling * VERIFY_TARGET_SHARE_OF_CEILING)
    return {
        **{name: round(micros, 1) for name, micros in costs.items()},
        "leaf_input_bytes": len(leaf_input),
        "fixed_us": round(fixed, 1),
        "verification_us": round(1e6 / rate, 1),
        "checks_us": round(1e6 / rate - fixed, 1),
        "target_verification_us": round(at_target, 1),
        "checks_budget_at_target_us": round(at_target - fixed, 1),
        "share_of_verify_ceiling_with_free_checks": round(costs["ed25519_verify_us"] / fixed, 4),
    }


def _micros(operation: Any, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        operation()
    return (time.perf_counter() - start) / count * 1e6


def _rate(verifier: Verifier, credentials: list[dict[str, Any]], ceiling: float) -> dict[str, Any]:
    verifier.verify(credentials[0])  # the chain reads of the batch: once
    start = time.perf_counter()
    verified = sum(verifier.verify(credential).verified for credential in credentials)
    seconds = time.perf_counter() - start
    rate = len(credentials) / seconds
    return {
        "credentials": len(credentials),
        "verified": verified,
        "seconds": round(seconds, 3),
        "credentials_per_second": round(rate),
        "share_of_verify_ceiling": round(rate / ceiling, 4),
        "target_share_of_verify_ceiling": VERIFY_TARGET_SHARE_OF_CEILING,
        "ratio_to_share_target": round(rate / ceiling / VERIFY_TARGET_SHARE_OF_CEILING, 3),
    }
