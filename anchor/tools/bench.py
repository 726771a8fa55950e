"""Benchmarks that print figures and ratios measured in one run (never asserted by tests)."""

from __future__ import annotations

import os
import platform
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.adapter import Chain
from anchor.chain.deployment import deploy_contracts
from anchor.chain.devchain import AnvilProcess
from anchor.chain.view import ChainReader
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec, Skill
from anchor.credentials.status import RandomStatusAllocator
from anchor.credentials.verify import Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import MerkleTree
from anchor.crypto.proofs import JCS, RDFC
from anchor.types import Root

#: The targets of the Credentials issue, per cryptosuite (credentials per second, one core).
ISSUE_TARGETS = {JCS: 8_000, RDFC: 600}

BENCH_SPEC = MicroCredentialSpec(
    title="Data Literacy Essentials",
    description="Reading, cleaning and charting tabular data for decisions.",
    learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question", "Explain a result"),
    assessment_type="Project assessed by two examiners",
    participation_form="online",
    quality_assurance="Internal QA under ISO 21001, programme reviewed by the national agency",
    workload_hours=75,
    ects_credits=3,
    eqf_level=5,
    prerequisites=("Basic spreadsheet use",),
    skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", "data analytics"),),
    stackability="Counts towards the Certificate in Applied Data Skills (15 ECTS)",
)


@dataclass(frozen=True)
class Rate:
    label: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


@contextmanager
def one_core() -> Iterator[str]:
    """Run on one core, as the targets are stated; say which; restore the affinity afterwards."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity)"
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield f"pinned to core {min(cores)}"
    finally:
        os.sched_setaffinity(0, cores)


def ed25519_sign_rate(key: SigningKey, count: int = 20_000) -> float:
    """Signatures/s of one core signing 64-byte messages (what a data integrity proof signs): the ceiling."""
    message = bytes(64)
    return _timed("Ed25519 sign (64-byte message)", count, lambda i: key.sign(message)).per_second


def _interleaved(actions: list[tuple[str, int, Any]], rounds: int) -> list[Rate]:
    """Each (label, count, action) timed over `count` calls, in `rounds` turns taken one after another: on a
    shared machine every figure then sees the same moments of load, and their ratios mean what they say."""
    seconds = [0.0] * len(actions)
    done = [0] * len(actions)
    for turn in range(rounds):
        for n, (_, count, action) in enumerate(actions):
            first, done[n] = done[n], count * (turn + 1) // rounds
            start = time.perf_counter()
            for i in range(first, done[n]):
                action(i)
            seconds[n] += time.perf_counter() - start
    return [Rate(label, count, seconds[n]) for n, (label, count, _) in enumerate(actions)]


def _timed(label: str, count: int, action: Any) -> Rate:
    start = time.perf_counter()
    for i in range(count):
        action(i)
    return Rate(label, count, time.perf_counter() - start)


#: Targets of the performance issue, second round: eddsa-jcs-2022 issuing at half the Ed25519 sign
#: rate of the same run, and ten times OpenAttestation's wrapDocuments on the same machine.
ISSUE_TARGET_SHARE_OF_SIGN_CEILING = 0.5
ISSUE_TARGET_RATIO_TO_OPENATTESTATION = 10.0


def bench_issue(count_jcs: int = 4_000, count_rdfc: int = 400, *, peer_count: int = 3_000) -> dict[str, Any]:
    """Credentials/s per cryptosuite through `CredentialIssuer.issue_json` — build, validate, sign and write the
    signed credential's JSON, what a caller that stores or sends it needs — against the Ed25519 sign ceiling,
    and eddsa-jcs-2022 against OpenAttestation's wrapDocuments (`peer_count` documents; 0: not measured)."""
    from anchor.tools.peers import npm_version, run_peer

    with one_core() as pinned:
        result = _bench_issue(count_jcs, count_rdfc, pinned)
        peer: dict[str, Any] = (
            run_peer({"peer": "oa-wrap", "count": peer_count}) if peer_count else {"not_measured": "--peer 0"}
        )
    jcs = result["cryptosuites"][JCS]
    jcs["target_share_of_sign_ceiling"] = ISSUE_TARGET_SHARE_OF_SIGN_CEILING
    jcs["ratio_to_share_target"] = round(jcs["share_of_sign_ceiling"] / ISSUE_TARGET_SHARE_OF_SIGN_CEILING, 3)
    figures: dict[str, Any] = {"name": f"OpenAttestation {npm_version('@govtechsg/open-attestation')} wrapDocuments"}
    if "per_second" in peer:
        figures.update(
            documents=peer["count"],
            documents_per_second=round(peer["per_second"]),
            jcs_ratio=round(jcs["credentials_per_second"] / peer["per_second"], 2),
        )
    else:
        figures["not_measured"] = peer["not_measured"]
    figures["target_ratio"] = ISSUE_TARGET_RATIO_TO_OPENATTESTATION
    result["peer"] = figures
    return result


