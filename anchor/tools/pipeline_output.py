"""Writing the output of `credanchor bench pipeline` (anchor.tools.pipeline): the lines of a chunk at the
offset reserved for them, and later every anchor proof into the room its line left for it.

A chunk's lines are handed to the kernel as they are (`write_at`: one gathering write per IOV_MAX
pieces), not joined into one buffer first: a fresh 18 MB buffer per chunk costs the kernel more, in
page faults, than writing it. The anchor proofs are written through a memory map of one chunk at a
time (`write_anchor_proofs`), so only the pages holding a proof are touched. `AnchorProofWriter`
makes each proof's JSON from one template and the hex of the tree's nodes.
"""

from __future__ import annotations

import mmap
import os
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from anchor.credentials.anchor_proofs import anchor_proof
from anchor.errors import ConfigurationError

#: The pieces of a chunk's lines, in order.
Pieces = list[bytes | memoryview]
#: Buffers one `os.pwritev` takes.
_IOV_MAX = os.sysconf("SC_IOV_MAX") if "SC_IOV_MAX" in os.sysconf_names else 1024
#: Levels of the tree below the root whose nodes keep their path up to the root, written out (12: 4,095
#: nodes, ≈ 3 MB at most): a proof's path is then walked only from its leaf up to that level.
CACHED_LEVELS = 12
_SEPARATOR = b'","0x'


def write_at(fd: int, pieces: Pieces, offset: int) -> None:
    """Write `pieces` one after another from `offset`, IOV_MAX at a time (see the module docstring)."""
    for start in range(0, len(pieces), _IOV_MAX):
        group = pieces[start : start + _IOV_MAX]
        size = sum(map(len, group))
        done = os.pwritev(fd, group, offset)
        if done < size:  # a short write (rare on a regular file): the rest from one buffer
            rest = memoryview(b"".join(group))
            while done < size:
                done += os.pwrite(fd, rest[done:], offset + done)
        offset += size


@dataclass(frozen=True)
class Chunk:
    """Lines a worker wrote at once: where in the file, how many bytes, and where in them each proof goes."""

    base: int
    size: int
    holes: array[int]


class AnchorProofWriter:
    """The JSON of every anchor proof of one anchored tree, given where the credential's leaf sits.

    Every anchor proof of a batch is the same but for its Merkle path: one is serialized with an empty
    path, and each credential's path goes between the brackets, its hashes cut from the hex of all the
    tree's nodes (made once). The nodes of the top `cached_levels` levels keep their path up to the root
    written out, so a proof's path is walked only up to them. Equal to
    ``orjson.dumps(anchor_proof(path=path_at(nodes, position), ...))``, which
    tests/unit/tools/test_pipeline.py checks on random trees, with several numbers of cached levels.
    """

    _MARKER = b'"merklePath":[]'

    def __init__(self, fields: dict[str, Any], nodes_hex: bytes, *, cached_levels: int = CACHED_LEVELS) -> None:
        empty = orjson.dumps(anchor_proof(path=[], **fields))
        if empty.count(self._MARKER) != 1:
            raise ConfigurationError("the anchor proof format changed: update the pipeline's writer")
        before, after = empty.split(self._MARKER)
        self._single = empty  # a tree of one credential: its path is empty
        self._head = before + b'"merklePath":["0x'
        self._tail = b'"]' + after
        self._hex = nodes_hex
        # _upper[i]: the path of node i up to the root, each hash after a separator (nothing for the root)
        self._upper = [b""]
        for index in range(1, min(len(nodes_hex) // 64, 2**cached_levels - 1)):
            sibling = ((index - 1) ^ 1) + 1
            self._upper.append(_SEPARATOR + nodes_hex[64 * sibling : 64 * sibling + 64] + self._upper[(index - 1) >> 1])

    def __call__(self, position: int) -> bytes:
        hexes, index, hashes, upper = self._hex, position, [], self._upper
        cached = len(upper)
        while index >= cached:
            sibling = ((index - 1) ^ 1) + 1  # the other child of the same parent
            hashes.append(hexes[64 * sibling : 64 * sibling + 64])
            index = (index - 1) >> 1
        path = _SEPARATOR.join(hashes) + upper[index] if hashes else upper[index][len(_SEPARATOR) :]
        return self._head + path + self._tail if path else self._single


def write_anchor_proofs(
    fd: int, write: Callable[[int], bytes], positions: array[int], chunks: list[Chunk], reserve: int
) -> None:
    """Write each credential's anchor proof (`write(position)`) into the room its line left, chunk by chunk."""
    # One memory map per chunk: only the pages that hold an anchor proof are touched, with no read back
    # into the process and no system call per credential.
    position = iter(positions)
    for chunk in chunks:
        start = chunk.base - chunk.base % mmap.ALLOCATIONGRANULARITY
        shift = chunk.base - start
        with mmap.mmap(fd, shift + chunk.size, offset=start) as window:
            for hole in chunk.holes:
                proof = write(next(position))
                if len(proof) > reserve:
                    raise ConfigurationError(
                        f"an anchor proof of {len(proof)} bytes does not fit the {reserve} reserved"
                    )
                window[shift + hole : shift + hole + len(proof)] = proof
