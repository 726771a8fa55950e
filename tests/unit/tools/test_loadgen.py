"""The load generator of `credanchor bench api` (anchor/tools/loadgen.py) reads every answer and counts only
the ones that say verified: against a small HTTP/1.1 server that splits its answers across writes, varies
their bytes, and answers some requests `"verified": false` or 500."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from anchor.tools.loadgen import run_load


class _Answering(asyncio.Protocol):
    """Answers each POST by its body's "kind", in three writes (head, then the body in two parts)."""

    def __init__(self, served: Counter[str]) -> None:
        self.served, self.buffer = served, b""
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").lower()
            length = int(head.split("content-length:")[1].split("\r\n")[0])
            if len(self.buffer) < end + 4 + length:
                return
            kind = json.loads(self.buffer[end + 4 : end + 4 + length])["kind"]
            self.buffer = self.buffer[end + 4 + length :]
            self.served[kind] += 1
            status, answer = {
                "good": (200, b'{"verified":true}' if self.served[kind] % 2 else b'{ "verified": true, "n": 1 }'),
                "bad": (200, b'{"verified":false}'),
                "broken": (500, b'{"title":"Internal Server Error"}'),
            }[kind]
            self.transport.write(f"HTTP/1.1 {status} X\r\nServer: t\r\nContent-Length: {len(answer)}\r\n\r\n".encode())
            self.transport.write(answer[:5])
            self.transport.write(answer[5:])


@pytest.fixture
def server() -> Iterator[tuple[int, Counter[str]]]:
    served: Counter[str] = Counter()
    loop = asyncio.new_event_loop()
    listening = loop.run_until_complete(loop.create_server(lambda: _Answering(served), "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield listening.sockets[0].getsockname()[1], served
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        listening.close()
        loop.run_until_complete(listening.wait_closed())
        loop.close()


def test_every_answer_is_read_and_only_verified_ones_count(server: tuple[int, Counter[str]]) -> None:
    port, served = server
    documents = [{"kind": "good"}, {"kind": "bad"}, {"kind": "good"}, {"kind": "broken"}]
    summary = run_load("127.0.0.1", port, "/v1/verify", documents, connections=3, warmup=0.0, seconds=0.5)
    assert summary["errors"] == []
    assert summary["requests"] == sum(served.values()) > len(documents)
    assert summary["statuses"] == {"200": served["good"] + served["bad"], "500": served["broken"]}
    assert summary["verified"] == served["good"]  # the changed bytes of a good answer were parsed, and counted
    assert summary["loadgen_cpu_us_per_request"] is not None and summary["server_cpu_us_per_request"] is None
