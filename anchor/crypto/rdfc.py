"""RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0) that is fast for documents of one shape.

Issuing a roster signs thousands of credentials that differ only in their string values. JSON-LD
expansion and conversion to RDF, the expensive part, depend on the document's keys, types,
numbers and booleans — its *shape* — not on those strings, except where a string becomes an IRI.
So the first document of a shape goes through pyld with each string replaced by a unique
placeholder; the resulting quads, with placeholders, are the shape's template. The next
documents of that shape only fill the template in, and are canonicalized directly when every
blank node has a unique first-degree hash (RDFC-1.0 step 5: then no n-degree hashing is needed).

Anything outside the safe cases goes the whole way through pyld: a string in an IRI position
that is not an absolute IRI or could be a compact IRI, a placeholder the expansion altered,
blank nodes whose first-degree hashes collide. Property tests check that both paths agree.

Every canonicalization is bounded: see :mod:`anchor.crypto.rdfc_budget`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyld import jsonld

from anchor.crypto.jsonld import BUNDLED, bundled_context
from anchor.crypto.rdfc_budget import active_budget, expanded_to_rdf

_PLACEHOLDER = "urn:x-credanchor-placeholder:"
#: pyld's test for an absolute IRI (JSON-LD drops triples whose IRIs fail it).
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
#: Keys whose values choose term definitions or IRIs: they belong to the shape, verbatim.
_SHAPE_KEYS = frozenset({"@context", "type", "@type", "proofPurpose", "cryptosuite", "statusPurpose", "@language"})
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_MAX_SHAPES = 256

Generic = Callable[[dict[str, Any]], str]


@cache
def _defined_terms() -> frozenset[str]:
    """Every term any bundled context defines: a string 'term:rest' could expand as a compact IRI."""
    terms: set[str] = set()

    def walk(context: Any) -> None:
        if isinstance(context, list):
            for item in context:
                walk(item)
        elif isinstance(context, dict):
            for key, value in context.items():
                terms.add(key)
                if isinstance(value, dict) and "@context" in value:
                    walk(value["@context"])

    for url in BUNDLED:
        walk(bundled_context(url)["@context"])
    return frozenset(terms)


def _shape(value: Any, leaves: list[str]) -> Any:
    """The hashable shape of a JSON value; its strings, in order, go to `leaves`."""
    if isinstance(value, dict):
        return tuple(
            (key, ("=", json.dumps(item, sort_keys=True)) if key in _SHAPE_KEYS else _shape(item, leaves))
            for key, item in value.items()
        )
    if isinstance(value, list):
        return ("[", *(_shape(item, leaves) for item in value))
    if isinstance(value, str):
        leaves.append(value)
        return "s"
    return (type(value).__name__, value)


def _with_placeholders(value: Any, counter: list[int]) -> Any:
    """The same document with every shape string replaced by a numbered placeholder (same order as _shape)."""
    if isinstance(value, dict):
        return {key: item if key in _SHAPE_KEYS else _with_placeholders(item, counter) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_placeholders(item, counter) for item in value]
    if isinstance(value, str):
        counter[0] += 1
        return f"{_PLACEHOLDER}{counter[0] - 1}"
    return value


def escape_literal(value: str) -> str:
    """N-Quads string escaping as pyld does it (backslash, tab, newline, carriage return, quote)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"')
    )


# A term of a template quad: (kind, payload, suffix). Kinds: "c" constant text (IRI in <>, a blank
# node label, or a whole literal), "i" placeholder in an IRI position, "l" placeholder in a literal.
Term = tuple[str, Any, str]


@dataclass(frozen=True)
class _Template:
    quads: tuple[tuple[Term, ...], ...]
    iri_leaves: frozenset[int]


def _term(component: dict[str, Any] | None, placeholders: dict[str, int]) -> Term | None:
    """One quad component as a template term; None if a placeholder appears altered."""
    if component is None:
        return ("c", "", "")
    kind, value = component["type"], component["value"]
    if kind == "blank node":
        return ("c", value, "")
    if kind == "IRI":
        if value in placeholders:
            return ("i", placeholders[value], "")
        return None if _PLACEHOLDER in value else ("c", f"<{value}>", "")
    suffix = ""
    if component.get("datatype") == _RDF_LANGSTRING:
        suffix = f"@{component['language']}" if component.get("language") else ""
    elif component.get("datatype") != _XSD_STRING:
        suffix = f"^^<{component['datatype']}>"
    if value in placeholders:
        return ("l", placeholders[value], suffix)
    return None if _PLACEHOLDER in value else ("c", f'"{escape_literal(value)}"{suffix}', "")


