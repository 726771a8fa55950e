"""`credanchor deploy` and `credanchor devchain up|fund|down|status`: the contracts on a chain, and the
local anvil devchain (persisted state, contracts deployed)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount

from anchor.chain import devchain as devchain_mod
from anchor.chain.deployment import deploy_recorded
from anchor.chain.profiles import profile_for_chain_id
from anchor.cli.common import (
    PASSPHRASE_ENV,
    ChainOption,
    JsonFlag,
    PassphraseEnv,
    RpcsOption,
    connect,
    console,
    emit_json,
    errors,
    run_or_exit,
    sender_of,
    settings_or_exit,
)
from anchor.errors import CredAnchorError
from anchor.types import check_address

app = typer.Typer(help="The local anvil devchain (persisted state, contracts deployed).", no_args_is_help=True)


def deploy(
    rpc: Annotated[
        list[str], typer.Option("--rpc", help="JSON-RPC URL of the chain (repeat: the first that answers).")
    ],
    chain_name: ChainOption = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Deploy from this account: its key in the data directory (credanchor account create), signed "
            "here, or one the node manages (default: the node's first unlocked account). It becomes the "
            "IssuerRegistry's admin.",
            metavar="ADDRESS",
        ),
    ] = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Deploy the three contracts (from --from, else the node's first unlocked account); record them in the
    data directory (deployments/<chain id>.json). With --chain, an RPC serving another chain is refused.
    Safe to run again: with the contracts recorded and on the chain it sends nothing, and after an
    interrupted run it deploys only what is missing."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        chain = connect(settings, rpc, chain_name)
        admin = check_address(sender, "--from") if sender is not None else None

        def deployer() -> str | LocalAccount:  # asked only when something is to be sent
            if admin is not None:
                return sender_of(settings, chain, admin, passphrase_env)
            if accounts := chain.accounts:
                return accounts[0]
            raise CredAnchorError(
                f"{chain.description} manages no unlocked account to deploy from: create one here with "
                "`credanchor account create`, fund it, and deploy with --from ADDRESS (docs/networks.md)"
            )

        deployment, sent = deploy_recorded(chain, settings.deployments_dir, deployer=deployer, admin=admin)
        known = profile_for_chain_id(chain.chain_id)
        path = settings.deployments_dir / f"{deployment.chain_id}.json"
        return {**asdict(deployment), "chain": known.name if known else None, "file": str(path), "deployed": sent}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        named = f" ({result['chain']})" if result["chain"] else ""
        done = "deployed" if result["deployed"] else "already deployed (nothing sent)"
        console.print(f"{done} on chain {result['chain_id']}{named}; recorded in {result['file']}")
        for key in ("issuer_registry", "credential_anchor", "credential_nft"):
            console.print(f"  {key}: {result[key]}")


@app.command("up")
def devchain_up(
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default 8545, or a free one).", min=1, max=65535)
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start anvil with persisted state (or resume it) and deploy the contracts if needed; without anvil,
    fetch the pinned one with npm into ~/.cache/credanchor first."""
    settings = settings_or_exit()
    status = run_or_exit(
        lambda: devchain_mod.up(
            settings, port, notify=lambda message: errors.print(message, markup=False, highlight=False)
        )
    )
    if as_json:
        emit_json(asdict(status))
        return
    console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    if status.deployment is not None:
        console.print(f"  contracts recorded in {settings.deployments_dir / f'{status.deployment.chain_id}.json'}")


@app.command("fund")
def devchain_fund(
    address: Annotated[str, typer.Argument(help="Account to fund (e.g. an issuer's).", metavar="ADDRESS")],
    eth: Annotated[float, typer.Option("--eth", help="Amount of (devchain) ether.", min=0.001)] = 1.0,
    rpc: RpcsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Devchains only: send ether from the node's first account, so an issuer can pay for its transactions."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        chain = connect(settings, rpc)
        receipt = chain.send_value(chain.accounts[0], check_address(address, "ADDRESS"), int(eth * 10**18))
        return {"funded": address, "wei": int(eth * 10**18), "tx": "0x" + receipt.tx_hash.hex()}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        console.print(f"sent {eth} ether to {address}")


@app.command("down")
def devchain_down(as_json: JsonFlag = False) -> None:
    """Stop the devchain; its state is kept for the next `up`."""
    settings = settings_or_exit()
    stopped = run_or_exit(lambda: devchain_mod.down(settings))
    if as_json:
        emit_json({"stopped": stopped})
    else:
        console.print("devchain stopped (state kept)" if stopped else "no devchain was running")


@app.command("status")
def devchain_status(as_json: JsonFlag = False) -> None:
    """Say whether the devchain runs, where, at which block, with which contracts."""
    settings = settings_or_exit()
    status = run_or_exit(lambda: devchain_mod.status(settings))
    if as_json:
        emit_json(asdict(status))
    elif status.running:
        console.print(f"devchain running at {status.url} (pid {status.pid}, block {status.block_number})")
    else:
        console.print("devchain not running: start it with `credanchor devchain up`")
