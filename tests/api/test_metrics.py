"""GET /metrics: Prometheus text with the queue, batches, anchoring latency and this worker's counters."""

from __future__ import annotations

import re


def metric(text: str, name: str) -> float:
    match = re.search(rf"^credanchor_{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    assert match, f"no {name} in /metrics"
    return float(match.group(1))


def test_metrics_follow_issuing_anchoring_and_verifying(api):
    empty = api.client.get("/metrics")
    assert empty.status_code == 200 and empty.headers["content-type"].startswith("text/plain")
    assert metric(empty.text, "credentials_queued") == 0 and metric(empty.text, "batches_anchored") == 0
    issued = [api.issue(learner_name=name) for name in ("Ana", "Bruno")]
    queued = api.client.get("/metrics").text
    assert metric(queued, "credentials_queued") == 2 and metric(queued, "oldest_queued_seconds") >= 0
    api.anchor_all()
    anchored = api.client.get("/metrics").text
    assert metric(anchored, "credentials_queued") == 0 and metric(anchored, "batches_pending") == 0
    assert metric(anchored, "batches_anchored") == 1
    assert metric(anchored, "anchor_latency_max_seconds") >= metric(anchored, "anchor_latency_p50_seconds") >= 0
    credential = api.stored(issued[0]["id"])
    api.client.post("/v1/verify", json=credential)
    tampered = {**credential, "validFrom": "2020-01-01T00:00:00Z"}
    api.client.post("/v1/verify", json=tampered)
    counted = api.client.get("/metrics").text
    assert 'result="verified"} 1' in counted and 'result="not_verified"} 1' in counted
    assert re.search(r'^credanchor_chain_errors_total\{worker="\d+"\} 0$', counted, re.M)
    assert "/metrics" not in api.client.get("/openapi.json").json()["paths"]
