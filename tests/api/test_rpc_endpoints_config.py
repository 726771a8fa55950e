"""The API's several RPC endpoints and chain profile settings (api/config.py): CREDANCHOR_RPC_URL may list
several URLs (fail-over), CREDANCHOR_RPC_QUORUM asks verifications for k of them, CREDANCHOR_CHAIN names the
profile the RPC must serve."""

from __future__ import annotations

import pytest

from anchor.errors import ConfigurationError
from api.config import ApiSettings


def settings(tmp_path, **env: str) -> ApiSettings:
    return ApiSettings.from_env({"CREDANCHOR_DATA_DIR": str(tmp_path / "data"), **env})


def test_several_rpc_urls_in_order(tmp_path):
    found = settings(tmp_path, CREDANCHOR_RPC_URL="http://a.example/v3/k1, https://b.example/k2",
                     CREDANCHOR_RPC_QUORUM="2", CREDANCHOR_CHAIN="sepolia")  # fmt: skip
    assert found.rpc_urls == ["http://a.example/v3/k1", "https://b.example/k2"]
    assert (found.rpc_quorum, found.chain_profile) == (2, "sepolia")
    assert "k1" not in repr(found)


def test_a_quorum_larger_than_the_urls_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="CREDANCHOR_RPC_QUORUM=3 needs 1 to 2 RPC URL"):
        settings(tmp_path, CREDANCHOR_RPC_URL="http://a.example,http://b.example", CREDANCHOR_RPC_QUORUM="3")


def test_a_bad_url_among_several_is_refused_redacted(tmp_path):
    with pytest.raises(ConfigurationError, match="must be an http") as raised:
        settings(tmp_path, CREDANCHOR_RPC_URL="http://a.example,ftp://b.example/secret")
    assert "secret" not in str(raised.value)


def test_an_unknown_chain_profile_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="unknown chain 'goerli'"):
        settings(tmp_path, CREDANCHOR_RPC_URL="http://a.example", CREDANCHOR_CHAIN="goerli")
