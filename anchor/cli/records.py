"""`credanchor credentials list|show` and `credanchor batches list|show`: an issuer's stored credentials
and anchoring batches (as GET /v1/credentials and GET /v1/batches)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.cli.common import (
    IssuerOption,
    JsonFlag,
    console,
    emit_json,
    open_store,
    own_account,
    run_or_exit,
    settings_or_exit,
)
from anchor.errors import ConfigurationError

credentials_app = typer.Typer(help="An issuer's stored credentials (as GET /v1/credentials).", no_args_is_help=True)
batches_app = typer.Typer(help="An issuer's anchoring batches (as GET /v1/batches).", no_args_is_help=True)


@credentials_app.command("list")
def credentials_list(
    issuer: IssuerOption = None,
    state: Annotated[str | None, typer.Option("--state", help="queued, batched or anchored.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """An issuer's credentials in the store, oldest first."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        if state not in (None, "queued", "batched", "anchored"):
            raise ConfigurationError(f"--state is queued, batched or anchored, not {state!r}")
        total, items = open_store(settings).credentials(own_account(settings, issuer), state=state, limit=limit,
                                                        offset=offset)  # fmt: skip
        return {"total": total, "items": [{"id": c.id, "state": c.state, "batch_id": c.batch_id,
                                           "queued_at": c.queued_at.isoformat()} for c in items]}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    table = Table("id", "state", "batch", "queued at", title=f"{result['total']} credential(s)")
    for c in result["items"]:
        table.add_row(c["id"], c["state"], str(c["batch_id"] or ""), c["queued_at"][:19])
    console.print(table)


@credentials_app.command("show")
def credentials_show(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:…).")],
    issuer: IssuerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """One of the issuer's credentials: state, batch and the document (with its anchor proof once anchored)."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        stored = open_store(settings).stored_credential(credential_id)
        if stored is None or stored.issuer_account.lower() != own_account(settings, issuer).lower():
            raise ConfigurationError(f"this issuer has no credential {credential_id} in the store")
        return {"id": stored.id, "state": stored.state, "batch_id": stored.batch_id, "credential": stored.document}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        console.print(f"{result['id']}: {result['state']} (batch {result['batch_id'] or '-'})")
        console.print_json(json.dumps(result["credential"]))


@batches_app.command("list")
def batches_list(
    issuer: IssuerOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """An issuer's batches, newest first: size, state, transaction."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        total, batches = open_store(settings).batch_states(own_account(settings, issuer), limit=limit, offset=offset)
        return {"total": total, "items": [b.to_dict() for b in batches]}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    table = Table("batch", "size", "state", "root", "tx", "block", title=f"{result['total']} batch(es)")
    for b in result["items"]:
        table.add_row(str(b["id"]), f"{b['size']:,}", b["state"], b["root"][:18] + "…",
                      (b["tx_hash"] or "")[:18], str(b["block_number"] or ""))  # fmt: skip
    console.print(table)


@batches_app.command("show")
def batches_show(batch_id: Annotated[int, typer.Argument(help="The batch number.", min=1)],
                 issuer: IssuerOption = None, as_json: JsonFlag = False) -> None:  # fmt: skip
    """One batch of the issuer's."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        batch = open_store(settings).batch_state(batch_id)
        if batch is None or batch.issuer_account.lower() != own_account(settings, issuer).lower():
            raise ConfigurationError(f"this issuer has no batch {batch_id}")
        return batch.to_dict()

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        for key, value in result.items():
            console.print(f"{key}: {value}", highlight=False)
