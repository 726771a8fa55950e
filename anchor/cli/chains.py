"""`credanchor chains`: the chain profiles credanchor knows — chain id, depths, fee model, assumed prices."""

from __future__ import annotations

from rich.table import Table

from anchor.chain.profiles import ASSUMED_ON, PROFILES
from anchor.cli.common import JsonFlag, console, emit_json


def chains(as_json: JsonFlag = False) -> None:
    """List the chain profiles that `--chain NAME` accepts (deploy, anchor, verify, serve, compare --chains)."""
    if as_json:
        emit_json({"profiles": [p.to_dict() for p in PROFILES], "fees_assumed_on": ASSUMED_ON})
        return
    table = Table("name", "chain id", "network", "fee model", "confirmations", "final after", title="chain profiles")
    for p in PROFILES:
        minutes = p.finality_blocks * p.block_seconds / 60
        table.add_row(p.name, str(p.chain_id), p.title, p.fee_model.value, str(p.confirmations),
                      f"{p.finality_blocks:,} blocks (~{minutes:.0f} min)")  # fmt: skip
    console.print(table)
    console.print(f"Fee parameters are assumptions dated {ASSUMED_ON}, not quotes: `credanchor chains --json` "
                  "shows them; `credanchor compare --fee-params FILE` overrides them.", highlight=False)  # fmt: skip
