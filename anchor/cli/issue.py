"""`credanchor issue ROSTER` (sign a roster into credential files, optionally queued for anchoring) and
`credanchor sign FILE` (sign any VC 2.0 credential, as the VC API's issue)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from anchor.cli.common import (
    PASSPHRASE_ENV,
    AnchoringQueue,
    Cryptosuite,
    IssuerOption,
    JsonFlag,
    PassphraseEnv,
    RpcsOption,
    SuiteOption,
    anchoring_queue,
    console,
    credential_issuer,
    emit_json,
    errors,
    passphrase,
    read_credential,
    run_or_exit,
    settings_or_exit,
)
from anchor.credentials.issuance import REPORT_NAME, CredentialIssuer, RowOutcome, issue_roster, sign_credential
from anchor.credentials.issuers import load_key, load_profile, write_json
from anchor.credentials.roster import RosterRow, read_roster


def issue(
    roster: Annotated[
        Path, typer.Argument(help="Roster: CSV, one learner per row, or .json (see docs/credentials.md, docs/api.md).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for the signed credential files.", metavar="DIR")],
    issuer: IssuerOption = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    anchor_account: Annotated[
        str | None,
        typer.Option(
            "--anchor-account",
            help="The issuer's Ethereum account: give each credential on-chain status entries and queue it "
            "for `credanchor anchor` (chain: --rpc or the devchain).",
            metavar="ADDRESS",
        ),
    ] = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Sign a roster into credential files; every row is reported (DIR/issue-report.csv). Safe to re-run."""
    settings = settings_or_exit()

    def prepare() -> tuple[CredentialIssuer, list[RosterRow], AnchoringQueue | None]:
        profile = load_profile(settings, issuer)
        rows = read_roster(roster)
        queue = anchoring_queue(settings, anchor_account, rpc)
        return credential_issuer(settings, profile, cryptosuite, passphrase_env, queue), rows, queue

    signer, rows, queue = run_or_exit(prepare)
    with Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=errors, disable=as_json,
    ) as progress:  # fmt: skip
        task = progress.add_task("signing credentials", total=len(rows))

        def advance(outcome: RowOutcome) -> None:
            progress.advance(task)

        store, account = (queue.store, queue.account) if queue is not None else (None, None)
        outcomes = run_or_exit(lambda: issue_roster(rows, signer, out, queue=store, account=account, on_row=advance))
    counts = {status: sum(o.status == status for o in outcomes) for status in ("issued", "already-issued", "failed")}
    if as_json:
        emit_json({"out": str(out), "report": str(out / REPORT_NAME), **counts,
                   "rows": [asdict(o) for o in outcomes]})  # fmt: skip
    else:
        console.print(
            f"{counts['issued']} issued, {counts['already-issued']} already issued, {counts['failed']} failed "
            f"→ {out} (report: {out / REPORT_NAME})"
        )
        for outcome in outcomes:
            if outcome.status == "failed":
                console.print(f"  [red]line {outcome.line}[/] {outcome.learner}: {'; '.join(outcome.errors)}")
    if counts["failed"]:
        raise typer.Exit(1)


def sign(
    file: Annotated[Path, typer.Argument(help="An unsigned VC 2.0 credential (JSON).", metavar="FILE")],
    issuer: IssuerOption = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: print).", metavar="FILE")] = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
) -> None:
    """Sign any VC 2.0 credential with an issuer's key (as POST /credentials/issue); not anchored."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        slug = load_profile(settings, issuer)[0]
        document = read_credential(file)
        signed = sign_credential(document, load_key(settings, slug, passphrase(passphrase_env)),
                                 cryptosuite=cryptosuite.value)  # fmt: skip
        if out is not None:
            write_json(out, signed)
        return signed

    signed = run_or_exit(body)
    if out is None:
        emit_json(signed)
    else:
        console.print(f"signed {signed.get('id') or file} with {cryptosuite.value} → {out}")
