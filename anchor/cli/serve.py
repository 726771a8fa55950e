"""`credanchor serve` (the HTTP API, OpenAPI at /docs) and `credanchor ready` (as GET /ready)."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Annotated, Any

import typer

from anchor.cli.common import (
    ChainOption,
    JsonFlag,
    RpcsOption,
    chain_and_deployment,
    console,
    emit_json,
    open_store,
    run_or_exit,
    settings_or_exit,
)
from anchor.errors import ConfigurationError


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1, max=64)] = 1,
    rpc: Annotated[
        list[str] | None,
        typer.Option(
            "--rpc",
            help="JSON-RPC URL (default: the devchain), or 'embedded' for an in-process chain; repeat it for "
            "fail-over.",
            metavar="URL",
        ),
    ] = None,
    chain_name: ChainOption = None,
    rpc_quorum: Annotated[
        int | None,
        typer.Option("--rpc-quorum", help="Verifications need this many of the --rpc endpoints to agree.", min=1),
    ] = None,
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="URL clients reach this server at (status-list links).")
    ] = None,
    verify_rate: Annotated[
        float | None, typer.Option("--verify-rate", help="Public verifications/s per client (0: unlimited).", min=0)
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Validate the settings and keys, then exit.")] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log a line per request (the benchmark turns it off).")
    ] = True,
) -> None:
    """Run the HTTP API (OpenAPI at /docs). Settings come from CREDANCHOR_* variables and these options."""
    # The API reads its settings from the environment in each worker process: the options go there.
    if rpc:
        os.environ["CREDANCHOR_RPC_URL"] = ",".join(rpc)
    if chain_name is not None:
        os.environ["CREDANCHOR_CHAIN"] = chain_name
    if rpc_quorum is not None:
        os.environ["CREDANCHOR_RPC_QUORUM"] = str(rpc_quorum)
    if public_url is not None or "CREDANCHOR_PUBLIC_URL" not in os.environ:
        os.environ["CREDANCHOR_PUBLIC_URL"] = public_url or f"http://{host}:{port}"
    if verify_rate is not None:
        os.environ["CREDANCHOR_VERIFY_RATE"] = str(verify_rate)

    def validate() -> int:
        from api.asgi import app_from_env  # the API stays out of the core library's imports

        if os.environ.get("CREDANCHOR_RPC_URL") == "embedded" and workers > 1:
            raise ConfigurationError("an embedded chain lives in one process: use --workers 1")
        return len(app_from_env().state.services.issuers())

    issuers = run_or_exit(validate)
    console.print(f"settings valid; {issuers} issuer(s); serving on http://{host}:{port} (docs at /docs)")
    if check:
        return
    import uvicorn

    uvicorn.run("api.asgi:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=access_log)  # fmt: skip


def ready(rpc: RpcsOption = None, chain_name: ChainOption = None, as_json: JsonFlag = False) -> None:
    """Say whether the chain (with the contracts) and the database answer; exit 1 if not (as GET /ready)."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        chain, deployment = chain_and_deployment(settings, rpc, chain_name)
        open_store(settings).ping()
        return {"status": "ready", "chain_id": chain.chain_id, "block": chain.block_number(), "database": "ok",
                "contracts": asdict(deployment)}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        console.print(f"ready: chain {result['chain_id']} at block {result['block']}, database ok")