class ShapeCanonicalizer:
    """Canonical N-Quads of JSON-LD documents, with templates per document shape."""

    def __init__(self, loader: Callable[..., Any], generic: Generic) -> None:
        self._loader = loader
        self._generic = generic
        self._templates: OrderedDict[Any, _Template | None] = OrderedDict()
        self.stats = {"template": 0, "generic": 0}

    def canonicalize(self, document: dict[str, Any], check: Callable[[dict[str, Any], Any], None]) -> str:
        """`check(document, expanded)` runs once per shape, on the placeholder document (safe mode)."""
        leaves: list[str] = []
        shape = _shape(document, leaves)
        if shape in self._templates:
            self._templates.move_to_end(shape)
            template = self._templates[shape]
        else:
            template = self._build(document, len(leaves), check)
            self._templates[shape] = template
            if len(self._templates) > _MAX_SHAPES:
                self._templates.popitem(last=False)
        quads = self._fill(template, leaves) if template is not None else None
        canonical = _canonicalize_simple(quads) if quads is not None else None
        if canonical is None:
            self.stats["generic"] += 1
            return self._generic(document)
        self.stats["template"] += 1
        return canonical

    def _build(
        self, document: dict[str, Any], count: int, check: Callable[[dict[str, Any], Any], None]
    ) -> _Template | None:
        placeholder_doc = _with_placeholders(document, [0])
        expanded = jsonld.expand(placeholder_doc, {"documentLoader": self._loader})
        check(placeholder_doc, expanded)
        dataset = expanded_to_rdf(expanded, self._loader)
        placeholders = {f"{_PLACEHOLDER}{i}": i for i in range(count)}
        quads: list[tuple[Term, ...]] = []
        iri_leaves: set[int] = set()
        for graph, triples in dataset.items():
            graph_kind = "blank node" if graph.startswith("_:") else "IRI"
            graph_term = None if graph == "@default" else {"type": graph_kind, "value": graph}
            for triple in triples:
                terms = [_term(triple[k], placeholders) for k in ("subject", "predicate", "object")]
                terms.append(_term(graph_term, placeholders))
                if any(t is None for t in terms):
                    return None
                quads.append(tuple(t for t in terms if t is not None))
                iri_leaves.update(t[1] for t in terms if t is not None and t[0] == "i")
        return _Template(tuple(quads), frozenset(iri_leaves))

    def _fill(self, template: _Template, leaves: list[str]) -> list[tuple[str, str, str, str]] | None:
        terms = _defined_terms()
        for index in template.iri_leaves:
            value = leaves[index]
            prefix, _, rest = value.partition(":")
            if (
                not _ABSOLUTE_IRI.match(value)
                or value.startswith("_:")
                or (prefix in terms and not rest.startswith("//"))
            ):
                return None  # pyld would treat it differently: let it
        filled = []
        for quad in template.quads:
            parts = []
            for kind, payload, suffix in quad:
                if kind == "c":
                    parts.append(payload)
                elif kind == "i":
                    parts.append(f"<{leaves[payload]}>")
                else:
                    parts.append(f'"{escape_literal(leaves[payload])}"{suffix}')
            filled.append((parts[0], parts[1], parts[2], parts[3]))
        return filled


def _line(subject: str, predicate: str, obj: str, graph: str) -> str:
    return f"{subject} {predicate} {obj} {graph} .\n" if graph else f"{subject} {predicate} {obj} .\n"


def _canonicalize_simple(quads: list[tuple[str, str, str, str]]) -> str | None:
    """URDNA2015 when every blank node's first-degree hash is unique; None otherwise.

    Mirrors pyld: a quad is listed for a blank node once per position it holds it in.
    """
    unique_quads = list(dict.fromkeys(quads))  # a dataset is a set of quads
    mentions: dict[str, list[tuple[str, str, str, str]]] = {}
    for quad in unique_quads:
        for position in (0, 2, 3):
            if quad[position].startswith("_:"):
                mentions.setdefault(quad[position], []).append(quad)
    active_budget().start_dataset(len(mentions))
    hashes = {}
    for node, node_quads in mentions.items():
        lines = sorted(_line(*_first_degree(q, node)) for q in node_quads)
        hashes[hashlib.sha256("".join(lines).encode()).hexdigest()] = node
    if len(hashes) != len(mentions):
        return None  # colliding first-degree hashes need the n-degree algorithm
    labels = {node: f"_:c14n{i}" for i, (_, node) in enumerate(sorted(hashes.items()))}
    return "".join(
        sorted(_line(labels.get(s, s), p, labels.get(o, o), labels.get(g, g)) for s, p, o, g in unique_quads)
    )


def _first_degree(quad: tuple[str, str, str, str], node: str) -> tuple[str, str, str, str]:
    """The quad as Hash First Degree Quads serializes it: `node` as _:a, other blank nodes as _:z."""
    s, _, o, g = (("_:a" if t == node else "_:z") if t.startswith("_:") else t for t in quad)
    return s, quad[1], o, g
