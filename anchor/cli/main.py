"""The `credanchor` command line. Every command takes --json; errors never print a stack trace.

Exit codes: 0 success; 1 the operation failed (the message says why and what to do);
2 the command line itself was wrong.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from eth_account.signers.local import LocalAccount
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from anchor.anchoring.batches import credential_hash
from anchor.anchoring.status_changes import change_status
from anchor.anchoring.worker import anchor_due, recheck_anchored
from anchor.chain import devchain as devchain_mod
from anchor.chain.adapter import Chain
from anchor.chain.contracts import IssuerRegistryClient, Sender, days_after
from anchor.chain.deployment import Deployment, deploy_contracts, trusted_registry
from anchor.credentials.issuance import (
    REPORT_NAME,
    CredentialIssuer,
    RowOutcome,
    create_issuer,
    issue_roster,
    issuer_did_document,
    key_file,
    list_issuers,
    load_key,
    load_profile,
    rotate_issuer_key,
    sender_for,
    write_json,
)
from anchor.credentials.issuance import issuer_account as own_account
from anchor.credentials.model import AwardingBody
from anchor.credentials.presentation import is_presentation, verify_presentation
from anchor.credentials.roster import read_roster
from anchor.credentials.verify import Verifier
from anchor.crypto.did import DidResolver
from anchor.crypto.keys import key_entries
from anchor.crypto.proofs import JCS, RDFC
from anchor.errors import ChainError, ConfigurationError, CredAnchorError, DevchainError
from anchor.settings import Settings
from anchor.storage.store import Store, StoreError, StoreStatusAllocator, database_url
from anchor.tools.demo import run_demo
from anchor.types import check_address

app = typer.Typer(help="Blockchain-anchored micro-credentials: issue, anchor, revoke, verify.", no_args_is_help=True)
devchain_app = typer.Typer(help="The local anvil devchain (persisted state, contracts deployed).", no_args_is_help=True)
app.add_typer(devchain_app, name="devchain")
issuer_app = typer.Typer(help="Issuer profiles and their encrypted signing keys.", no_args_is_help=True)
app.add_typer(issuer_app, name="issuer")
accreditation_app = typer.Typer(
    help="The on-chain trust registry: accreditation bodies accredit issuers.", no_args_is_help=True
)
app.add_typer(accreditation_app, name="accreditation")
bench_app = typer.Typer(help="Benchmarks that print figures and ratios measured in one run.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console(emoji=False, soft_wrap=True)
errors = Console(stderr=True, emoji=False, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of the chain to use.", metavar="URL")]
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run a command body; a credanchor error becomes a one-line message and exit code 1."""
    try:
        return action()
    except CredAnchorError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except OSError as exc:  # a file or directory that cannot be read or written
        errors.print(f"[bold red]error:[/] {exc.strerror or exc}: {exc.filename or ''}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        errors.print("interrupted")
        raise typer.Exit(130) from None


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens (tx hashes, blocks).")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
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

        chain = Chain.connect(rpc) if rpc else Chain.embedded()
        story = run_demo(chain)
        result = story.to_dict()
        if compare_learners:
            result["comparison"] = run_comparison(chain, learners=compare_learners, per_learner=3).to_dict()
        if out is not None:
            for credential in story.credentials:
                name = credential["id"].rsplit(":", 1)[-1][:8]
                write_json(out / "credentials" / f"{name}.json", credential)
            if compare_learners:
                from anchor.comparison.report import write_outputs

                write_outputs(result["comparison"], out / "comparison")
            write_json(out / "demo.json", result)
        return result

    result = _run(body)
    if as_json:
        _emit_json(result)
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
        from anchor.cli.compare import print_comparison

        print_comparison(result["comparison"])
    if out is not None:
        console.print(f"credentials written to {out / 'credentials'}, results to {out / 'demo.json'}")
        console.print("(a credential file verifies only while its chain runs: try `credanchor demo --rpc URL`)")
        if "comparison" in result:
            console.print(f"comparison report: {out / 'comparison' / 'report.html'}")
    if not all(result["checks"].values()):
        raise typer.Exit(1)


@app.command()
def deploy(
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.", metavar="URL")],
    as_json: JsonFlag = False,
) -> None:
    """Deploy the three contracts from the node's first unlocked account; record them in the data directory."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        chain = Chain.connect(rpc)
        accounts = chain.accounts
        if not accounts:
            raise CredAnchorError(f"{rpc} manages no unlocked account to deploy from")
        deployment = deploy_contracts(chain, deployer=accounts[0])
        path = deployment.save(settings.deployments_dir)
        return {**asdict(deployment), "file": str(path)}

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"deployed on chain {result['chain_id']}; recorded in {result['file']}")
        for key in ("issuer_registry", "credential_anchor", "credential_nft"):
            console.print(f"  {key}: {result[key]}")


@devchain_app.command("up")
def devchain_up(
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default 8545, or a free one).", min=1, max=65535)
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start anvil with persisted state (or resume it) and deploy the contracts if needed."""
    settings = _run(Settings.from_env)
    status = _run(lambda: devchain_mod.up(settings, port))
    if as_json:
        _emit_json(asdict(status))
        return
    console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    if status.deployment is not None:
        console.print(f"  contracts recorded in {settings.deployments_dir / f'{status.deployment.chain_id}.json'}")


@devchain_app.command("fund")
def devchain_fund(
    address: Annotated[str, typer.Argument(help="Account to fund (e.g. an issuer's).", metavar="ADDRESS")],
    eth: Annotated[float, typer.Option("--eth", help="Amount of (devchain) ether.", min=0.001)] = 1.0,
    rpc: RpcOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Devchains only: send ether from the node's first account, so an issuer can pay for its transactions."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        chain = Chain.connect(rpc) if rpc else devchain_mod.devchain_chain(settings)[0]
        receipt = chain.send_value(chain.accounts[0], check_address(address, "ADDRESS"), int(eth * 10**18))
        return {"funded": address, "wei": int(eth * 10**18), "tx": "0x" + receipt.tx_hash.hex()}

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"sent {eth} ether to {address}")


@devchain_app.command("down")
def devchain_down(as_json: JsonFlag = False) -> None:
    """Stop the devchain; its state is kept for the next `up`."""
    settings = _run(Settings.from_env)
    stopped = _run(lambda: devchain_mod.down(settings))
    if as_json:
        _emit_json({"stopped": stopped})
    else:
        console.print("devchain stopped (state kept)" if stopped else "no devchain was running")


@devchain_app.command("status")
def devchain_status(as_json: JsonFlag = False) -> None:
    """Say whether the devchain runs, where, at which block, with which contracts."""
    settings = _run(Settings.from_env)
    status = _run(lambda: devchain_mod.status(settings))
    if as_json:
        _emit_json(asdict(status))
    elif status.running:
        console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    else:
        console.print("devchain not running: start it with `credanchor devchain up`")


PASSPHRASE_ENV = "CREDANCHOR_KEY_PASSPHRASE"


class Cryptosuite(StrEnum):
    RDFC = RDFC
    JCS = JCS


SuiteOption = Annotated[Cryptosuite, typer.Option("--cryptosuite", help="Data Integrity cryptosuite.")]


def _passphrase(env_name: str, *, confirm: bool = False) -> str:
    """The key passphrase from the environment, or asked for on a terminal (never echoed)."""
    value = os.environ.get(env_name)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(f"no key passphrase: set {env_name}, or run the command on a terminal to be asked")
    return str(typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm))


