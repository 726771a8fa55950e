"""JSON-LD contexts bundled with credanchor and an offline document loader.

Every context a credential here uses ships inside the package; the loader serves them from
memory and refuses any other URL with a clear error. It never touches the network, so signing
and verifying behave the same on an air-gapped machine and cannot be steered by a server.
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
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
#: The project's extension context for the EU micro-credential elements OB 3.0 has no field for.
MICROCREDENTIAL_V1 = "https://w3id.org/credanchor/microcredential/v1"

BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    MICROCREDENTIAL_V1: "microcredential-v1.jsonld",
}


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
