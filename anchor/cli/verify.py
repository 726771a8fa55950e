"""`credanchor verify FILE...`: verification reports for credentials and presentations, with the file and
a chain RPC only; exit code 0 iff every file verifies. No chain is connected to unless a file needs one
(an anchor proof or on-chain status): a plain VC verifies with no devchain or RPC at all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anchor import jsonsafe
from anchor.cli.common import (
    AllowDidWebOption,
    ChainOption,
    DidDocumentsOption,
    JsonFlag,
    QuorumOption,
    RegistryOption,
    RpcsOption,
    connect,
    console,
    emit_json,
    print_checks,
    resolver,
    rpc_urls,
    run_or_exit,
    settings_or_exit,
    verifier,
)
from anchor.credentials.presentation import is_presentation, verify_presentation
from anchor.credentials.verify import Verifier, needs_chain
from anchor.errors import ConfigurationError
from anchor.types import check_address


def verify(
    files: Annotated[list[Path], typer.Argument(help="Credential or presentation files (JSON).", metavar="FILE...")],
    rpc: RpcsOption = None,
    chain_name: ChainOption = None,
    rpc_quorum: QuorumOption = 1,
    challenge: Annotated[
        str | None, typer.Option("--challenge", help="Presentations: the challenge the holder had to answer.")
    ] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="Presentations: the expected domain.")] = None,
    any_vc: Annotated[
        bool,
        typer.Option(
            "--any-vc", help="Accept any VC 2.0 or 1.1 credential, not only micro-credentials (as the VC API)."
        ),
    ] = False,
    registry: RegistryOption = None,
    did_documents: DidDocumentsOption = None,
    allow_did_web: AllowDidWebOption = False,
    as_json: JsonFlag = False,
) -> None:
    """Verify credentials or presentations with the file and a chain RPC only; exit code 0 iff every file verifies.

    Several --rpc endpoints: reads fail over; with --rpc-quorum K every chain answer needs K endpoints to agree,
    and a disagreement is a failed check."""
    settings = settings_or_exit()

    def body() -> list[dict[str, Any]]:
        # The command line is checked before any file is read, whether or not a chain is needed.
        if registry is not None:
            check_address(registry, "--registry")
        endpoints = max(len(rpc_urls(settings, rpc)), 1)
        if not 1 <= rpc_quorum <= endpoints:
            raise ConfigurationError(f"--rpc-quorum {rpc_quorum} needs 1 to {endpoints} endpoints (the --rpc given)")
        documents: dict[Path, Any] = {}
        unreadable: dict[Path, dict[str, Any]] = {}
        for path in files:
            try:
                documents[path] = jsonsafe.loads(path.read_text(encoding="utf-8"), what=str(path))
            except (OSError, ValueError) as exc:
                unreadable[path] = {"file": str(path), "verified": False, "error": f"cannot read {path}: {exc}"}
        known = resolver(did_documents, allow_network=allow_did_web)
        profile = "vc" if any_vc else "microcredential"
        if any(needs_chain(document) for document in documents.values()):
            chain = connect(settings, rpc, chain_name)
            checker = verifier(settings, chain, registry, known, profile=profile, rpc=rpc, quorum=rpc_quorum)
        else:  # nothing anchored, no on-chain status: no chain to connect to
            checker = Verifier(None, resolver=known, profile=profile)
        reports = []
        for path in files:
            if path in unreadable:
                reports.append(unreadable[path])
                continue
            credential = documents[path]
            if is_presentation(credential):
                report = verify_presentation(credential, checker, challenge=challenge, domain=domain).to_dict()
            else:
                report = checker.verify(credential).to_dict()
            reports.append({"file": str(path), **report})
        return reports

    reports = run_or_exit(body)
    if as_json:
        emit_json({"verified": all(r["verified"] for r in reports), "reports": reports})
    else:
        for report in reports:
            mark = "[green]verified[/]" if report["verified"] else "[red]NOT verified[/]"
            console.print(f"{report['file']}: {mark}")
            if "error" in report:
                console.print(f"  {report['error']}")
            print_checks(report.get("checks", {}), "  ")
            for inner in report.get("credentials", []):
                mark = "[green]verified[/]" if inner["verified"] else "[red]NOT verified[/]"
                console.print(f"  credential {inner['credential']}: {mark}")
                print_checks(inner["checks"], "    ")
            for stack in report.get("stacks", []):
                mark = "[green]verified[/]" if stack["verified"] else "[red]NOT verified[/]"
                shown = f"{stack['components_shown']} component(s) shown, {stack['components_verified']} verified"
                console.print(f"  stack {stack['title']}: {mark} — {shown}, {stack['components_not_shown']} not shown")
    if not all(r["verified"] for r in reports):
        raise typer.Exit(1)
