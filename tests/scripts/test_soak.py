"""The soak: a short real one (anvil, PostgreSQL, the worker killed), and its audit catching losses."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from anchor.anchoring.status_changes import change_status
from anchor.anchoring.worker import anchor_due
from anchor.chain.adapter import Chain
from anchor.chain.deployment import deploy_contracts
from anchor.credentials.issuance import CredentialIssuer, issue_and_queue
from anchor.credentials.model import Award, AwardingBody, Learner
from anchor.crypto.keys import SigningKey
from anchor.crypto.proofs import JCS
from anchor.storage.store import Store, StoreStatusAllocator
from anchor.tools.bench import BENCH_SPEC
from anchor.tools.soak import SoakOptions, run_soak
from anchor.tools.soak_audit import audit

POSTGRES = os.environ.get("CREDANCHOR_TEST_DATABASE_URL")


@pytest.mark.anvil
def test_a_short_soak_with_the_worker_killed_loses_nothing(anvil: Any) -> None:
    if not POSTGRES:
        pytest.skip("CREDANCHOR_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    options = SoakOptions(minutes=0.5, database_url=POSTGRES, restart_every=8, rpc=anvil.url, rate=15, seed=8)
    result = run_soak(options)
    counts = result.audit.counts
    assert result.audit.problems == []
    assert result.ok
    assert counts["worker_kills"] >= 2
    # A revocation may take the nonce the worker just signed with: the worker then exits, and is started again.
    assert counts["worker_starts"] == 1 + counts["worker_kills"] + counts["worker_unexpected_exits"]
    assert counts["lost"] == 0 and counts["issued"] > 100
    assert counts["issued"] == counts["stored"] == counts["anchored"] == counts["merkle_proofs_checked"]
    assert counts["verified"] == counts["anchored"]
    assert counts["batches"] == counts["roots_on_chain"] == counts["anchoring_txs"]
    assert counts["revoked"] >= 1 and counts["revoked_verify_as_revoked"] == counts["revoked"]
    assert counts["revocation_txs"] == counts["revoked"]


# -- the audit, on the embedded chain and a SQLite store ------------------------------------------

ISSUED = 7
KEY = SigningKey.generate()


@pytest.fixture(scope="module")
def anchored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Seven credentials issued and anchored in two batches, one revoked; the store file to copy."""
    chain = Chain.embedded()
    admin, body, issuer_account = chain.accounts[:3]
    deployment = deploy_contracts(chain, deployer=admin)
    registry = deployment.registry(chain)
    registry.grant_body(body, sender=admin)
    registry.register_issuer(issuer_account, did=KEY.did, name="U", scope="x", sender=body)
    path = tmp_path_factory.mktemp("audit") / "store.sqlite"
    store = Store.open(f"sqlite:///{path}")
    allocator = StoreStatusAllocator(store, chain.chain_id, deployment.credential_anchor, issuer_account)
    issuer = CredentialIssuer(AwardingBody(KEY.did, "U", "PT"), KEY, cryptosuite=JCS, status=allocator)
    issued = []
    for number in range(ISSUED):
        award = Award(Learner(f"L{number}"), datetime(2026, 5, 1, tzinfo=UTC))
        issued.append(issue_and_queue(issuer, store, issuer_account, BENCH_SPEC, award)[0]["id"])
    anchor = deployment.anchor(chain)
    assert len(anchor_due(store, anchor, issuer_account, max_size=4, force=True)) == 2
    change_status(chain, [store.document(issued[0])], "revoke", lambda who: who)
    store.engine.dispose()
    return {"path": path, "anchor": anchor, "registry": registry.address, "account": issuer_account,
            "issued": issued, "issuer": issuer}  # fmt: skip


def audit_copy(anchored: dict[str, Any], tmp_path: Path, tamper: Any = None, **overrides: Any) -> Any:
    """Audit a copy of the anchored store, after `tamper(store)` (the original stays intact)."""
    copy = tmp_path / "copy.sqlite"
    shutil.copy(anchored["path"], copy)
    store = Store.open(f"sqlite:///{copy}")
    if tamper is not None:
        tamper(store)
    arguments = {"issued": anchored["issued"], "revoked": anchored["issued"][:1], "revocation_txs": 1} | overrides
    return audit(store, anchored["anchor"], anchored["account"], arguments["issued"], arguments["revoked"],
                 registry=anchored["registry"], revocation_txs=arguments["revocation_txs"])  # fmt: skip


def sql(statement: str, **values: Any) -> Any:
    def run(store: Store) -> None:
        with store.engine.begin() as connection:
            connection.execute(text(statement), values)

    return run


def test_the_audit_of_an_intact_store_finds_nothing(anchored: dict[str, Any], tmp_path: Path) -> None:
    result = audit_copy(anchored, tmp_path)
    assert result.problems == []
    assert result.counts["anchored"] == result.counts["merkle_proofs_checked"] == ISSUED
    assert result.counts["batches"] == result.counts["roots_on_chain"] == 2
    assert result.counts["revoked_verify_as_revoked"] == 1 and result.counts["lost"] == 0


def test_a_deleted_credential_is_reported_lost(anchored: dict[str, Any], tmp_path: Path) -> None:
    gone = anchored["issued"][3]
    result = audit_copy(anchored, tmp_path, sql("DELETE FROM credentials WHERE id = :id", id=gone))
    assert f"lost: {gone} was issued but is not in the store" in result.problems
    assert result.counts["lost"] == 1
    assert any("holds 3" in problem for problem in result.problems)  # its batch lost a member


def test_a_tampered_merkle_proof_is_reported(anchored: dict[str, Any], tmp_path: Path) -> None:
    victim = anchored["issued"][5]

    def tamper(store: Store) -> None:
        document = store.document(victim)
        assert document is not None
        document["proof"][-1]["merklePath"][0] = "0x" + "ab" * 32
        sql("UPDATE credentials SET document = :d WHERE id = :id", d=json.dumps(document), id=victim)(store)

    result = audit_copy(anchored, tmp_path, tamper)
    (problem,) = result.problems
    assert problem.startswith(f"{victim}: its Merkle proof does not lead to its batch's root 0x")


def test_a_credential_never_anchored_is_reported(anchored: dict[str, Any], tmp_path: Path) -> None:
    late = anchored["issued"][6]
    result = audit_copy(anchored, tmp_path, sql("UPDATE credentials SET state = 'queued', batch_id = NULL "
                                                "WHERE id = :id", id=late))  # fmt: skip
    assert f"not anchored: {late} is queued" in result.problems


def test_a_batch_without_its_anchoring_is_reported(anchored: dict[str, Any], tmp_path: Path) -> None:
    result = audit_copy(anchored, tmp_path, sql("UPDATE batches SET state = 'closed' WHERE id = 1"))
    assert "batch 1 is still closed" in result.problems
    assert any("anchored on-chain but no anchored batch" in problem for problem in result.problems)


def test_an_issued_id_missing_and_a_stray_revocation_are_reported(anchored: dict[str, Any], tmp_path: Path) -> None:
    never_stored = "urn:uuid:00000000-0000-0000-0000-000000000000"
    not_revoked = anchored["issued"][2]
    result = audit_copy(anchored, tmp_path, issued=[*anchored["issued"], never_stored],
                        revoked=[anchored["issued"][0], not_revoked], revocation_txs=2)  # fmt: skip
    assert f"lost: {never_stored} was issued but is not in the store" in result.problems
    assert f"revoked {not_revoked} fails nothing, not just revocation" in result.problems
    assert "2 revocation transaction(s) sent, 1 on-chain" in result.problems
