"""`credanchor demo`: the whole story on the embedded chain (or --rpc URL), ending with the comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.chain.adapter import Chain
from anchor.cli.common import JsonFlag, RpcOption, console, emit_json, run_or_exit
from anchor.cli.compare import print_comparison
from anchor.credentials.issuers import write_json
from anchor.redact import redact_url
from anchor.settings import Settings
from anchor.tools.demo import recorded_deployment, run_demo


def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the results to DIR/demo.json.", metavar="DIR")
    ] = None,
    rpc: RpcOption = None,
    compare_learners: Annotated[
        int,
        typer.Option(
            "--compare-learners", help="Learners (x3 credentials) in the closing NFT-vs-VC comparison; 0: none.", min=0
        ),
    ] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Run the whole story on the embedded chain (or --rpc URL), print what it did and the gas, and end with
    the NFT-vs-VC comparison (`credanchor compare` at a smaller size)."""

    def body() -> dict[str, Any]:
        from anchor.comparison.compare import run_comparison

        if rpc:  # a chain that outlives the demo: its recorded contracts (recording new ones if none)
            chain = Chain.connect(rpc)
            story = run_demo(chain, recorded_deployment(chain, Settings.from_env()))
        else:
            chain = Chain.embedded()
            story = run_demo(chain)
        result = story.to_dict()
        if compare_learners:
            result["comparison"] = run_comparison(chain, learners=compare_learners, per_learner=3).to_dict()
        if out is not None:
            for credential in story.credentials:
                name = credential["id"].rsplit(":", 1)[-1][:8]
                write_json(out / "credentials" / f"{name}.json", credential)
            if compare_learners:
                from anchor.comparison.report import write_outputs  # matplotlib: only when plots are drawn

                write_outputs(result["comparison"], out / "comparison")
            write_json(out / "demo.json", result)
        return result

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
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
    if "comparison" in result:
        print_comparison(result["comparison"])
    if out is not None:
        console.print(f"credentials written to {out / 'credentials'}, results to {out / 'demo.json'}")
        if rpc:
            console.print(f"verify them later: credanchor verify {out / 'credentials'}/*.json --rpc {redact_url(rpc)}")
        else:
            console.print("(a credential file verifies only while its chain runs: try `credanchor demo --rpc URL`)")
        if "comparison" in result:
            console.print(f"comparison report: {out / 'comparison' / 'report.html'}")
    if not all(result["checks"].values()):
        raise typer.Exit(1)
