"""did:web fetching (issue 19, item 10): public addresses only, HTTPS only, size and time capped.

No network: the address policy is a pure function, and the fetches go to an HTTPS server on
127.0.0.1 with a certificate from a test CA, reached through a fake DNS answer and the explicit,
test-only `allow_loopback` argument.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from anchor.crypto.did import DidResolutionError, DidResolver, WebFetchPolicy, address_refusal, fetch_did_web
from anchor.crypto.keys import SigningKey

HOST = "uni.example"

# -- the address policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),  # ipaddress calls it global
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("192.0.2.1", "private"),  # documentation
        ("198.18.0.1", "private"),  # benchmarking
        ("::ffff:127.0.0.1", "loopback address inside ::ffff:7f00:1"),
        ("::ffff:10.0.0.1", "private address inside"),
        ("2002:7f00:1::", "loopback address inside 2002:7f00:1::"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local address inside"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private address inside"),  # NAT64 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    refusal = address_refusal(address)
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"]
)
def test_public_addresses_are_allowed(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_the_test_override_allows_loopback_and_nothing_else(address):
    assert address_refusal(address, allow_loopback=True) is None
    for other in ("10.0.0.1", "169.254.169.254", "fe80::1", "224.0.0.1"):
        assert address_refusal(other, allow_loopback=True) is not None


def test_a_did_web_name_that_resolves_to_a_private_address_is_never_contacted():
    looked_up: list[str] = []

    def dns(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["93.184.216.34", "10.1.2.3"]  # one public and one private answer: refused

    with pytest.raises(DidResolutionError, match=r"uni\.example resolves to 10\.1\.2\.3, a private address"):
        DidResolver(allow_network=True, fetch_policy=WebFetchPolicy(resolve=dns)).document("did:web:uni.example")
    assert looked_up == ["uni.example"]


def test_an_ip_literal_did_web_is_checked_without_dns():
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("an IP literal needs no lookup")

    with pytest.raises(DidResolutionError, match="a loopback address"):
        fetch_did_web("https://127.0.0.1:8443/.well-known/did.json", WebFetchPolicy(resolve=no_dns))


# -- a local HTTPS server -------------------------------------------------------------------------------

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Server:
    port: int
    routes: dict[str, Handler]
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)


@dataclass(frozen=True)
class Tls:
    client: ssl.SSLContext
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A test CA and a certificate for uni.example and 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "credanchor test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign, crl_sign
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return Tls(client=ssl.create_default_context(cafile=str(ca_file)), server=server)


def _serve(context: ssl.SSLContext | None) -> Iterator[Server]:
    state = Server(port=0, routes={})

    class Handle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("Host", "")))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
            else:
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client hangs up on purpose (a deadline, a size cap): nothing to print

    httpd = Quiet(("127.0.0.1", 0), Handle)
    httpd.daemon_threads = True
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def https(tls: Tls) -> Iterator[Server]:
    yield from _serve(tls.server)


@pytest.fixture
def plain_http() -> Iterator[Server]:
    yield from _serve(None)


def send(status: int, body: bytes = b"", **headers: str) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            request.send_header(name.replace("_", "-"), value)
        request.end_headers()
        request.wfile.write(body)

    return handle


def trickle(*, in_headers: bool) -> Handler:
    """A byte every 20 ms, for ever (in a header, or in the body): each read succeeds, so only a
    deadline for the whole fetch ends it."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.wfile.write(b"HTTP/1.1 200 OK\r\n" + (b"X-Slow: " if in_headers else b"\r\n"))
        try:
            while True:
                request.wfile.write(b"a")
                request.wfile.flush()
                time.sleep(0.02)
        except OSError:
            return

    return handle


@dataclass
class Dns:
    answers: dict[str, list[str]]
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers[host]


@pytest.fixture
def dns() -> Dns:
    return Dns({HOST: ["127.0.0.1"], "other.example": ["127.0.0.1"]})


def policy(tls: Tls, dns: Dns, **changes: object) -> WebFetchPolicy:
    return replace(WebFetchPolicy(allow_loopback=True, ssl_context=tls.client, resolve=dns), **changes)  # type: ignore[arg-type]


def did_of(server: Server, host: str = HOST) -> str:
    return f"did:web:{host}%3A{server.port}"


# -- fetching ---------------------------------------------------------------------------------------------


