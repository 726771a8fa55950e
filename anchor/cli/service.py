"""CLI commands that mirror the HTTP API: `serve`, `apikey`, `credentials`, `batches`, `status-list`,
`nft`, `ready`, and the accreditation body's `update`, `accredit` and `create-body-account`.

Registered on the main `credanchor` app by importing this module (anchor.cli.main does).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.chain.adapter import Chain
from anchor.chain.contracts import CredentialNFTClient, IssuerRegistryClient, Sender, days_after
from anchor.comparison.nft import mint_roster
from anchor.credentials.issuance import (
    create_body_account,
    issuer_account,
    load_key,
    load_profile,
    sign_credential,
    write_json,
)
from anchor.credentials.model import AwardingBody
from anchor.credentials.roster import read_roster
from anchor.credentials.status import PURPOSES
from anchor.credentials.statuslist import read_list, status_list_credential
from anchor.errors import ConfigurationError, ContractRevertError
from anchor.settings import Settings
from anchor.storage.store import API_KEY_ROLES, Store, database_url
from anchor.types import check_address

from anchor.cli.main import (  # isort: skip
    PASSPHRASE_ENV, AccountArgument, IssuerOption, JsonFlag, PassphraseEnv, RpcOption, _chain_and_deployment,
    Cryptosuite, SuiteOption, _body_action, _emit_json, _passphrase, _read_credential, _run, _sender,
    accreditation_app, app, bench_app, console,
)  # fmt: skip

apikey_app = typer.Typer(
    help="API keys for the HTTP API (one issuer or accreditation body each).", no_args_is_help=True
)
app.add_typer(apikey_app, name="apikey")
credentials_app = typer.Typer(help="An issuer's stored credentials (as GET /v1/credentials).", no_args_is_help=True)
app.add_typer(credentials_app, name="credentials")
batches_app = typer.Typer(help="An issuer's anchoring batches (as GET /v1/batches).", no_args_is_help=True)
app.add_typer(batches_app, name="batches")
nft_app = typer.Typer(help="NFT-mode tokens.", no_args_is_help=True)
app.add_typer(nft_app, name="nft")


def _store(settings: Settings) -> Store:
    return Store.open(database_url(settings.data_dir))


# -- serve ----------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1, max=64)] = 1,
    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc", help="JSON-RPC URL (default: the devchain), or 'embedded' for an in-process chain.", metavar="URL"
        ),
    ] = None,
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="URL clients reach this server at (status-list links).")
    ] = None,
    verify_rate: Annotated[
        float | None, typer.Option("--verify-rate", help="Public verifications/s per client (0: unlimited).", min=0)
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Validate the settings and keys, then exit.")] = False,
) -> None:
    """Run the HTTP API (OpenAPI at /docs). Settings come from CREDANCHOR_* variables and these options."""
    if rpc is not None:
        os.environ["CREDANCHOR_RPC_URL"] = rpc
    if public_url is not None or "CREDANCHOR_PUBLIC_URL" not in os.environ:
        os.environ["CREDANCHOR_PUBLIC_URL"] = public_url or f"http://{host}:{port}"
    if verify_rate is not None:
        os.environ["CREDANCHOR_VERIFY_RATE"] = str(verify_rate)

    def validate() -> int:
        from api.asgi import app_from_env  # the API stays out of the core library's imports

        if os.environ.get("CREDANCHOR_RPC_URL") == "embedded" and workers > 1:
            raise ConfigurationError("an embedded chain lives in one process: use --workers 1")
        return len(app_from_env().state.services.issuers())

    issuers = _run(validate)
    console.print(f"settings valid; {issuers} issuer(s); serving on http://{host}:{port} (docs at /docs)")
    if check:
        return
    import uvicorn

    uvicorn.run("api.asgi:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info")


# -- API keys -------------------------------------------------------------------------------------


@apikey_app.command("create")
def apikey_create(
    issuer: IssuerOption = None,
    body: Annotated[str | None, typer.Option("--body", help="An accreditation body's account (0x…).")] = None,
    label: Annotated[str, typer.Option("--label", help="A note on who holds the key.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create an API key for one issuer (--issuer) or one accreditation body (--body); shown once."""
    settings = _run(Settings.from_env)

    def make() -> dict[str, Any]:
        if body is not None and issuer is not None:
            raise ConfigurationError("give --issuer or --body, not both")
        if body is not None:
            role, subject = "body", check_address(body, "--body")
        else:
            role, subject = "issuer", load_profile(settings, issuer)[0]
        record, secret = _store(settings).create_api_key(role, subject, label)
        return {**record.to_dict(), "key": secret}

    result = _run(make)
    if as_json:
        _emit_json(result)
        return
    console.print(f"API key {result['id']} for {result['role']} {result['subject']} (shown once, keep it secret):")
    console.print(result["key"], highlight=False)


