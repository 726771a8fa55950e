"""An RPC URL carrying a provider key never leaves the process (issue 19, item 6).

The key rides in the URL's path, user info or query. Whatever the chain does — a closed port, a server that
refuses (HTTP 401, whose error text quotes the URL), one that answers the chain id and then fails — no
response body or header, exception message, or log record (at DEBUG, the libraries' own included) holds it.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor.chain.adapter import Chain
from anchor.errors import ChainError
from anchor.redact import redact_url, scrub
from anchor.settings import Settings
from api.app import create_app
from api.config import ApiSettings

SECRET = "SECRETKEY0123456789"


class _Refusing(BaseHTTPRequestHandler):
    """Answers eth_chainId, and 401 to everything else (as a provider does to a key over its quota)."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if isinstance(request, dict) and request.get("method") == "eth_chainId":
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}).encode()
            self.send_response(200)
        else:
            body = b'{"error": "invalid project id"}'
            self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def refusing_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens there


def urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/v3/{SECRET}",
        f"http://user:{SECRET}@127.0.0.1:{port}/",
        f"http://127.0.0.1:{port}/rpc?apikey={SECRET}",
    ]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.Formatter()
    return "\n".join(handler.format(record) for record in caplog.records)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://mainnet.example.io/v3/abc", "https://mainnet.example.io"),
        ("https://user:pass@node.example:8545/x?k=1#f", "https://node.example:8545"),
        ("http://[::1]:9/key", "http://[::1]:9"),
        ("http://host:notaport/key", "<an unparsable URL>"),
        ("key-only", "<an unparsable URL>"),
    ],
)
def test_redact_url_keeps_scheme_host_and_port_only(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert scrub(f"failed at {url}", url) in (f"failed at {shown}",)


def test_the_chain_never_words_the_url_whole(refusing_port: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for url in urls(closed_port()):
        with pytest.raises(ChainError) as caught:
            Chain.connect(url, timeout=5)
        assert SECRET not in str(caught.value) and redact_url(url) in str(caught.value)
        assert caught.value.__cause__ is None or SECRET not in str(caught.value.__cause__)
    for url in urls(refusing_port):
        chain = Chain.connect(url, timeout=5)  # the chain id answers
        assert chain.description == f"http://127.0.0.1:{refusing_port}"
        with pytest.raises(ChainError) as caught:
            chain.block_number()  # 401: requests' text is "... for url: <the whole URL>"
        assert "401" in str(caught.value) and SECRET not in str(caught.value)
    assert caplog.records, "DEBUG logging was captured"
    assert SECRET not in everything_logged(caplog)


@pytest.mark.parametrize("where", ["closed", "refusing"])
def test_no_route_answers_the_url(
    where: str, refusing_port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = closed_port() if where == "closed" else refusing_port
    # On-chain status: verifying it needs the chain (a plain VC is answered without one, issue 15).
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                  "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:learner"},
                  "credentialStatus": {"type": "BitstringStatusListEntry", "chainId": "1"}}  # fmt: skip
    for url in urls(port) if where == "closed" else urls(port)[:1]:  # a refusing server retries: slow
        settings = ApiSettings(data=Settings(tmp_path / "data"), rpc=url, database_url=f"sqlite:///{tmp_path}/db",
                               verify_rate=0)  # fmt: skip
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            answers = [
                client.get("/ready"),
                client.post("/v1/verify", json=credential),
                client.post("/v1/verify", json={"verifiableCredential": credential}),
                client.get("/v1/nft/1"),
                client.get("/metrics"),
            ]
        for response in answers[:4]:
            assert response.status_code == 503, response.text  # the chain is unusable: said plainly
            assert f"127.0.0.1:{port}" in response.json()["detail"]
        for response in answers:
            assert SECRET not in response.text and SECRET not in str(response.headers)
    assert SECRET not in everything_logged(caplog)


def test_settings_never_show_the_url(tmp_path: Path) -> None:
    settings = ApiSettings(data=Settings(tmp_path), rpc=f"http://127.0.0.1:1/v3/{SECRET}", database_url="sqlite://")
    assert SECRET not in repr(settings)
    with pytest.raises(ValueError, match="must be an http") as caught:
        ApiSettings(data=Settings(tmp_path), rpc=f"ftp://host/{SECRET}", database_url="sqlite://").check()
    assert SECRET not in str(caught.value)
