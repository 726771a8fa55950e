"""`credanchor compare`: NFT vs VC on the same roster — costs and what a chain observer learns.

Also `credanchor observe`: what a stranger learns from public chain data only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.chain.adapter import Chain
from anchor.chain.profiles import load_fee_overrides, profile, with_fees
from anchor.cli.common import JsonFlag, RpcOption, console, emit_json, run_or_exit
from anchor.comparison.compare import MODE_NAMES, MODES, Assumptions, run_comparison
from anchor.errors import ConfigurationError

#: The public networks `compare` prices by default (`--chains`).
DEFAULT_FEE_CHAINS = "mainnet,optimism,base,arbitrum,polygon"


def compare(
    learners: Annotated[int, typer.Option("--learners", help="Learners in the generated roster.", min=1)] = 100,
    per_learner: Annotated[
        int, typer.Option("--credentials-per-learner", help="Micro-credentials per learner (1-3).", min=1, max=3)
    ] = 3,
    out: Annotated[
        Path, typer.Option("--out", help="Write report.html, the plots and comparison.json here.", metavar="DIR")
    ] = Path("comparison"),
    gas_price: Annotated[
        float, typer.Option("--gas-price-gwei", help="ASSUMED gas price, for the fee estimate only.", min=0)
    ] = 10.0,
    eth_price: Annotated[
        float, typer.Option("--eth-price", help="ASSUMED ether price, for the fee estimate only.", min=0)
    ] = 3_000.0,
    currency: Annotated[str, typer.Option("--currency", help="Currency of --eth-price.")] = "USD",
    consent: Annotated[
        bool, typer.Option("--consent", help="NFT mode: every learner signs an EIP-712 consent before the mint.")
    ] = False,
    chains: Annotated[
        str,
        typer.Option(
            "--chains",
            help="Chain profiles to price the measured transactions on, comma-separated (credanchor chains); "
            "'' for none.",
            metavar="NAME,…",
        ),
    ] = DEFAULT_FEE_CHAINS,
    fee_params: Annotated[
        Path | None,
        typer.Option("--fee-params", help="JSON file overriding the profiles' assumed fee parameters.", metavar="FILE"),
    ] = None,
    rpc: RpcOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue one roster as anchored VCs, as public NFTs and with a hash registry; compare cost and privacy."""

    def body() -> dict[str, Any]:
        from anchor.comparison.report import write_outputs

        overrides = load_fee_overrides(fee_params) if fee_params else {}
        profiles = [with_fees(profile(name), overrides) for name in chains.split(",") if name.strip()]
        chain = Chain.connect(rpc) if rpc else Chain.embedded()
        assumptions = Assumptions(gas_price, eth_price, currency)
        result = run_comparison(chain, learners=learners, per_learner=per_learner, assumptions=assumptions,
                                require_consent=consent, profiles=profiles).to_dict()  # fmt: skip
        paths = write_outputs(result, out)
        return {**result, "files": {name: str(path) for name, path in paths.items()}}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    print_comparison(result)
    if "chain_fees" in result:
        print_chain_fees(result)
    console.print(f"report: {result['files']['report']} (plots and comparison.json beside it)")


