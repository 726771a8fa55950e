"""The issue pipeline (`credanchor bench pipeline`): what it writes is right, whatever its speed.

A thousand credentials on two worker processes, one batch anchored on the embedded chain: every
line of the JSON Lines output is a credential that credanchor's verifier accepts, its anchor proof's
Merkle path leads to the root the chain recorded, and no credential is missing or written twice.
"""

from __future__ import annotations

import json
import tempfile
from collections import namedtuple
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import anchor_proof, anchor_proofs_of, credential_hash
from anchor.credentials.model import AwardingBody
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.crypto.merkle import MerkleTree, process_proof
from anchor.errors import ConfigurationError
from anchor.tools import pipeline, pipeline_output
from anchor.tools.bench import BENCH_SPEC
from anchor.tools.pipeline import AnchorProofWriter, PipelineChain, run_pipeline
from anchor.types import Root

COUNT = 1_000


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineChain, dict, list[dict]]:
    setup = PipelineChain.embedded()
    out = tmp_path_factory.mktemp("pipeline") / "credentials.jsonl"
    figures = run_pipeline(COUNT, out, workers=2, setup=setup)
    lines = out.read_bytes().splitlines()
    return setup, figures, [json.loads(line) for line in lines]


def test_every_line_is_an_anchored_credential_the_verifier_accepts(pipeline_run):
    setup, figures, credentials = pipeline_run
    assert len(credentials) == COUNT == figures["credentials"]
    assert len({c["id"] for c in credentials}) == COUNT
    assert {c["credentialSubject"]["identifier"][0]["identityHash"] for c in credentials} == {
        f"Learner {i}" for i in range(COUNT)
    }
    verifier = Verifier(ChainReader(setup.chain, setup.deployment.issuer_registry))
    failed = {}
    for credential in credentials:
        report = verifier.verify(credential)
        passed = {c.name for c in report.checks if c.outcome is Outcome.PASS}
        if not report.verified or not {"signature", "merkle_inclusion", "anchored", "issuer_accredited"} <= passed:
            failed[credential["id"]] = [(c.name, c.outcome.value, c.reason) for c in report.checks]
    assert failed == {}


def test_every_merkle_path_leads_to_the_anchored_root(pipeline_run):
    setup, figures, credentials = pipeline_run
    root = Root.from_hex(figures["merkle_root"])
    anchor = setup.deployment.anchor(setup.chain)
    assert anchor.batch(setup.issuer_account, root).anchored
    for credential in credentials:
        (proof,) = anchor_proofs_of(credential)
        assert proof["merkleRoot"] == figures["merkle_root"]
        assert proof["transactionHash"] == figures["transaction"]
        path = [bytes.fromhex(node[2:]) for node in proof["merklePath"]]
        assert process_proof(credential_hash(credential), path) == root.value


def test_the_figures_name_their_ceiling_and_targets(pipeline_run):
    _, figures, _ = pipeline_run
    assert figures["workers"] == 2
    assert figures["anchor_gas"] > 21_000
    assert figures["share_of_sign_ceiling"] == pytest.approx(
        figures["credentials_per_second"] / figures["sign_ceiling_per_second"], rel=0.01
    )
    assert figures["peak_memory_bytes"] >= figures["peak_memory_main_bytes"] + sum(figures["peak_memory_workers_bytes"])
    assert figures["target_seconds"] == 60.0
    assert [worker["lines_written_from_parts"] for worker in figures["per_worker"]] == [0, 0]