#: Rounds the issuing bench splits each measurement into, taking turns (see `_interleaved`).
ISSUE_ROUNDS = 50


def _bench_issue(count_jcs: int, count_rdfc: int, pinned: str) -> dict[str, Any]:
    key = SigningKey.generate()
    body = AwardingBody(key.did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
    issued = datetime(2026, 6, 30, tzinfo=UTC)
    message = bytes(64)

    def learner(i: int) -> Award:
        return Award(Learner(f"Learner {i}", f"learner{i}@example.org"), issued + timedelta(seconds=i), grade="A")

    # Each learner's award is made before the clock starts, as the ceiling's message and the peer's
    # documents are: the figure is the issuer's work, not the making of test data.
    awards = [learner(i) for i in range(max(count_jcs, count_rdfc))]
    actions: list[tuple[str, int, Any]] = [("Ed25519 sign (64-byte message)", 20_000, lambda i: key.sign(message))]
    for suite, count in ((JCS, count_jcs), (RDFC, count_rdfc)):
        issuer = CredentialIssuer(body, key, cryptosuite=suite)
        issuer.issue_json(BENCH_SPEC, learner(-1))  # warm caches (contexts, achievement, template)
        actions.append((suite, count, lambda i, issuer=issuer: issuer.issue_json(BENCH_SPEC, awards[i])))
    rates = _interleaved(actions, ISSUE_ROUNDS)
    ceiling = rates[0]
    return {
        "machine": machine(),
        "cpu": pinned,
        "measures": "CredentialIssuer.issue_json: a signed credential as JSON bytes, ready to write or send",
        "ed25519_signs_per_second": round(ceiling.per_second),
        "cryptosuites": {
            rate.label: {
                "credentials": rate.count,
                "seconds": round(rate.seconds, 3),
                "credentials_per_second": round(rate.per_second),
                "share_of_sign_ceiling": round(rate.per_second / ceiling.per_second, 4),
                "target_per_second": ISSUE_TARGETS[rate.label],
                "ratio_to_target": round(rate.per_second / ISSUE_TARGETS[rate.label], 3),
            }
            for rate in rates[1:]
        },
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPUs, CPU model, Python."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        model = platform.processor() or model
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": f"{platform.system()} {platform.machine()}",
    }


#: Targets of the Anchoring issue.
MERKLE_TARGET_SECONDS = 5.0
GAS_PER_CREDENTIAL_TARGET_AT_10K = 5.0
VERIFY_TARGET_PER_SECOND = 3_000


def bench_anchor(
    count: int = 100_000,
    *,
    cryptosuite: str = JCS,
    verify_count: int = 2_000,
    rpc: str | None = None,
    with_anvil: bool = True,
    batch_sizes: tuple[int, ...] = (1, 10, 100, 1_000, 10_000, 100_000),
    merkle_leaves: int = 1_000_000,
) -> dict[str, Any]:
    """Merkle root time, gas per credential vs batch size, issue→anchor and verification rates."""
    result: dict[str, Any] = {"machine": f"{platform.machine()} {platform.python_implementation()} "
                              f"{platform.python_version()}", "cryptosuite": cryptosuite}  # fmt: skip
    hashes = [secrets.token_bytes(32) for _ in range(merkle_leaves)]
    start = time.perf_counter()
    MerkleTree.build(hashes)
    seconds = time.perf_counter() - start
    result["merkle_root"] = {
        "leaves": merkle_leaves,
        "seconds": round(seconds, 2),
        "target_seconds": MERKLE_TARGET_SECONDS,
    }

    chains: list[tuple[str, Chain, AnvilProcess | None]] = [("embedded", Chain.embedded(), None)]
    if rpc:
        chains.append((rpc, Chain.connect(rpc), None))
    elif with_anvil:
        anvil = AnvilProcess()
        chains.append(("anvil", anvil.chain, anvil))
    result["chains"] = {}
    try:
        for label, chain, _ in chains:
            result["chains"][label] = _bench_chain(chain, count, cryptosuite, verify_count, batch_sizes, hashes)
    finally:
        for _, _, process in chains:
            if process is not None:
                process.stop()
    return result


def _bench_chain(
    chain: Chain, count: int, cryptosuite: str, verify_count: int, batch_sizes: tuple[int, ...], hashes: list[bytes]
) -> dict[str, Any]:
    admin, body_account, issuer_account = chain.accounts[:3]
    deployment = deploy_contracts(chain, deployer=admin)
    anchor = deployment.anchor(chain)
    gas = {}
    for size in batch_sizes:
        root = Root(MerkleTree.build(hashes[:size]).root)
        used = anchor.anchor_batch(root, sender=issuer_account).gas_used
        gas[size] = {"gas": used, "gas_per_credential": round(used / size, 3)}

    key = SigningKey.generate()
    registry = deployment.registry(chain)
    registry.grant_body(body_account, sender=admin)
    registry.register_issuer(issuer_account, did=key.did, name="Bench University", scope="bench", sender=body_account)
    body = AwardingBody(key.did, "Bench University", "PT")
    allocator = RandomStatusAllocator(chain.chain_id, anchor.address, issuer_account)
    issuer = CredentialIssuer(body, key, cryptosuite=cryptosuite, status=allocator)
    issued = datetime(2026, 6, 30, tzinfo=UTC)
    with one_core():
        start = time.perf_counter()
        signed = [
            issuer.issue(BENCH_SPEC, Award(Learner(f"Learner {i}", f"l{i}@example.org"), issued, grade="A"))
            for i in range(count)
        ]
        signed_at = time.perf_counter()
        batch = anchor_credentials(signed, anchor, sender=issuer_account)
        done = time.perf_counter()
        verifier = Verifier(ChainReader(chain, registry.address))
        sample = batch.credentials[:verify_count]
        verifier.verify(sample[0])  # the chain reads a batch needs: once
        verify_start = time.perf_counter()
        verified = sum(verifier.verify(c).verified for c in sample)
        verify_seconds = time.perf_counter() - verify_start
    return {
        "gas_by_batch_size": gas,
        "issue_and_anchor": {
            "credentials": count,
            "seconds": round(done - start, 2),
            "credentials_per_second": round(count / (done - start)),
            "signing_seconds": round(signed_at - start, 2),
            "hash_tree_anchor_and_proofs_seconds": round(done - signed_at, 2),
            "anchor_gas": batch.receipt.gas_used,
        },
        "verification": {
            "credentials": len(sample),
            "verified": verified,
            "credentials_per_second": round(len(sample) / verify_seconds),
            "target_per_second": VERIFY_TARGET_PER_SECOND,
        },
    }


#: Targets of the performance issue, second round (the HTTP API issue's were 500/s and 50 ms).
API_TARGET_PER_SECOND = 3_000
API_TARGET_P99_MS = 20.0


def bench_api(
    *, credentials: int = 200, seconds: float = 10.0, connections: int = 8, workers: int = 2, rpc: str | None = None
) -> dict[str, Any]:
    """Verification requests/s and latency of `credanchor serve` (``workers`` processes, anvil or `rpc`),
    driven over loopback by a load generator in another process for `seconds` (after a warm-up)."""
    import multiprocessing
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from anchor.chain.devchain import free_port
    from anchor.tools.loadgen import load_in_process

    anvil = None if rpc else AnvilProcess()
    chain = Chain.connect(rpc) if rpc else anvil.chain  # type: ignore[union-attr]
    data = Path(tempfile.mkdtemp(prefix="credanchor-bench-api-"))
    server = None
    try:
        admin, body_account, issuer_account = chain.accounts[:3]
        deployment = deploy_contracts(chain, deployer=admin)
        deployment.save(data / "deployments")
        registry = deployment.registry(chain)
        registry.grant_body(body_account, sender=admin)
        key = SigningKey.generate()
        registry.register_issuer(issuer_account, did=key.did, name="Bench University", scope="bench",
                                 sender=body_account)  # fmt: skip
        allocator = RandomStatusAllocator(chain.chain_id, deployment.credential_anchor, issuer_account)
        issuer = CredentialIssuer(AwardingBody(key.did, "Bench University", "PT"), key, cryptosuite=JCS,
                                  status=allocator)  # fmt: skip
        issued = datetime(2026, 6, 30, tzinfo=UTC)
        signed = [issuer.issue(BENCH_SPEC, Award(Learner(f"Learner {i}", f"l{i}@example.org"), issued, grade="A"))
                  for i in range(credentials)]  # fmt: skip
        documents = anchor_credentials(signed, deployment.anchor(chain), sender=issuer_account).credentials

        port = free_port()
        env = {**os.environ, "CREDANCHOR_DATA_DIR": str(data), "CREDANCHOR_DATABASE_URL": f"sqlite:///{data}/db.sqlite"}
        env.pop("CREDANCHOR_KEY_PASSPHRASE", None)  # a verifier needs no keys
        command = [sys.executable, "-m", "anchor", "serve", "--rpc", rpc or anvil.url,  # type: ignore[union-attr]
                   "--port", str(port), "--workers", str(workers), "--verify-rate", "0", "--no-access-log"]  # fmt: skip
        log = data / "server.log"
        with log.open("w") as output:
            server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                      start_new_session=True)  # fmt: skip
        _wait_for(f"127.0.0.1:{port}", server, log)
        queue: Any = multiprocessing.get_context("spawn").Queue()
        loader = multiprocessing.get_context("spawn").Process(
            target=load_in_process, args=(queue, "127.0.0.1", port, "/v1/verify", documents),
            kwargs={"connections": connections, "seconds": seconds, "server_pids": _process_tree(server.pid)},
        )  # fmt: skip
        loader.start()
        figures = queue.get(timeout=seconds + 120)
        loader.join(timeout=30)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if anvil is not None:
            anvil.stop()
    if "error" in figures:
        raise RuntimeError(f"the load generator failed: {figures['error']}")
    ceiling = _verify_rate(key) * workers
    return {
        "machine": machine(),
        "cpus": os.cpu_count(),
        "server_workers": workers,
        "connections": connections,
        "distinct_credentials": credentials,
        **figures,
        "target_per_second": API_TARGET_PER_SECOND,
        "ratio_to_target": round(figures["requests_per_second"] / API_TARGET_PER_SECOND, 2),
        "target_p99_ms": API_TARGET_P99_MS,
        "every_answer_correct": figures["statuses"] == {"200": figures["requests"]}
        and figures["verified"] == figures["requests"],
        "verify_ceiling_per_second": round(ceiling),
        "share_of_verify_ceiling": round(figures["requests_per_second"] / ceiling, 4),
    }


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc; just `pid` elsewhere): the server's supervisor and workers."""
    tree, index = [pid], 0
    while index < len(tree):
        try:
            with open(f"/proc/{tree[index]}/task/{tree[index]}/children", encoding="ascii") as children:
                tree.extend(int(child) for child in children.read().split())
        except OSError:  # the process has ended (or this is not Linux): no children to add
            pass
        index += 1
    return tree


def _verify_rate(key: SigningKey, count: int = 10_000) -> float:
    """Ed25519 verifications/s of one core on 64-byte messages."""
    from anchor.crypto.keys import verify_signature

    message = bytes(64)
    signature, public_key = key.sign(message), key.public_key
    start = time.perf_counter()
    for _ in range(count):
        verify_signature(public_key, signature, message)
    return count / (time.perf_counter() - start)


def _wait_for(address: str, server: Any, log: Any) -> None:
    import urllib.request

    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited before it was ready:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://{address}/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready in two minutes:\n{log.read_text()[-2000:]}")
