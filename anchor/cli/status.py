"""`credanchor revoke|suspend|reinstate ID|FILE...` (bulk status changes, one transaction per status list)
and `credanchor status-list` (an issuer's signed BitstringStatusListCredential, built from the chain)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.anchoring.status_changes import change_status, stored_credentials
from anchor.chain.view import read_list
from anchor.cli.common import (
    PASSPHRASE_ENV,
    IssuerOption,
    JsonFlag,
    PassphraseEnv,
    Rpc,
    RpcsOption,
    chain_and_deployment,
    connect,
    console,
    emit_json,
    open_store,
    own_account,
    passphrase,
    read_credential,
    run_or_exit,
    sender_of,
    settings_or_exit,
)
from anchor.credentials.issuers import issuer_public_url, load_key, load_profile
from anchor.credentials.status import PURPOSES, StatusLocation, status_list_base
from anchor.credentials.statuslist import status_list_credential
from anchor.errors import ConfigurationError

FilesArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Credential ids, or credential files (JSON) — each must be the stored credential of its id, unchanged.",
        metavar="ID|FILE...",
    ),
]


def revoke(files: FilesArgument, rpc: RpcsOption = None, as_json: JsonFlag = False) -> None:
    """Revoke credentials (permanent): their bits set on-chain, one transaction per status list."""
    _change("revoke", files, rpc, as_json)


def suspend(files: FilesArgument, rpc: RpcsOption = None, as_json: JsonFlag = False) -> None:
    """Suspend credentials (reversible), one transaction per status list."""
    _change("suspend", files, rpc, as_json)


def reinstate(files: FilesArgument, rpc: RpcsOption = None, as_json: JsonFlag = False) -> None:
    """Lift the suspension of credentials, one transaction per status list."""
    _change("reinstate", files, rpc, as_json)


def _change(action: str, files: list[Path], rpc: Rpc, as_json: bool) -> None:
    settings = settings_or_exit()

    def body() -> list[dict[str, Any]]:
        references = [_id_or_file(str(path)) for path in files]
        credentials = stored_credentials(open_store(settings), references)  # never a file's own entries
        chain = connect(settings, rpc)
        return change_status(chain, credentials, action, lambda who: sender_of(settings, chain, who, PASSPHRASE_ENV))

    transactions = run_or_exit(body)
    if as_json:
        emit_json({"action": action, "transactions": transactions})
        return
    for tx in transactions:
        console.print(
            f"{action}: {tx['credentials']} credential(s) in list {tx['list']} — one transaction {tx['tx']} "
            f"(block {tx['block']}, {tx['gas_used']:,} gas)"
        )


def _id_or_file(reference: str) -> str | dict[str, Any]:
    """A credential id (a URN that is not a file's name), or the credential read from the file `reference`."""
    if reference.startswith("urn:") and not Path(reference).exists():
        return reference
    return read_credential(Path(reference))


def status_list(
    list_id: Annotated[int, typer.Argument(help="The list number (statusListId in credentials).", min=1)],
    purpose: Annotated[str, typer.Option("--purpose", help="revocation or suspension.")] = "revocation",
    issuer: IssuerOption = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The credential's id (default: the URL credentials name, under the issuer's "
            "public URL; else the list's URN).",
        ),
    ] = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
) -> None:
    """Print the issuer's signed BitstringStatusListCredential for a list, built from the chain (always JSON)."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        if purpose not in PURPOSES:
            raise ConfigurationError(f"--purpose is revocation or suspension, not {purpose!r}")
        slug = load_profile(settings, issuer)[0]
        chain, deployment = chain_and_deployment(settings, rpc)
        account = own_account(settings, slug)
        bits = read_list(chain, deployment.credential_anchor, account, list_id, PURPOSES[purpose])
        public, contract = issuer_public_url(settings, slug), deployment.credential_anchor
        where = url or (
            f"{status_list_base(public, chain.chain_id, contract, account)}/{list_id}/{purpose}"
            if public
            else f"{StatusLocation(chain.chain_id, contract, account, list_id, 0).list_urn()}:{purpose}"
        )
        return status_list_credential(bits, url=where, purpose=PURPOSES[purpose],
                                      key=load_key(settings, slug, passphrase(passphrase_env)))  # fmt: skip

    emit_json(run_or_exit(body))
