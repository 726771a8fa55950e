"""Slither finds nothing in the contracts that is not triaged, and the triage matching is strict."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "static_analysis.py"
OZ_ERC721 = ROOT / "node_modules" / "@openzeppelin" / "contracts" / "token" / "ERC721" / "ERC721.sol"
NFT_SOURCE = ROOT / "contracts" / "CredentialNFT.sol"


@pytest.fixture(scope="module")
def static_analysis():
    spec = importlib.util.spec_from_file_location("static_analysis", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _contract(name, path):
    return {"type": "contract", "name": name, "source_mapping": {"filename_absolute": str(path)}}


def _function(contract, signature, path):
    return {
        "type": "function",
        "name": signature.split("(")[0],
        "source_mapping": {"filename_absolute": str(path)},
        "type_specific_fields": {"parent": _contract(contract, path), "signature": signature},
    }


def _result(check, *elements, impact="Low"):
    return {
        "check": check,
        "impact": impact,
        "confidence": "Medium",
        "description": f"{check} here\n",
        "elements": elements,
    }


MINT = _function("CredentialNFT", "_mintCredential(address,string)", NFT_SOURCE)
SAFE_MINT = _function("ERC721", "_safeMint(address,uint256)", OZ_ERC721)


# -- naming what slither reports ------------------------------------------------------------------


def test_a_function_is_located_by_contract_and_signature(static_analysis):
    assert static_analysis.location_of(MINT) == "CredentialNFT._mintCredential(address,string)"


def test_a_local_variable_is_located_inside_its_function(static_analysis):
    local = {
        "type": "variable",
        "name": "ended",
        "source_mapping": {"filename_absolute": str(NFT_SOURCE)},
        "type_specific_fields": {"parent": MINT},
    }
    assert static_analysis.location_of(local) == "CredentialNFT._mintCredential(address,string).ended"


def test_a_statement_is_located_by_its_function(static_analysis):
    node = {
        "type": "node",
        "name": "_safeMint(holder,tokenId)",
        "source_mapping": {"filename_absolute": str(NFT_SOURCE)},
        "type_specific_fields": {"parent": MINT},
    }
    assert static_analysis.location_of(node) == "CredentialNFT._mintCredential(address,string)"


def test_a_pragma_is_located_by_its_source_path(static_analysis):
    pragma = {"type": "pragma", "name": "0.8.28", "source_mapping": {"filename_absolute": str(NFT_SOURCE)}}
    assert static_analysis.location_of(pragma) == "contracts/CredentialNFT.sol"


def test_only_results_touching_our_contracts_count_and_are_located_in_them(static_analysis):
    output = {
        "results": {
            "detectors": [
                _result("assembly", SAFE_MINT),  # OpenZeppelin's alone: left out
                _result("reentrancy-events", SAFE_MINT, MINT),  # ours, even though listed second
            ]
        }
    }
    [finding] = static_analysis.findings_of(output)
    assert (finding.detector, finding.location) == (
        "reentrancy-events",
        "CredentialNFT._mintCredential(address,string)",
    )
    assert finding.description == "reentrancy-events here"


# -- matching findings with the triage ------------------------------------------------------------


def _finding(static_analysis, detector="timestamp", location="IssuerRegistry.deaccredit(address)"):
    return static_analysis.Finding(detector, "Low", "Medium", location, "uses timestamp")


def _entry(static_analysis, detector="timestamp", location="IssuerRegistry.deaccredit(address)"):
    return static_analysis.TriageEntry(detector, location, "block time by design")


def test_triaged_findings_pass(static_analysis, capsys):
    assert static_analysis.report([_finding(static_analysis)], [_entry(static_analysis)]) == 0
    assert "[triaged] timestamp" in capsys.readouterr().out


def test_an_untriaged_finding_fails(static_analysis, capsys):
    other = _finding(static_analysis, location="IssuerRegistry._accredit(address,uint64,uint64,string)")
    assert static_analysis.report([_finding(static_analysis), other], [_entry(static_analysis)]) == 1
    out = capsys.readouterr().out
    assert "[UNTRIAGED] timestamp (Low, Medium confidence) IssuerRegistry._accredit" in out
    assert "1 untriaged, 0 stale" in out


def test_the_same_location_under_another_detector_is_not_triaged(static_analysis):
    untriaged, stale = static_analysis.match(
        [_finding(static_analysis, detector="assembly")], [_entry(static_analysis)]
    )
    assert [f.detector for f in untriaged] == ["assembly"]
    assert len(stale) == 1


def test_a_stale_triage_entry_fails(static_analysis, capsys):
    assert static_analysis.report([], [_entry(static_analysis)]) == 1
    assert "[STALE] timestamp IssuerRegistry.deaccredit(address)" in capsys.readouterr().out


def _write_triage(path, entries):
    path.write_text(json.dumps({"findings": entries}))
    return path


def test_a_finding_triaged_twice_is_refused(static_analysis, tmp_path):
    entry = {"detector": "timestamp", "location": "IssuerRegistry.deaccredit(address)", "justification": "why"}
    with pytest.raises(static_analysis.AnalysisError, match="triaged twice"):
        static_analysis.load_triage(_write_triage(tmp_path / "triage.json", [entry, entry]))


def test_an_entry_without_justification_is_refused(static_analysis, tmp_path):
    entry = {"detector": "timestamp", "location": "IssuerRegistry.deaccredit(address)", "justification": " "}
    with pytest.raises(static_analysis.AnalysisError, match="no justification"):
        static_analysis.load_triage(_write_triage(tmp_path / "triage.json", [entry]))


def test_every_justification_is_presented_in_docs_security(static_analysis):
    security = (ROOT / "docs" / "security.md").read_text()
    entries = static_analysis.load_triage()
    assert entries
    for entry in entries:
        assert f"`{entry.location}`" in security, entry.location
        assert entry.justification in security, entry.location


# -- the real run ---------------------------------------------------------------------------------


def test_the_contracts_have_no_untriaged_finding_and_no_stale_triage(static_analysis):
    """Runs slither on the four contracts (about 15 s of CPU); fix or triage what it reports."""
    if static_analysis.find_slither() is None:
        pytest.skip(f"slither is not installed (pip install slither-analyzer=={static_analysis.SLITHER_VERSION})")
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 untriaged, 0 stale triage entries" in done.stdout
