"""Several RPC endpoints (anchor.chain.quorum) on both devchains: fail-over past an endpoint that is down,
a lying endpoint outvoted, and a disagreement reported as a failed check — never a pass.

The endpoints are small JSON-RPC proxies on 127.0.0.1 in front of the chain under test (anvil over HTTP,
eth-tester through its provider); a lying one answers every eth_call with zeros (a batch never anchored,
a status word with no bit set: "not revoked").
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from anchor.anchoring.batches import anchor_credentials
from anchor.chain.devchain import free_port
from anchor.chain.quorum import QuorumChainView, connect_first
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.status import RandomStatusAllocator, read_entry
from anchor.credentials.verify import CHECKS, Outcome, Verifier
from anchor.crypto.keys import SigningKey
from anchor.errors import ChainError, ConfigurationError, QuorumError
from anchor.tools.bench import BENCH_SPEC

KEY = SigningKey.generate()
BODY = AwardingBody(KEY.did, "Escola Exemplo", "PT", "Braga")

Forward = Callable[[dict[str, Any]], dict[str, Any]]


class Proxy:
    """A JSON-RPC endpoint on 127.0.0.1 forwarding to `forward`; when `lying`, every eth_call answers zeros."""

    def __init__(self, forward: Forward, *, lying: bool = False) -> None:
        self.calls = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                response = forward(request)
                if lying and request.get("method") == "eth_call" and isinstance(response.get("result"), str):
                    proxy.calls += 1
                    response = {**response, "result": "0x" + "0" * (len(response["result"]) - 2)}
                body = json.dumps(response).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3/secret-key-in-the-path"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def forwarder(env) -> Forward:
    """How a proxy reaches the chain under test: anvil over HTTP, eth-tester through its provider (one at a time)."""
    if env.kind == "anvil":
        url = env.chain.description

        def over_http(request: dict[str, Any]) -> dict[str, Any]:
            data = json.dumps(request).encode()
            post = urllib.request.Request(url, data, {"Content-Type": "application/json"})
            with urllib.request.urlopen(post, timeout=30) as answer:
                return json.loads(answer.read())

        return over_http
    lock = threading.Lock()
    provider = env.chain._w3.provider
    caller = env.chain.accounts[0]

    def in_process(request: dict[str, Any]) -> dict[str, Any]:
        params = request.get("params", [])
        if request["method"] == "eth_call":  # eth-tester wants a sender where a node assumes one
            params = [{"from": caller, **params[0]}, *params[1:]]
        with lock:
            answer = provider.make_request(request["method"], params)
        answer = json.loads(json.dumps(dict(answer), default=_hex))
        return {"jsonrpc": "2.0", "id": request.get("id"), **answer}

    return in_process


def _hex(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(type(value))


@pytest.fixture
def proxies(env) -> Iterator[Callable[..., Proxy]]:
    made: list[Proxy] = []
    forward = forwarder(env)

    def make(*, lying: bool = False) -> Proxy:
        made.append(Proxy(forward, lying=lying))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture
def credentials(env) -> list[dict[str, Any]]:
    """Three anchored credentials of an accredited issuer; the first one revoked."""
    env.registry.grant_body(env.body, sender=env.admin)
    env.registry.register_issuer(env.issuer, did=KEY.did, name=BODY.name, scope="EQF 4", sender=env.body)
    issuer = CredentialIssuer(BODY, KEY, status=RandomStatusAllocator(env.chain.chain_id, env.anchor.address,
                                                                     env.issuer))  # fmt: skip
    when = datetime(2026, 3, 1, tzinfo=UTC)
    signed = [issuer.issue(BENCH_SPEC, Award(Learner(f"L {i}", f"l{i}@example.org"), when)) for i in range(3)]
    anchored = anchor_credentials(signed, env.anchor, sender=env.issuer).credentials
    entry = next(e for e in anchored[0]["credentialStatus"] if e["statusPurpose"] == "revocation")
    location = read_entry(entry)[1]
    env.anchor.revoke(location.list_id, [location.index], sender=env.issuer)
    return anchored


def verifier(env, urls: list[str], quorum: int) -> Verifier:
    return Verifier(QuorumChainView.connect(urls, env.registry.address, quorum))


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v3/another-secret"  # nothing listens there


def test_reads_fail_over_past_an_endpoint_that_is_down(env, proxies, credentials):
    good = proxies()
    report = verifier(env, [closed_port_url(), good.url], 1).verify(credentials[1])
    assert report.verified
    assert {c.name: c.outcome for c in report.checks} == dict.fromkeys(CHECKS, Outcome.PASS)


def test_a_lying_endpoint_is_outvoted(env, proxies, credentials):
    liar, good, other = proxies(lying=True), proxies(), proxies()
    check = verifier(env, [liar.url, good.url, other.url], 2)
    assert check.verify(credentials[1]).verified
    revoked = check.verify(credentials[0])
    assert revoked.check("revocation").outcome is Outcome.FAIL  # the liar's "not revoked" lost the vote
    assert "revoked (list" in revoked.check("revocation").reason
    assert liar.calls > 0  # it was asked, and lied


def test_a_disagreement_is_a_failed_check_never_a_pass(env, proxies, credentials):
    good, liar = proxies(), proxies(lying=True)
    report = verifier(env, [good.url, liar.url], 2).verify(credentials[1])
    assert not report.verified
    anchored = report.check("anchored")
    assert anchored.outcome is Outcome.FAIL
    assert "only 1 of 2 RPC endpoints agree on the batch record" in anchored.reason
    assert "secret" not in anchored.reason  # endpoints named by scheme and host only


def test_a_revoked_credential_is_never_passed_on_a_split_vote(env, proxies, credentials):
    liar, good = proxies(lying=True), proxies()
    # the liar also denies the anchoring: every chain-backed check fails, none passes
    report = verifier(env, [liar.url, good.url], 2).verify(credentials[0])
    assert not report.verified
    assert report.check("revocation").outcome is not Outcome.PASS


def test_quorum_of_one_endpoint_is_plain_reading(env, proxies, credentials):
    good = proxies()
    assert verifier(env, [good.url], 1).verify(credentials[2]).verified


def test_every_endpoint_down_is_a_failed_check(env, credentials):
    report = verifier(env, [closed_port_url(), closed_port_url()], 1).verify(credentials[1])
    assert not report.verified
    assert "no RPC endpoint answered" in report.check("anchored").reason
    assert "secret" not in report.check("anchored").reason


def test_quorum_larger_than_the_endpoints_is_refused(env):
    with pytest.raises(ConfigurationError, match="needs 1 to 2 endpoints"):
        QuorumChainView.connect([closed_port_url(), closed_port_url()], None, 3)


def test_connect_first_skips_an_endpoint_that_is_down(env, proxies):
    good = proxies()
    chain = connect_first([closed_port_url(), good.url])
    assert chain.chain_id == env.chain.chain_id
    with pytest.raises(ChainError, match="none of the RPC endpoints answered") as raised:
        connect_first([closed_port_url()])
    assert "another-secret" not in str(raised.value)
    assert not isinstance(raised.value, QuorumError)
