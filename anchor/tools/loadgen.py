"""A small HTTP/1.1 load generator for `credanchor bench api`: keep-alive connections on asyncio,
each sending POST requests back to back, for a bounded time; latencies measured per request.

It runs in its own process (so its CPU is not the server's), speaks just enough HTTP/1.1
(Content-Length bodies, no chunking), and counts every status code and every `"verified": true`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    verified: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def percentile(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2) if ordered else 0.0

        return {
            "requests": len(ordered),
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(0.50),
            "p90_ms": percentile(0.90),
            "p99_ms": percentile(0.99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "verified": self.verified,
            "errors": self.errors[:5],
        }


async def _connection(
    host: str, port: int, path: str, bodies: list[bytes], offset: int, warmup_end: float, end: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    number = offset
    try:
        while True:
            now = time.perf_counter()
            if now >= end:
                return
            body = bodies[number % len(bodies)]
            number += 1
            head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
            start = time.perf_counter()
            writer.write(head + body)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            payload = await reader.readexactly(length)
            finished = time.perf_counter()
            if start >= warmup_end:
                status = int(status_line.split()[1])
                result.latencies.append(finished - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 200 and json.loads(payload).get("verified") is True:
                    result.verified += 1
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def _run(host: str, port: int, path: str, bodies: list[bytes], connections: int, warmup: float,
               seconds: float) -> LoadResult:  # fmt: skip
    begin = time.perf_counter()
    warmup_end, end = begin + warmup, begin + warmup + seconds
    result = LoadResult(seconds)
    await asyncio.gather(*(
        _connection(host, port, path, bodies, i * 7, warmup_end, end, result) for i in range(connections)
    ))  # fmt: skip
    return result


def run_load(host: str, port: int, path: str, documents: list[dict[str, Any]], *, connections: int = 8,
             warmup: float = 2.0, seconds: float = 10.0) -> dict[str, Any]:  # fmt: skip
    """POST the documents (cycled) for `warmup` + `seconds`; figures cover the measured seconds only."""
    bodies = [json.dumps(d, separators=(",", ":")).encode() for d in documents]
    return asyncio.run(_run(host, port, path, bodies, connections, warmup, seconds)).summary()


def load_in_process(queue: Any, *args: Any, **kwargs: Any) -> None:
    """multiprocessing target: run the load and put its summary on `queue`."""
    try:
        queue.put(run_load(*args, **kwargs))
    except Exception as exc:  # reported to the parent, which prints it
        queue.put({"error": f"{type(exc).__name__}: {exc}"})
