"""`credanchor verifier request|report`: ask a learner's wallet for credentials (CLI twins of
/v1/presentation-requests; anchor.wallets.verifier_requests).

`verifier request --achievement T…` prints the exchange links for the learner (and writes QR codes with
--qr-dir) and the verifier key, once; `verifier report ID` reads the answer's full report with that key,
taken from an environment variable (CREDANCHOR_VERIFIER_KEY by default), never from the command line.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.cli.common import JsonFlag, console, emit_json, open_store, run_or_exit, settings_or_exit
from anchor.credentials.qr import qr_svg
from anchor.errors import ConfigurationError
from anchor.settings import private_folder, write_private
from anchor.storage.database import now
from anchor.wallets import verifier_requests
from anchor.wallets.offers import WalletError

app = typer.Typer(help="Ask learners' wallets for credentials and read the verification report.",
                  no_args_is_help=True)  # fmt: skip
KEY_ENV = "CREDANCHOR_VERIFIER_KEY"


@app.command("request")
def request_command(
    achievement: Annotated[list[str], typer.Option("--achievement", help="An achievement's name (repeatable).")],
    issuer: Annotated[
        list[str] | None, typer.Option("--issuer-did", help="Only from this issuer DID (repeatable).")
    ] = None,
    any_issuer: Annotated[bool, typer.Option("--any-issuer", help="Do not require accredited issuers.")] = False,
    hours: Annotated[int, typer.Option("--hours", min=1, max=verifier_requests.MAX_EXPIRY.days * 24)] = 24,
    public_url: Annotated[
        str,
        typer.Option("--public-url", envvar="CREDANCHOR_PUBLIC_URL", metavar="URL", help="The server wallets reach."),
    ] = "http://127.0.0.1:8000",
    qr_dir: Annotated[Path | None, typer.Option("--qr-dir", metavar="DIR", help="Write SVG QR codes here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a presentation request: links for the learner's wallet and the key to read the answer (shown once)."""
    settings = settings_or_exit()

    def make() -> dict[str, Any]:
        query = verifier_requests.make_query(achievement, issuers=issuer, accredited=not any_issuer)
        record, key, links = verifier_requests.create_request(open_store(settings), public_url, query,
                                                              expires_in=timedelta(hours=hours))  # fmt: skip
        if qr_dir is not None:
            private_folder(qr_dir)  # the codes carry bearer secrets
            for name in ("vcapi_interaction", "lcw_deep_link"):
                write_private(qr_dir / f"{record.id}-{name}.svg", qr_svg(links[name]))
        return {"id": record.id, "verifier_key": key, "expires_at": record.expires_at.isoformat(),
                "query": record.query, "links": links}  # fmt: skip

    made = run_or_exit(make)
    if as_json:
        emit_json(made)
        return
    console.print(f"presentation request {made['id']} until {made['expires_at'][:16]}")
    for name, link in made["links"].items():
        console.print(f"  {name}: {link}", highlight=False, soft_wrap=True)
    console.print(f"verifier key (shown once; `export {KEY_ENV}=…` to read the report):")
    console.print(made["verifier_key"], highlight=False)


@app.command("report")
def report_command(
    request_id: Annotated[str, typer.Argument(help="The request's id.")],
    key_env: Annotated[
        str, typer.Option("--key-env", metavar="NAME", help="Environment variable holding the verifier key.")
    ] = KEY_ENV,
    as_json: JsonFlag = False,
) -> None:
    """A presentation request's state and, once a wallet answered, every check."""
    settings = settings_or_exit()

    def read() -> dict[str, Any]:
        key = os.environ.get(key_env)
        if not key:
            raise ConfigurationError(f"set {key_env} to the verifier key given with the request")
        try:
            return verifier_requests.read_request(open_store(settings), request_id, key).to_dict(now())
        except WalletError as exc:
            raise ConfigurationError(exc.detail) from None

    seen = run_or_exit(read)
    if as_json:
        emit_json(seen)
        return
    console.print(f"request {seen['id']}: {seen['state']}" + (f", verified: {seen['verified']}, holder "
                  f"{seen['holder']}" if seen["report"] else ""))  # fmt: skip
    report = seen["report"] or {}
    for name, check in {**report.get("request_checks", {}), **report.get("checks", {})}.items():
        console.print(f"  {name}: {check['outcome']} — {check['reason']}", highlight=False)
    for credential in report.get("credentials", []):
        console.print(f"  credential {credential['credential']}: verified {credential['verified']}")
        for name, check in credential["checks"].items():
            console.print(f"    {name}: {check['outcome']} — {check['reason']}", highlight=False)