def test_a_did_web_document_is_fetched_from_the_checked_address(https, tls, dns):
    key = SigningKey.generate(did_web=did_of(https))
    https.routes["/.well-known/did.json"] = send(200, json.dumps(key.did_document()).encode())
    resolver = DidResolver(allow_network=True, fetch_policy=policy(tls, dns))
    method = resolver.verification_method(key.verification_method)
    assert method.public_key == key.public_key
    assert dns.asked == [HOST]  # resolved once; the connection went to that answer
    assert https.requests == [("/.well-known/did.json", f"{HOST}:{https.port}")]  # TLS and Host for the name


def test_loopback_is_refused_without_the_test_override(https, tls, dns):
    https.routes["/.well-known/did.json"] = send(200, b"{}")
    with pytest.raises(DidResolutionError, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        DidResolver(allow_network=True, fetch_policy=policy(tls, dns, allow_loopback=False)).document(did_of(https))
    assert https.requests == []


def test_a_redirect_from_https_to_http_is_refused(https, plain_http, tls, dns):
    target = f"http://{HOST}:{plain_http.port}/.well-known/did.json"
    https.routes["/.well-known/did.json"] = send(302, Location=target)
    with pytest.raises(DidResolutionError, match="only HTTPS redirects are followed"):
        fetch_did_web(f"https://{HOST}:{https.port}/.well-known/did.json", policy(tls, dns))
    assert plain_http.requests == []


def test_an_https_redirect_is_followed_and_its_host_checked(https, tls, dns):
    https.routes["/.well-known/did.json"] = send(301, Location="/moved/did.json")
    https.routes["/moved/did.json"] = send(200, b'{"id": "x"}')
    url = f"https://{HOST}:{https.port}/.well-known/did.json"
    assert fetch_did_web(url, policy(tls, dns)) == b'{"id": "x"}'
    https.routes["/moved/did.json"] = send(302, Location=f"https://evil.example:{https.port}/did.json")
    dns.answers["evil.example"] = ["169.254.169.254"]
    with pytest.raises(DidResolutionError, match=r"evil\.example resolves to 169\.254\.169\.254, a link-local address"):
        fetch_did_web(url, policy(tls, dns))


def test_redirects_are_followed_a_few_times_only(https, tls, dns):
    https.routes["/loop"] = send(307, Location="/loop")
    with pytest.raises(DidResolutionError, match="more than 3 redirects"):
        fetch_did_web(f"https://{HOST}:{https.port}/loop", policy(tls, dns))
    assert len(https.requests) == 4


@pytest.mark.parametrize("declared", [True, False])
def test_a_document_larger_than_the_cap_is_refused(https, tls, dns, declared):
    big = b"[" + b" " * (300 * 1024) + b"]"
    if declared:
        https.routes["/did.json"] = send(200, big)
    else:

        def undeclared(request: http.server.BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Connection", "close")
            request.end_headers()
            request.wfile.write(big)

        https.routes["/did.json"] = undeclared
    with pytest.raises(DidResolutionError, match="larger than 262144 bytes"):
        fetch_did_web(f"https://{HOST}:{https.port}/did.json", policy(tls, dns))


@pytest.mark.parametrize("in_headers", [True, False])
def test_one_deadline_bounds_the_whole_fetch(https, tls, dns, in_headers):
    """The server answers every read within 20 ms, for ever: a per-read timeout would never fire."""
    https.routes["/did.json"] = trickle(in_headers=in_headers)
    started = time.monotonic()
    with pytest.raises(DidResolutionError, match=r"took more than 0\.3 s in all"):
        fetch_did_web(f"https://{HOST}:{https.port}/did.json", policy(tls, dns, timeout=0.3))
    assert time.monotonic() - started < 10  # generous: without the deadline this never ends


def test_a_certificate_for_another_name_fails(https, tls, dns):
    """The connection goes to the checked address but TLS still checks the name: other.example has no certificate."""
    with pytest.raises(DidResolutionError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        fetch_did_web(f"https://other.example:{https.port}/did.json", policy(tls, dns))


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"not json", "is not JSON"), (b"[1]", "is for 'list'"), (b'{"id": "did:web:someone.else"}', "is for")],
)
def test_a_document_that_is_not_the_dids_fails(https, tls, dns, body, reason):
    https.routes["/.well-known/did.json"] = send(200, body)
    with pytest.raises(DidResolutionError, match=reason):
        DidResolver(allow_network=True, fetch_policy=policy(tls, dns)).document(did_of(https))


def test_an_error_status_fails(https, tls, dns):
    with pytest.raises(DidResolutionError, match="answered HTTP 404"):
        fetch_did_web(f"https://{HOST}:{https.port}/missing.json", policy(tls, dns))


def test_no_network_without_allow_network(tmp_path: Path):
    with pytest.raises(DidResolutionError, match="allow fetching it over HTTPS"):
        DidResolver().document("did:web:uni.example")
