"""`credanchor bench verify`: every credential verifies, and the eddsa-jcs-2022 floor adds up."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.tools.bench_verify import VERIFY_TARGET_SHARE_OF_CEILING

runner = CliRunner()


def test_bench_verify_reports_rates_and_the_floor_of_a_verification():
    result = runner.invoke(app, ["bench", "verify", "--jcs", "20", "--rdfc", "3", "--peer", "0", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    ceiling = report["ed25519_verifications_per_second"]
    suites = report["cryptosuites"]
    assert {suite: (f["verified"], f["credentials"]) for suite, f in suites.items()} == {
        "eddsa-jcs-2022": (20, 20),
        "eddsa-rdfc-2022": (3, 3),
    }
    assert report["peer"]["not_measured"] == "--peer 0"

    floor = suites["eddsa-jcs-2022"]["floor"]
    parts = ("ed25519_verify_us", "sha256_of_document_us", "keccak256_of_leaf_input_us", "canonical_bytes_us")
    assert all(floor[part] > 0 for part in parts)
    rounding = 0.05 * (len(parts) + 1)  # each figure is rounded to 0.1 µs
    assert abs(floor["fixed_us"] - sum(floor[part] for part in parts)) <= rounding
    assert abs(floor["checks_us"] - (floor["verification_us"] - floor["fixed_us"])) <= rounding
    assert abs(floor["ed25519_verify_us"] - 1e6 / ceiling) <= 0.05 + 1e6 / ceiling**2  # the ceiling is rounded
    assert abs(floor["target_verification_us"] * VERIFY_TARGET_SHARE_OF_CEILING - floor["ed25519_verify_us"]) <= 0.1
    assert abs(floor["checks_budget_at_target_us"] - (floor["target_verification_us"] - floor["fixed_us"])) <= rounding
    assert floor["leaf_input_bytes"] > 5_000  # the whole micro-credential with its issuer proof, as the leaf hashes it

    text = runner.invoke(app, ["bench", "verify", "--jcs", "5", "--rdfc", "1", "--peer", "0"])
    assert text.exit_code == 0, text.output
    assert "eddsa-jcs-2022 per verification:" in text.output and "µs before any check" in text.output
