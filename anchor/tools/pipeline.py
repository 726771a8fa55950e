"""`credanchor bench pipeline`: issue, Merkle-root, anchor and write N credentials on every core.

Three phases, the signing and the writing spread over `workers` processes:

1. Each worker signs its share of the credentials (eddsa-jcs-2022, with status entries in lists of
   its own) and writes each as one line of the JSON Lines output, leaving a run of spaces where its
   anchor proof will go: ``{"proof":[ISSUER PROOF,<spaces>],...the credential...}``. A worker
   gathers a chunk of lines and reserves the next bytes of the file for it under one shared lock
   (so one file needs no copying together afterwards), and sends the main process each credential's
   hash.
2. The main process builds the Merkle tree over all hashes and anchors its root in one
   transaction on the chain.
3. Each worker receives the tree and writes every one of its credentials' anchor proof into the
   spaces left for it. The space is the length of the longest anchor proof this tree can have (its
   paths have one of two lengths), and JSON allows whitespace between array elements, so every line
   is a complete credential with its proof set of two.

The output is written to ``OUT.partial`` and renamed to OUT at the end, so a run that dies leaves no
half-written OUT, and running again starts afresh. tests/unit/tools/test_pipeline.py verifies every line of
a small run with credanchor's verifier and follows its Merkle path to the anchored root.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from array import array
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
from anchor.crypto.merkle import MerkleTree, max_path_length, sibling_indices
from anchor.crypto.proofs import JCS
from anchor.errors import ConfigurationError
from anchor.tools.bench import BENCH_SPEC, ed25519_sign_rate
from anchor.types import Root

#: The targets of the performance issue (second round) for a million credentials.
PIPELINE_TARGET_SECONDS = 60.0
PIPELINE_TARGET_PEAK_BYTES = 2 * 1024**3
#: Credentials a worker writes per reservation of the output file.
CHUNK = 2_000


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


def run_pipeline(
    count: int, out: Path, *, workers: int | None = None, setup: PipelineChain | None = None, spec: Any = None
) -> dict[str, Any]:
    """Issue `count` credentials on `workers` processes (default: every core), anchor them as one batch
    and write them with their anchor proofs to `out` (JSON Lines); the figures of the run."""
    if count < 1:
        raise ConfigurationError("the pipeline needs at least one credential")
    workers = max(1, min(workers or os.cpu_count() or 1, count))
    started = time.perf_counter()
    setup = setup or PipelineChain.embedded()
    chain, key = setup.chain, setup.key
    anchor = setup.deployment.anchor(chain)
    partial = out.with_name(out.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"")
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
            spec or BENCH_SPEC,
            chain.chain_id,
            anchor.address,
            setup.issuer_account,
            str(partial),
            reserve,
        )
        for n in range(workers)
    ]
    context = multiprocessing.get_context("spawn")
    lock = context.Lock()
    cursor = context.Value("q", 0, lock=False)
    pipes, processes = [], []
    for shard in shards:
        mine, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, shard, lock, cursor), daemon=True)
        process.start()
        pipes.append(mine)
        processes.append(process)
    try:
        spawned = time.perf_counter()
        ceiling = sum(_receive(pipe, "its signing rate") for pipe in pipes)
        ready = time.perf_counter()
        hashes = [_receive(pipe, "its credential hashes") for pipe in pipes]
        signed = time.perf_counter()
        all_hashes = [blob[i : i + 32] for blob in hashes for i in range(0, len(blob), 32)]
        tree = MerkleTree.build(all_hashes)
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
        nodes = b"".join(tree.nodes)
        for pipe, blob in zip(pipes, hashes, strict=True):
            indices = array("q", (tree.leaf_index(blob[i : i + 32]) for i in range(0, len(blob), 32)))
            pipe.send((fields, indices.tobytes()))
            pipe.send_bytes(nodes)
        anchored = time.perf_counter()
        del all_hashes, tree, nodes, hashes
        reports = [_receive(pipe, "its anchor proofs") for pipe in pipes]
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    written = partial.stat().st_size
    partial.replace(out)
    done = time.perf_counter()
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peaks = [report.pop("peak_memory_bytes") for report in reports]
    peak = main_peak + sum(peaks)
    rate = count / (done - ready)
    return {
        "credentials": count,
        "workers": workers,
        "cpus": os.cpu_count(),
        "cryptosuite": JCS,
        "output": str(out),
        "output_bytes": written,
        "seconds": round(done - ready, 2),
        "chain_setup_seconds": round(spawned - started, 2),
        "worker_start_and_ceiling_seconds": round(ready - spawned, 2),
        "sign_and_write_seconds": round(signed - ready, 2),
        "tree_and_anchor_seconds": round(anchored - signed, 2),
        "anchor_proofs_seconds": round(done - anchored, 2),
        "credentials_per_second": round(rate),
        "sign_ceiling_per_second": round(ceiling),
        "share_of_sign_ceiling": round(rate / ceiling, 4),
        "target_seconds": PIPELINE_TARGET_SECONDS,
        "ratio_to_target": round(PIPELINE_TARGET_SECONDS / (done - ready), 3),
        "peak_memory_bytes": peak,
        "peak_memory_main_bytes": main_peak,
        "peak_memory_workers_bytes": peaks,
        "per_worker": reports,
        "target_peak_memory_bytes": PIPELINE_TARGET_PEAK_BYTES,
        "merkle_root": root.hex(),
        "anchor_gas": receipt.gas_used,
        "transaction": "0x" + receipt.tx_hash.hex(),
    }


def _reserve(count: int, chain_id: int, contract: str, account: str) -> int:
    """The length of the longest anchor proof a tree of `count` leaves can give (and a later block)."""
    longest = anchor_proof(
        anchored_at=int(time.time()) + 365 * 86_400, chain_id=chain_id, contract=contract, anchored_by=account,
        root=Root(bytes(32)), path=[bytes(32)] * max_path_length(count), tx_hash=bytes(32), block_number=2**63,
    )  # fmt: skip
    return len(orjson.dumps(longest))


def _receive(pipe: Any, what: str) -> Any:
    try:
        message = pipe.recv_bytes() if what == "its credential hashes" else pipe.recv()
    except EOFError:
        raise RuntimeError(f"a pipeline worker died before sending {what}") from None
    if isinstance(message, tuple) and message and message[0] == "error":
        raise RuntimeError(f"a pipeline worker failed: {message[1]}")
    return message


def _worker(pipe: Any, shard: _Shard, lock: Any, cursor: Any) -> None:
    """A worker process: sign and write its share, send the hashes, then write the anchor proofs."""
    try:
        key = SigningKey.from_private_key(Ed25519PrivateKey.from_private_bytes(shard.seed))
        pipe.send(ed25519_sign_rate(key))  # the ceiling: every worker signing at once
        fd = os.open(shard.output, os.O_RDWR)
        try:
            start = time.perf_counter()
            chunks, hashes = _sign_share(shard, key, fd, lock, cursor)
            signing = time.perf_counter() - start
            pipe.send_bytes(b"".join(hashes))
            fields, indices = pipe.recv()
            blob = pipe.recv_bytes()
            start = time.perf_counter()
            nodes = [blob[i : i + 32] for i in range(0, len(blob), 32)]
            _write_anchor_proofs(fd, fields, array("q", indices), nodes, chunks, shard.reserve)
            proving = time.perf_counter() - start
        finally:
            os.close(fd)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        pipe.send({"peak_memory_bytes": peak, "sign_and_write_seconds": round(signing, 2),
                   "anchor_proofs_seconds": round(proving, 2)})  # fmt: skip
    except Exception as exc:
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))


def _sign_share(shard: _Shard, key: SigningKey, fd: int, lock: Any, cursor: Any) -> tuple[list[_Chunk], list[bytes]]:
    statuses = RandomStatusAllocator(shard.chain_id, shard.contract, shard.issuer_account,
                                     first_list=1 + 1_000 * shard.number)  # fmt: skip
    issuer = CredentialIssuer(shard.body, key, cryptosuite=JCS, status=statuses)
    issued = datetime(2026, 6, 30, tzinfo=UTC)
    space = b" " * shard.reserve
    chunks: list[_Chunk] = []
    hashes: list[bytes] = []
    for first in range(shard.first, shard.stop, CHUNK):
        lines, offsets, size = [], [], 0
        for i in range(first, min(first + CHUNK, shard.stop)):
            award = Award(Learner(f"Learner {i}", f"learner{i}@example.org"), issued + timedelta(seconds=i), grade="A")
            credential, hashed = issuer.issue_hashed(shard.spec, award)
            hashes.append(hashed)
            head = b'{"proof":[' + orjson.dumps(credential["proof"]) + b","
            rest = orjson.dumps({k: v for k, v in credential.items() if k != "proof"})
            offsets.append(size + len(head))  # where its anchor proof goes, from the chunk's start
            line = head + space + b"]," + rest[1:] + b"\n"
            lines.append(line)
            size += len(line)
        with lock:
            base = cursor.value
            cursor.value = base + size
        os.pwrite(fd, b"".join(lines), base)
        chunks.append(_Chunk(base, size, array("q", offsets)))
    return chunks, hashes


@dataclass(frozen=True)
class _Chunk:
    """Lines a worker wrote at once: where in the file, how many bytes, and where in them each proof goes."""

    base: int
    size: int
    holes: array[int]


def _write_anchor_proofs(
    fd: int, fields: dict[str, Any], indices: array[int], nodes: list[bytes], chunks: list[_Chunk], reserve: int
) -> None:
    # Every anchor proof of the batch is the same but for its Merkle path: serialize one with an
    # empty path, and write each with its own path put between the brackets. A chunk of lines is
    # read, filled in memory and written back at once (two system calls, not one per credential).
    empty = orjson.dumps(anchor_proof(path=[], **fields))
    marker = b'"merklePath":[]'
    if empty.count(marker) != 1:
        raise ConfigurationError("the anchor proof format changed: update the pipeline's writer")
    head, tail = empty.split(marker)
    head += b'"merklePath":['
    tail = b"]" + tail
    # The upper levels of the tree are in every path: their hex is made once (65,535 nodes at most).
    upper: dict[int, bytes] = {}

    def hex_of(index: int) -> bytes:
        text = upper.get(index)
        if text is None:
            text = b'"0x%s"' % nodes[index].hex().encode()
            if index < 65_535:
                upper[index] = text
        return text

    position = iter(indices)
    for chunk in chunks:
        lines = bytearray(os.pread(fd, chunk.size, chunk.base))
        for hole in chunk.holes:
            proof = head + b",".join([hex_of(sibling) for sibling in sibling_indices(next(position))]) + tail
            if len(proof) > reserve:
                raise ConfigurationError(f"an anchor proof of {len(proof)} bytes does not fit the {reserve} reserved")
            lines[hole : hole + len(proof)] = proof
        os.pwrite(fd, lines, chunk.base)
