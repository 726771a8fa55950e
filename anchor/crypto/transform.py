"""The eddsa-rdfc-2022 transformation: RDF Dataset Canonicalization of a JSON-LD document, in safe mode.

JSON-LD drops what its contexts do not define, and a dropped value is not signed; "safe mode" (VC
Data Integrity 1.0, "Securing Data Losslessly") makes that an error instead. Here it is a count:
every value of the compact document must survive expansion. Canonicalization goes through a
:class:`~anchor.crypto.rdfc.ShapeCanonicalizer` (a template per document shape) and falls back to
pyld; both run within the enclosing :class:`~anchor.crypto.rdfc_budget.CanonicalizationBudget`.
:mod:`anchor.crypto.proofs` signs and verifies with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pyld import jsonld

from anchor.crypto.jsonld import LoaderFn
from anchor.crypto.rdfc import ShapeCanonicalizer
from anchor.crypto.rdfc_budget import canonicalization_budget, canonicalize_dataset, expanded_to_rdf
from anchor.errors import CredAnchorError


class ProofError(CredAnchorError, ValueError):
    """A document cannot be secured: it is not valid JSON-LD for its contexts, or options are wrong."""


class UndefinedValuesError(ProofError):
    """Safe mode: `lost` values of the document are not defined by its contexts (at `paths`, when known)."""

    def __init__(self, lost: int, paths: tuple[str, ...] = ()) -> None:
        self.lost, self.paths = lost, paths
        where = f" ({', '.join(paths)})" if paths else ""
        super().__init__(
            f"{lost} value(s) of the document{where} are not defined by its JSON-LD @context and would not be "
            "signed: define every property in a context (or remove it)"
        )


def canonical_rdf(document: dict[str, Any], loader: LoaderFn) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0) of a JSON-LD document as N-Quads.

    Fails, like a JSON-LD "safe mode", when a property of the document is not defined by its
    contexts (it would silently fall out of the signed data), and on control characters that
    pyld's N-Quads escaping does not write the RDFC-1.0 way. Runs within the enclosing
    canonicalization budget (or a default one), and raises CanonicalizationLimitError past it.
    """
    canonicalizer = _CANONICALIZERS.pop(loader, None)
    if canonicalizer is None:
        canonicalizer = ShapeCanonicalizer(loader, lambda d: _generic_rdf(d, loader))
    _CANONICALIZERS[loader] = canonicalizer  # most recently used last
    while len(_CANONICALIZERS) > _MAX_LOADERS:
        _CANONICALIZERS.pop(next(iter(_CANONICALIZERS)))
    _refuse_control_characters(document)
    try:
        with canonicalization_budget() as budget, budget.timing():
            budget.check_document(document)
            return canonicalizer.canonicalize(document, _safe_mode)
    except jsonld.JsonLdError as exc:
        raise _jsonld_error(exc) from exc
    except CredAnchorError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # pyld on malformed input (relative IRIs, huge numbers)
        raise ProofError(f"the document is not valid JSON-LD: {exc}") from exc


# One shape canonicalizer per document loader (each loader may serve other contexts), a few kept.
_CANONICALIZERS: dict[LoaderFn, ShapeCanonicalizer] = {}
_MAX_LOADERS = 8
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False)
    # json writes control characters as escapes: a cheap look first, then at the strings themselves.
    maybe = "\\u00" in text or "\\b" in text or "\\f" in text or "\x7f" in text
    if maybe and any(_CONTROL.search(leaf) for leaf in _strings(document)):
        raise ProofError("the document holds control characters (other than tab, newline, return): remove them")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _generic_rdf(document: dict[str, Any], loader: LoaderFn) -> str:
    """The whole way through pyld: expand, check, to RDF, canonicalize."""
    expanded = jsonld.expand(document, {"documentLoader": loader})
    _safe_mode(document, expanded)
    dataset = expanded_to_rdf(expanded, loader)
    for graph, triples in dataset.items():  # a dataset is a set: drop repeated triples
        unique = {json.dumps(t, sort_keys=True): t for t in triples}
        dataset[graph] = list(unique.values())
    return canonicalize_dataset(dataset)


