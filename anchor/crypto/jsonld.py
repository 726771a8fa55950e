"""JSON-LD contexts bundled with credanchor and an offline document loader.

Every document credanchor writes names only contexts their owners publish (W3C VC 2.0, 1EdTech
Open Badges 3.0.3, W3C Data Integrity, DID, Multikey), which every stock verifier has, plus
:data:`CREDANCHOR_TERMS`: an *inline* context object (VC 2.0 allows objects after the first entry)
defining the EU micro-credential, on-chain status, anchor-proof and stacking terms. An inline
context is part of the document, so a verifier never has to fetch it; the IRIs it maps terms to
are names, never fetched either (docs/credentials.md has the table).

Credentials issued before issue 15 name ``https://w3id.org/credanchor/microcredential/v1``
instead, a context published nowhere: it stays bundled so that credanchor still reads and verifies
them (:data:`LEGACY`), and nothing new is written with it.

Every context ships inside the package; the loader serves them from memory and refuses any other
URL with a clear error. It never touches the network, so signing and verifying behave the same on
an air-gapped machine and cannot be steered by a server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from anchor.errors import CredAnchorError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: VC Data Model 1.1: read and signed (the VC API), never written by credanchor's own issuance.
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
#: Read only: the context of credentials issued before issue 15 (published nowhere; never written again).
MICROCREDENTIAL_V1 = "https://w3id.org/credanchor/microcredential/v1"
#: Bundled for reading old documents only.
LEGACY = frozenset({MICROCREDENTIAL_V1})

BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    VC_V1: "credentials-v1.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    MICROCREDENTIAL_V1: "microcredential-v1.jsonld",
}


#: The inline context object credanchor writes after the published contexts: the term definitions of
#: the legacy context, unchanged (same IRIs, so an old and a new credential say the same in RDF).
#: Shared by every document written: never mutate it.
CREDANCHOR_TERMS: dict[str, Any] = json.loads((CONTEXTS_DIR / "credanchor-terms-v1.json").read_text())
#: Every inline context object credanchor has written, compared by value (signed_view trusts exactly these).
KNOWN_INLINE_CONTEXTS: tuple[dict[str, Any], ...] = (CREDANCHOR_TERMS,)


def is_known_inline_context(value: Any) -> bool:
    """Whether `value` is, by value, an inline context object credanchor writes."""
    return isinstance(value, dict) and any(value == known for known in KNOWN_INLINE_CONTEXTS)


class UnknownContextError(CredAnchorError, LookupError):
    """A document names a JSON-LD context that is not bundled; it is never fetched."""


@cache
def bundled_context(url: str) -> dict[str, Any]:
    """The parsed bundled context document for `url`."""
    try:
        name = BUNDLED[url]
    except KeyError:
        raise UnknownContextError(
            f"JSON-LD context {url!r} is not bundled with credanchor and is never fetched; "
            f"known contexts: {', '.join(sorted(BUNDLED))}"
        ) from None
    document: dict[str, Any] = json.loads((CONTEXTS_DIR / name).read_text())
    return document


LoaderFn = Callable[[str, Any], dict[str, Any]]


def document_loader(extra: Mapping[str, dict[str, Any]] | None = None) -> LoaderFn:
    """A pyld document loader serving the bundled contexts plus `extra` (URL → document)."""
    extras = dict(extra or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        document = extras[url] if url in extras else bundled_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load
