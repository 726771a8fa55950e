"""DIDs for issuers and holders: did:key (Ed25519 Multikey) and did:web, and their documents.

did:key documents are derived from the key itself (nothing to fetch). A did:web document is
published by its controller at https://<domain>/<path>/did.json; the resolver takes such
documents from a local store first (the issuer's own, tests, an operator's pinned set) and only
then, when allowed, over HTTPS.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    """Resolves verification-method URLs (did:key locally; did:web from a store or HTTPS)."""

    def __init__(self, documents: Mapping[str, dict[str, Any]] | None = None, *, allow_network: bool = False) -> None:
        self._documents = dict(documents or {})
        self._allow_network = allow_network
        self._methods: dict[str, VerificationMethod] = {}

    def add(self, document: dict[str, Any]) -> None:
        self._documents[document["id"]] = document
        self._methods = {k: v for k, v in self._methods.items() if not k.startswith(document["id"] + "#")}

    def document(self, did: str) -> dict[str, Any]:
        if did in self._documents:
            return self._documents[did]
        if did.startswith("did:key:"):
            fragment = did[len("did:key:") :]
            public_key = multibase.decode_key(fragment, multibase.ED25519_PUB, what="Ed25519 did:key")
            return did_document(did, public_key)
        if did.startswith("did:web:"):
            if not self._allow_network:
                raise DidResolutionError(
                    f"{did} is a did:web DID whose document is not known here; add it to the resolver "
                    "or allow fetching it over HTTPS"
                )
            url = did_web_url(did)
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    document: dict[str, Any] = json.loads(response.read())
            except (OSError, ValueError) as exc:
                raise DidResolutionError(f"cannot fetch the DID document of {did} from {url}: {exc}") from exc
            if document.get("id") != did:
                raise DidResolutionError(f"the document at {url} is for {document.get('id')!r}, not {did}")
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
        public_key = multibase.decode_key(method["publicKeyMultibase"], multibase.ED25519_PUB, what="Ed25519 Multikey")
        purposes = frozenset(
            purpose
            for purpose in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")
            if method_id in {_absolute(_reference(ref), did) for ref in document.get(purpose, [])}
        )
        return VerificationMethod(method_id, did, public_key, purposes)


def _reference(entry: Any) -> str:
    """A verification relationship entry is a method URL or an embedded method object."""
    return entry if isinstance(entry, str) else str(entry.get("id", "")) if isinstance(entry, dict) else ""


def _absolute(reference: str, did: str) -> str:
    return did + reference if reference.startswith("#") else reference
