"""`credanchor doctor`: what is present (anvil, npm, node, the database, the chain, the contracts, keys, the
data directory) and what to do about each gap; exit 0 when nothing set up is broken."""

from __future__ import annotations

import typer

from anchor.cli.common import JsonFlag, RpcOption, console, emit_json, run_or_exit
from anchor.tools.doctor import diagnose

STYLES = {"ok": "green", "missing": "yellow", "problem": "bold red", "skipped": "dim"}


def doctor(rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
    """Report what is installed and configured, and what to do about each gap (exit 1 on a problem)."""
    report = run_or_exit(lambda: diagnose(rpc))
    if as_json:
        emit_json(report.to_dict())
    else:
        width = max(len(finding.name) for finding in report.findings)
        for finding in report.findings:
            style = STYLES[finding.status]
            console.print(f"[{style}]{finding.status:>7}[/]  {finding.name:<{width}}  {finding.found}", highlight=False)
            if finding.advice:
                console.print(f"{'':>7}  {'':<{width}}  → {finding.advice}", highlight=False)
        console.print("nothing broken" if report.healthy else "[bold red]fix the problems above[/]")
    if not report.healthy:
        raise typer.Exit(1)
