"""DIDs for issuers and holders: did:key (Ed25519 Multikey) and did:web, and their documents.

did:key documents are derived from the key itself (nothing to fetch). A did:web document is
published by its controller at https://<domain>/<path>/did.json; the resolver takes such
documents from a local store first (the issuer's own, tests, an operator's pinned set) and only
then, when allowed, over HTTPS.

The DID, and so the host fetched from, comes from the credential being verified: an attacker's
choice. So a fetch (:func:`fetch_did_web`) resolves the host once, refuses any address that is not
public unicast (loopback, private, link-local, multicast, reserved, shared, and their IPv6 and
IPv4-in-IPv6 forms), connects to exactly the address it checked (a second DNS answer cannot swap
it: no rebinding), follows at most a few redirects, each to HTTPS only and checked the same way,
reads at most 256 KiB, and gives up at one deadline for the whole fetch, not per socket read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from anchor import jsonsafe
from anchor.crypto import multibase
from anchor.crypto.jsonld import DID_V1, MULTIKEY_V1
from anchor.errors import CredAnchorError


class DidResolutionError(CredAnchorError, LookupError):
    """A DID or verification method cannot be resolved to a usable public key."""


def did_key_from_public_key(public_key: bytes) -> str:
    return "did:key:" + multibase.encode(multibase.ED25519_PUB + public_key)


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web document (did:web:example.edu:issuers:1 → …/issuers/1/did.json)."""
    if not did.startswith("did:web:") or len(did) == len("did:web:"):
        raise DidResolutionError(f"{did!r} is not a did:web DID")
    domain, *path = did[len("did:web:") :].split(":")
    # Only a port may be percent-encoded in the domain (did:web:example.com%3A3000).
    domain = domain.replace("%3A", ":").replace("%3a", ":")
    if not domain or any(c in domain for c in "%@/?#\\") or not all(path):
        raise DidResolutionError(f"{did!r} is not a valid did:web DID (domain[%3Aport][:path]…)")
    segments = [urllib.parse.unquote(part) for part in path]
    if any("/" in segment or segment in (".", "..") for segment in segments):
        raise DidResolutionError(f"{did!r} has a path segment that is not allowed")
    return f"https://{domain}/" + ("/".join(segments) + "/did.json" if segments else ".well-known/did.json")


def did_document(did: str, public_key: bytes, *, key_id: str | None = None) -> dict[str, Any]:
    """A DID document with one Ed25519 Multikey for authentication and assertions."""
    fragment = key_id or multibase.encode(multibase.ED25519_PUB + public_key)
    return keys_document(did, [(f"{did}#{fragment}", multibase.encode(multibase.ED25519_PUB + public_key))])


def keys_document(did: str, methods: Sequence[tuple[str, str]], *, retired: Collection[str] = ()) -> dict[str, Any]:
    """A DID document with Ed25519 Multikeys given as (method id, publicKeyMultibase).

    A `retired` method (replaced by a key rotation) stays an assertion method, so that what it
    signed still verifies, and is no longer used to authenticate or to invoke/delegate capabilities.
    """
    current = [method_id for method_id, _ in methods if method_id not in retired]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "Multikey", "controller": did, "publicKeyMultibase": public_key}
            for method_id, public_key in methods
        ],
        "authentication": current,
        "assertionMethod": [method_id for method_id, _ in methods],
        "capabilityInvocation": current,
        "capabilityDelegation": current,
    }


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    controller: str
    public_key: bytes
    #: Proof purposes this method is authorized for in its controller's DID document.
    purposes: frozenset[str]


