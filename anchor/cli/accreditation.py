"""`credanchor accreditation ...`: the on-chain trust registry, where accreditation bodies accredit issuers.

The admin grants the body role (`grant-body`); a body creates its own account here
(`create-body-account`), registers and accredits issuers (`register`, `accredit`), changes their
record (`update`) and ends their accreditation (`deaccredit`); anyone reads it (`show`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import typer

from anchor.chain.adapter import Chain
from anchor.chain.contracts import IssuerRegistryClient, Sender, days_after
from anchor.chain.deployment import Deployment
from anchor.cli.common import (
    PASSPHRASE_ENV,
    IssuerOption,
    JsonFlag,
    PassphraseEnv,
    Rpc,
    RpcsOption,
    chain_and_deployment,
    console,
    emit_json,
    passphrase,
    run_or_exit,
    sender_of,
    settings_or_exit,
)
from anchor.credentials.issuers import create_body_account, load_profile
from anchor.errors import ConfigurationError
from anchor.types import check_address

app = typer.Typer(help="The on-chain trust registry: accreditation bodies accredit issuers.", no_args_is_help=True)

AccountArgument = Annotated[str, typer.Argument(help="An Ethereum account (0x…).", metavar="ADDRESS")]
FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Sending account: its key here, or node-managed (default: see each command)."),
]
FromBody = Annotated[str, typer.Option("--from", help="The body's account (its key here, or node-managed).")]
ScopeOption = Annotated[str, typer.Option("--scope", help="What the issuer is accredited for.")]
RegistryCall = Callable[[Chain, IssuerRegistryClient, Sender], dict[str, Any]]


def _registry_action(rpc: Rpc, action: Callable[[Chain, Deployment], dict[str, Any]], as_json: bool) -> None:
    settings = settings_or_exit()
    result = run_or_exit(lambda: action(*chain_and_deployment(settings, rpc)))
    if as_json:
        emit_json(result)
    else:
        for key, value in result.items():
            console.print(f"{key}: {value}", highlight=False)


def _body_action(rpc: Rpc, body: str, as_json: bool, call: RegistryCall, passphrase_env: str) -> None:
    """A registry action sent as the body `body` (its key here, or an account the node manages)."""
    settings = settings_or_exit()

    def action(chain: Chain, deployment: Deployment) -> dict[str, Any]:
        who = sender_of(settings, chain, check_address(body, "--from"), passphrase_env)
        return call(chain, deployment.registry(chain), who)

    _registry_action(rpc, action, as_json)


@app.command("grant-body")
def accreditation_grant_body(
    body: AccountArgument,
    sender: FromOption = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Admin: make ADDRESS an accreditation body (default sender: the deployment's admin, its key here or
    node-managed)."""
    settings = settings_or_exit()

    def action(chain: Chain, deployment: Deployment) -> dict[str, Any]:
        admin = check_address(sender, "--from") if sender else deployment.admin
        who = sender_of(settings, chain, admin, passphrase_env)
        receipt = deployment.registry(chain).grant_body(check_address(body, "ADDRESS"), sender=who)
        return {"accreditation_body": body, **receipt.summary()}

    _registry_action(rpc, action, as_json)


@app.command("register")
def accreditation_register(
    issuer_account: AccountArgument,
    sender: Annotated[str, typer.Option("--from", help="The accreditation body's account.")],
    issuer: IssuerOption = None,
    scope: ScopeOption = "micro-credentials",
    valid_days: Annotated[
        int | None, typer.Option("--valid-days", help="Accredited for this many days (default: open-ended).", min=1)
    ] = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body: register and accredit ADDRESS as the issuer --issuer (its DID and name from the data directory)."""
    settings = settings_or_exit()
    _, profile = run_or_exit(lambda: load_profile(settings, issuer))

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.register_issuer(
            check_address(issuer_account, "ADDRESS"), did=profile.did, name=profile.name, scope=scope,
            valid_until=days_after(chain.block_timestamp(), valid_days), sender=who,
        )  # fmt: skip
        return {"issuer": issuer_account, "did": profile.did, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@app.command("deaccredit")
def accreditation_deaccredit(
    issuer_account: AccountArgument,
    sender: Annotated[str, typer.Option("--from", help="The issuer's body of record.")],
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body: end ADDRESS's accreditation now (credentials anchored before stay valid)."""

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.deaccredit(check_address(issuer_account, "ADDRESS"), sender=who)
        return {"issuer": issuer_account, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@app.command("show")
def accreditation_show(issuer_account: AccountArgument, rpc: RpcsOption = None, as_json: JsonFlag = False) -> None:
    """What the registry says about ADDRESS: DID, name, body of record, accreditation windows."""

    def action(chain: Chain, deployment: Deployment) -> dict[str, Any]:
        registry = deployment.registry(chain)
        record = registry.issuer(check_address(issuer_account, "ADDRESS"))
        if record is None:
            raise ConfigurationError(f"{issuer_account} is not registered in {registry.address}")
        now = chain.block_timestamp()
        return {
            "issuer": issuer_account, "did": record.did, "name": record.name, "body": record.body,
            "accredited_now": registry.is_accredited(issuer_account, now),
            "windows": [asdict(window) for window in registry.accreditations(issuer_account)],
        }  # fmt: skip

    _registry_action(rpc, action, as_json)


@app.command("create-body-account")
def create_body(passphrase_env: PassphraseEnv = PASSPHRASE_ENV, as_json: JsonFlag = False) -> None:
    """Create an encrypted Ethereum account for an accreditation body (the admin then grants it the role)."""
    settings = settings_or_exit()
    address = run_or_exit(lambda: create_body_account(settings, passphrase(passphrase_env, confirm=True)))
    if as_json:
        emit_json({"account": address})
    else:
        console.print(f"accreditation body account {address} created; fund it and ask the admin to run "
                      f"`credanchor accreditation grant-body {address}`")  # fmt: skip


@app.command("update")
def accreditation_update(
    issuer_account: AccountArgument,
    sender: FromBody,
    did: Annotated[str, typer.Option("--did", help="The issuer's DID.")],
    name: Annotated[str, typer.Option("--name", help="The issuer's name.")],
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body of record: change ADDRESS's DID or name in the registry."""

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.update_issuer(check_address(issuer_account, "ADDRESS"), did=did, name=name, sender=who)
        return {"issuer": issuer_account, "did": did, "name": name, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@app.command("accredit")
def accreditation_accredit(
    issuer_account: AccountArgument,
    sender: FromBody,
    scope: ScopeOption = "micro-credentials",
    valid_days: Annotated[int | None, typer.Option("--valid-days", help="Default: open-ended.", min=1)] = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body of record: accredit a registered ADDRESS again (a new window starting now)."""

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        until = days_after(chain.block_timestamp(), valid_days)
        receipt = registry.accredit(check_address(issuer_account, "ADDRESS"), scope=scope, valid_until=until,
                                    sender=who)  # fmt: skip
        return {"issuer": issuer_account, "scope": scope, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)