def print_comparison(result: dict[str, Any]) -> None:
    """The side-by-side table (also the end of `credanchor demo`)."""
    modes, observer = result["modes"], result["observer"]["modes"]
    table = Table("", *(MODE_NAMES[m] for m in MODES),
                  title=f"{result['credentials']:,} credentials ({result['learners']:,} learners), "
                        f"measured in {result['seconds']:.1f} s")  # fmt: skip
    rows: list[tuple[str, Callable[[str], str]]] = [
        ("transactions", lambda m: f"{modes[m]['transactions']:,}"),
        ("gas per credential, issuing", lambda m: f"{modes[m]['issue_gas_per_credential']:,.0f}"),
        ("gas to revoke one", lambda m: f"{modes[m]['revoke_one_gas']:,}"),
        (f"gas to revoke {result['bulk_revocation_size']}",
         lambda m: f"{modes[m]['revoke_100_gas']:,} ({modes[m]['revoke_100_transactions']} tx)"),
        (f"fee per credential, issuing ({result['assumptions']['currency']}, assumed prices)",
         lambda m: f"{modes[m]['fee_per_credential']:.6f}"),
        ("holders identified", lambda m: f"{observer[m]['holders_identified']['value']:,}"),
        ("linkable to one person", lambda m: f"{observer[m]['linkable_credentials']['value']:,}"),
        ("revocations tied to a person", lambda m: f"{observer[m]['revocations_attributable']['value']:,}"),
        ("fields exposed", lambda m: f"{observer[m]['fields_exposed']['value']:,}"),
        ("bytes of credential data on-chain", lambda m: f"{observer[m]['bytes_on_chain']['value']:,}"),
    ]  # fmt: skip
    for label, cell in rows:
        table.add_row(label, *(cell(m) for m in MODES))
    console.print(table)


def print_chain_fees(result: dict[str, Any]) -> None:
    """The fee table: each chain profile's cost of each action, from the measured gas and calldata."""
    fees = result["chain_fees"]
    bulk = result["bulk_revocation_size"]
    table = Table("chain", "VC: anchor the roster", "VC: revoke one", f"VC: revoke {bulk}", "NFT: mint one",
                  "NFT: revoke one", f"NFT: revoke {bulk}", title=f"fees in {fees['currency']} at ASSUMED prices "
                  "(credanchor chains --json; override with --fee-params)")  # fmt: skip
    for name, chain in fees["chains"].items():
        vc, nft = chain["modes"]["vc"], chain["modes"]["nft"]
        mint_one = nft["issue"]["total"] / max(1, nft["issue"]["transactions"])
        cells = [vc["issue"]["total"], vc["revoke_one"]["total"], vc["revoke_bulk"]["total"], mint_one,
                 nft["revoke_one"]["total"], nft["revoke_bulk"]["total"]]  # fmt: skip
        table.add_row(f"{name} ({chain['assumptions']['assumed_on']})", *(f"{c:.6f}" for c in cells))
    console.print(table)


AddressOption = Annotated[str | None, typer.Option(help="Contract address (0x…).", metavar="ADDRESS")]


def observe(
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain to read.", metavar="URL")],
    anchor: AddressOption = None,
    nft: AddressOption = None,
    registry: AddressOption = None,
    hash_registry: AddressOption = None,
    from_block: Annotated[int, typer.Option("--from-block", help="First block to read.", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """What a stranger learns from public chain data only: give the RPC and the contract addresses."""

    def body() -> dict[str, Any]:
        from anchor.comparison.observer import observe as observe_chain
        from anchor.types import check_address

        addresses = {"anchor": anchor, "nft": nft, "registry": registry, "hash_registry": hash_registry}
        if not any(addresses.values()):
            raise ConfigurationError("give at least one contract: --anchor, --nft, --registry or --hash-registry")
        checked = {k: check_address(v, f"--{k.replace('_', '-')}") if v else None for k, v in addresses.items()}
        report: dict[str, Any] = observe_chain(
            Chain.connect(rpc), anchor=checked["anchor"], nft=checked["nft"], registry=checked["registry"],
            hash_registry=checked["hash_registry"], from_block=from_block,
        ).to_dict()  # fmt: skip
        return report

    report = run_or_exit(body)
    if as_json:
        emit_json(report)
        return
    for mode, figures in report["modes"].items():
        console.print(f"[bold]{mode}[/]")
        for name in ("holders_identified", "linkable_credentials", "revocations_attributable", "fields_exposed",
                     "bytes_on_chain"):  # fmt: skip
            console.print(f"  {figures[name]['value']:>8,}  {figures[name]['explanation']}", highlight=False)
