"""The soak's actors, which run at once: a producer issuing credentials into the store at a steady
rate, a verifier fully verifying each one once anchored (and revoking one in so many), and the
anchoring worker as an OS process that the run kills with SIGKILL and starts again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from anchor.anchoring.status_changes import change_status
from anchor.chain.adapter import Chain
from anchor.chain.contracts import CredentialAnchorClient
from anchor.chain.view import ChainReader
from anchor.credentials.issuance import CredentialIssuer, issue_and_queue
from anchor.credentials.model import Award, Learner
from anchor.credentials.verify import Outcome, Verifier
from anchor.errors import ChainError, CredAnchorError
from anchor.settings import Settings
from anchor.storage.store import Store
from anchor.tools.bench import BENCH_SPEC

log = logging.getLogger(__name__)


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
        verifier = Verifier(ChainReader(self.setup.chain, self.setup.registry))
        # Ids only: a pass a second must not load every anchored document again as the soak grows.
        anchored = self.store.credential_ids(self.setup.account, state="anchored")
        fresh = [i for i in anchored if i not in self.seen]
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
        after = Verifier(ChainReader(self.setup.chain, self.setup.registry)).verify(document)
        if after.verified or after.check("revocation").outcome is not Outcome.FAIL:
            self.failures.append(f"{credential_id} still verifies as not revoked after its revocation")


class Worker:
    """`credanchor anchor --watch` as an OS process, killed (SIGKILL) and started again at will."""

    def __init__(self, setup: Setup, database_url: str, *, max_size: int, max_age: int, watch: float) -> None:
        """`max_size`, `max_age` and `watch`: the worker's batches and cycle (`credanchor anchor`'s options)."""
        self.setup = setup
        self.max_size, self.max_age, self.watch = max_size, max_age, watch
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
                   "--max-size", str(self.max_size)]  # fmt: skip
        if watch:
            return [*command, "--max-age", str(self.max_age), "--watch", str(self.watch)]
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
