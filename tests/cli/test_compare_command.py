"""`credanchor compare` (anchor/cli/compare.py) through typer's CliRunner, on the embedded chain.

Each successful invocation runs a whole (small) comparison, so the two that succeed run once per module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from anchor.cli.main import app

runner = CliRunner()
#: A wide terminal, so rich does not wrap the table; no RPC URL from the caller's environment.
ENV = {"COLUMNS": "200", "CREDANCHOR_RPC_URL": None}
FILES = {
    "json": "comparison.json",
    "gas_plot": "gas_vs_batch.png",
    "privacy_plot": "privacy.png",
    "report": "report.html",
    "fee_plot": "fees_by_chain.png",
}


def invoke(*args: str) -> Result:
    return runner.invoke(app, ["compare", *args], env=ENV)


@dataclass
class Invocation:
    result: Result
    out: Path


@pytest.fixture(scope="module")
def as_json(tmp_path_factory: pytest.TempPathFactory) -> Invocation:
    out = tmp_path_factory.mktemp("compare-json") / "report"
    result = invoke(
        "--learners", "6", "--credentials-per-learner", "2", "--out", str(out),
        "--gas-price-gwei", "20", "--eth-price", "1500", "--currency", "EUR", "--json",
    )  # fmt: skip
    return Invocation(result, out)


@pytest.fixture(scope="module")
def as_text(tmp_path_factory: pytest.TempPathFactory) -> Invocation:
    out = tmp_path_factory.mktemp("compare-text") / "report"
    result = invoke("--learners", "3", "--credentials-per-learner", "2", "--consent", "--out", str(out))
    return Invocation(result, out)


def printed(invocation: Invocation) -> dict[str, Any]:
    assert invocation.result.exit_code == 0, invocation.result.stderr
    data: dict[str, Any] = json.loads(invocation.result.stdout)
    return data


def test_json_run_exits_0_and_prints_modes_observer_and_files(as_json: Invocation) -> None:
    data = printed(as_json)

    assert (data["learners"], data["credentials_per_learner"], data["credentials"]) == (6, 2, 12)
    assert set(data["modes"]) == {"vc", "nft", "hash"}
    assert set(data["observer"]["modes"]) == {"vc", "nft", "hash"}
    assert data["observer"]["modes"]["nft"]["holders_identified"]["value"] == 6
    assert data["observer"]["modes"]["nft"]["linkable_credentials"]["value"] == 12
    assert data["observer"]["modes"]["vc"]["holders_identified"]["value"] == 0
    assert data["modes"]["nft"]["transactions"] == 12 + 1 + 11
    assert (data["modes"]["vc"]["transactions"], data["modes"]["hash"]["transactions"]) == (3, 3)
    assert data["chain"] == "embedded eth-tester"


def test_json_run_writes_the_files_it_names(as_json: Invocation) -> None:
    data = printed(as_json)

    assert {name: Path(path) for name, path in data["files"].items()} == {
        name: as_json.out / file for name, file in FILES.items()
    }
    assert all(Path(path).is_file() for path in data["files"].values())
    written = json.loads((as_json.out / "comparison.json").read_text(encoding="utf-8"))
    assert written == {key: value for key, value in data.items() if key != "files"}


def test_json_run_uses_the_assumed_prices(as_json: Invocation) -> None:
    data = printed(as_json)

    assert {k: data["assumptions"][k] for k in ("gas_price_gwei", "eth_price", "currency")} == {
        "gas_price_gwei": 20.0,
        "eth_price": 1500.0,
        "currency": "EUR",
    }
    for figures in data["modes"].values():
        assert figures["fee"] == pytest.approx(round(figures["gas"] * 20e-9 * 1500, 4))
    html = (as_json.out / "report.html").read_text(encoding="utf-8")
    assert "<b>assumed</b> gas price of 20.0 gwei" in html and "1,500.0 EUR" in html


def test_text_run_prints_the_table_and_where_the_report_is(as_text: Invocation) -> None:
    result = as_text.result
    assert result.exit_code == 0, result.stderr

    assert "6 credentials (3 learners), measured in" in result.stdout
    assert f"report: {as_text.out / 'report.html'}" in result.stdout
    labels = ("holders identified", "linkable to one person", "gas to revoke one", "gas to revoke 5", "transactions")
    for label in labels:  # (5: all but the first of the 6 credentials, revoked in bulk)
        assert label in result.stdout
    assert "EUR" not in result.stdout and "USD" in result.stdout  # the default currency, labelled
    assert (as_text.out / "report.html").is_file()


def test_consent_flag_mints_with_consent(as_text: Invocation) -> None:
    assert as_text.result.exit_code == 0, as_text.result.stderr
    data = json.loads((as_text.out / "comparison.json").read_text(encoding="utf-8"))

    # setConsentRequired, then 6 mints, one burn, and the 5 other burns.
    assert data["modes"]["nft"]["transactions"] == 1 + 6 + 1 + 5
    assert data["observer"]["modes"]["nft"]["holders_identified"]["value"] == 3
    nft_fields = {f["field"] for f in data["observer"]["modes"]["nft"]["fields"]}
    assert "attributes.Learner" in nft_fields


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--credentials-per-learner", "4"), "--credentials-per-learner"),
        (("--credentials-per-learner", "0"), "--credentials-per-learner"),
        (("--learners", "0"), "--learners"),
        (("--gas-price-gwei", "-1"), "--gas-price-gwei"),
    ],
)
def test_out_of_range_options_exit_2_before_running(tmp_path: Path, args: tuple[str, ...], option: str) -> None:
    result = invoke(*args, "--out", str(tmp_path / "out"))

    assert result.exit_code == 2, result.stderr
    assert option in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_rpc_exits_1_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    result = invoke("--rpc", "http://127.0.0.1:1", "--learners", "1", "--out", str(tmp_path / "out"))

    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit)
    assert "error:" in result.stderr and "http://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_an_out_path_that_is_a_file_exits_1_with_a_message(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a directory", encoding="utf-8")

    result = invoke("--learners", "1", "--credentials-per-learner", "1", "--out", str(taken))

    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit)
    assert "error:" in result.stderr and "Traceback" not in result.output
    assert taken.read_text(encoding="utf-8") == "not a directory"


def test_json_run_prices_the_measured_transactions_on_each_default_chain(as_json: Invocation) -> None:
    data = json.loads(as_json.result.stdout)
    fees = data["chain_fees"]
    assert list(fees["chains"]) == ["mainnet", "optimism", "base", "arbitrum", "polygon"]
    anchor_gas = data["modes"]["vc"]["issue_gas_per_credential"] * data["credentials"]
    for name, chain in fees["chains"].items():
        issue = chain["modes"]["vc"]["issue"]
        assert issue["transactions"] == 1 and issue["gas"] == round(anchor_gas)  # the measured gas, not a guess
        rates = chain["assumptions"]["base_fee_wei"] + chain["assumptions"]["priority_fee_wei"]
        assert issue["execution_wei"] == issue["gas"] * rates
        assert issue["total_wei"] == issue["execution_wei"] + issue["l1_data_wei"]
        assert chain["assumptions"]["assumed_on"]  # every price dated
        has_l1_fee = name in ("optimism", "base", "arbitrum")
        assert (issue["l1_data_wei"] > 0) is has_l1_fee, name
        assert chain["modes"]["nft"]["issue"]["transactions"] == data["credentials"]
        by_size = chain["issue_cost_per_credential_by_batch_size"]
        assert by_size["vc"]["1"] > by_size["vc"]["1000"]  # anchoring: one transaction per batch
        assert by_size["nft"]["1"] == by_size["nft"]["1000"]  # minting: one per credential


def test_no_chains_means_no_fee_table(tmp_path: Path) -> None:
    result = invoke("--learners", "2", "--credentials-per-learner", "1", "--out", str(tmp_path / "r"),
                    "--chains", "", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chain_fees" not in json.loads(result.stdout)
    assert not (tmp_path / "r" / "fees_by_chain.png").exists()


def test_an_unknown_chain_exits_1_naming_the_known_ones(tmp_path: Path) -> None:
    result = invoke("--learners", "2", "--out", str(tmp_path / "r"), "--chains", "mainnet,goerli")
    assert result.exit_code == 1
    assert "unknown chain 'goerli'" in result.output and "Traceback" not in result.output
