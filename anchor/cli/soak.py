"""`credanchor soak`: issue and verify for N minutes while the anchoring worker is killed; then audit.

scripts/soak.py runs this same command (through anchor.cli.main's app).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from anchor.cli.common import JsonFlag, RpcOption, console, emit_json, errors, run_or_exit
from anchor.tools.soak import SoakOptions, run_soak, summary_rows

DATABASE_ENV = "CREDANCHOR_TEST_DATABASE_URL"


def soak(
    minutes: Annotated[float, typer.Option("--minutes", help="How long to issue and verify.", min=0.01)] = 5.0,
    restart_every: Annotated[
        float,
        typer.Option("--restart-every", help="Kill the worker at a random moment of every SECONDS.", min=1),
    ] = 60.0,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", help=f"PostgreSQL (a fresh schema in it); default ${DATABASE_ENV}.", metavar="URL"
        ),
    ] = None,
    rpc: RpcOption = None,
    rate: Annotated[float, typer.Option("--rate", help="Credentials issued per second.", min=0.1)] = 20.0,
    max_size: Annotated[int, typer.Option("--max-size", help="Worker: credentials per batch at most.", min=1)] = 50,
    max_age: Annotated[int, typer.Option("--max-age", help="Worker: close a batch after SECONDS.", min=0)] = 2,
    revoke_every: Annotated[
        int, typer.Option("--revoke-every", help="Revoke one in this many verified credentials.", min=1)
    ] = 25,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the kill moments.")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the data directory and the schema.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Soak test: issue, anchor (worker killed every --restart-every s) and verify; exit 0 iff nothing was lost.

    Starts a fresh anvil unless --rpc names a devchain with node accounts (they deploy and fund).
    """
    url = database_url or os.environ.get(DATABASE_ENV)
    if not url:
        errors.print(
            f"[bold red]error:[/] the soak needs PostgreSQL: pass --database-url postgresql://… or set {DATABASE_ENV} "
            "(`bash scripts/postgres_for_tests.sh` starts a local one and prints its URL)",
            highlight=False,
        )
        raise typer.Exit(2)
    options = SoakOptions(minutes, url, restart_every=restart_every, rpc=rpc, rate=rate, max_size=max_size,
                          max_age=max_age, revoke_every=revoke_every, seed=seed, keep=keep)  # fmt: skip
    result = run_or_exit(lambda: run_soak(options, report=lambda line: errors.print(line, highlight=False)))
    if as_json:
        emit_json(result.to_dict())
    else:
        table = Table("", "count", title="soak")
        for what, value in summary_rows(result):
            table.add_row(what, value)
        console.print(table)
        for line in result.figures["worker_exits"]:
            console.print(f"[yellow]note:[/] {line}", highlight=False)
        for problem in result.audit.problems:
            console.print(f"[bold red]problem:[/] {problem}", highlight=False)
        console.print("[green]nothing lost[/]" if result.ok else "[bold red]DISCREPANCIES FOUND[/]")
    if not result.ok:
        raise typer.Exit(1)
