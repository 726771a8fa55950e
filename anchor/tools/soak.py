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
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor.anchoring.batches import anchor_proofs_of, credential_hash
from anchor.anchoring.status_changes import change_status
from anchor.chain.adapter import Chain, DecodedLog
from anchor.chain.contracts import CredentialAnchorClient
from anchor.chain.deployment import deploy_contracts
from anchor.chain.devchain import AnvilProcess
from anchor.credentials.issuance import (
    CredentialIssuer,
    create_issuer,
    issue_and_queue,
    issuer_account,
    signing_account,
)
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.credentials.verify import Outcome, Verifier
from anchor.crypto.merkle import MerkleTree, process_proof
from anchor.crypto.proofs import JCS
from anchor.errors import ChainError, ConfigurationError, CredAnchorError
from anchor.settings import Settings
from anchor.storage.store import BatchState, CredentialRow, Store, StoredCredential, StoreStatusAllocator
from anchor.tools.bench import BENCH_SPEC
from anchor.types import Root, merkle_path_from_hex

log = logging.getLogger(__name__)

ISSUER_SLUG = "soak"
ALL = 10**9  # "every row" for the store's paged queries


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
class Audit:
    """What the store and the chain show at the end; `problems` lists every discrepancy found."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class SoakResult:
    audit: Audit
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.audit.ok

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.audit.counts, "figures": self.figures, "problems": self.audit.problems}


# -- the audit ------------------------------------------------------------------------------------


def audit(
    store: Store,
    anchor: CredentialAnchorClient,
    account: str,
    issued: list[str],
    revoked: list[str],
    *,
    registry: str,
    revocation_txs: int,
) -> Audit:
    """Check, from the store and the chain, that every issued credential was anchored exactly once.

    `issued` are the ids the producer was handed back, `revoked` the ids the verifier revoked (in
    `revocation_txs` transactions). Nothing here trusts the soak's own counters beyond those lists.
    """
    result = Audit()
    problems = result.problems
    total, stored_list = store.credentials(account, limit=ALL)
    stored = {c.id: c for c in stored_list}
    for credential_id in sorted(set(issued) - stored.keys()):
        problems.append(f"lost: {credential_id} was issued but is not in the store")
    for credential_id in sorted(stored.keys() - set(issued)):
        problems.append(f"unexpected: {credential_id} is in the store but was never issued")
    if len(issued) != len(set(issued)):
        problems.append(f"{len(issued) - len(set(issued))} credential id(s) were handed out twice")

    _, batches = store.batch_states(account, limit=ALL)
    by_batch: dict[int, list[StoredCredential]] = {}
    for credential in stored.values():
        if credential.state != "anchored" or credential.batch_id is None:
            problems.append(f"not anchored: {credential.id} is {credential.state}")
        else:
            by_batch.setdefault(credential.batch_id, []).append(credential)
    for root, times in Counter(b.root for b in batches).items():
        if times > 1:
            problems.append(f"root {root} belongs to {times} batches")

    events = _issuer_events(anchor, account)
    on_chain = Counter("0x" + bytes(e.args["root"]).hex() for e in events if e.event == "BatchAnchored")
    for root, times in on_chain.items():
        if times > 1:
            problems.append(f"root {root} was anchored {times} times")
    recorded = {b.root for b in batches if b.state == "anchored"}
    for root in sorted(on_chain.keys() - recorded):
        problems.append(f"root {root} was anchored on-chain but no anchored batch in the store has it")

    proofs_checked = 0
    for batch in batches:
        members = by_batch.get(batch.id, [])
        problems.extend(_audit_batch(anchor, account, batch, members, root_on_chain=batch.root in on_chain))
        proofs_checked += len(members)

    revoked_confirmed = 0
    verifier = Verifier(anchor.chain, registry=registry)
    for credential_id in revoked:
        revoked_one = stored.get(credential_id)
        if revoked_one is None:
            continue  # reported as lost above
        report = verifier.verify(revoked_one.document)
        failed = {c.name for c in report.checks if c.outcome is Outcome.FAIL}
        if failed == {"revocation"}:
            revoked_confirmed += 1
        else:
            problems.append(f"revoked {credential_id} fails {sorted(failed) or 'nothing'}, not just revocation")
    revocation_events = sum(1 for e in events if e.event == "CredentialsRevoked")
    if revocation_events != revocation_txs:
        problems.append(f"{revocation_txs} revocation transaction(s) sent, {revocation_events} on-chain")

    result.counts = {
        "issued": len(issued),
        "stored": total,
        "anchored": sum(len(m) for m in by_batch.values()),
        "merkle_proofs_checked": proofs_checked,
        "batches": len(batches),
        "roots_on_chain": len(on_chain),
        "revoked": len(revoked),
        "revoked_verify_as_revoked": revoked_confirmed,
        "anchoring_txs": sum(on_chain.values()),
        "revocation_txs": revocation_events,
        "lost": len(set(issued) - stored.keys()),
        "problems": len(problems),
    }
    return result


def _audit_batch(
    anchor: CredentialAnchorClient,
    account: str,
    batch: BatchState,
    members: list[StoredCredential],
    *,
    root_on_chain: bool,
) -> list[str]:
    problems = []
    name = f"batch {batch.id}"
    if batch.state != "anchored":
        return [f"{name} is still {batch.state}"]
    if not root_on_chain:
        problems.append(f"{name}: its root {batch.root} has no BatchAnchored event")
    record = anchor.batch(account, Root.from_hex(batch.root))
    if not record.anchored or record.anchored_block != batch.block_number:
        problems.append(f"{name}: on-chain the root is anchored in block {record.anchored_block}, "
                        f"the store says {batch.block_number}")  # fmt: skip
    if len(members) != batch.size:
        problems.append(f"{name} was closed with {batch.size} credentials and holds {len(members)}")
    hashes = []
    for credential in members:
        hashed = credential_hash(credential.document)
        hashes.append(hashed)
        proofs = anchor_proofs_of(credential.document)
        if len(proofs) != 1:
            problems.append(f"{credential.id} carries {len(proofs)} anchor proofs")
            continue
        proof = proofs[0]
        try:
            path = merkle_path_from_hex(proof.get("merklePath", []))
        except ConfigurationError:  # not 32-byte hex nodes
            path = []
        if proof.get("merkleRoot") != batch.root or process_proof(hashed, path) != Root.from_hex(batch.root).value:
            problems.append(f"{credential.id}: its Merkle proof does not lead to its batch's root {batch.root}")
        where = (str(proof.get("anchoredBy")).lower(), str(proof.get("anchorContract")).lower(),
                 proof.get("transactionHash"), proof.get("blockNumber"))  # fmt: skip
        if where != (account.lower(), anchor.address.lower(), batch.tx_hash, batch.block_number):
            problems.append(f"{credential.id}: its anchor proof names another account, contract or transaction "
                            f"than {name}'s")  # fmt: skip
    if len(set(hashes)) != len(hashes):
        problems.append(f"{name} holds the same credential twice")
    elif hashes and MerkleTree.build(hashes).root != Root.from_hex(batch.root).value:
        problems.append(f"{name}: its credentials do not make its root {batch.root}")
    return problems


def _issuer_events(anchor: CredentialAnchorClient, account: str) -> list[DecodedLog]:
    """Every CredentialAnchor event `account` caused (each event names its issuer)."""
    return [e for e in anchor.chain.events(anchor.NAME, anchor.address) if e.args["issuer"].lower() == account.lower()]


# -- the parts that run concurrently --------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    settings: Settings
    chain: Chain
    rpc: str
    anchor: CredentialAnchorClient
    registry: str
    account: str
    signer: LocalAccount
    issuer: CredentialIssuer
    passphrase: str


class Producer:
    """Issues credentials at `rate` per second until stopped; remembers every id handed back."""

    def __init__(self, setup: Setup, store: Store, rate: float) -> None:
        self.setup, self.store, self.rate = setup, store, rate
        self.issued: list[str] = []
        self.errors: list[str] = []
        self.seconds = 0.0

    def run(self, stop: threading.Event) -> None:
        start = time.monotonic()
        try:
            self._produce(stop, start)
        except Exception as exc:  # the producer died: the run fails, with the reason
            self.errors.append(f"the producer stopped: {type(exc).__name__}: {exc}")
        self.seconds = time.monotonic() - start

    def _produce(self, stop: threading.Event, start: float) -> None:
        number = 0
        while not stop.is_set():
            learner = Learner(f"Soak learner {number}", f"learner{number}@soak.example")
            award = Award(learner, datetime.now(UTC).replace(microsecond=0))
            try:
                credential, new = issue_and_queue(self.setup.issuer, self.store, self.setup.account, BENCH_SPEC, award)
            except CredAnchorError as exc:
                self.errors.append(f"issuing credential {number}: {exc}")
            else:
                if new:
                    self.issued.append(credential["id"])
                else:
                    self.errors.append(f"credential {number} ({credential['id']}) was already in the store")
            number += 1
            stop.wait(max(0.0, start + number / self.rate - time.monotonic()))


class ContinuousVerifier:
    """Verifies each credential once it is anchored; revokes one in `revoke_every` and checks it fails."""

    def __init__(self, setup: Setup, store: Store, revoke_every: int) -> None:
        self.setup, self.store, self.revoke_every = setup, store, revoke_every
        self.seen: set[str] = set()
        self.verified = 0
        self.revoked: list[str] = []
        #: One record per revocation transaction sent (`change_status`'s records).
        self.revocations: list[dict[str, Any]] = []
        self.failures: list[str] = []

    @property
    def revocation_txs(self) -> int:
        return len(self.revocations)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.pass_once()
            except CredAnchorError as exc:  # chain or database hiccup: the next pass picks them up
                log.warning("verifier: %s", exc)
            except Exception as exc:  # the verifier died: the run fails, with the reason
                self.failures.append(f"the verifier stopped: {type(exc).__name__}: {exc}")
                return
            stop.wait(1.0)

    def pass_once(self) -> int:
        """Verify every anchored credential not verified yet (a fresh Verifier: fresh chain reads)."""
        verifier = Verifier(self.setup.chain, registry=self.setup.registry)
        fresh = [i for i in anchored_ids(self.store, self.setup.account) if i not in self.seen]
        for credential_id in fresh:
            document = self.store.document(credential_id)
            if document is None:
                self.failures.append(f"{credential_id} was anchored, then vanished from the store")
                continue
            report = verifier.verify(document)
            self.seen.add(credential_id)
            if not report.verified:
                failed = [f"{c.name}: {c.reason}" for c in report.checks if c.outcome is Outcome.FAIL]
                self.failures.append(f"{credential_id} does not verify: {'; '.join(failed)}")
                continue
            self.verified += 1
            if self.verified % self.revoke_every == 0:
                self._revoke(credential_id, document)
        return len(fresh)

    def _revoke(self, credential_id: str, document: dict[str, Any]) -> None:
        # Sent once: a nonce the worker took in between is signed again inside `Chain.transact`, and
        # retrying here after e.g. a receipt timeout could send a second revocation.
        try:
            sent = change_status(self.setup.chain, [document], "revoke", lambda _: self.setup.signer)
        except ChainError as exc:
            self.failures.append(f"{credential_id} could not be revoked: {exc}")
            return
        self.revoked.append(credential_id)
        self.revocations += sent
        after = Verifier(self.setup.chain, registry=self.setup.registry).verify(document)
        if after.verified or after.check("revocation").outcome is not Outcome.FAIL:
            self.failures.append(f"{credential_id} still verifies as not revoked after its revocation")


def anchored_ids(store: Store, account: str) -> list[str]:
    # Ids only: a pass a second must not load every anchored document again as the soak grows.
    with Session(store.engine) as session:
        query = select(CredentialRow.id).where(
            (CredentialRow.issuer_account == account) & (CredentialRow.state == "anchored")
        )
        return list(session.scalars(query))


class Worker:
    """`credanchor anchor --watch` as an OS process, killed (SIGKILL) and started again at will."""

    def __init__(self, setup: Setup, database_url: str, options: SoakOptions) -> None:
        self.setup, self.options = setup, options
        self.env = {**os.environ, "CREDANCHOR_DATA_DIR": str(setup.settings.data_dir),
                    "CREDANCHOR_DATABASE_URL": database_url, "CREDANCHOR_KEY_PASSPHRASE": setup.passphrase}  # fmt: skip
        self.env.pop("CREDANCHOR_CRASH_AT", None)
        self.logs = setup.settings.data_dir / "worker-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0
        self.unexpected_exits: list[str] = []

    def command(self, *, watch: bool) -> list[str]:
        command = [sys.executable, "-m", "anchor", "-v", "anchor", "--out", str(self.setup.settings.data_dir / "out"),
                   "--rpc", self.setup.rpc, "--account", self.setup.account,
                   "--max-size", str(self.options.max_size)]  # fmt: skip
        if watch:
            return [*command, "--max-age", str(self.options.max_age), "--watch", str(self.options.watch)]
        return [*command, "--json"]  # without --watch: anchor everything queued now, then exit

    def start(self) -> None:
        self.started += 1
        with (self.logs / f"{self.started:03d}.log").open("wb") as output:
            self.process = subprocess.Popen(self.command(watch=True), env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT)  # fmt: skip

    def exited(self) -> bool:
        """Whether the worker ended on its own (it should not): the exit is recorded."""
        if self.process is None or self.process.poll() is None:
            return False
        log_file = self.logs / f"{self.started:03d}.log"
        tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] if log_file.exists() else []
        self.unexpected_exits.append(f"worker {self.started} exited with {self.process.returncode}: {' '.join(tail)}")
        self.process = None
        return True

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def drain(self) -> subprocess.CompletedProcess[str]:
        """One last run without --watch: closes and anchors everything still queued or half done."""
        return subprocess.run(self.command(watch=False), env=self.env, capture_output=True, text=True, timeout=900)


# -- the run --------------------------------------------------------------------------------------


@contextmanager
def fresh_schema(database_url: str, *, keep: bool = False, prefix: str = "soak") -> Iterator[str]:
    """A URL whose tables live in a new schema `<prefix>_<random>` of the PostgreSQL at `database_url`
    (dropped afterwards unless `keep`). Also the integration tests' `postgres_schema` fixture."""
    import psycopg

    if not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigurationError(f"the soak needs PostgreSQL (postgresql://…), not {database_url.split(':')[0]}")
    schema = f"{prefix}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
    except psycopg.Error as exc:
        raise ConfigurationError(f"cannot prepare the soak's schema in {database_url}: {exc}") from None
    separator = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with psycopg.connect(database_url, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")


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
        with fresh_schema(options.database_url, keep=options.keep) as url:
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
    worker = Worker(setup, url, options)
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
    _, batches = store.batch_states(setup.account, limit=ALL)
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
        "issue_to_anchor_seconds": {name: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)
                                    for name, q in (("p50", 0.5), ("p90", 0.9), ("max", 1.0))} if latencies else {},
        "mean_batch_size": round(result.counts["anchored"] / max(result.counts["batches"], 1), 1),
        "worker_exits": worker.unexpected_exits,
    }  # fmt: skip
    return SoakResult(result, figures)


def _latencies(store: Store, account: str, batches: list[BatchState]) -> Iterator[float]:
    """Seconds from queueing each credential to its batch being recorded as anchored."""
    anchored_at = {b.id: b.anchored_at for b in batches}
    _, credentials = store.credentials(account, state="anchored", limit=ALL)
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
