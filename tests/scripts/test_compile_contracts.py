"""The committed artifacts are what the pinned compiler makes of the committed sources."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compile_contracts():
    spec = importlib.util.spec_from_file_location("compile_contracts", ROOT / "scripts" / "compile_contracts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh(compile_contracts):
    return compile_contracts.build_artifacts()


def test_committed_artifacts_are_fresh(compile_contracts, fresh):
    """Recompiles with solc 0.8.28; fails if any committed artifact differs (run the script to fix)."""
    assert compile_contracts.stale_artifacts(fresh) == []


def test_artifacts_record_the_pinned_compiler_and_settings(fresh):
    for artifact in fresh.values():
        assert artifact["compiler"]["version"].startswith("0.8.28+commit.")
        assert artifact["compiler"]["settings"]["evmVersion"] == "cancun"
        assert len(artifact["deployedBytecode"]) > 2


def test_sources_pin_the_pragma(compile_contracts):
    for name in compile_contracts.DEPLOYED_CONTRACTS:
        assert "pragma solidity 0.8.28;" in (ROOT / "contracts" / f"{name}.sol").read_text()


def test_stale_artifacts_are_detected(compile_contracts, fresh):
    changed = json.loads(json.dumps(fresh))
    changed["CredentialAnchor"]["deployedBytecode"] += "00"
    assert compile_contracts.stale_artifacts(changed) == ["CredentialAnchor"]


def test_a_missing_import_is_a_clear_error(compile_contracts, monkeypatch, tmp_path):
    monkeypatch.setattr(compile_contracts, "NODE_MODULES", tmp_path)
    with pytest.raises(compile_contracts.CompileError, match="npm ci"):
        compile_contracts.collect_sources()