@apikey_app.command("list")
def apikey_list(as_json: JsonFlag = False) -> None:
    """List API keys (never their secrets)."""
    settings = _run(Settings.from_env)
    keys = _run(lambda: [k.to_dict() for k in _store(settings).api_keys()])
    if as_json:
        _emit_json({"keys": keys, "roles": list(API_KEY_ROLES)})
        return
    table = Table("id", "role", "subject", "label", "created", "revoked")
    for k in keys:
        table.add_row(k["id"], k["role"], k["subject"], k["label"], k["created_at"][:19], (k["revoked_at"] or "")[:19])
    console.print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `apikey list`).")],
                  as_json: JsonFlag = False) -> None:  # fmt: skip
    """Revoke an API key: from now on it authenticates nothing."""
    settings = _run(Settings.from_env)
    record = _run(lambda: _store(settings).revoke_api_key(key_id).to_dict())
    if as_json:
        _emit_json(record)
    else:
        console.print(f"API key {key_id} revoked")


# -- credentials and batches ----------------------------------------------------------------------


def _account(settings: Settings, issuer: str | None) -> str:
    slug = load_profile(settings, issuer)[0]
    account = issuer_account(settings, slug)
    if account is None:
        raise ConfigurationError(f"issuer {slug!r} has no Ethereum account file")
    return account


