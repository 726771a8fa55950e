"""Bounded RDF Dataset Canonicalization: what one document, and one request, may cost.

Blank nodes whose first-degree hashes collide need the Hash N-Degree Quads algorithm, whose work
grows factorially on "poison" datasets (a clique of 8 blank nodes in a 1.6 KB document took 53 s),
and a verifier runs it on untrusted input before any signature can be checked. RDFC-1.0 requires
implementations to defend against this by raising an exception and terminating early (§4.4 and
"Dataset Poisoning"), so every canonicalization runs inside a :class:`CanonicalizationBudget` — per
call, or shared by a whole request — that caps the JSON values of a document, the blank nodes of a
dataset, the Hash N-Degree Quads calls and permutations it may need, and the time spent
canonicalizing; past a cap it raises :class:`CanonicalizationLimitError`. Real credentials need no
n-degree hashing at all (their blank nodes have unique first-degree hashes), so the caps only ever
refuse datasets built to be expensive. The same goes for pyld's conversion to RDF, which compares
each value of a node's property with all the values before it (quadratic: 20,000 values of one
property, 300 KB, took 100 s): the expanded document is measured first and refused if that would
take more comparisons than allowed, since pyld cannot be stopped once it has started.

The n-degree step is pyld's URDNA2015 with :meth:`_BoundedURDNA2015.hash_n_degree_quads` written out
(following the spec and pyld, same permutation order), because pyld offers no hook inside its
permutation loop, which is where the factorial work is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015, permutations
from pyld.identifier_issuer import IdentifierIssuer

from anchor.errors import ConfigurationError, CredAnchorError


class CanonicalizationLimitError(CredAnchorError, ValueError):
    """A dataset needs more canonicalization work than allowed: refused before any signature check.

    ``limit`` names the cap that was reached: ``"size"`` (JSON values of the document),
    ``"blank_nodes"``, ``"deep_work"`` (Hash N-Degree Quads calls and permutations), ``"values"``
    (value comparisons of pyld's conversion to RDF) or ``"time"``.
    """

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class CanonicalizationLimits:
    """Caps on canonicalization work. The defaults leave real credentials and presentations (no
    n-degree hashing, a few hundred blank nodes at most) far below every cap, and every dataset of
    the RDFC-1.0 test suite that it expects to be canonicalized (its "evil" poison graphs need 3,348
    steps, about 12 ms) below them too; its clique of 10, and cliques from 5 blank nodes up (4,565
    steps for 5, 41,046 for 6, ten times more for each node added), are refused.

    - ``max_document_nodes``: JSON values (objects, arrays, scalars) of one document. pyld's JSON-LD
      expansion cannot be stopped once started and costs up to ~160 µs per value of Open Badges
      content, so the cap keeps one expansion under ~2 s: a presentation of ~130 credentials.
    - ``max_blank_nodes``: blank nodes in one dataset.
    - ``deep_work_per_blank_node`` and ``min_deep_work``: Hash N-Degree Quads calls plus permutations
      one dataset may need, ``max(min_deep_work, deep_work_per_blank_node * n)`` where n counts the
      blank nodes whose first-degree hashes collide (the only ones that need the n-degree step), as
      RDFC-1.0 §4.4 suggests.
    - ``max_deep_work``: the same, summed over every dataset of one budget (one request).
    - ``max_value_comparisons``: the most value comparisons pyld's conversion of one document to
      RDF may make (k values of one node's property cost k(k-1)/2; about 0.4 µs each).
    - ``max_seconds``: time spent canonicalizing in one budget, a backstop for what the counts miss
      (checked between steps: pyld's expansion and conversion run to their end once started).
    """

    max_document_nodes: int = 12_000
    max_blank_nodes: int = 5_000
    deep_work_per_blank_node: int = 16
    min_deep_work: int = 4_096
    max_deep_work: int = 20_000
    max_value_comparisons: int = 500_000
    max_seconds: float = 2.0

    def __post_init__(self) -> None:
        for name in (
            "max_document_nodes",
            "max_blank_nodes",
            "deep_work_per_blank_node",
            "min_deep_work",
            "max_deep_work",
            "max_value_comparisons",
            "max_seconds",
        ):
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"canonicalization limit {name} must be positive, not {getattr(self, name)}")


DEFAULT_LIMITS = CanonicalizationLimits()


class CanonicalizationBudget:
    """The canonicalization work one scope (a call, or a whole request) may spend, and has spent.

    A budget belongs to one thread of control (it lives in a context variable), so it needs no lock.
    """

    def __init__(self, limits: CanonicalizationLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        #: Documents given to canonicalize, and RDF datasets canonicalized (the counts tests read).
        self.documents = 0
        self.datasets = 0
        self.hash_n_degree_calls = 0
        self.permutations = 0
        self.seconds = 0.0
        self._dataset_work = 0
        self._dataset_limit: int | None = None
        self._started: float | None = None

    @property
    def deep_work(self) -> int:
        return self.hash_n_degree_calls + self.permutations

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Count the time of the block as canonicalization time (nested blocks count once)."""
        if self._started is not None:
            yield
            return
        self.check_time()
        self._started = time.monotonic()
        try:
            yield
        finally:
            self.seconds += time.monotonic() - self._started
            self._started = None

    def check_time(self) -> None:
        spent = self.seconds + (time.monotonic() - self._started if self._started is not None else 0.0)
        if spent > self.limits.max_seconds:
            raise CanonicalizationLimitError(
                f"canonicalizing took more than the {self.limits.max_seconds:g} s allowed (per request, or per "
                "document verified alone): the document is too complex or too large to verify; refused",
                limit="time",
            )

    def check_document(self, document: Any) -> None:
        """Refuse a JSON-LD document too large to expand within the budget, before expanding it."""
        self.documents += 1
        self.check_time()
        nodes = json_node_count(document, self.limits.max_document_nodes)
        if nodes > self.limits.max_document_nodes:
            raise CanonicalizationLimitError(
                f"the document holds more than {self.limits.max_document_nodes} JSON values, too many to "
                "canonicalize as RDF within this request: split it (a presentation of fewer credentials)",
                limit="size",
            )

    def start_dataset(self, blank_nodes: int) -> None:
        """A new dataset of `blank_nodes` blank nodes is about to be canonicalized."""
        self.check_time()
        if blank_nodes > self.limits.max_blank_nodes:
            raise CanonicalizationLimitError(
                f"the document has {blank_nodes} blank nodes (objects without an id), more than the "
                f"{self.limits.max_blank_nodes} allowed: give its objects ids, or split it",
                limit="blank_nodes",
            )
        self.datasets += 1
        self._dataset_work = 0
        self._dataset_limit = None  # set by the first Hash N-Degree Quads call, from the colliding nodes

    def check_node_map(self, expanded: Any) -> None:
        """Refuse an expanded document whose conversion to RDF would compare too many values."""
        self.check_time()
        comparisons = node_map_comparisons(expanded)
        if comparisons > self.limits.max_value_comparisons:
            raise CanonicalizationLimitError(
                f"converting the document to RDF would compare values {comparisons} times, more than the "
                f"{self.limits.max_value_comparisons} allowed: a node has too many values of one property "
                "(long arrays, or objects with the same id merged); split the document",
                limit="values",
            )

    def deep_step(self, colliding: int, *, permutation: bool) -> None:
        """One Hash N-Degree Quads call (or one permutation in it); `colliding` blank nodes needed it."""
        if permutation:
            self.permutations += 1
        else:
            self.hash_n_degree_calls += 1
        if self._dataset_limit is None:
            per_node = self.limits.deep_work_per_blank_node * colliding
            self._dataset_limit = max(self.limits.min_deep_work, per_node)
        self._dataset_work += 1
        if self._dataset_work > self._dataset_limit:
            steps = f"more than {self._dataset_limit} Hash N-Degree Quads steps"
        elif self.deep_work > self.limits.max_deep_work:
            steps = f"more than {self.limits.max_deep_work} Hash N-Degree Quads steps in this request"
        else:
            self.check_time()
            return
        raise CanonicalizationLimitError(
            f"the document's blank nodes are so alike that canonicalizing them needs {steps} "
            f"({colliding} blank nodes share first-degree hashes): a poison dataset as RDFC-1.0 describes "
            "it, or data whose objects need ids; refused before any signature check",
            limit="deep_work",
        )


_BUDGET: ContextVar[CanonicalizationBudget | None] = ContextVar("credanchor_canonicalization_budget", default=None)


@contextmanager
def canonicalization_budget(limits: CanonicalizationLimits | None = None) -> Iterator[CanonicalizationBudget]:
    """Every canonicalization in the block shares one budget (e.g. all proofs of one request).

    Inside an enclosing budget the enclosing one is used (and `limits` ignored), so a caller that
    opens a budget per request bounds everything the request canonicalizes, however it is nested.
    """
    current = _BUDGET.get()
    if current is not None:
        yield current
        return
    budget = CanonicalizationBudget(limits or DEFAULT_LIMITS)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def active_budget() -> CanonicalizationBudget:
    """The enclosing budget; outside any, a fresh default one for this single canonicalization."""
    return _BUDGET.get() or CanonicalizationBudget()


def expanded_to_rdf(expanded: Any, loader: Callable[..., Any]) -> dict[str, list[dict[str, Any]]]:
    """pyld's conversion of an expanded JSON-LD document to an RDF dataset, within the active budget."""
    budget = active_budget()
    budget.check_node_map(expanded)
    dataset: dict[str, list[dict[str, Any]]] = jsonld.to_rdf(expanded, {"documentLoader": loader})
    budget.check_time()
    return dataset


def json_node_count(value: Any, stop_after: int) -> int:
    """The objects, arrays and scalars in `value`, counted up to just past `stop_after`."""
    count = 0
    stack = [value]  # iterative: the document may be deeply nested
    while stack and count <= stop_after:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def node_map_comparisons(expanded: Any) -> int:
    """An upper bound on the value comparisons pyld's node map makes for an expanded document.

    pyld adds each value of a node's property after comparing it with the values already there
    (to drop duplicates), and merges node objects that share an @id. So count the values per
    (node, property), with nodes of the same @id counted together (across graphs too: an upper
    bound), and reverse properties counted on the node they point at; k values cost k(k-1)/2.
    """
    counts: dict[tuple[str, str], int] = {}
    anonymous = 0

    def node_key(node: dict[str, Any]) -> str:
        nonlocal anonymous
        identifier = node.get("@id")
        if isinstance(identifier, str):
            return "@id " + identifier
        anonymous += 1
        return f"anonymous {anonymous}"

    def add(key: str, prop: str, count: int) -> None:
        counts[key, prop] = counts.get((key, prop), 0) + count

    stack: list[Any] = [expanded]  # iterative: the expanded form may be deeply nested
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@list" in item:
            stack.append(item["@list"])
            continue
        key = node_key(item)
        for prop, objects in item.items():
            if prop == "@reverse" and isinstance(objects, dict):
                for reverse_prop, targets in objects.items():
                    for target in targets if isinstance(targets, list) else [targets]:
                        if isinstance(target, dict) and isinstance(target.get("@id"), str):
                            add("@id " + target["@id"], reverse_prop, 1)
                        stack.append(target)
            elif prop in ("@graph", "@included"):
                stack.append(objects)
            elif prop == "@type" or not prop.startswith("@"):
                values = objects if isinstance(objects, list) else [objects]
                add(key, prop, len(values))
                if prop != "@type":
                    stack.extend(values)
    return sum(k * (k - 1) // 2 for k in counts.values())


def canonicalize_dataset(dataset: dict[str, list[dict[str, Any]]]) -> str:
    """RDFC-1.0 canonical N-Quads of a pyld dataset (pyld's URDNA2015), within the active budget."""
    budget = _BUDGET.get()
    if budget is None:
        with canonicalization_budget() as budget, budget.timing():
            return _BoundedURDNA2015(budget).canonicalize(dataset)
    with budget.timing():
        return _BoundedURDNA2015(budget).canonicalize(dataset)


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """pyld's URDNA2015 with a Hash N-Degree Quads that spends from a budget.

    The n-degree step (RDFC-1.0 §4.8) is written out here, following the spec and pyld step by step
    (same permutation order), because pyld offers no hook inside its permutation loop, which is
    where the factorial work is. The rest of the algorithm is pyld's.
    """

    def __init__(self, budget: CanonicalizationBudget) -> None:
        super().__init__()
        self._budget = budget
        self._colliding = 0

    def canonicalize(self, dataset: dict[str, list[dict[str, Any]]]) -> str:
        blank_nodes = {
            term["value"]
            for graph, triples in dataset.items()
            for triple in triples
            for term in (triple["subject"], triple["object"])
            if term["type"] == "blank node"
        }
        blank_nodes.update(graph for graph in dataset if graph.startswith("_:"))
        self._budget.start_dataset(len(blank_nodes))
        result: str = self.main(dataset, {"format": "application/n-quads"})
        return result

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> dict[str, Any]:
        if not self._colliding:  # first call: step 6 holds the blank nodes whose hashes collide
            self._colliding = sum(len(ids) for ids in self.hash_to_blank_nodes.values())
        self._budget.deep_step(self._colliding, permutation=False)
        # 1-3) hashes identifying the related blank nodes
        hash_to_related = self.create_hash_to_related(id_, issuer)
        md = self.create_hash()  # 4) data to hash
        # 5) for each related hash → blank node list, sorted by hash
        for related_hash, blank_nodes in sorted(hash_to_related.items()):
            md.update(related_hash.encode("utf8"))  # 5.1
            chosen_path = ""  # 5.2
            chosen_issuer: IdentifierIssuer | None = None  # 5.3
            for permutation in permutations(blank_nodes):  # 5.4
                self._budget.deep_step(self._colliding, permutation=True)
                issuer_copy = _copy_issuer(issuer)  # 5.4.1
                path = ""  # 5.4.2
                recursion_list: list[str] = []  # 5.4.3
                skipped = False
                for related in permutation:  # 5.4.4
                    if self.canonical_issuer.has_id(related):  # 5.4.4.1
                        path += self.canonical_issuer.get_id(related)
                    else:  # 5.4.4.2
                        if not issuer_copy.has_id(related):
                            recursion_list.append(related)
                        path += issuer_copy.get_id(related)
                    if _worse(path, chosen_path):  # 5.4.4.3
                        skipped = True
                        break
                if skipped:
                    continue
                for related in recursion_list:  # 5.4.5
                    result = self.hash_n_degree_quads(related, issuer_copy)  # 5.4.5.1
                    path += issuer_copy.get_id(related)  # 5.4.5.2
                    path += "<" + result["hash"] + ">"  # 5.4.5.3
                    issuer_copy = result["issuer"]  # 5.4.5.4
                    if _worse(path, chosen_path):  # 5.4.5.5
                        skipped = True
                        break
                if skipped:
                    continue
                if not chosen_path or path < chosen_path:  # 5.4.6
                    chosen_path, chosen_issuer = path, issuer_copy
            md.update(chosen_path.encode("utf8"))  # 5.5
            if chosen_issuer is not None:  # 5.6 (the first permutation is never skipped: always set)
                issuer = chosen_issuer
        return {"hash": md.hexdigest(), "issuer": issuer}  # 6


def _worse(path: str, chosen_path: str) -> bool:
    """A partial path already greater than the chosen one cannot win: skip to the next permutation."""
    return bool(chosen_path) and len(path) >= len(chosen_path) and path > chosen_path


def _copy_issuer(issuer: IdentifierIssuer) -> IdentifierIssuer:
    """A copy of an identifier issuer (pyld deep-copies; its state is a prefix, a counter, a map, a list)."""
    copied = IdentifierIssuer(issuer.prefix)
    copied.counter = issuer.counter
    copied.existing = dict(issuer.existing)
    copied.order = list(issuer.order)
    return copied
