"""The soak: issue and verify continuously for N minutes while the anchoring worker is killed.

Against anvil and PostgreSQL, for a bounded time:

- a *producer* signs credentials at a steady rate with `issue_and_queue` into the PostgreSQL store
  (the very call `POST /v1/credentials` makes; in-process, so the shared CPU goes to the worker
  and the database rather than to HTTP parsing);
- the *anchoring worker* runs as its own OS process (`credanchor anchor --watch`, signing with the
  issuer's own key), and is killed with SIGKILL at a random moment of every `restart_every`
  seconds, then started again;
- a *verifier* fully verifies every credential once it is anchored (signature, Merkle inclusion,
  root on-chain, accreditation, status), and revokes one in `revoke_every`, checking that it then
  fails on revocation.

At the end the producer stops, a last worker run anchors what is queued, and `audit` checks, from
the store and the chain, that nothing was lost or done twice. The run passes only if the audit
finds no problem.

The soak is split by concern: anchor.tools.soak_actors (the producer, the verifier, the worker
process), soak_audit (the final audit) and this module (preparing a run, running it, its figures).
It asks the store (anchor.storage), never its tables.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from anchor.chain.adapter import Chain
from anchor.chain.deployment import deploy_contracts
from anchor.chain.devchain import AnvilProcess
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.issuers import create_issuer, issuer_account, signing_account
from anchor.credentials.model import AwardingBody
from anchor.crypto.proofs import JCS
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from anchor.stats import percentile
from anchor.storage.database import fresh_schema
from anchor.storage.store import BatchState, Store, StoreStatusAllocator
from anchor.tools.soak_actors import ContinuousVerifier, Producer, Setup, Worker
from anchor.tools.soak_audit import Audit, audit

ISSUER_SLUG = "soak"


@dataclass(frozen=True)
class SoakOptions:
    minutes: float
    database_url: str
    #: Seconds between worker kills (one kill at a random moment of each such period).
    restart_every: float = 60.0
    #: A devchain with node-managed accounts (anvil); None starts a fresh anvil for the run.
    rpc: str | None = None
    #: Credentials per second the producer aims at.
    rate: float = 20.0
    #: The worker's batches: at most `max_size` credentials, closed when the oldest waited `max_age` s.
    max_size: int = 50
    max_age: int = 2
    #: The worker's cycle, seconds.
    watch: float = 0.5
    #: Revoke one in this many verified credentials.
    revoke_every: int = 25
    seed: int | None = None
    #: Keep the data directory and the database schema afterwards (to inspect them).
    keep: bool = False


@dataclass
class SoakResult:
    audit: Audit
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.audit.ok

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.audit.counts, "figures": self.figures, "problems": self.audit.problems}


def prepare(chain: Chain, rpc: str, settings: Settings, store: Store) -> Setup:
    """Fresh contracts, an accredited issuer with its own funded account, a signer for it."""
    admin, body = chain.accounts[:2]
    deployment = deploy_contracts(chain, deployer=admin)
    deployment.save(settings.deployments_dir)
    registry = deployment.registry(chain)
    registry.grant_body(body, sender=admin)
    passphrase = secrets.token_urlsafe(24)
    key = create_issuer(settings, ISSUER_SLUG, AwardingBody("", "Soak Academy", "PT"), passphrase)
    account = issuer_account(settings, ISSUER_SLUG)
    ethereum = signing_account(settings, account, passphrase) if account is not None else None
    if account is None or ethereum is None:
        raise ConfigurationError("the soak issuer's account was not created")
    chain.send_value(admin, account, 100 * 10**18)
    registry.register_issuer(account, did=key.did, name="Soak Academy", scope="soak", sender=body)
    allocator = StoreStatusAllocator(store, chain.chain_id, deployment.credential_anchor, account)
    issuer = CredentialIssuer(AwardingBody(key.did, "Soak Academy", "PT"), key, cryptosuite=JCS, status=allocator)
    return Setup(settings, chain, rpc, deployment.anchor(chain), registry.address, account, ethereum.account, issuer,
                 passphrase)  # fmt: skip


def run_soak(options: SoakOptions, report: Callable[[str], None] = lambda line: None) -> SoakResult:
    """Run the soak (see the module docstring); `report` receives a progress line now and then."""
    if options.minutes <= 0 or options.restart_every <= 0 or options.rate <= 0:
        raise ConfigurationError("--minutes, --restart-every and --rate must be positive")
    anvil = AnvilProcess() if options.rpc is None else None
    rpc = anvil.url if anvil is not None else str(options.rpc)
    data_dir = Path(tempfile.mkdtemp(prefix="credanchor-soak-"))
    try:
        with fresh_schema(options.database_url, owner="the soak", prefix="soak", keep=options.keep) as url:
            store = Store.open(url)
            chain = anvil.chain if anvil is not None else Chain.connect(rpc)
            setup = prepare(chain, rpc, Settings(data_dir), store)
            report(f"soak: {options.minutes:g} min on {rpc}, schema {url.rsplit('%3D', 1)[-1]}, data {data_dir}")
            return _soak(options, setup, store, url, report)
    finally:
        if anvil is not None:
            anvil.stop()
        if options.keep:
            report(f"kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def _soak(options: SoakOptions, setup: Setup, store: Store, url: str, report: Callable[[str], None]) -> SoakResult:
    rng = random.Random(options.seed)
    producer = Producer(setup, store, options.rate)
    # The verifier reads the chain on its own connection (web3 providers are not shared across threads).
    verifier = ContinuousVerifier(replace(setup, chain=Chain.connect(setup.rpc)), store, options.revoke_every)
    worker = Worker(setup, url, max_size=options.max_size, max_age=options.max_age, watch=options.watch)
    stop_producing, stop_verifying = threading.Event(), threading.Event()
    threads = [threading.Thread(target=producer.run, args=(stop_producing,), name="producer"),
               threading.Thread(target=verifier.run, args=(stop_verifying,), name="verifier")]  # fmt: skip
    kills = mid_batch = 0
    start = time.monotonic()
    deadline = start + options.minutes * 60
    period = 0
    kill_at = start + rng.uniform(0, options.restart_every)
    next_report = start + 15
    worker.start()
    for thread in threads:
        thread.start()
    try:
        while (now := time.monotonic()) < deadline:
            if worker.exited():
                worker.start()
            if now >= kill_at:
                worker.kill()
                kills += 1
                mid_batch += bool(store.open_batches(setup.account))  # killed with a batch half done
                worker.start()
                period += 1
                kill_at = start + period * options.restart_every + rng.uniform(0, options.restart_every)
            if now >= next_report:
                anchored, _ = store.credentials(setup.account, state="anchored", limit=0)  # the count only
                report(f"t={now - start:5.0f}s issued {len(producer.issued)} anchored {anchored} verified "
                       f"{verifier.verified} revoked {len(verifier.revoked)} kills {kills}")  # fmt: skip
                next_report += 15
            time.sleep(0.05)
    finally:
        stop_producing.set()
        stop_verifying.set()  # its revocations share the issuer's nonces with the final run: not at once
        for thread in threads:
            thread.join()
        worker.kill()
    produced_at = time.monotonic()
    drained = worker.drain()
    drained_at = time.monotonic()
    verifier.pass_once()  # whatever is left, the last run's batches included
    verified_at = time.monotonic()
    report("soak: auditing")

    result = audit(store, setup.anchor, setup.account, producer.issued, verifier.revoked, registry=setup.registry,
                   revocation_txs=verifier.revocation_txs)  # fmt: skip
    problems = result.problems
    if drained.returncode != 0:
        problems.append(f"the final worker run failed ({drained.returncode}): {drained.stderr.strip()[-500:]}")
    problems += producer.errors + verifier.failures
    unverified = result.counts["anchored"] - verifier.verified
    if unverified:
        problems.append(f"{unverified} anchored credential(s) were never verified")
    drained_batches = json.loads(drained.stdout)["batches"] if drained.returncode == 0 else []
    result.counts.update({
        "verified": verifier.verified,
        "worker_kills": kills,
        "kills_with_a_batch_half_done": mid_batch,
        "worker_starts": worker.started,
        "worker_unexpected_exits": len(worker.unexpected_exits),
        "batches_in_final_run": len(drained_batches),
        "problems": len(problems),
    })  # fmt: skip
    _, batches = store.batch_states(setup.account, limit=None)
    latencies = sorted(_latencies(store, setup.account, batches))
    figures = {
        "rpc": setup.rpc,
        "minutes": options.minutes,
        "restart_every_seconds": options.restart_every,
        "target_rate_per_second": options.rate,
        "issued_per_second": round(len(producer.issued) / max(producer.seconds, 1e-9), 1),
        "anchored_per_second": round(result.counts["anchored"] / (drained_at - start), 1),
        "verified_per_second": round(verifier.verified / (verified_at - start), 1),
        "final_run_seconds": round(drained_at - produced_at, 1),
        "issue_to_anchor_seconds": {name: round(percentile(latencies, q), 1)
                                    for name, q in (("p50", 0.5), ("p90", 0.9), ("max", 1.0))} if latencies else {},
        "mean_batch_size": round(result.counts["anchored"] / max(result.counts["batches"], 1), 1),
        "worker_exits": worker.unexpected_exits,
    }  # fmt: skip
    return SoakResult(result, figures)


def _latencies(store: Store, account: str, batches: list[BatchState]) -> Iterator[float]:
    """Seconds from queueing each credential to its batch being recorded as anchored."""
    anchored_at = {b.id: b.anchored_at for b in batches}
    _, credentials = store.credentials(account, state="anchored", limit=None)
    for credential in credentials:
        done = anchored_at.get(credential.batch_id or -1)
        if done is not None:
            yield (done - credential.queued_at).total_seconds()


SUMMARY_ROWS = (
    ("issued", "credentials issued (producer)"),
    ("stored", "credentials in the store"),
    ("anchored", "anchored (in an anchored batch)"),
    ("merkle_proofs_checked", "Merkle proofs checked against on-chain roots"),
    ("verified", "fully verified against the chain"),
    ("revoked", "revoked"),
    ("revoked_verify_as_revoked", "revoked that verify as revoked"),
    ("batches", "batches"),
    ("roots_on_chain", "roots anchored on-chain"),
    ("anchoring_txs", "anchoring transactions"),
    ("revocation_txs", "revocation transactions"),
    ("worker_kills", "worker kills (SIGKILL)"),
    ("kills_with_a_batch_half_done", "kills that left a batch half done"),
    ("worker_starts", "worker starts"),
    ("worker_unexpected_exits", "worker exits not caused by a kill"),
    ("batches_in_final_run", "batches anchored by the final run"),
    ("lost", "lost"),
    ("problems", "problems"),
)


def summary_rows(result: SoakResult) -> list[tuple[str, str]]:
    """The summary table's rows: (what, value)."""
    rows = [(label, f"{result.audit.counts.get(key, 0):,}") for key, label in SUMMARY_ROWS]
    figures = result.figures
    rows += [
        ("issued per second", f"{figures['issued_per_second']} (target {figures['target_rate_per_second']:g})"),
        ("anchored per second", str(figures["anchored_per_second"])),
        ("verified per second", str(figures["verified_per_second"])),
        ("issue → anchored p50 / p90 / max (s)", " / ".join(map(str, figures["issue_to_anchor_seconds"].values()))),
        ("mean batch size", str(figures["mean_batch_size"])),
        ("final run (s)", str(figures["final_run_seconds"])),
    ]  # fmt: skip
    return rows
