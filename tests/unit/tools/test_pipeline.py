"""The issue pipeline (`credanchor bench pipeline`): what it writes is right, whatever its speed.

A thousand credentials on two worker processes, one batch anchored on the embedded chain: every
line of the JSON Lines output is a credential that credanchor's verifier accepts, its anchor proof's
Merkle path leads to the root the chain recorded, and no credential is missing or written twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anchor.chain.view import ChainReader
from anchor.credentials.anchor_proofs import anchor_proofs_of, credential_hash
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.merkle import process_proof
from anchor.errors import ConfigurationError
from anchor.tools.pipeline import PipelineChain, run_pipeline
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


def test_a_run_replaces_its_output_and_leaves_no_partial_file(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    out.write_text("stale\n")
    run_pipeline(3, out, workers=2)
    assert len(out.read_bytes().splitlines()) == 3
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_no_credentials_is_refused(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="at least one"):
        run_pipeline(0, tmp_path / "out.jsonl")
