"""`credanchor account create`: an Ethereum account kept (encrypted) in the data directory, e.g. the deployer's
on a public network, where the RPC provider holds no account to send from."""

from __future__ import annotations

import typer

from anchor.cli.common import (
    PASSPHRASE_ENV,
    JsonFlag,
    PassphraseEnv,
    console,
    emit_json,
    passphrase,
    run_or_exit,
    settings_or_exit,
)
from anchor.credentials.issuers import accounts_dir, create_local_account

app = typer.Typer(help="Ethereum accounts kept in the data directory (keystore v3 files).", no_args_is_help=True)


@app.command("create")
def account_create(passphrase_env: PassphraseEnv = PASSPHRASE_ENV, as_json: JsonFlag = False) -> None:
    """Create an encrypted Ethereum account in <data dir>/accounts/ (for `deploy --from`, which makes it the
    IssuerRegistry's admin); fund it with the chain's coin before sending from it."""
    settings = settings_or_exit()
    address = run_or_exit(lambda: create_local_account(settings, passphrase(passphrase_env, confirm=True)))
    if as_json:
        emit_json({"account": address, "file": str(accounts_dir(settings) / f"{address}.json")})
    else:
        console.print(f"account {address} created; fund it, then e.g. "
                      f"`credanchor deploy --chain sepolia --rpc URL --from {address}`")  # fmt: skip
