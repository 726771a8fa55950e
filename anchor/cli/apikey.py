"""`credanchor apikey create|list|revoke`: API keys for the HTTP API (one issuer or accreditation body each)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.cli.common import IssuerOption, JsonFlag, console, emit_json, open_store, run_or_exit, settings_or_exit
from anchor.credentials.issuers import load_profile
from anchor.errors import ConfigurationError
from anchor.storage.store import API_KEY_ROLES
from anchor.types import check_address

app = typer.Typer(help="API keys for the HTTP API (one issuer or accreditation body each).", no_args_is_help=True)


@app.command("create")
def apikey_create(
    issuer: IssuerOption = None,
    body: Annotated[str | None, typer.Option("--body", help="An accreditation body's account (0x…).")] = None,
    label: Annotated[str, typer.Option("--label", help="A note on who holds the key.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create an API key for one issuer (--issuer) or one accreditation body (--body); shown once."""
    settings = settings_or_exit()

    def make() -> dict[str, Any]:
        if body is not None and issuer is not None:
            raise ConfigurationError("give --issuer or --body, not both")
        if body is not None:
            role, subject = "body", check_address(body, "--body")
        else:
            role, subject = "issuer", load_profile(settings, issuer)[0]
        record, secret = open_store(settings).create_api_key(role, subject, label)
        return {**record.to_dict(), "key": secret}

    result = run_or_exit(make)
    if as_json:
        emit_json(result)
        return
    console.print(f"API key {result['id']} for {result['role']} {result['subject']} (shown once, keep it secret):")
    console.print(result["key"], highlight=False)


@app.command("list")
def apikey_list(as_json: JsonFlag = False) -> None:
    """List API keys (never their secrets)."""
    settings = settings_or_exit()
    keys = run_or_exit(lambda: [k.to_dict() for k in open_store(settings).api_keys()])
    if as_json:
        emit_json({"keys": keys, "roles": list(API_KEY_ROLES)})
        return
    table = Table("id", "role", "subject", "label", "created", "revoked")
    for k in keys:
        table.add_row(k["id"], k["role"], k["subject"], k["label"], k["created_at"][:19], (k["revoked_at"] or "")[:19])
    console.print(table)


@app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `apikey list`).")],
                  as_json: JsonFlag = False) -> None:  # fmt: skip
    """Revoke an API key: from now on it authenticates nothing."""
    settings = settings_or_exit()
    record = run_or_exit(lambda: open_store(settings).revoke_api_key(key_id).to_dict())
    if as_json:
        emit_json(record)
    else:
        console.print(f"API key {key_id} revoked")