def test_a_run_replaces_its_output_and_leaves_no_partial_file(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    out.write_text("stale\n")
    run_pipeline(3, out, workers=2)
    assert len(out.read_bytes().splitlines()) == 3
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_no_credentials_is_refused(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="at least one"):
        run_pipeline(0, tmp_path / "out.jsonl")


def test_a_run_without_an_output_file_removes_what_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    figures = run_pipeline(3, None, workers=1)
    assert figures["output"] is None and figures["output_bytes"] > 3 * 1_000
    assert list(tmp_path.iterdir()) == []


def test_a_disk_too_small_is_refused_before_anything_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(pipeline.shutil, "disk_usage", lambda folder: usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(ConfigurationError, match=r"about [\d.]+ GB.* 0\.0 GB free: free some space"):
        run_pipeline(1_000_000, tmp_path / "out.jsonl", workers=1)
    assert list(tmp_path.iterdir()) == []


FIELDS = {
    "anchored_at": 1_780_000_000,
    "chain_id": 31_337,
    "contract": "0x2946259E0334f33A064106302415aD3391BeD384",
    "anchored_by": "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69",
    "tx_hash": bytes(range(32)),
    "block_number": 7,
}


@settings(max_examples=100)
@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True), st.integers(0, 8))
def test_the_anchor_proof_writer_writes_what_anchor_proof_makes(credential_hashes, cached_levels):
    # from no cached level (every path walked from its leaf) to a tree held whole in the cache
    tree = MerkleTree.build(credential_hashes)
    fields = {**FIELDS, "root": Root(tree.root)}
    write = AnchorProofWriter(fields, b"".join(tree.nodes).hex().encode(), cached_levels=cached_levels)
    for credential_hash_ in credential_hashes:
        expected = orjson.dumps(anchor_proof(path=tree.proof(credential_hash_), **fields))
        assert write(tree.leaf_index(credential_hash_)) == expected


def test_a_line_is_the_credential_with_room_for_its_anchor_proof_on_both_paths():
    key = SigningKey.generate()
    shard = pipeline._Shard(0, 0, 2, b"", AwardingBody(key.did, "Bench University", "PT"), BENCH_SPEC, 31_337,
                            FIELDS["contract"], FIELDS["anchored_by"], "", 40)  # fmt: skip
    fast = pipeline._LineMaker(shard.issuer(key), BENCH_SPEC, 40)
    plain = pipeline._LineMaker(shard.issuer(key), BENCH_SPEC, 40)
    plain._marker = b"not in any credential"  # every credential takes the parsed path
    for maker in (fast, plain):
        for number in (0, 1):
            pieces, hole, hashed = maker.line(number)
            line = bytearray(b"".join(pieces))
            assert line[hole : hole + 40] == b" " * 40 and line.endswith(b"\n") and line.count(b"\n") == 1
            line[hole : hole + 4] = b"null"
            credential = json.loads(line)
            *issuer_proofs, room = credential["proof"]
            assert room is None and len(issuer_proofs) == 1
            credential["proof"] = issuer_proofs
            assert credential_hash(credential) == hashed
            assert credential["credentialSubject"]["identifier"][0]["identityHash"] == f"Learner {number}"
    assert (fast.from_parts, plain.from_parts) == (0, 2)


@settings(max_examples=50)
@given(pieces=st.lists(st.binary(max_size=40), max_size=2_500), offset=st.integers(0, 100), short=st.booleans())
def test_a_chunk_is_written_piece_after_piece_even_when_a_write_comes_up_short(pieces, offset, short):
    # more pieces than one pwritev takes, and (`short`) a kernel that writes only part of each gather
    with tempfile.TemporaryFile() as file:
        fd = file.fileno()
        file.write(b"x" * offset)
        file.flush()
        real = pipeline_output.os.pwritev

        def half(fd: int, buffers: list, at: int) -> int:
            return real(fd, buffers[: len(buffers) // 2], at)

        with pytest.MonkeyPatch.context() as patch:
            if short:
                patch.setattr(pipeline_output.os, "pwritev", half)
            pipeline_output.write_at(
                fd, [memoryview(piece) if n % 2 else piece for n, piece in enumerate(pieces)], offset
            )
        file.seek(0)
        assert file.read() == b"x" * offset + b"".join(pieces)