class DidResolver:
    """Resolves verification-method URLs (did:key locally; did:web from a store or HTTPS).

    With `allow_network`, unknown did:web documents are fetched by :func:`fetch_did_web` within
    `fetch_policy` (default: public addresses only, HTTPS only, 256 KiB, 10 s in all).
    """

    def __init__(
        self,
        documents: Mapping[str, dict[str, Any]] | None = None,
        *,
        allow_network: bool = False,
        fetch_policy: WebFetchPolicy | None = None,
    ) -> None:
        self._documents = dict(documents or {})
        self._allow_network = allow_network
        self._fetch_policy = fetch_policy or WebFetchPolicy()
        self._methods: dict[str, VerificationMethod] = {}

    def add(self, document: dict[str, Any]) -> None:
        self._documents[document["id"]] = document
        self._methods = {k: v for k, v in self._methods.items() if not k.startswith(document["id"] + "#")}

    def document(self, did: str) -> dict[str, Any]:
        if did in self._documents:
            return self._documents[did]
        if did.startswith("did:key:"):
            fragment = did[len("did:key:") :]
            public_key = _ed25519_key(fragment, what="Ed25519 did:key")
            return did_document(did, public_key)
        if did.startswith("did:web:"):
            if not self._allow_network:
                raise DidResolutionError(
                    f"{did} is a did:web DID whose document is not known here; add it to the resolver "
                    "or allow fetching it over HTTPS"
                )
            url = did_web_url(did)
            body = fetch_did_web(url, self._fetch_policy)
            try:
                document = jsonsafe.loads(body, what=f"the DID document at {url}")
            except ValueError as exc:
                raise DidResolutionError(f"the DID document of {did} at {url} is not JSON: {exc}") from exc
            if not isinstance(document, dict) or document.get("id") != did:
                found = document.get("id") if isinstance(document, dict) else type(document).__name__
                raise DidResolutionError(f"the document at {url} is for {found!r}, not {did}")
            self._documents[did] = document
            return document
        raise DidResolutionError(f"unsupported DID method in {did!r}: credanchor resolves did:key and did:web")

    def verification_method(self, method_id: str) -> VerificationMethod:
        """The public key and authorized purposes of `method_id` (resolved once per resolver)."""
        method = self._methods.get(method_id)
        if method is None:
            method = self._methods[method_id] = self._resolve_method(method_id)
        return method

    def _resolve_method(self, method_id: str) -> VerificationMethod:
        did, _, fragment = method_id.partition("#")
        if not fragment:
            raise DidResolutionError(f"verification method {method_id!r} has no #fragment")
        document = self.document(did)
        try:
            return self._method_in(document, did, method_id)
        except (KeyError, TypeError, AttributeError) as exc:
            raise DidResolutionError(f"{did}'s DID document is malformed ({exc.__class__.__name__}: {exc})") from None

    def _method_in(self, document: dict[str, Any], did: str, method_id: str) -> VerificationMethod:
        for method in document.get("verificationMethod", []):
            if _absolute(method.get("id", ""), did) == method_id:
                break
        else:
            raise DidResolutionError(f"{did}'s DID document has no verification method {method_id!r}")
        if method.get("type") != "Multikey" or method.get("controller") != did:
            raise DidResolutionError(f"{method_id} is not a Multikey controlled by {did}")
        public_key = _ed25519_key(method["publicKeyMultibase"], what="Ed25519 Multikey")
        purposes = frozenset(
            purpose
            for purpose in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")
            if method_id in {_absolute(_reference(ref), did) for ref in document.get(purpose, [])}
        )
        return VerificationMethod(method_id, did, public_key, purposes)


#: 'z' + base58 of 34 bytes (multicodec prefix and key) is at most 48 characters.
_MAX_KEY_MULTIBASE = 64


def _ed25519_key(text: Any, *, what: str) -> bytes:
    """The 32 bytes of a multibase Ed25519 public key. Its text comes from the document being verified,
    and base58 decoding is quadratic in the length: anything longer than a key is refused unread."""
    if not isinstance(text, str) or len(text) > _MAX_KEY_MULTIBASE:
        shown = f"{len(text)} characters" if isinstance(text, str) else type(text).__name__
        raise DidResolutionError(f"{shown} cannot be a multibase-encoded {what}")
    return multibase.decode_key(text, multibase.ED25519_PUB, what=what)


def _reference(entry: Any) -> str:
    """A verification relationship entry is a method URL or an embedded method object."""
    return entry if isinstance(entry, str) else str(entry.get("id", "")) if isinstance(entry, dict) else ""


