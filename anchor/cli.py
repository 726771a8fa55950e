"""The `credanchor` command line. Every command takes --json; errors never print a stack trace.

Exit codes: 0 success; 1 the operation failed (the message says why and what to do);
2 the command line itself was wrong.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from . import devchain as devchain_mod
from .chain import Chain
from .demo import run_demo
from .deployment import deploy_contracts
from .errors import CredAnchorError
from .settings import Settings

app = typer.Typer(help="Blockchain-anchored micro-credentials: issue, anchor, revoke, verify.", no_args_is_help=True)
devchain_app = typer.Typer(help="The local anvil devchain (persisted state, contracts deployed).", no_args_is_help=True)
app.add_typer(devchain_app, name="devchain")

console = Console()
errors = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of the chain to use.", metavar="URL")]
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run a command body; a credanchor error becomes a one-line message and exit code 1."""
    try:
        return action()
    except CredAnchorError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        errors.print("interrupted")
        raise typer.Exit(130) from None


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens (tx hashes, blocks).")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the results to DIR/demo.json.", metavar="DIR")
    ] = None,
    rpc: RpcOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the whole story on the embedded chain (or --rpc URL) and print what it did and the gas."""

    def body() -> dict[str, Any]:
        chain = Chain.connect(rpc) if rpc else Chain.embedded()
        result = run_demo(chain).to_dict()
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / "demo.json").write_text(json.dumps(result, indent=2) + "\n")
        return result

    result = _run(body)
    if as_json:
        _emit_json(result)
        return
    console.print(f"[bold]credanchor demo[/] on {result['chain']} (chain id {result['chain_id']})")
    for name, address in result["contracts"].items():
        console.print(f"  deployed {name} at {address}")
    table = Table("step", "gas used", "block", "transaction")
    for step in result["steps"]:
        table.add_row(step["action"], f"{step['gas_used']:,}", str(step["block"]), step["tx_hash"][:18] + "…")
    console.print(table)
    for check, passed in result["checks"].items():
        console.print(f"  {'[green]✓[/]' if passed else '[red]✗[/]'} {check}")
    if out is not None:
        console.print(f"results written to {out / 'demo.json'}")
    if not all(result["checks"].values()):
        raise typer.Exit(1)


@app.command()
def deploy(
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.", metavar="URL")],
    as_json: JsonFlag = False,
) -> None:
    """Deploy the three contracts from the node's first unlocked account; record them in the data directory."""
    settings = Settings.from_env()

    def body() -> dict[str, Any]:
        chain = Chain.connect(rpc)
        accounts = chain.accounts
        if not accounts:
            raise CredAnchorError(f"{rpc} manages no unlocked account to deploy from")
        deployment = deploy_contracts(chain, deployer=accounts[0])
        path = deployment.save(settings.deployments_dir)
        return {**asdict(deployment), "file": str(path)}

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"deployed on chain {result['chain_id']}; recorded in {result['file']}")
        for key in ("issuer_registry", "credential_anchor", "credential_nft"):
            console.print(f"  {key}: {result[key]}")


def _status_dict(status: devchain_mod.DevchainStatus) -> dict[str, Any]:
    data = asdict(status)
    return data


@devchain_app.command("up")
def devchain_up(
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (default 8545, or a free one).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start anvil with persisted state (or resume it) and deploy the contracts if needed."""
    settings = Settings.from_env()
    status = _run(lambda: devchain_mod.up(settings, port))
    if as_json:
        _emit_json(_status_dict(status))
        return
    console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    if status.deployment is not None:
        console.print(f"  contracts recorded in {settings.deployments_dir / f'{status.deployment.chain_id}.json'}")


@devchain_app.command("down")
def devchain_down(as_json: JsonFlag = False) -> None:
    """Stop the devchain; its state is kept for the next `up`."""
    settings = Settings.from_env()
    stopped = _run(lambda: devchain_mod.down(settings))
    if as_json:
        _emit_json({"stopped": stopped})
    else:
        console.print("devchain stopped (state kept)" if stopped else "no devchain was running")


@devchain_app.command("status")
def devchain_status(as_json: JsonFlag = False) -> None:
    """Say whether the devchain runs, where, at which block, with which contracts."""
    settings = Settings.from_env()
    status = _run(lambda: devchain_mod.status(settings))
    if as_json:
        _emit_json(_status_dict(status))
    elif status.running:
        console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    else:
        console.print("devchain not running: start it with `credanchor devchain up`")


def run() -> None:
    app()
