"""A small HTTP/1.1 load generator for `credanchor bench api`: keep-alive connections, each sending POST
requests back to back for a bounded time; latencies measured per request; every answer checked.

It runs in its own process, but on the same cores as the server, so every microsecond it spends is one the
server does not get: the requests are built once (head and body, one write each), each connection is an
asyncio Protocol (no stream reader, no per-line parsing) on uvloop when it is installed, and a response is
read as a status line, a Content-Length and a body. Every body is checked: the first answer for each
credential is parsed and must say ``"verified": true``; the server's report on a credential is the same
every time, so a later answer is checked by comparing its bytes with that one, and one that differs is
parsed and checked in full.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from anchor.stats import percentile

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    verified: int = 0
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float | None = None  # this process's CPU time over the measured seconds
    server_cpu_seconds: float | None = None  # the watched server processes' CPU time over them

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def milliseconds(q: float) -> float:
            return round(percentile(ordered, q) * 1000, 2)

        def per_request(seconds: float | None) -> float | None:
            return round(seconds / len(ordered) * 1e6, 1) if seconds is not None and ordered else None

        return {
            "requests": len(ordered),
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": milliseconds(0.50),
            "p90_ms": milliseconds(0.90),
            "p99_ms": milliseconds(0.99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "verified": self.verified,
            "errors": self.errors[:5],
            "loadgen_cpu_us_per_request": per_request(self.cpu_seconds),
            "server_cpu_us_per_request": per_request(self.server_cpu_seconds),
        }


class _Load:
    """What the connections share: the requests, the answers seen so far, the clock and the result."""

    def __init__(self, requests: list[bytes], warmup_end: float, end: float, result: LoadResult) -> None:
        self.requests, self.warmup_end, self.end, self.result = requests, warmup_end, end, result
        self.answers: list[bytes | None] = [None] * len(requests)  # the checked answer to each request

    def record(self, number: int, status: int, body: bytes, start: float, finished: float) -> None:
        """Check one answer; count it when its request was sent in the measured seconds."""
        verified = status == 200 and body == self.answers[number]
        if not verified and status == 200:
            try:  # an answer not seen before: parse it in full
                verified = json.loads(body).get("verified") is True
            except (ValueError, AttributeError) as exc:
                self.result.errors.append(f"request {number}: the answer is not a JSON object ({exc})")
            if verified and self.answers[number] is None:
                self.answers[number] = body
        if start < self.warmup_end:
            return
        result = self.result
        result.latencies.append(finished - start)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.verified += verified


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending one request at a time, the next as soon as an answer is read."""

    def __init__(self, load: _Load, first: int, done: asyncio.Future[None]) -> None:
        self.load, self.number, self.done = load, first - 1, done
        self.transport: Any = None  # an asyncio.Transport (uvloop's does not subclass it)
        self.buffer = b""
        self.body_at = self.length = self.status = 0
        self.start = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self._send_next()

    def _send_next(self) -> None:
        self.start = time.perf_counter()
        if self.start >= self.load.end:
            self.transport.close()
            return
        self.number = (self.number + 1) % len(self.load.requests)
        self.transport.write(self.load.requests[self.number])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.body_at:  # the head: status line and Content-Length (other headers are not needed)
            head_end = self.buffer.find(_HEAD_END)
            if head_end < 0:
                return
            head = self.buffer[:head_end].lower()
            at = head.find(_CONTENT_LENGTH)
            try:
                self.status = int(head[9:12])
                if at < 0:
                    raise ValueError("no Content-Length")
                line_end = head.find(b"\r\n", at + 2)
                self.length = int(head[at + len(_CONTENT_LENGTH) : line_end if line_end >= 0 else head_end])
            except ValueError as exc:
                self._fail(f"a malformed answer: {exc} in {head[:200]!r}")
                return
            self.body_at = head_end + len(_HEAD_END)
        if len(self.buffer) < self.body_at + self.length:
            return
        body = self.buffer[self.body_at : self.body_at + self.length]
        self.buffer = self.buffer[self.body_at + self.length :]
        self.body_at = 0
        self.load.record(self.number, self.status, body, self.start, time.perf_counter())
        self._send_next()

    def _fail(self, error: str) -> None:
        self.load.result.errors.append(error)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.load.result.errors.append(f"{type(exc).__name__}: {exc}")
        elif time.perf_counter() < self.load.end:
            self.load.result.errors.append("the server closed a connection")
        if not self.done.done():
            self.done.set_result(None)


def requests_for(host: str, port: int, path: str, documents: list[dict[str, Any]]) -> list[bytes]:
    """Each document as one complete HTTP/1.1 POST request (head and body)."""
    requests = []
    for document in documents:
        body = json.dumps(document, separators=(",", ":")).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
        requests.append(head + body)
    return requests


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU seconds the processes used so far (Linux /proc), None where it cannot be read (or
    no process is given)."""
    if not pids:
        return None
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


async def _run(
    host: str, port: int, requests: list[bytes], connections: int, warmup: float, seconds: float, server_pids: list[int]
) -> LoadResult:
    loop = asyncio.get_running_loop()
    begin = time.perf_counter()
    result = LoadResult(seconds)
    load = _Load(requests, begin + warmup, begin + warmup + seconds, result)
    finished = [loop.create_future() for _ in range(connections)]
    opened = []
    for number, done in enumerate(finished):
        transport, _ = await loop.create_connection(partial(_Connection, load, number * 7, done), host, port)
        opened.append(transport)
    await asyncio.sleep(max(0.0, load.warmup_end - time.perf_counter()))
    cpu, server_cpu = time.process_time(), cpu_seconds(server_pids)
    _, pending = await asyncio.wait(finished, timeout=seconds + 60)
    if pending:
        result.errors.append(f"{len(pending)} connection(s) still waiting for an answer a minute after the end")
        for transport in opened:
            transport.abort()
    result.cpu_seconds = time.process_time() - cpu
    server_after = cpu_seconds(server_pids)
    if server_cpu is not None and server_after is not None:
        result.server_cpu_seconds = server_after - server_cpu
    return result


def run_load(
    host: str,
    port: int,
    path: str,
    documents: list[dict[str, Any]],
    *,
    connections: int = 8,
    warmup: float = 2.0,
    seconds: float = 10.0,
    server_pids: list[int] | None = None,
) -> dict[str, Any]:
    """POST the documents (cycled) for `warmup` + `seconds`; figures cover the measured seconds only (with
    the CPU time of this process and of `server_pids` over them, per request)."""
    requests = requests_for(host, port, path, documents)
    main = _run(host, port, requests, connections, warmup, seconds, server_pids or [])
    try:
        import uvloop
    except ImportError:  # the standard event loop: slower, the figures still hold
        return asyncio.run(main).summary()
    return uvloop.run(main).summary()


def load_in_process(queue: Any, *args: Any, **kwargs: Any) -> None:
    """multiprocessing target: run the load and put its summary on `queue`."""
    try:
        queue.put(run_load(*args, **kwargs))
    except Exception as exc:  # reported to the parent, which prints it
        queue.put({"error": f"{type(exc).__name__}: {exc}"})
