"""`credanchor bench pipeline`: issue, Merkle-root, anchor and write N credentials on every core.

Three phases, the signing and the writing spread over `workers` processes:

1. Each worker signs its share of the credentials (eddsa-jcs-2022, with status entries in lists of
   its own) and writes each as one line of the JSON Lines output, leaving a run of spaces where its
   anchor proof will go: ``{"proof":[ISSUER PROOF,<spaces>],...the credential...}``. A worker
   gathers a chunk of lines and reserves the next bytes of the file for it under one shared lock
   (so one file needs no copying together afterwards), and sends the main process each credential's
   Merkle leaf (the double keccak is made on the workers, in parallel).
2. The main process builds the Merkle tree over all leaves and anchors its root in one
   transaction on the chain, then sends each worker the tree and where its leaves sit in it.
3. Each worker writes every one of its credentials' anchor proof into the spaces left for it, through
   a memory map of one chunk at a time: only the pages holding a proof are touched, nothing is read
   back or written twice by the process. The space is the length of the longest anchor proof this
   tree can have (its paths have one of two lengths), and JSON allows whitespace between array
   elements, so every line is a complete credential with its proof set of two.
   (The writing, of the lines and of the anchor proofs, is in anchor.tools.pipeline_output.)

A credential (≈ 9 KB at a million) cannot be kept in memory until the root is known, hence the
spaces. Before anything is written the free space is checked against the size of a sample line. The
output is written to ``OUT.partial`` and renamed to OUT at the end, so a run that dies leaves no
half-written OUT; without OUT the file goes to a temporary folder and is removed at the end.
tests/unit/tools/test_pipeline.py verifies every line of a small run with credanchor's verifier,
follows its Merkle path to the anchored root, and compares the anchor proofs written with the
`anchor_proof` format.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anchor.chain.adapter import Chain
from anchor.chain.deployment import Deployment, deploy_contracts
from anchor.credentials.anchor_proofs import anchor_proof
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner, MicroCredentialSpec
from anchor.credentials.status import RandomStatusAllocator
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import MerkleTree, leaf_hashes, max_path_length
from anchor.crypto.proofs import JCS, proofs_of
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC, ed25519_sign_rate
from anchor.tools.pipeline_output import AnchorProofWriter, Chunk, Pieces, write_anchor_proofs, write_at
from anchor.types import Root, TxReceipt

#: The targets of the performance issue (second round) for a million credentials.
PIPELINE_TARGET_SECONDS = 60.0
PIPELINE_TARGET_PEAK_BYTES = 2 * 1024**3
#: Credentials a worker writes per reservation of the output file.
CHUNK = 2_000
#: Room left on the disk beyond the estimated output (the estimate is one sample line times the count).
DISK_MARGIN_BYTES = 256 * 1024**2
#: The day the bench's credentials are awarded (one second apart).
AWARDED = datetime(2026, 6, 30, tzinfo=UTC)


@dataclass(frozen=True)
class PipelineChain:
    """A chain with the contracts deployed and an accredited issuer whose key signs the credentials."""

    chain: Chain
    deployment: Deployment
    key: SigningKey
    issuer_account: str

    @classmethod
    def embedded(cls) -> PipelineChain:
        chain = Chain.embedded()
        admin, body_account, issuer_account = chain.accounts[:3]
        deployment = deploy_contracts(chain, deployer=admin)
        registry = deployment.registry(chain)
        registry.grant_body(body_account, sender=admin)
        key = SigningKey.generate()
        registry.register_issuer(issuer_account, did=key.did, name="Bench University", scope="bench",
                                 sender=body_account)  # fmt: skip
        return cls(chain, deployment, key, str(issuer_account))


@dataclass(frozen=True)
class _Shard:
    """What one worker needs to sign its share (picklable: workers are spawned)."""

    number: int
    first: int
    stop: int
    seed: bytes
    body: AwardingBody
    spec: MicroCredentialSpec
    chain_id: int
    contract: str
    issuer_account: str
    output: str
    reserve: int

    def issuer(self, key: SigningKey) -> CredentialIssuer:
        statuses = RandomStatusAllocator(self.chain_id, self.contract, self.issuer_account,
                                         first_list=1 + 1_000 * self.number)  # fmt: skip
        return CredentialIssuer(self.body, key, cryptosuite=JCS, status=statuses)


def run_pipeline(
    count: int,
    out: Path | None,
    *,
    workers: int | None = None,
    setup: PipelineChain | None = None,
    spec: MicroCredentialSpec | None = None,
) -> dict[str, Any]:
    """Issue `count` credentials on `workers` processes (default: every core), anchor them as one batch
    and write them with their anchor proofs to `out` (JSON Lines; None: a temporary file, removed at the
    end); the figures of the run."""
    if count < 1:
        raise ConfigurationError("the pipeline needs at least one credential")
    with _output(out) as target:
        return _run(count, target, kept=out is not None, workers=workers, setup=setup, spec=spec or BENCH_SPEC)


@contextmanager
def _output(out: Path | None) -> Iterator[Path]:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="credanchor-pipeline-") as folder:
        yield Path(folder) / "credentials.jsonl"


def _run(
    count: int, out: Path, *, kept: bool, workers: int | None, setup: PipelineChain | None, spec: MicroCredentialSpec
) -> dict[str, Any]:
    workers = max(1, min(workers or os.cpu_count() or 1, count))
    started = time.perf_counter()
    setup = setup or PipelineChain.embedded()
    chain, key = setup.chain, setup.key
    anchor = setup.deployment.anchor(chain)
    partial = out.with_name(out.name + ".partial")
    reserve = _reserve(count, chain.chain_id, anchor.address, setup.issuer_account)
    body = AwardingBody(key.did, "Bench University", "PT")
    seed = key.private_key.private_bytes_raw()
    bounds = [count * n // workers for n in range(workers + 1)]
    shards = [
        _Shard(
            n,
            bounds[n],
            bounds[n + 1],
            seed,
            body,
            spec,
            chain.chain_id,
            anchor.address,
            setup.issuer_account,
            str(partial),
            reserve,
        )
        for n in range(workers)
    ]
    estimate = _check_free_space(shards[-1], key, count, partial.parent)
    partial.write_bytes(b"")
    try:
        run = _run_workers(shards, setup)
        written = partial.stat().st_size
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    done = time.perf_counter()
    seconds = done - run.ready
    rate = count / seconds
    usage = resource.getrusage(resource.RUSAGE_SELF)
    main_peak = usage.ru_maxrss * 1024
    peaks = [report.pop("peak_memory_bytes") for report in run.reports]
    # Processor time, which other work on a shared machine does not stretch as it does `seconds`.
    cpu = usage.ru_utime + usage.ru_stime + sum(report["cpu_seconds"] for report in run.reports)
    return {
        "credentials": count,
        "workers": workers,
        "cpus": os.cpu_count(),
        "cryptosuite": JCS,
        "output": str(out) if kept else None,
        "output_bytes": written,
        "output_bytes_estimated": estimate,
        "seconds": round(seconds, 2),
        "chain_setup_seconds": round(run.spawned - started, 2),
        "worker_start_and_ceiling_seconds": round(run.ready - run.spawned, 2),
        "sign_and_write_seconds": round(run.signed - run.ready, 2),
        "tree_seconds": round(run.built - run.signed, 2),
        "anchor_seconds": round(run.anchored - run.built, 2),
        "tree_and_anchor_seconds": round(run.anchored - run.signed, 2),
        "anchor_proofs_seconds": round(done - run.anchored, 2),
        "credentials_per_second": round(rate),
        "sign_ceiling_per_second": round(run.ceiling),
        "share_of_sign_ceiling": round(rate / run.ceiling, 4),
        "target_seconds": PIPELINE_TARGET_SECONDS,
        "ratio_to_target": round(PIPELINE_TARGET_SECONDS / seconds, 3),
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_per_worker": round(cpu / workers, 2),
        "peak_memory_bytes": main_peak + sum(peaks),
        "peak_memory_main_bytes": main_peak,
        "peak_memory_workers_bytes": peaks,
        "per_worker": run.reports,
        "target_peak_memory_bytes": PIPELINE_TARGET_PEAK_BYTES,
        "merkle_root": run.root.hex(),
        "anchor_gas": run.receipt.gas_used,
        "transaction": "0x" + run.receipt.tx_hash.hex(),
    }


@dataclass(frozen=True)
class _WorkersRun:
    """When each phase ended (perf_counter), what was anchored, and what the workers reported."""

    spawned: float
    ready: float
    signed: float
    built: float
    anchored: float
    ceiling: float
    root: Root
    receipt: TxReceipt
    reports: list[dict[str, Any]]


def _run_workers(shards: list[_Shard], setup: PipelineChain) -> _WorkersRun:
    chain = setup.chain
    anchor = setup.deployment.anchor(chain)
    context = multiprocessing.get_context("spawn")
    lock = context.Lock()
    cursor = context.Value("q", 0, lock=False)
    together = context.Barrier(len(shards))  # the ceiling is every worker signing at once
    pipes, processes = [], []
    spawned = time.perf_counter()
    for shard in shards:
        mine, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, shard, lock, cursor, together), daemon=True)
        process.start()
        pipes.append(mine)
        processes.append(process)
    try:
        ceiling = sum(_receive(pipe, "its signing rate") for pipe in pipes)
        ready = time.perf_counter()
        blobs = [_receive_bytes(pipe, "its Merkle leaves") for pipe in pipes]
        signed = time.perf_counter()
        tree = MerkleTree.from_leaves([blob[i : i + 32] for blob in blobs for i in range(0, len(blob), 32)])
        del blobs
        built = time.perf_counter()
        root = Root(tree.root)
        receipt = anchor.anchor_batch(root, sender=setup.issuer_account)
        fields = {
            "anchored_at": chain.block_timestamp(receipt.block_number),
            "chain_id": chain.chain_id,
            "contract": anchor.address,
            "anchored_by": setup.issuer_account,
            "root": root,
            "tx_hash": receipt.tx_hash,
            "block_number": receipt.block_number,
        }
        anchored = time.perf_counter()
        nodes = b"".join(tree.nodes)
        for pipe, shard in zip(pipes, shards, strict=True):
            pipe.send((fields, tree.positions[shard.first : shard.stop].tobytes()))
            pipe.send_bytes(nodes)
        del tree, nodes
        reports = [_receive(pipe, "its anchor proofs") for pipe in pipes]
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    return _WorkersRun(spawned, ready, signed, built, anchored, ceiling, root, receipt, reports)


def _reserve(count: int, chain_id: int, contract: str, account: str) -> int:
    """The length of the longest anchor proof a tree of `count` leaves can give (and a later block)."""
    longest = anchor_proof(
        anchored_at=int(time.time()) + 365 * 86_400, chain_id=chain_id, contract=contract, anchored_by=account,
        root=Root(bytes(32)), path=[bytes(32)] * max_path_length(count), tx_hash=bytes(32), block_number=2**63,
    )  # fmt: skip
    return len(orjson.dumps(longest))


def _check_free_space(last: _Shard, key: SigningKey, count: int, folder: Path) -> int:
    """The output's estimated size (a sample line of the last, longest-numbered learner, times the count);
    refused before anything is written if the disk has not that much free."""
    line = b"".join(_LineMaker(last.issuer(key), last.spec, last.reserve).line(last.stop - 1)[0])
    estimate = len(line) * count
    free = shutil.disk_usage(folder).free
    if free < estimate + DISK_MARGIN_BYTES:
        gb = 1e9
        raise ConfigurationError(
            f"{count:,} credentials make a file of about {estimate / gb:.1f} GB, and {folder} has "
            f"{free / gb:.1f} GB free: free some space, write elsewhere with --jsonl, or lower --count"
        )
    return estimate


def _receive(pipe: Any, what: str) -> Any:
    try:
        message = pipe.recv()
    except EOFError:
        raise RuntimeError(f"a pipeline worker died before sending {what}") from None
    if isinstance(message, tuple) and message and message[0] == "error":
        raise RuntimeError(f"a pipeline worker failed: {message[1]}")
    return message


def _receive_bytes(pipe: Any, what: str) -> bytes:
    message = _receive(pipe, what)
    if not isinstance(message, bytes):
        raise RuntimeError(f"a pipeline worker sent {type(message).__name__} instead of {what}")
    return message


def _worker(pipe: Any, shard: _Shard, lock: Any, cursor: Any, together: Any) -> None:
    """A worker process: sign and write its share, send the leaves, then write the anchor proofs."""
    try:
        key = SigningKey.from_private_key(Ed25519PrivateKey.from_private_bytes(shard.seed))
        together.wait(timeout=300)
        pipe.send(ed25519_sign_rate(key))
        fd = os.open(shard.output, os.O_RDWR)
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            chunks, hashes, from_parts = _sign_share(shard, key, fd, lock, cursor)
            pipe.send(b"".join(leaf_hashes(hashes)))
            signing, signing_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            del hashes
            fields, positions = pipe.recv()
            nodes = pipe.recv_bytes()
            start, start_cpu = time.perf_counter(), time.process_time()
            write = AnchorProofWriter(fields, nodes.hex().encode("ascii"))
            del nodes
            write_anchor_proofs(fd, write, array("q", positions), chunks, shard.reserve)
            proving, proving_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        finally:
            os.close(fd)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak, cpu = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime
        per_credential = signing_cpu / (shard.stop - shard.first) * 1e6
        pipe.send({"peak_memory_bytes": peak, "cpu_seconds": round(cpu, 2), "sign_and_write_seconds": round(signing, 2),
                   "sign_and_write_cpu_seconds": round(signing_cpu, 2), "anchor_proofs_seconds": round(proving, 2),
                   "anchor_proofs_cpu_seconds": round(proving_cpu, 2), "lines_written_from_parts": from_parts,
                   "sign_and_write_cpu_microseconds_per_credential": round(per_credential, 1)})  # fmt: skip
    except Exception as exc:
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))


class _LineMaker:
    """Credentials as JSON Lines with room for their anchor proof: ``...,"proof":[ISSUER PROOF,<spaces>],...``.

    The issuer writes the credential as its canonical JSON (RFC 8785, `issue_json_hashed`), proof set
    included, so the room goes just before the bracket that closes the top-level proof set. RFC 8785 sorts
    an object's keys, so in the first credential that bracket follows the last member of its last proof
    (the verification method, the same in every credential of one issuer) and precedes the key that sorts
    after "proof" (or closes the object): `marker` is made of these. A credential in which the marker is
    not found exactly once (another shape) is parsed and written from its parts instead, and counted.
    """

    def __init__(self, issuer: CredentialIssuer, spec: MicroCredentialSpec, reserve: int) -> None:
        self._issuer, self._spec, self._space = issuer, spec, b" " * reserve
        self._marker = b""
        self._bracket = 0  # where in the marker the proof set's closing bracket is
        self.from_parts = 0

    def line(self, number: int) -> tuple[Pieces, int, bytes]:
        """Credential `number` as the pieces of its line, where its anchor proof goes in it, and its hash."""
        award = Award(Learner(f"Learner {number}", f"learner{number}@example.org"),
                      AWARDED + timedelta(seconds=number), grade="A")  # fmt: skip
        data, hashed = self._issuer.issue_json_hashed(self._spec, award)
        if not self._marker:
            self._learn_marker(orjson.loads(data))
        at = data.find(self._marker)
        if at < 0 or data.find(self._marker, at + 1) >= 0:
            self.from_parts += 1
            return self._from_parts(orjson.loads(data), hashed)
        view, bracket = memoryview(data), at + self._bracket
        return [view[:bracket], b",", self._space, view[bracket:], b"\n"], bracket + 1, hashed

    def _learn_marker(self, credential: dict[str, Any]) -> None:
        keys = sorted(credential)  # RFC 8785 order, for these (ASCII) keys
        last_proof = proofs_of(credential)[-1]
        last_key = max(last_proof)
        value = orjson.dumps(last_proof[last_key], option=orjson.OPT_SORT_KEYS)
        end_of_proof = b'"%s":%s}' % (last_key.encode(), value)
        after = keys.index("proof") + 1
        self._marker = end_of_proof + (b'],"%s":' % keys[after].encode() if after < len(keys) else b"]}")
        self._bracket = len(end_of_proof)

    def _from_parts(self, credential: dict[str, Any], hashed: bytes) -> tuple[Pieces, int, bytes]:
        proofs = b",".join(orjson.dumps(proof) for proof in proofs_of(credential))
        rest = orjson.dumps({k: v for k, v in credential.items() if k != "proof"})
        pieces: Pieces = [b'{"proof":[', proofs, b",", self._space, b"],", memoryview(rest)[1:], b"\n"]
        return pieces, 11 + len(proofs), hashed


def _sign_share(
    shard: _Shard, key: SigningKey, fd: int, lock: Any, cursor: Any
) -> tuple[list[Chunk], list[bytes], int]:
    lines = _LineMaker(shard.issuer(key), shard.spec, shard.reserve)
    chunks: list[Chunk] = []
    hashes: list[bytes] = []
    for first in range(shard.first, shard.stop, CHUNK):
        pieces: Pieces = []
        holes = array("q")
        size = 0
        for number in range(first, min(first + CHUNK, shard.stop)):
            line, hole, hashed = lines.line(number)
            hashes.append(hashed)
            holes.append(size + hole)  # where its anchor proof goes, from the chunk's start
            size += sum(map(len, line))
            pieces += line
        with lock:
            base = cursor.value
            cursor.value = base + size
        write_at(fd, pieces, base)
        chunks.append(Chunk(base, size, holes))
    return chunks, hashes, lines.from_parts
