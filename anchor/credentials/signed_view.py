"""What the verifier reads must be what was signed: a credential's JSON against its signed graph.

An eddsa-rdfc-2022 signature covers the RDF graph of a document, not its JSON. Many JSON texts have
one graph, so a holder can rewrite a signed credential and keep its signature valid while the
members the checks read say something else, or nothing:

- ``"statusPurpose": {"@value": "revocation"}`` (a value object), or ``["revocation"]`` (a list of one);
- a property under its full IRI (``"https://www.w3.org/2018/credentials#validUntil"``), or as a typed
  value the term does not match;
- ``credentialSubject`` named by ``"@id"`` instead of ``"id"``, or by a bare string;
- a term defined in an inline ``@context`` that maps to a checked IRI (``"expires"`` → validUntil);
- a node object elsewhere in the document (``@included``, a nested object) that carries the same
  ``@id`` as the credential or one of its status entries: JSON-LD merges them into one node.

A revoked credential whose statusPurpose is hidden, or an expired one whose validUntil is, would
verify; another person's credential whose subject id is hidden would pass holder binding.

Two checks close this, run by :class:`~anchor.credentials.verify.Verifier` (and for presentations):

- :func:`plain_json_problems` — cheap, on the JSON alone, for every cryptosuite (eddsa-jcs-2022 signs
  the JSON itself, but a JSON-LD reader would still read an ``@value``-wrapped or IRI-keyed member
  the checks do not see): no JSON-LD keyword but ``@context`` at the top, in status entries, subjects,
  the issuer or the holder; no IRI-shaped key at the top or in a status entry; status entries of
  plain values only; dates as single strings; subject and credential ids that are strings (not blank
  node labels).
- :func:`unsigned_fields` — for rdfc-signed documents, after the signature verified: the document is
  expanded and flattened (nodes with one ``@id`` merged, as the graph has them), the credential's node
  is cut down to the members the checks read (id, type, issuer, validFrom, validUntil, every
  credentialStatus entry whole, the credentialSubject ids, holder) and compacted with the document's
  *URL* contexts and the inline context objects credanchor itself writes (exactly
  :data:`~anchor.crypto.jsonld.KNOWN_INLINE_CONTEXTS`, compared by value: they define the on-chain
  status terms); any other inline context object is left out, so an alias defined there cannot stand
  in for a standard term. Each member the checks read must be in the JSON exactly as in that
  compaction, and the compaction may hold nothing else (a checked IRI that no standard term matches).

Cost: one expansion and one compaction of the cut-down node (≈ 6 ms for a micro-credential, against
≈ 1 ms for the rest of its verification); results are cached per document (LRU), so verifying one
credential again — a stack's components, a presentation re-sent — costs nothing more.

Anchored credentials are pinned to their JSON anyway (the Merkle leaf is the hash of their JCS
serialization, anchored by the issuer's accredited account), so the Verifier skips the comparison when
their anchoring checks all pass: it guards plain VCs in the ``vc`` profile, credentials whose anchoring
fails, and presentations.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from pyld import jsonld

from anchor.crypto.jsonld import LoaderFn, is_known_inline_context
from anchor.errors import CredAnchorError
from anchor.types import as_list

CREDENTIALS = "https://www.w3.org/2018/credentials#"

#: The members of a credential (or presentation) node the checks read, and their IRIs (VC 2.0 context).
CHECKED = {
    "issuer": CREDENTIALS + "issuer",
    "validFrom": CREDENTIALS + "validFrom",
    "validUntil": CREDENTIALS + "validUntil",
    "credentialSubject": CREDENTIALS + "credentialSubject",
    "credentialStatus": CREDENTIALS + "credentialStatus",
    "holder": CREDENTIALS + "holder",
    # VC 1.1 names: read by nothing here, but a graph that has them must show them where they belong.
    "issuanceDate": CREDENTIALS + "issuanceDate",
    "expirationDate": CREDENTIALS + "expirationDate",
}
#: Members of credanchor's on-chain BitstringStatusListEntry (anchor.credentials.status).
ONCHAIN_STATUS_KEYS = ("chainId", "statusContract", "statusIssuer", "statusListId")

_KEYWORD_FREE = ("issuer", "holder")  # objects in which no JSON-LD keyword may appear
_PLAIN_VALUES = (str, int)  # a tuple, not `str | int`: that union would be built anew per value


def mismatch_reason(fields: list[str]) -> str:
    return "the JSON does not say what was signed: " + "; ".join(fields)


# -- the cheap structural check ------------------------------------------------------------------------


def plain_json_problems(document: dict[str, Any]) -> list[str]:
    """The members the checks read that the JSON writes in a form they would not see (empty: none).

    `document` is the signed document without its proofs. Each problem names the member and why.
    """
    problems = []
    for key in document:
        if key.startswith("@") and key != "@context":
            problems.append(f"{key} (a JSON-LD keyword at the top; only @context may be one)")
        elif ":" in key:
            problems.append(f"{key} (a property written as an IRI: use its term)")
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if name in document and not isinstance(document[name], str):
            problems.append(f"{name} (must be one date-time string, not a value object or list)")
    identifier = document.get("id")
    if identifier is not None and (not isinstance(identifier, str) or identifier.startswith("_:")):
        problems.append("id (must be a URL)")
    for name in _KEYWORD_FREE:
        value = document.get(name)
        if isinstance(value, dict):
            problems += [f"{name}.{k} (a JSON-LD keyword)" for k in value if k.startswith("@")]
    for position, subject in enumerate(as_list(document.get("credentialSubject"))):
        where = f"credentialSubject[{position}]"
        if not isinstance(subject, dict):
            problems.append(f"{where} (not an object: its id would go unread)")
            continue
        problems += [f"{where}.{k} (a JSON-LD keyword)" for k in subject if k.startswith("@") and k != "@context"]
        subject_id = subject.get("id")
        if subject_id is not None and (not isinstance(subject_id, str) or subject_id.startswith("_:")):
            problems.append(f"{where}.id (must be one URL)")
    for position, entry in enumerate(as_list(document.get("credentialStatus"))):
        where = f"credentialStatus[{position}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} (not an object)")
            continue
        for key, value in entry.items():
            if key.startswith("@") or ":" in key:
                problems.append(f"{where}.{key} (a JSON-LD keyword or IRI key: use the entry's terms)")
            elif isinstance(value, bool) or not isinstance(value, _PLAIN_VALUES):
                problems.append(f"{where}.{key} (must be a plain string or integer)")
        if isinstance(entry.get("id"), str) and entry["id"].startswith("_:"):
            problems.append(f"{where}.id (a blank node label)")
    return problems


def carries_onchain_status(document: dict[str, Any]) -> bool:
    """Whether `document` carries credanchor's on-chain status (so it must be anchored to verify)."""
    return any(
        isinstance(entry, dict) and any(key in entry for key in ONCHAIN_STATUS_KEYS)
        for entry in as_list(document.get("credentialStatus"))
    )