PassphraseEnv = Annotated[
    str, typer.Option("--passphrase-env", help="Environment variable holding the key passphrase.", metavar="NAME")
]
IssuerOption = Annotated[
    str | None, typer.Option("--issuer", help="Issuer name (default: the only one).", metavar="NAME")
]


@issuer_app.command("create")
def issuer_create(
    name: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, dashes.")],
    display_name: Annotated[str, typer.Option("--name", help="Awarding body's full name.")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 country code, e.g. PT.")],
    region: Annotated[str | None, typer.Option("--region", help="Region within the country.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Awarding body's web site.")] = None,
    did_web: Annotated[str | None, typer.Option("--did-web", help="Use this did:web DID instead of did:key.")] = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Create an issuer: an Ed25519 key (encrypted at rest) and its awarding-body profile."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        if not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise ConfigurationError(f"--country must be an ISO 3166-1 alpha-2 code such as PT, got {country!r}")
        profile = AwardingBody("", display_name, country, region, url)
        key = create_issuer(settings, name, profile, _passphrase(passphrase_env, confirm=True), did_web=did_web)
        return {"issuer": name, "did": key.did, "verificationMethod": key.verification_method,
                "ethereum_account": own_account(settings, name), "did_document": key.did_document()}  # fmt: skip

    result = _run(body)
    if as_json:
        _emit_json(result)
    else:
        console.print(f"issuer [bold]{name}[/] created: {result['did']}")
        console.print(f"  its Ethereum account (signs its transactions; fund it): {result['ethereum_account']}")
        if did_web:
            console.print("publish its DID document (credanchor issuer show --json) at the did:web URL")


@issuer_app.command("list")
def issuer_list(as_json: JsonFlag = False) -> None:
    """List the issuers in the data directory."""
    settings = _run(Settings.from_env)
    names = _run(lambda: list_issuers(settings))
    if as_json:
        _emit_json({"issuers": names})
    else:
        console.print("\n".join(names) if names else "no issuers: create one with `credanchor issuer create`")


@issuer_app.command("show")
def issuer_show(issuer: IssuerOption = None, as_json: JsonFlag = False) -> None:
    """Show an issuer's profile, its keys and (with --json) the DID document to publish for a did:web DID."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        slug, profile = load_profile(settings, issuer)
        _, entries = key_entries(key_file(settings, slug))
        return {"issuer": slug, **asdict(profile), "ethereum_account": own_account(settings, slug),
                "keys": [entry.to_json() for entry in entries],
                "did_document": issuer_did_document(settings, slug)}  # fmt: skip

    data = _run(body)
    if as_json:
        _emit_json(data)
        return
    for name, value in data.items():
        if name == "keys":
            for entry in value:
                state = "withdrawn" if "withdrawn" in entry else "retired" if "retired" in entry else "current"
                console.print(f"key: {entry['id']} ({state}, created {entry['created'] or 'date not recorded'})")
        elif name != "did_document":
            console.print(f"{name}: {value}")


@issuer_app.command("rotate-key")
def issuer_rotate_key(
    issuer: IssuerOption = None,
    withdraw_old: Annotated[
        bool,
        typer.Option(
            "--withdraw-old",
            help="The old key was compromised: remove it from the DID document (what it signed stops verifying).",
        ),
    ] = False,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Give a did:web issuer a new signing key; credentials signed by the old one still verify."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        slug, _ = load_profile(settings, issuer)
        rotation = rotate_issuer_key(settings, slug, _passphrase(passphrase_env), withdraw=withdraw_old)
        return {
            "issuer": slug,
            "verificationMethod": rotation.key.verification_method,
            "previous": rotation.previous.to_json(),
            "did_document": issuer_did_document(settings, slug),
        }

    result = _run(body)
    if as_json:
        _emit_json(result)
        return
    previous = result["previous"]["id"]
    console.print(f"issuer [bold]{result['issuer']}[/] now signs with {result['verificationMethod']}")
    if withdraw_old:
        console.print(f"  {previous} is withdrawn: credentials it signed no longer verify; issue them again")
    else:
        console.print(f"  {previous} is retired: credentials it signed still verify")
    console.print(
        "publish the new DID document now (`credanchor issuer show --json`, or served by `credanchor serve` "
        "at /v1/issuers/NAME/did.json and the did:web path); running servers pick up the new key themselves"
    )


@app.command()
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
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Sign a roster into credential files; every row is reported (DIR/issue-report.csv). Safe to re-run."""
    settings = _run(Settings.from_env)
    queue: Callable[[dict[str, Any], Path], None] | None = None
    recorded: Callable[[str], dict[str, Any] | None] | None = None

    def prepare() -> tuple[CredentialIssuer, list[Any]]:
        nonlocal queue, recorded
        slug, profile = load_profile(settings, issuer)
        rows = read_roster(roster)
        status = None
        if anchor_account is not None:
            account = check_address(anchor_account, "--anchor-account")
            chain, deployment = _chain_and_deployment(settings, rpc)
            store = Store.open(database_url(settings.data_dir))
            status = StoreStatusAllocator(store, chain.chain_id, deployment.credential_anchor, account)

            def queue_for_anchoring(credential: dict[str, Any], path: Path) -> None:
                store.queue(credential, credential_hash(credential), account, file_name=path.name)

            queue, recorded = queue_for_anchoring, store.document
        key = load_key(settings, slug, _passphrase(passphrase_env))
        return CredentialIssuer(profile, key, cryptosuite=cryptosuite.value, status=status), rows

    credential_issuer, rows = _run(prepare)
    with Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=errors, disable=as_json,
    ) as progress:  # fmt: skip
        task = progress.add_task("signing credentials", total=len(rows))

        def advance(outcome: RowOutcome) -> None:
            progress.advance(task)

        outcomes = _run(
            lambda: issue_roster(rows, credential_issuer, out, on_row=advance, on_issued=queue, recorded=recorded)
        )
    counts = {status: sum(o.status == status for o in outcomes) for status in ("issued", "already-issued", "failed")}
    if as_json:
        _emit_json({"out": str(out), "report": str(out / REPORT_NAME), **counts,
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


def _sender(settings: Settings, chain: Chain, address: str, passphrase_env: str) -> LocalAccount | str:
    return sender_for(settings, chain.accounts, address, lambda: _passphrase(passphrase_env))


def _signer(settings: Settings, chain: Chain, address: str, passphrase_env: str) -> LocalAccount | None:
    """The local key for `address` (signing here), or None when the node manages the account."""
    sender = _sender(settings, chain, address, passphrase_env)
    return None if isinstance(sender, str) else sender


def _chain_and_deployment(settings: Settings, rpc: str | None) -> tuple[Chain, Deployment]:
    """The chain (--rpc, else the devchain) and the deployment recorded for it in the data directory."""
    if rpc is None:
        return devchain_mod.devchain_chain(settings)
    chain = Chain.connect(rpc)
    deployment = Deployment.load(settings.deployments_dir, chain.chain_id)
    deployment.check(chain)
    return chain, deployment


@app.command()
def anchor(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the anchored credentials to.", metavar="DIR")],
    account: Annotated[
        str | None, typer.Option("--account", help="Only this issuer account (default: every one queued).")
    ] = None,
    max_size: Annotated[int, typer.Option("--max-size", help="Credentials per batch at most.", min=1)] = 10_000,
    max_age: Annotated[
        int | None,
        typer.Option(
            "--max-age",
            help="Only close batches whose oldest credential waited this many seconds "
            "(or that are full); default: anchor everything queued now.",
            min=0,
        ),
    ] = None,
    reorg_depth: Annotated[
        int, typer.Option("--reorg-depth", help="Re-check batches anchored in this many recent blocks.", min=0)
    ] = 64,
    confirmations: Annotated[
        int, typer.Option("--confirmations", help="Blocks (the anchoring one included) before recording.", min=1)
    ] = 1,
    wait: Annotated[
        int, typer.Option("--wait", help="Seconds to wait for confirmations (else a later run records).", min=0)
    ] = 0,
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch",
            help="Keep running: a cycle every SECONDS; an unreachable chain or database is waited out, not fatal.",
            metavar="SECONDS",
            min=0.1,
        ),
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="With --watch: stop after a cycle that found nothing to do.")
    ] = False,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Close and anchor queued credentials in batches (one root each); write them with their anchor proofs.

    Safe to interrupt and re-run: a batch left half done is finished, never anchored twice.
    """
    settings = _run(Settings.from_env)

    def body() -> list[dict[str, Any]]:
        chain, deployment = _chain_and_deployment(settings, rpc)
        store = Store.open(database_url(settings.data_dir))
        accounts = [check_address(account, "--account")] if account else store.accounts()
        client = deployment.anchor(chain)
        summary = []
        for issuer_account in accounts:
            signer = _signer(settings, chain, issuer_account, passphrase_env)
            age = timedelta(seconds=max_age) if max_age is not None else None
            for moved in recheck_anchored(store, client, issuer_account, depth=reorg_depth):
                for credential_id in moved.credential_ids:  # re-included elsewhere: proofs rewritten
                    state, document, file_name = store.credential(credential_id)
                    if state == "anchored" and file_name:
                        write_json(out / file_name, document)
            runs = anchor_due(
                store, client, issuer_account, max_size=max_size, max_age=age, force=age is None,
                confirmations=confirmations, wait_seconds=wait, account=signer,
            )  # fmt: skip
            for run in runs:
                if not run.recorded:
                    summary.append({"account": issuer_account, "batch": run.batch.id, "root": run.batch.root,
                                    "waiting_for_confirmations": confirmations})  # fmt: skip
                    continue
                for credential in run.anchored.credentials:
                    _, _, file_name = store.credential(credential["id"])
                    write_json(out / (file_name or f"{credential['id'].rsplit(':', 1)[-1]}.json"), credential)
                summary.append({
                    "account": issuer_account, "batch": run.batch.id, "root": run.batch.root,
                    "credentials": len(run.anchored.credentials), "tx": "0x" + run.anchored.receipt.tx_hash.hex(),
                    "block": run.anchored.receipt.block_number, "gas_used": run.anchored.receipt.gas_used,
                    "resumed": run.resumed,
                })  # fmt: skip
        return summary

    if watch is None:
        batches = _run(body)
    else:
        batches = []
        while True:
            try:
                done = body()
            except (ChainError, DevchainError, StoreError) as exc:  # transient: wait it out
                errors.print(f"[yellow]waiting:[/] {exc}", highlight=False)
            except (CredAnchorError, OSError) as exc:
                errors.print(f"[bold red]error:[/] {exc}", highlight=False)
                raise typer.Exit(1) from None
            except KeyboardInterrupt:
                errors.print("stopped")
                raise typer.Exit(130) from None
            else:
                batches.extend(done)
                if until_idle and not done:
                    break
            try:
                time.sleep(watch)
            except KeyboardInterrupt:
                errors.print("stopped")
                raise typer.Exit(130) from None
    if as_json:
        _emit_json({"out": str(out), "batches": batches})
        return
    if not batches:
        console.print("nothing to anchor")
    for b in batches:
        if "waiting_for_confirmations" in b:
            console.print(f"batch {b['batch']}: sent, waiting for {b['waiting_for_confirmations']} confirmations "
                          "(run again later, or use --wait)")  # fmt: skip
            continue
        resumed = " (resumed)" if b["resumed"] else ""
        console.print(
            f"batch {b['batch']}{resumed}: {b['credentials']} credential(s), root {b['root'][:18]}…, "
            f"tx {b['tx'][:18]}… (block {b['block']}, {b['gas_used']:,} gas) → {out}"
        )


AccountArgument = Annotated[str, typer.Argument(help="An Ethereum account (0x…).", metavar="ADDRESS")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Sending account, managed by the node (default: see each command).")
]


def _registry_action(rpc: str | None, action: Callable[[Chain, Deployment], dict[str, Any]], as_json: bool) -> None:
    settings = _run(Settings.from_env)
    result = _run(lambda: action(*_chain_and_deployment(settings, rpc)))
    if as_json:
        _emit_json(result)
    else:
        for key, value in result.items():
            console.print(f"{key}: {value}", highlight=False)


RegistryCall = Callable[[Chain, IssuerRegistryClient, Sender], dict[str, Any]]


def _body_action(rpc: str | None, sender: str, as_json: bool, call: RegistryCall, passphrase_env: str) -> None:
    """A registry action sent as the body `sender` (its key here, or an account the node manages)."""
    settings = _run(Settings.from_env)

    def action(chain: Chain, deployment: Deployment) -> dict[str, Any]:
        who = _sender(settings, chain, check_address(sender, "--from"), passphrase_env)
        return call(chain, deployment.registry(chain), who)

    _registry_action(rpc, action, as_json)


@accreditation_app.command("grant-body")
def accreditation_grant_body(
    body: AccountArgument, sender: FromOption = None, rpc: RpcOption = None, as_json: JsonFlag = False
) -> None:
    """Admin: make ADDRESS an accreditation body (default sender: the deployment's admin)."""

    def action(chain: Chain, deployment: Deployment) -> dict[str, Any]:
        receipt = deployment.registry(chain).grant_body(
            check_address(body, "ADDRESS"), sender=sender or deployment.admin
        )
        return {"accreditation_body": body, **receipt.summary()}

    _registry_action(rpc, action, as_json)


@accreditation_app.command("register")
def accreditation_register(
    issuer_account: AccountArgument,
    sender: Annotated[str, typer.Option("--from", help="The accreditation body's account.")],
    issuer: IssuerOption = None,
    scope: Annotated[str, typer.Option("--scope", help="What the issuer is accredited for.")] = "micro-credentials",
    valid_days: Annotated[
        int | None, typer.Option("--valid-days", help="Accredited for this many days (default: open-ended).", min=1)
    ] = None,
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body: register and accredit ADDRESS as the issuer --issuer (its DID and name from the data directory)."""
    settings = _run(Settings.from_env)
    _, profile = _run(lambda: load_profile(settings, issuer))

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.register_issuer(
            check_address(issuer_account, "ADDRESS"), did=profile.did, name=profile.name, scope=scope,
            valid_until=days_after(chain.block_timestamp(), valid_days), sender=who,
        )  # fmt: skip
        return {"issuer": issuer_account, "did": profile.did, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@accreditation_app.command("deaccredit")
def accreditation_deaccredit(
    issuer_account: AccountArgument,
    sender: Annotated[str, typer.Option("--from", help="The issuer's body of record.")],
    rpc: RpcOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Body: end ADDRESS's accreditation now (credentials anchored before stay valid)."""

    def call(chain: Chain, registry: IssuerRegistryClient, who: Sender) -> dict[str, Any]:
        receipt = registry.deaccredit(check_address(issuer_account, "ADDRESS"), sender=who)
        return {"issuer": issuer_account, **receipt.summary()}

    _body_action(rpc, sender, as_json, call, passphrase_env)


@accreditation_app.command("show")
def accreditation_show(issuer_account: AccountArgument, rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
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


@app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Credential or presentation files (JSON).", metavar="FILE...")],
    rpc: RpcOption = None,
    challenge: Annotated[
        str | None, typer.Option("--challenge", help="Presentations: the challenge the holder had to answer.")
    ] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="Presentations: the expected domain.")] = None,
    any_vc: Annotated[
        bool, typer.Option("--any-vc", help="Accept any VC 2.0 credential, not only micro-credentials (as the VC API).")
    ] = False,
    registry: Annotated[
        str | None,
        typer.Option("--registry", help="Trusted IssuerRegistry address (default: the chain's recorded deployment)."),
    ] = None,
    did_documents: Annotated[
        list[Path] | None,
        typer.Option(
            "--did-document", help="A did:web issuer's DID document (JSON), to verify offline.", metavar="FILE"
        ),
    ] = None,
    allow_did_web: Annotated[
        bool, typer.Option("--allow-did-web", help="Fetch unknown did:web documents over HTTPS.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Verify credentials or presentations with the file and a chain RPC only; exit code 0 iff every file verifies."""
    settings = _run(Settings.from_env)

    def body() -> list[dict[str, Any]]:
        chain = Chain.connect(rpc) if rpc else devchain_mod.devchain_chain(settings)[0]
        resolver = _resolver(did_documents, allow_network=allow_did_web)
        verifier = _verifier(settings, chain, registry, resolver, profile="vc" if any_vc else "microcredential")
        reports = []
        for path in files:
            try:
                credential = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                reports.append({"file": str(path), "verified": False, "error": f"cannot read {path}: {exc}"})
                continue
            if is_presentation(credential):
                report = verify_presentation(credential, verifier, challenge=challenge, domain=domain).to_dict()
            else:
                report = verifier.verify(credential).to_dict()
            reports.append({"file": str(path), **report})
        return reports

    reports = _run(body)
    if as_json:
        _emit_json({"verified": all(r["verified"] for r in reports), "reports": reports})
    else:
        for report in reports:
            mark = "[green]verified[/]" if report["verified"] else "[red]NOT verified[/]"
            console.print(f"{report['file']}: {mark}")
            if "error" in report:
                console.print(f"  {report['error']}")
            _print_checks(report.get("checks", {}), "  ")
            for inner in report.get("credentials", []):
                mark = "[green]verified[/]" if inner["verified"] else "[red]NOT verified[/]"
                console.print(f"  credential {inner['credential']}: {mark}")
                _print_checks(inner["checks"], "    ")
            for stack in report.get("stacks", []):
                mark = "[green]verified[/]" if stack["verified"] else "[red]NOT verified[/]"
                shown = f"{stack['components_shown']} component(s) shown, {stack['components_verified']} verified"
                console.print(f"  stack {stack['title']}: {mark} — {shown}, {stack['components_not_shown']} not shown")
    if not all(r["verified"] for r in reports):
        raise typer.Exit(1)


def _resolver(did_documents: list[Path] | None, *, allow_network: bool = False) -> DidResolver:
    """A DID resolver knowing the given DID documents (did:web issuers, offline)."""
    resolver = DidResolver(allow_network=allow_network)
    for path in did_documents or []:
        document = _read_credential(path)
        if not isinstance(document.get("id"), str):
            raise ConfigurationError(f"{path} is not a DID document (it has no id)")
        resolver.add(document)
    return resolver


def _verifier(
    settings: Settings, chain: Chain, registry: str | None, resolver: DidResolver, *, profile: str = "microcredential"
) -> Verifier:
    """A verifier trusting --registry, else the IssuerRegistry recorded for the chain."""
    trusted = registry or trusted_registry(settings, chain.chain_id)
    if trusted is not None:
        check_address(trusted, "--registry")
    return Verifier(chain, registry=trusted, resolver=resolver, profile=profile)


def _print_checks(checks: dict[str, Any], indent: str) -> None:
    for name, check in checks.items():
        colour = {"pass": "green", "fail": "red"}.get(check["outcome"], "yellow")
        console.print(f"{indent}[{colour}]{check['outcome']:>14}[/] {name}: {check['reason']}", highlight=False)


def _status_command(
    action: str, files: list[Path], rpc: str | None, as_json: bool, passphrase_env: str = PASSPHRASE_ENV
) -> None:
    settings = _run(Settings.from_env)

    def body() -> list[dict[str, Any]]:
        credentials = [_credential_by_id_or_file(settings, str(path)) for path in files]
        chain = Chain.connect(rpc) if rpc else devchain_mod.devchain_chain(settings)[0]
        return change_status(chain, credentials, action, lambda who: _sender(settings, chain, who, passphrase_env))

    transactions = _run(body)
    if as_json:
        _emit_json({"action": action, "transactions": transactions})
        return
    for tx in transactions:
        console.print(
            f"{action}: {tx['credentials']} credential(s) in list {tx['list']} — one transaction {tx['tx']} "
            f"(block {tx['block']}, {tx['gas_used']:,} gas)"
        )


def _credential_by_id_or_file(settings: Settings, reference: str) -> dict[str, Any]:
    """A credential named by its id (looked up in the store) or by its file."""
    if reference.startswith("urn:") and not Path(reference).exists():
        document = Store.open(database_url(settings.data_dir)).document(reference)
        if document is None:
            raise ConfigurationError(f"no credential {reference} in the store: give its file instead")
        return document
    return _read_credential(Path(reference))


def _read_credential(path: Path) -> dict[str, Any]:
    try:
        credential = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read a credential from {path}: {exc}") from exc
    if not isinstance(credential, dict):
        raise ConfigurationError(f"{path} does not hold a credential (a JSON object)")
    return credential


FilesArgument = Annotated[
    list[Path], typer.Argument(help="Credential files (JSON) or credential ids from the store.", metavar="ID|FILE...")
]


@app.command()
def revoke(files: FilesArgument, rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
    """Revoke credentials (permanent): their bits set on-chain, one transaction per status list."""
    _status_command("revoke", files, rpc, as_json)


@app.command()
def suspend(files: FilesArgument, rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
    """Suspend credentials (reversible), one transaction per status list."""
    _status_command("suspend", files, rpc, as_json)


@app.command()
def reinstate(files: FilesArgument, rpc: RpcOption = None, as_json: JsonFlag = False) -> None:
    """Lift the suspension of credentials, one transaction per status list."""
    _status_command("reinstate", files, rpc, as_json)


@bench_app.command("issue")
def bench_issue_command(
    jcs_count: Annotated[int, typer.Option("--jcs", help="Credentials to sign with eddsa-jcs-2022.", min=1)] = 4_000,
    rdfc_count: Annotated[int, typer.Option("--rdfc", help="Credentials to sign with eddsa-rdfc-2022.", min=1)] = 400,
    as_json: JsonFlag = False,
) -> None:
    """Credentials/s for build + validate + sign per cryptosuite on one core, with the Ed25519 ceiling."""
    from anchor.tools.bench import bench_issue

    result = _run(lambda: bench_issue(jcs_count, rdfc_count))
    if as_json:
        _emit_json(result)
        return
    console.print(f"{result['machine']}, {result['cpu']}")
    console.print(f"Ed25519 sign ceiling: {result['ed25519_signs_per_second']:,} signatures/s")
    table = Table("cryptosuite", "credentials/s", "share of sign ceiling", "target", "ratio to target")
    for suite, figures in result["cryptosuites"].items():
        table.add_row(
            suite, f"{figures['credentials_per_second']:,}", f"{figures['share_of_sign_ceiling']:.1%}",
            f"{figures['target_per_second']:,}", f"{figures['ratio_to_target']:.2f}",
        )  # fmt: skip
    console.print(table)


def run() -> None:
    app()


@bench_app.command("anchor")
def bench_anchor_command(
    count: Annotated[int, typer.Option("--count", help="Credentials to issue and anchor end to end.", min=1)] = 100_000,
    cryptosuite: SuiteOption = Cryptosuite.JCS,
    verify_count: Annotated[int, typer.Option("--verify", help="Credentials to verify.", min=1)] = 2_000,
    rpc: RpcOption = None,
    no_anvil: Annotated[bool, typer.Option("--no-anvil", help="Only the embedded chain.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Merkle root of 1M leaves, gas per credential vs batch size, issue→anchor and verification rates."""
    from anchor.tools.bench import bench_anchor

    result = _run(
        lambda: bench_anchor(
            count, cryptosuite=cryptosuite.value, verify_count=verify_count, rpc=rpc, with_anvil=not no_anvil
        )
    )
    if as_json:
        _emit_json(result)
        return
    merkle = result["merkle_root"]
    console.print(f"{result['machine']}; {result['cryptosuite']}")
    console.print(
        f"Merkle root of {merkle['leaves']:,} leaves: {merkle['seconds']} s (target ≤ {merkle['target_seconds']} s)"
    )
    for label, figures in result["chains"].items():
        e2e, check = figures["issue_and_anchor"], figures["verification"]
        console.print(
            f"[bold]{label}[/]: issue→anchor {e2e['credentials']:,} credentials in {e2e['seconds']} s "
            f"= {e2e['credentials_per_second']:,}/s (signing {e2e['signing_seconds']} s); "
            f"verification {check['credentials_per_second']:,}/s (target {check['target_per_second']:,})"
        )
        table = Table("batch size", "anchor gas", "gas per credential")
        for size, row in figures["gas_by_batch_size"].items():
            table.add_row(f"{int(size):,}", f"{row['gas']:,}", f"{row['gas_per_credential']:,}")
        console.print(table)


from anchor.cli import compare, holder, qr, service, soak, stack, workshop  # noqa: E402, F401 - more commands on `app`