@credentials_app.command("list")
def credentials_list(
    issuer: IssuerOption = None,
    state: Annotated[str | None, typer.Option("--state", help="queued, batched or anchored.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """An issuer's credentials in the store, oldest first."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        if state not in (None, "queued", "batched", "anchored"):
            raise ConfigurationError(f"--state is queued, batched or anchored, not {state!r}")
        total, items = _store(settings).credentials(_account(settings, issuer), state=state, limit=limit, offset=offset)
        return {"total": total, "items": [{"id": c.id, "state": c.state, "batch_id": c.batch_id,
                                           "queued_at": c.queued_at.isoformat()} for c in items]}  # fmt: skip

    result = _run(body)
    if as_json:
        _emit_json(result)
        return
    table = Table("id", "state", "batch", "queued at", title=f"{result['total']} credential(s)")
    for c in result["items"]:
        table.add_row(c["id"], c["state"], str(c["batch_id"] or ""), c["queued_at"][:19])
    console.print(table)


@credentials_app.command("show")
def credentials_show(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:…).")],
    issuer: IssuerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """One of the issuer's credentials: state, batch and the document (with its anchor proof once anchored)."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        stored = _store(settings).stored_credential(credential_id)
        if stored is None or stored.issuer_account.lower() != _account(settings, issuer).lower():
            raise ConfigurationError(f"this issuer has no credential {credential_id} in the store")
        return {"id": stored.id, "state": stored.state, "batch_id": stored.batch_id, "credential": stored.document}

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"{result['id']}: {result['state']} (batch {result['batch_id'] or '-'})")
        console.print_json(json.dumps(result["credential"]))


@batches_app.command("list")
def batches_list(
    issuer: IssuerOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """An issuer's batches, newest first: size, state, transaction."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        total, batches = _store(settings).batch_states(_account(settings, issuer), limit=limit, offset=offset)
        return {"total": total, "items": [b.to_dict() for b in batches]}

    result = _run(body)
    if as_json:
        _emit_json(result)
        return
    table = Table("batch", "size", "state", "root", "tx", "block", title=f"{result['total']} batch(es)")
    for b in result["items"]:
        table.add_row(str(b["id"]), f"{b['size']:,}", b["state"], b["root"][:18] + "…",
                      (b["tx_hash"] or "")[:18], str(b["block_number"] or ""))  # fmt: skip
    console.print(table)


@batches_app.command("show")
def batches_show(batch_id: Annotated[int, typer.Argument(help="The batch number.", min=1)],
                 issuer: IssuerOption = None, as_json: JsonFlag = False) -> None:  # fmt: skip
    """One batch of the issuer's."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        batch = _store(settings).batch_state(batch_id)
        if batch is None or batch.issuer_account.lower() != _account(settings, issuer).lower():
            raise ConfigurationError(f"this issuer has no batch {batch_id}")
        return batch.to_dict()

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        for key, value in result.items():
            console.print(f"{key}: {value}", highlight=False)


# -- status lists, NFT metadata, readiness --------------------------------------------------------


@app.command("status-list")
def status_list_command(
    list_id: Annotated[int, typer.Argument(help="The list number (statusListId in credentials).", min=1)],
    purpose: Annotated[str, typer.Option("--purpose", help="revocation or suspension.")] = "revocation",
    issuer: IssuerOption = None,
    url: Annotated[str | None, typer.Option("--url", help="The credential's id (default: the list's URN).")] = None,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
) -> None:
    """Print the issuer's signed BitstringStatusListCredential for a list, built from the chain (always JSON)."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        if purpose not in PURPOSES:
            raise ConfigurationError(f"--purpose is revocation or suspension, not {purpose!r}")
        slug = load_profile(settings, issuer)[0]
        chain, deployment = _chain_and_deployment(settings, rpc)
        account = _account(settings, slug)
        bits = read_list(chain, deployment.credential_anchor, account, list_id, PURPOSES[purpose])
        where = (
            url or f"urn:eip155:{chain.chain_id}:{deployment.credential_anchor}:status:{account}:{list_id}:{purpose}"
        )
        return status_list_credential(bits, url=where, purpose=PURPOSES[purpose],
                                      key=load_key(settings, slug, _passphrase(passphrase_env)))  # fmt: skip

    _emit_json(_run(body))


@nft_app.command("metadata")
def nft_metadata(token_id: Annotated[int, typer.Argument(help="The token id.", min=0)], rpc: RpcOption = None) -> None:
    """Print an NFT-mode token's metadata as its tokenURI holds it (always JSON)."""
    settings = _run(Settings.from_env)

    def body() -> Any:
        chain, deployment = _chain_and_deployment(settings, rpc)
        try:
            return deployment.nft(chain).metadata(token_id)
        except ContractRevertError:
            raise ConfigurationError(f"no token {token_id} (never minted, or burnt)") from None

    _emit_json(_run(body))


@app.command()
def ready(rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
    """Say whether the chain (with the contracts) and the database answer; exit 1 if not (as GET /ready)."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        chain, deployment = _chain_and_deployment(settings, rpc)
        _store(settings).ping()
        return {"status": "ready", "chain_id": chain.chain_id, "block": chain.block_number(), "database": "ok",
                "contracts": asdict(deployment)}  # fmt: skip

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"ready: chain {result['chain_id']} at block {result['block']}, database ok")


# -- accreditation bodies -------------------------------------------------------------------------


@accreditation_app.command("create-body-account")
def create_body(passphrase_env: PassphraseEnv = PASSPHRASE_ENV, as_json: JsonFlag = False) -> None:
    """Create an encrypted Ethereum account for an accreditation body (the admin then grants it the role)."""
    settings = _run(Settings.from_env)
    address = _run(lambda: create_body_account(settings, _passphrase(passphrase_env, confirm=True)))
    if as_json:
        _emit_json({"account": address})
    else:
        console.print(f"accreditation body account {address} created; fund it and ask the admin to run "
                      f"`credanchor accreditation grant-body {address}`")  # fmt: skip


FromBody = Annotated[str, typer.Option("--from", help="The body's account (its key here, or node-managed).")]


@accreditation_app.command("update")
def accreditation_update(
    issuer_account: AccountArgument,
    sender: FromBody,
    did: Annotated[str, typer.Option("--did", help="The issuer's DID.")],
    name: Annotated[str, typer.Option("--name", help="The issuer's name.")],
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body of record: change ADDRESS's DID or name in the registry."""

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.update_issuer(check_address(issuer_account, "ADDRESS"), did=did, name=name, sender=who)
        return {"issuer": issuer_account, "did": did, "name": name, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@accreditation_app.command("accredit")
def accreditation_accredit(
    issuer_account: AccountArgument,
    sender: FromBody,
    scope: Annotated[str, typer.Option("--scope", help="What the issuer is accredited for.")] = "micro-credentials",
    valid_days: Annotated[int | None, typer.Option("--valid-days", help="Default: open-ended.", min=1)] = None,
    rpc: RpcOption = None,
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


@bench_app.command("api")
def bench_api_command(
    seconds: Annotated[float, typer.Option("--seconds", help="Measured seconds (after a 2 s warm-up).", min=1)] = 10.0,
    connections: Annotated[int, typer.Option("--connections", help="Concurrent keep-alive connections.", min=1)] = 8,
    workers: Annotated[int, typer.Option("--workers", help="Server worker processes.", min=1)] = 2,
    credentials: Annotated[int, typer.Option("--credentials", help="Distinct credentials to cycle.", min=1)] = 200,
    rpc: RpcOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify requests/s and p50/p99 latency of the running server (anvil) from a load generator process."""
    from anchor.tools.bench import bench_api

    result = _run(lambda: bench_api(credentials=credentials, seconds=seconds, connections=connections,
                                    workers=workers, rpc=rpc))  # fmt: skip
    if as_json:
        _emit_json(result)
        return
    console.print(f"{result['machine']}, {result['cpus']} CPUs; {result['server_workers']} server workers, "
                  f"{result['connections']} connections, {result['seconds']} s measured")  # fmt: skip
    console.print(
        f"POST /v1/verify: {result['requests_per_second']:,} requests/s (target {result['target_per_second']}: "
        f"{result['ratio_to_target']}x); p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"(target ≤ {result['target_p99_ms']} ms); {result['verified']:,}/{result['requests']:,} verified; "
        f"statuses {result['statuses']}"
    )


@app.command()
def sign(
    file: Annotated[Path, typer.Argument(help="An unsigned VC 2.0 credential (JSON).", metavar="FILE")],
    issuer: IssuerOption = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: print).", metavar="FILE")] = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
) -> None:
    """Sign any VC 2.0 credential with an issuer's key (as POST /credentials/issue); not anchored."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        slug = load_profile(settings, issuer)[0]
        document = _read_credential(file)
        signed = sign_credential(document, load_key(settings, slug, _passphrase(passphrase_env)),
                                 cryptosuite=cryptosuite.value)  # fmt: skip
        if out is not None:
            write_json(out, signed)
        return signed

    signed = _run(body)
    if out is None:
        _emit_json(signed)
    else:
        console.print(f"signed {signed.get('id') or file} with {cryptosuite.value} → {out}")


def _issuer_nft(
    settings: Settings, issuer: str | None, rpc: str | None, passphrase_env: str
) -> tuple[AwardingBody, str, CredentialNFTClient, Sender]:
    """The issuer's profile and account, the chain's CredentialNFT, and how to send as the issuer."""
    slug, profile = load_profile(settings, issuer)
    chain, deployment = _chain_and_deployment(settings, rpc)
    account = _account(settings, slug)
    return profile, account, deployment.nft(chain), _sender(settings, chain, account, passphrase_env)


@nft_app.command("mint")
def nft_mint(
    roster: Annotated[Path, typer.Argument(help="Roster (CSV or JSON) with a learner_address per learner.")],
    issuer: IssuerOption = None,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: mint each learner's credential as a public soulbound token, signed by the issuer's account."""
    settings = _run(Settings.from_env)

    def body() -> list[dict[str, Any]]:
        rows = read_roster(roster)
        profile, _, nft, sender = _issuer_nft(settings, issuer, rpc, passphrase_env)
        return [asdict(o) for o in mint_roster(rows, nft, profile, sender=sender)]

    outcomes = _run(body)
    if as_json:
        _emit_json({"minted": sum(o["status"] == "minted" for o in outcomes), "rows": outcomes})
    else:
        for o in outcomes:
            if o["status"] == "minted":
                console.print(f"line {o['line']} {o['learner']}: token {o['token_id']} → {o['holder']} "
                              f"({o['gas_used']:,} gas)")  # fmt: skip
            else:
                console.print(f"[red]line {o['line']}[/] {o['learner']}: {o['error']}", highlight=False)
    if any(o["status"] == "failed" for o in outcomes):
        raise typer.Exit(1)


@nft_app.command("burn")
def nft_burn(
    token_ids: Annotated[list[int], typer.Argument(help="Token ids to burn (revoke).", metavar="TOKEN...")],
    issuer: IssuerOption = None,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: revoke by burning (one transaction per token; only the issuer that minted it)."""
    settings = _run(Settings.from_env)

    def body() -> list[dict[str, Any]]:
        _, _, nft, sender = _issuer_nft(settings, issuer, rpc, passphrase_env)
        return [{"token_id": token, **nft.burn(token, sender=sender).summary()} for token in token_ids]

    burnt = _run(body)
    if as_json:
        _emit_json({"burnt": burnt})
    else:
        for b in burnt:
            console.print(f"token {b['token_id']} burnt ({b['gas_used']:,} gas)")


@nft_app.command("require-consent")
def nft_require_consent(
    required: Annotated[bool, typer.Argument(help="true: mints need each holder's EIP-712 consent.")],
    issuer: IssuerOption = None,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: require (or stop requiring) holder consent for this issuer's mints."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        _, account, nft, sender = _issuer_nft(settings, issuer, rpc, passphrase_env)
        receipt = nft.set_consent_required(required, sender=sender)
        return {"issuer": account, "consent_required": required, **receipt.summary()}

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"consent {'required' if required else 'not required'} for {result['issuer']}'s mints")