def _absolute(reference: str, did: str) -> str:
    return did + reference if reference.startswith("#") else reference


# -- fetching did:web documents ------------------------------------------------------------------

#: host, port → the addresses the host resolves to (socket.getaddrinfo by default).
Resolve = Callable[[str, int], Sequence[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class WebFetchPolicy:
    """The bounds of one did:web fetch.

    `allow_loopback`, `ssl_context` (a context trusting a test CA) and `resolve` (a fake DNS) exist
    for tests that serve a document from 127.0.0.1: they are arguments a program passes on purpose,
    never read from the environment or from settings an attacker might reach.
    """

    max_bytes: int = 256 * 1024
    #: Seconds for the whole fetch: name resolution, connections, redirects and reading.
    timeout: float = 10.0
    max_redirects: int = 3
    allow_loopback: bool = False
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)
    resolve: Resolve | None = field(default=None, compare=False)


def address_refusal(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why nothing may be fetched from `address`; None for a public unicast address.

    `ipaddress`'s is_global alone is not enough: it calls multicast and the IPv6 forms that carry
    an IPv4 address (6to4, NAT64) global, so those are looked at explicitly.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) does not matter here
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return "a Teredo tunnel address"
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = address_refusal(str(embedded), allow_loopback=allow_loopback)
            return f"{reason} inside {ip}" if reason else None
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    for kind in ("multicast", "unspecified", "link_local", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    return None if ip.is_global else "not a public address"


def fetch_did_web(url: str, policy: WebFetchPolicy | None = None) -> bytes:
    """The body of `url` (an https URL of a did:web document), fetched within `policy`."""
    policy = policy or WebFetchPolicy()
    deadline = _Deadline(policy.timeout, url)
    for _ in range(policy.max_redirects + 1):
        status, location, body = _get(url, policy, deadline)
        if status == 200:
            return body
        if status not in _REDIRECTS:
            raise DidResolutionError(f"{url} answered HTTP {status}, not the DID document")
        if not location:
            raise DidResolutionError(f"{url} answered a redirect (HTTP {status}) without a Location")
        target = urllib.parse.urljoin(url, location)
        if urllib.parse.urlsplit(target).scheme != "https":
            raise DidResolutionError(
                f"{url} redirects to {target}: only HTTPS redirects are followed (a downgrade is refused)"
            )
        url = target
    raise DidResolutionError(f"more than {policy.max_redirects} redirects fetching {deadline.url}; gave up")


class _Deadline:
    """One deadline for a whole fetch; `watching` cuts a connection off when it passes."""

    def __init__(self, seconds: float, url: str) -> None:
        self.seconds, self.url = seconds, url
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise DidResolutionError(f"fetching {self.url} took more than {self.seconds:g} s in all; gave up")
        return left

    def watch(self, connection: _PinnedHTTPSConnection) -> threading.Timer:
        # A socket timeout applies to each read and restarts with every byte, so a server that
        # trickles its headers could hold a fetch for ever: at the deadline the connection is shut
        # down under the blocked read instead.
        timer = threading.Timer(self.remaining(), connection.shut_down)
        timer.daemon = True
        timer.start()
        return timer


def _get(url: str, policy: WebFetchPolicy, deadline: _Deadline) -> tuple[int, str | None, bytes]:
    """One GET: (status, Location of a redirect, body of a 200)."""
    parts = urllib.parse.urlsplit(url)
    try:
        host, port = parts.hostname, parts.port or 443
    except ValueError as exc:
        raise DidResolutionError(f"{url} is not a usable URL: {exc}") from None
    if parts.scheme != "https" or not host:
        raise DidResolutionError(f"{url} is not an https URL with a host")
    address = _checked_address(host, port, policy, deadline)
    context = policy.ssl_context or ssl.create_default_context()
    connection = _PinnedHTTPSConnection(host, port, address, context=context, timeout=deadline.remaining())
    timer = deadline.watch(connection)
    try:
        path = parts.path or "/"
        connection.request("GET", f"{path}?{parts.query}" if parts.query else path, headers=_HEADERS)
        response = connection.getresponse()
        if response.status != 200:
            return response.status, response.getheader("Location"), b""
        return 200, None, _read_body(connection, response, url, policy.max_bytes, deadline)
    except (OSError, http.client.HTTPException) as exc:
        deadline.remaining()  # the deadline cut it off: say so
        raise DidResolutionError(f"cannot fetch {url}: {exc}") from exc
    finally:
        timer.cancel()
        connection.close()
        connection.release()


_HEADERS = {"Accept": "application/did+json, application/json", "User-Agent": "credanchor did:web resolver"}


def _read_body(
    connection: _PinnedHTTPSConnection,
    response: http.client.HTTPResponse,
    url: str,
    max_bytes: int,
    deadline: _Deadline,
) -> bytes:
    too_large = f"the document at {url} is larger than {max_bytes} bytes: not a DID document"
    declared = response.getheader("Content-Length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > max_bytes):
        raise DidResolutionError(too_large)
    chunks: list[bytes] = []
    size = 0
    while True:
        connection.set_timeout(deadline.remaining())
        chunk = response.read1(65536)  # one read from the socket at most, so the deadline holds
        if not chunk:
            deadline.remaining()  # the end of the body, unless the deadline's timer shut the connection
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise DidResolutionError(too_large)
        chunks.append(chunk)


def _checked_address(host: str, port: int, policy: WebFetchPolicy, deadline: _Deadline) -> str:
    """The one address to connect to: every address `host` resolves to must be public."""
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _resolve(host, port, policy.resolve or _getaddrinfo, deadline)
    if not addresses:
        raise DidResolutionError(f"{host} resolves to no address")
    for address in addresses:
        reason = address_refusal(address, allow_loopback=policy.allow_loopback)
        if reason:
            raise DidResolutionError(
                f"{host} resolves to {address}, {reason}: did:web documents are fetched only from public addresses"
            )
    return addresses[0]


def _getaddrinfo(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _resolve(host: str, port: int, resolve: Resolve, deadline: _Deadline) -> Sequence[str]:
    """`resolve(host, port)` within the deadline (getaddrinfo itself has no timeout)."""
    found: list[str] = []
    failed: list[Exception] = []

    def run() -> None:
        try:
            found.extend(resolve(host, port))
        except Exception as exc:  # handed to the calling thread below, not lost in this one
            failed.append(exc)

    worker = threading.Thread(target=run, name="did-web-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        deadline.remaining()
        raise DidResolutionError(f"resolving {host} took too long; gave up")
    if failed and isinstance(failed[0], OSError):
        raise DidResolutionError(f"cannot resolve {host}: {failed[0]}") from failed[0]
    if failed:
        raise failed[0]
    return found


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `host` (its name for SNI, the certificate check and the Host header), connected to
    the `address` already checked, so that no second name lookup takes place."""

    def __init__(self, host: str, port: int, address: str, *, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context
        # Kept here because http.client drops `sock` once a response that ends the connection has
        # begun (its reader holds the socket on): the deadline needs to reach it until the end.
        self._tls_sock: ssl.SSLSocket | None = None
        self._watch: socket.socket | None = None  # a duplicate descriptor, to shut the connection down

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self._watch = socket.socket(fileno=socket.dup(sock.fileno()))
        self.sock = self._tls_sock = self._tls.wrap_socket(sock, server_hostname=self.host)

    def set_timeout(self, seconds: float) -> None:
        if self._tls_sock is not None:
            self._tls_sock.settimeout(seconds)

    def shut_down(self) -> None:
        """Wake any read blocked on the connection (from another thread: the deadline's timer)."""
        try:
            if self._watch is not None:
                self._watch.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed
            pass

    def release(self) -> None:
        """Close the duplicate descriptor (not in close(): http.client calls that mid-response)."""
        if self._watch is not None:
            self._watch.close()
            self._watch = None
