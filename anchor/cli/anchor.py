"""`credanchor anchor`: close and anchor queued credentials in batches and write them with their anchor
proofs, once or (--watch) as a long-running worker. The cycle and the loop are anchor.anchoring.watch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from anchor.anchoring.watch import AnchorPolicy, BatchOutcome, anchor_cycle, watch
from anchor.chain.profiles import profile_for_chain_id
from anchor.cli.common import (
    PASSPHRASE_ENV,
    ChainOption,
    JsonFlag,
    PassphraseEnv,
    RpcsOption,
    chain_and_deployment,
    console,
    emit_json,
    errors,
    open_store,
    run_or_exit,
    selected_profile,
    settings_or_exit,
    signer,
)
from anchor.errors import CredAnchorError
from anchor.types import check_address


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
        int | None,
        typer.Option(
            "--reorg-depth",
            help="Re-check batches anchored in this many recent blocks; older ones are final "
            "(default: the chain profile's finality depth, else 64).",
            min=0,
        ),
    ] = None,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations",
            help="Blocks (the anchoring one included) before recording (default: the chain profile's, else 1).",
            min=1,
        ),
    ] = None,
    wait: Annotated[
        int, typer.Option("--wait", help="Seconds to wait for confirmations (else a later run records).", min=0)
    ] = 0,
    watch_every: Annotated[
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
    rpc: RpcsOption = None,
    chain_name: ChainOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Close and anchor queued credentials in batches (one root each); write them with their anchor proofs.

    Safe to interrupt and re-run: a batch left half done is finished, never anchored twice.
    """
    settings = settings_or_exit()
    chosen = run_or_exit(lambda: selected_profile(chain_name))
    policy = AnchorPolicy(
        max_size=max_size, max_age=timedelta(seconds=max_age) if max_age is not None else None,
        wait_seconds=wait,
    )  # fmt: skip

    def cycle() -> list[BatchOutcome]:
        chain, deployment = chain_and_deployment(settings, rpc, chain_name)
        store = open_store(settings)
        accounts = [check_address(account, "--account")] if account else store.accounts()
        known = chosen or profile_for_chain_id(chain.chain_id)  # a known chain's depths without --chain too
        active = policy.for_profile(known, confirmations=confirmations, reorg_depth=reorg_depth)
        return anchor_cycle(store, deployment.anchor(chain), accounts,
                            lambda who: signer(settings, chain, who, passphrase_env), out, active)  # fmt: skip

    if watch_every is None:
        batches = [b.to_dict() for b in run_or_exit(cycle)]
    else:
        batches = [b.to_dict() for b in _watch(cycle, watch_every, until_idle)]
    if as_json:
        emit_json({"out": str(out), "batches": batches})
        return
    if not batches:
        console.print("nothing to anchor")
    for b in batches:
        if "waiting_for_confirmations" in b:
            console.print(f"batch {b['batch']}: sent, waiting for {b['waiting_for_confirmations']} confirmations "
                          "(run again later, or use --wait)")  # fmt: skip
            continue
        resumed = " (resumed)" if b["resumed"] else ""
        final = "final" if b["final"] else "not final yet: re-checked for reorgs by later runs"
        console.print(
            f"batch {b['batch']}{resumed}: {b['credentials']} credential(s), root {b['root'][:18]}…, "
            f"tx {b['tx'][:18]}… (block {b['block']}, {b['gas_used']:,} gas, {final}) → {out}"
        )


def _watch(cycle: Callable[[], list[BatchOutcome]], every: float, until_idle: bool) -> list[BatchOutcome]:
    """--watch: cycles until Ctrl+C (or an idle cycle with --until-idle); what is transient is waited out.

    Unlike a single run, an OSError is shown as its plain text and Ctrl+C as "stopped": stopping a
    worker is how it normally ends."""
    try:
        return watch(cycle, every=every, until_idle=until_idle,
                     on_waiting=lambda exc: errors.print(f"[yellow]waiting:[/] {exc}", highlight=False))  # fmt: skip
    except (CredAnchorError, OSError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        errors.print("stopped")
        raise typer.Exit(130) from None