# -- the graph comparison ------------------------------------------------------------------------------


def unsigned_fields(document: dict[str, Any], loader: LoaderFn) -> list[str]:
    """The members the checks read whose JSON differs from the signed graph (empty: none).

    `document` is the signed document without its proofs, `loader` the one its signature was verified
    with. Cached per document and loader.
    """
    try:
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        return [f"the document is not JSON ({exc.__class__.__name__})"]
    key = (loader, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return list(_CACHE[key])
    found = _compare(document, loader)
    with _LOCK:
        _CACHE[key] = tuple(found)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


_CACHE: OrderedDict[tuple[LoaderFn, bytes], tuple[str, ...]] = OrderedDict()
_CACHE_SIZE = 1024
_LOCK = threading.Lock()


def _compare(document: dict[str, Any], loader: LoaderFn) -> list[str]:
    contexts = [c for c in as_list(document.get("@context")) if isinstance(c, str) or is_known_inline_context(c)]
    options: dict[str, Any] = {"documentLoader": loader}
    try:
        expanded = jsonld.expand(document, options)
        reduced = _checked_node(expanded)
        if isinstance(reduced, str):
            return [reduced]
        compacted = jsonld.compact([reduced], {"@context": contexts}, {**options, "skipExpansion": True})
    except (jsonld.JsonLdError, CredAnchorError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return [f"the document cannot be read as JSON-LD ({exc.__class__.__name__})"]
    return _differences(document, compacted)


def _checked_node(expanded: list[Any]) -> dict[str, Any] | str:
    """The document's own node, as the graph has it, cut down to what the checks read (expanded form)."""
    if len(expanded) != 1 or not isinstance(expanded[0], dict) or "@value" in expanded[0]:
        return "the document is not one JSON-LD node"
    top = expanded[0]
    top_id = top.get("@id")
    if isinstance(top_id, str) and top_id.startswith("_:"):
        return "id (a blank node label)"
    nodes = _node_map(expanded)
    if isinstance(top_id, str):
        top = nodes.get(top_id, top)
    # Without an @id the node is a blank node no other part of the document can name: as expanded.
    reduced: dict[str, Any] = {"@type": top.get("@type", [])}
    if isinstance(top_id, str):
        reduced["@id"] = top_id
    for iri in CHECKED.values():
        if iri not in top:
            continue
        if iri == CHECKED["credentialStatus"]:
            reduced[iri] = [_status_entry(value, nodes) for value in top[iri]]
        elif iri in (CHECKED["credentialSubject"], CHECKED["issuer"], CHECKED["holder"]):
            reduced[iri] = [_reference(value) for value in top[iri]]
        else:
            reduced[iri] = top[iri]
    return reduced


def _node_map(expanded: list[Any]) -> dict[str, Any]:
    """Node objects of the default graph by @id, every description of one @id merged (JSON-LD flattening)."""
    flattened = jsonld.JsonLdProcessor()._flatten(expanded, {"identifierIssuer": None})
    return {node["@id"]: node for node in flattened if isinstance(node, dict) and "@id" in node}


def _status_entry(value: Any, nodes: dict[str, Any]) -> Any:
    if not isinstance(value, dict) or "@value" in value:
        return value
    entry_id = value.get("@id")
    node = nodes.get(entry_id, value) if isinstance(entry_id, str) and not entry_id.startswith("_:") else value
    return {k: v for k, v in node.items() if not (k == "@id" and str(v).startswith("_:"))}


def _reference(value: Any) -> Any:
    """A subject, issuer or holder as the checks read it: its id only (a blank node: no id)."""
    if not isinstance(value, dict) or "@value" in value:
        return value
    node_id = value.get("@id")
    if isinstance(node_id, str) and not node_id.startswith("_:"):
        return {"@id": node_id}
    return {}


_ALLOWED = frozenset({"@context", "id", "type", *CHECKED})


def _differences(document: dict[str, Any], signed: dict[str, Any]) -> list[str]:
    found = [f"{key} (a signed value no standard term names)" for key in signed if key not in _ALLOWED]
    if document.get("id") != signed.get("id"):
        found.append("id")
    if as_list(document.get("type")) != as_list(signed.get("type")):
        found.append("type")
    for name in ("issuer", "holder"):
        if _id_of(document.get(name)) != _id_of(signed.get(name)):
            found.append(name)
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if document.get(name) != signed.get(name):
            found.append(name)
    json_subjects = [_id_of(s) for s in as_list(document.get("credentialSubject"))]
    signed_subjects = [_id_of(s) for s in as_list(signed.get("credentialSubject"))]
    if json_subjects != signed_subjects:
        found.append("credentialSubject id")
    if as_list(document.get("credentialStatus")) != as_list(signed.get("credentialStatus")):
        found.append("credentialStatus")
    return found


def _id_of(value: Any) -> Any:
    """The id the checks read from an issuer, holder or subject: a string, or the object's `id`
    (a bare string subject is refused by plain_json_problems, so reading it as an id here is safe)."""
    if isinstance(value, dict):
        return value.get("id")
    return value