def _safe_mode(document: dict[str, Any], expanded: Any) -> None:
    lost = _leaf_count(document) - _expanded_leaf_count(expanded)
    if lost:
        raise UndefinedValuesError(lost)


def undefined_paths(document: dict[str, Any], loader: LoaderFn, *, limit: int = 64) -> tuple[str, ...]:
    """Where the values safe mode refuses sit (`credentialSubject.favouriteColour`, `evidence[1].note`): the
    document is expanded with one member left out at a time, going down into the members whose absence takes
    losses away. For a signer's error message — at most `limit` expansions; a verifier never runs it."""
    expansions = [limit]

    def lost(candidate: dict[str, Any]) -> int:
        expansions[0] -= 1
        expanded = jsonld.expand(candidate, {"documentLoader": loader})
        return _leaf_count(candidate) - _expanded_leaf_count(expanded)

    try:
        total = lost(document)
    except (jsonld.JsonLdError, CredAnchorError, ValueError, TypeError):
        return ()
    found: list[str] = []

    def search(node: dict[str, Any], path: tuple[str | int, ...]) -> None:
        for key in node:
            if key.startswith("@") or expansions[0] <= 0:
                continue
            value = node[key]
            here = total - lost(_without(document, (*path, key)))
            if here <= 0:
                continue
            if here >= _leaf_count(value):  # every value under this member is lost: its term is undefined
                found.append(_dotted((*path, key)))
                continue
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                if isinstance(item, dict):
                    search(item, (*path, key) if index is None else (*path, key, index))

    try:
        if total > 0:
            search(document, ())
    except (jsonld.JsonLdError, CredAnchorError, ValueError, TypeError):
        pass  # a document cut short may not expand at all: name what was found up to there
    return tuple(found)


def _without(document: Any, path: tuple[str | int, ...]) -> Any:
    """A copy of `document` without the member at `path` (only the containers on the way are copied)."""
    head, rest = path[0], path[1:]
    if isinstance(document, list):
        copied_list = list(document)
        copied_list[int(head)] = _without(document[int(head)], rest)
        return copied_list
    copied = dict(document)
    if rest:
        copied[str(head)] = _without(document[str(head)], rest)
    else:
        del copied[str(head)]
    return copied


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


def _jsonld_error(exc: Exception) -> Exception:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CredAnchorError):
            return cause
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "cause", None)
    return ProofError(f"the document is not valid JSON-LD: {exc}")


# Safe mode by counting: every value of the compact document must survive expansion. A value
# object ({"@value": …, "@type"/"@language": …}) is one value; an @json literal is as many values
# as its JSON holds; @index, @language and @direction annotate, they are not values.
_ANNOTATIONS = ("@context", "@index", "@language", "@direction")


def _leaf_count(value: Any) -> int:
    if isinstance(value, dict):
        if "@value" in value:
            return _json_leaves(value["@value"]) if value.get("@type") == "@json" else int(value["@value"] is not None)
        return sum(_leaf_count(v) for k, v in value.items() if k not in _ANNOTATIONS)
    if isinstance(value, list):
        return sum(_leaf_count(v) for v in value)
    return 0 if value is None else 1


def _json_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_json_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_json_leaves(v) for v in value)
    return 0 if value is None else 1


def _expanded_leaf_count(value: Any) -> int:
    if isinstance(value, list):
        return sum(_expanded_leaf_count(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        return _json_leaves(value["@value"]) if value.get("@type") == "@json" else int(value["@value"] is not None)
    count = 1 if "@id" in value else 0
    for key, item in value.items():
        if key == "@type":
            count += len(item) if isinstance(item, list) else 1
        elif key not in ("@id", "@index", "@language", "@direction"):
            count += _expanded_leaf_count(item)
    return count
