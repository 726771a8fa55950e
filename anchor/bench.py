"""Benchmarks that print figures and ratios measured in one run (never asserted by tests)."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .credential import Award, AwardingBody, Learner, MicroCredentialSpec, Skill
from .issuance import CredentialIssuer
from .keys import SigningKey
from .proofs import JCS, RDFC

#: The targets of the Credentials issue, per cryptosuite (credentials per second, one core).
ISSUE_TARGETS = {JCS: 8_000, RDFC: 600}

BENCH_SPEC = MicroCredentialSpec(
    title="Data Literacy Essentials",
    description="Reading, cleaning and charting tabular data for decisions.",
    learning_outcomes=("Clean a tabular data set", "Choose a chart that answers a question", "Explain a result"),
    assessment_type="Project assessed by two examiners",
    participation_form="online",
    quality_assurance="Internal QA under ISO 21001, programme reviewed by the national agency",
    workload_hours=75,
    ects_credits=3,
    eqf_level=5,
    prerequisites=("Basic spreadsheet use",),
    skills=(Skill("http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2", "data analytics"),),
    stackability="Counts towards the Certificate in Applied Data Skills (15 ECTS)",
)


@dataclass(frozen=True)
class Rate:
    label: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


@contextmanager
def one_core() -> Iterator[str]:
    """Run on one core, as the targets are stated; say which; restore the affinity afterwards."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity)"
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield f"pinned to core {min(cores)}"
    finally:
        os.sched_setaffinity(0, cores)


def _timed(label: str, count: int, action: Any) -> Rate:
    start = time.perf_counter()
    for i in range(count):
        action(i)
    return Rate(label, count, time.perf_counter() - start)


def bench_issue(count_jcs: int = 4_000, count_rdfc: int = 400) -> dict[str, Any]:
    """Credentials/s for build + validate + sign per cryptosuite, against the Ed25519 sign ceiling."""
    with one_core() as pinned:
        return _bench_issue(count_jcs, count_rdfc, pinned)


def _bench_issue(count_jcs: int, count_rdfc: int, pinned: str) -> dict[str, Any]:
    key = SigningKey.generate()
    body = AwardingBody(key.did, "Universidade Exemplo", "PT", "Lisboa", "https://uni.example")
    issued = datetime(2026, 6, 30, tzinfo=UTC)
    message = bytes(64)
    ceiling = _timed("Ed25519 sign (64-byte message)", 20_000, lambda i: key.sign(message))

    def learner(i: int) -> Award:
        return Award(Learner(f"Learner {i}", f"learner{i}@example.org"), issued + timedelta(seconds=i), grade="A")

    rates = [ceiling]
    for suite, count in ((JCS, count_jcs), (RDFC, count_rdfc)):
        issuer = CredentialIssuer(body, key, cryptosuite=suite)
        issuer.issue(BENCH_SPEC, learner(-1))  # warm caches (contexts, achievement)
        rates.append(_timed(suite, count, lambda i, issuer=issuer: issuer.issue(BENCH_SPEC, learner(i))))
    return {
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
        "cpu": pinned,
        "ed25519_signs_per_second": round(ceiling.per_second),
        "cryptosuites": {
            rate.label: {
                "credentials": rate.count,
                "seconds": round(rate.seconds, 3),
                "credentials_per_second": round(rate.per_second),
                "share_of_sign_ceiling": round(rate.per_second / ceiling.per_second, 4),
                "target_per_second": ISSUE_TARGETS[rate.label],
                "ratio_to_target": round(rate.per_second / ISSUE_TARGETS[rate.label], 3),
            }
            for rate in rates[1:]
        },
    }
