"""GET /metrics: Prometheus text exposition for monitoring.

From the database (the same for every worker): credentials waiting for anchoring, the age of the oldest,
batches closed but not yet recorded as anchored, anchored batches, and anchoring latency (closing →
recorded) over the last 100 batches. From this worker (label `worker` = its process id; Prometheus sums
or scrapes each): verification requests by result, and chain errors answered as 503.
"""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from ..services import ServicesDep

router = APIRouter(include_in_schema=False)

HELP = {
    "credentials_queued": ("gauge", "Credentials issued and waiting to be batched and anchored."),
    "oldest_queued_seconds": ("gauge", "Age of the oldest credential waiting to be anchored."),
    "batches_pending": ("gauge", "Batches closed whose anchoring is not yet recorded."),
    "batches_anchored": ("counter", "Batches recorded as anchored."),
    "anchor_latency_p50_seconds": ("gauge", "Median seconds from a batch closing to its recorded anchoring."),
    "anchor_latency_p90_seconds": ("gauge", "90th percentile of the same, last 100 batches."),
    "anchor_latency_max_seconds": ("gauge", "Slowest of the same, last 100 batches."),
}


@router.get("/metrics")
def metrics(services: ServicesDep) -> PlainTextResponse:
    lines = []
    for name, value in services.store.metrics().items():
        kind, text = HELP[name]
        lines += [f"# HELP credanchor_{name} {text}", f"# TYPE credanchor_{name} {kind}", f"credanchor_{name} {value}"]
    worker = os.getpid()
    lines += ["# HELP credanchor_verify_requests_total Verification requests answered by this worker, by result.",
              "# TYPE credanchor_verify_requests_total counter"]  # fmt: skip
    for result, count in sorted(services.counters.verify.items()):
        lines.append(f'credanchor_verify_requests_total{{worker="{worker}",result="{result}"}} {count}')
    lines += ["# HELP credanchor_chain_errors_total Requests this worker answered 503 because the chain failed.",
              "# TYPE credanchor_chain_errors_total counter",
              f'credanchor_chain_errors_total{{worker="{worker}"}} {services.counters.chain_errors}']  # fmt: skip
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")
