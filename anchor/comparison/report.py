"""The comparison's outputs: comparison.json, gas_vs_batch.png, privacy.png and a self-contained
report.html that a non-engineer can read (each figure explained in one sentence)."""

from __future__ import annotations

import base64
import html
import io
import json
import textwrap
from pathlib import Path
from typing import Any

from anchor.comparison.compare import MODE_NAMES, MODES

PRIVACY_FIGURES = (
    ("holders_identified", "holders identified"),
    ("linkable_credentials", "credentials linkable\nto one person"),
    ("revocations_attributable", "revocations tied\nto a person"),
    ("fields_exposed", "personal or credential\nfields exposed"),
)
COST_ROWS = (
    ("transactions", "Transactions", "How many transactions the issuer sent for the whole roster and its revocations."),
    ("gas", "Total gas", "The work the chain did for everything in this mode; fees are paid per unit of gas."),
    ("issue_gas_per_credential", "Gas per credential, issuing", "The gas of issuing divided by the credentials."),
    ("gas_per_credential", "Gas per credential, all", "Total gas, revocations included, divided by the credentials."),
    ("revoke_one_gas", "Gas to revoke one", "What revoking a single credential costs."),
    (
        "revoke_100_gas",
        "Gas to revoke {bulk}",
        "What revoking that many more credentials costs, in as few transactions as the mode allows.",
    ),
    ("revoke_100_transactions", "Transactions to revoke {bulk}", "NFTs are burnt one by one; the others in bulk."),
    ("fee", "Estimated fee, all", "Total gas at the assumed gas price and ether price (an estimate, not a quote)."),
    ("fee_per_credential", "Estimated fee per credential, issuing", "The estimated fee of issuing, per credential."),
    ("seconds", "Wall time (s)", "How long this mode took on this machine, signing and sending included."),
)
COLOURS = {"vc": "#1b7837", "nft": "#b2182b", "hash": "#2166ac"}


def observer_figure(comparison: dict[str, Any], mode: str, name: str) -> int:
    return int(comparison["observer"]["modes"][mode][name]["value"])


def write_outputs(comparison: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the four files into `out`; returns their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "comparison.json", "gas_plot": out / "gas_vs_batch.png", "privacy_plot": out / "privacy.png",
             "report": out / "report.html"}  # fmt: skip
    if "chain_fees" in comparison:
        paths["fee_plot"] = out / "fees_by_chain.png"
    paths["json"].write_text(json.dumps(comparison, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    images = plots(comparison)
    for name, png in images.items():
        paths[name].write_bytes(png)
    paths["report"].write_text(_html(comparison, images), encoding="utf-8")
    return paths


def plots(comparison: dict[str, Any]) -> dict[str, bytes]:
    """The two plots as PNG bytes: `gas_plot` and `privacy_plot`."""
    images = {"gas_plot": _png(gas_figure(comparison)), "privacy_plot": _png(privacy_figure(comparison))}
    if "chain_fees" in comparison:
        images["fee_plot"] = _png(fee_figure(comparison))
    return images


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    _pyplot().close(figure)
    return buffer.getvalue()


#: How each mode's line is drawn, so that every series can be told apart even where two lie on top of each
#: other or the colours cannot be seen: a large hollow marker under a small filled one, distinct dashes.
LINE_STYLES = {
    "vc": {"marker": "o", "markersize": 10, "markerfacecolor": "none", "linestyle": "-", "linewidth": 2.5},
    "hash": {"marker": "^", "markersize": 5, "linestyle": "--", "linewidth": 1.2},
    "nft": {"marker": "s", "markersize": 6, "linestyle": ":", "linewidth": 1.8},
}
BAR_HATCHES = {"vc": "", "nft": "//", "hash": ".."}
#: Two series closer than this (relative) at a batch size are drawn on top of each other on the log axis.
COINCIDENT = 0.05
SHORT_NAMES = {"vc": "credanchor", "nft": "NFT", "hash": "the hash registry"}


def gas_series(comparison: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """Gas per credential against batch size, per mode, as sorted (batch size, gas) points."""
    by_size = comparison["gas_per_credential_by_batch_size"]
    return {mode: sorted((int(k), float(v)) for k, v in by_size[mode].items()) for mode in MODES}


def coincident_series(series: dict[str, list[tuple[int, float]]]) -> list[tuple[str, str, float]]:
    """Pairs of modes whose points lie within `COINCIDENT` of each other at every batch size (their lines
    overlap on the plot), with the largest relative gap between them."""
    pairs = []
    for i, first in enumerate(MODES):
        for second in MODES[i + 1 :]:
            a, b = dict(series[first]), dict(series[second])
            if a.keys() != b.keys() or not a:
                continue
            gap = max(abs(a[x] - b[x]) / max(abs(a[x]), abs(b[x]), 1e-12) for x in a)
            if gap < COINCIDENT:
                pairs.append((first, second, gap))
    return pairs


def coincidence_note(comparison: dict[str, Any]) -> str:
    """The sentence under the gas plot naming the series drawn on top of each other ('' when none are)."""
    notes = [
        f"Note: {SHORT_NAMES[a]} and {SHORT_NAMES[b]} differ by at most {gap:.1%} at every batch size, so their "
        f"lines overlap ({SHORT_NAMES[a]}: {_drawn(a)}; {SHORT_NAMES[b]}: {_drawn(b)})."
        for a, b, gap in coincident_series(gas_series(comparison))
    ]
    return " ".join(notes)


def _drawn(mode: str) -> str:
    style = LINE_STYLES[mode]
    marker = {"o": "circles", "^": "triangles", "s": "squares"}[str(style["marker"])]
    line = {"-": "solid", "--": "dashed", ":": "dotted"}[str(style["linestyle"])]
    hollow = "large hollow " if style.get("markerfacecolor") == "none" else ""
    return f"{hollow}{marker} on a {line} line"


def gas_figure(comparison: dict[str, Any]) -> Any:
    """The gas-per-credential plot (a matplotlib Figure): one styled line per mode, and a note where two coincide."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 5.2), dpi=120)
    for mode, points in gas_series(comparison).items():
        axes.plot([p[0] for p in points], [p[1] for p in points], color=COLOURS[mode], label=MODE_NAMES[mode],
                  gid=f"gas-{mode}", **LINE_STYLES[mode])  # fmt: skip
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("credentials issued together (batch size)")
    axes.set_ylabel("gas per credential")
    axes.set_title("Issuing cost per credential against batch size (measured)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    note = coincidence_note(comparison)
    if note:
        figure.text(0.01, 0.01, textwrap.fill(note, 150), fontsize=7, va="bottom", gid="coincidence-note")
        figure.tight_layout(rect=(0, 0.08, 1, 1))
    else:
        figure.tight_layout()
    return figure


#: Per chain profile in the fee plot: its colour; VC lines solid with circles, NFT lines dashed with squares.
CHAIN_COLOURS = ("#1b7837", "#b2182b", "#2166ac", "#e08214", "#762a83", "#4d4d4d", "#01665e", "#8c510a")


def fee_figure(comparison: dict[str, Any]) -> Any:
    """Issuing cost per credential against batch size on each chain profile, VC (anchored) against NFT, in
    the assumed currency (a matplotlib Figure). Chains whose coin is assumed worthless (testnets) are left out."""
    plt = _pyplot()
    fees = comparison["chain_fees"]
    figure, axes = plt.subplots(figsize=(8.5, 5.6), dpi=120)
    for i, (name, chain) in enumerate(fees["chains"].items()):
        colour = CHAIN_COLOURS[i % len(CHAIN_COLOURS)]
        for mode, style, label in (("vc", "-o", "VC"), ("nft", "--s", "NFT")):
            points = sorted((int(k), v) for k, v in chain["issue_cost_per_credential_by_batch_size"][mode].items())
            if not points or points[0][1] <= 0:
                continue
            axes.plot([p[0] for p in points], [p[1] for p in points], style, color=colour, markersize=4,
                      label=f"{name}: {label}", gid=f"fee-{name}-{mode}")  # fmt: skip
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("credentials issued together (batch size)")
    axes.set_ylabel(f"cost per credential ({fees['currency']}, assumed prices)")
    dates = sorted({chain["assumptions"]["assumed_on"] for chain in fees["chains"].values()})
    axes.set_title(f"Issuing cost per credential by chain (prices ASSUMED as of {', '.join(dates)})", fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    return figure


def fee_table_html(comparison: dict[str, Any]) -> str:
    """The report's fee section: each chain's cost of each action, and what every price assumes."""
    fees, bulk = comparison["chain_fees"], comparison["bulk_revocation_size"]
    columns = [("vc", "issue", "VC: anchor the roster"), ("vc", "revoke_one", "VC: revoke one"),
               ("vc", "revoke_bulk", f"VC: revoke {bulk}"), ("nft", "issue", "NFT: mint all"),
               ("nft", "revoke_one", "NFT: revoke one"), ("nft", "revoke_bulk", f"NFT: revoke {bulk}")]  # fmt: skip
    head = "".join(f"<th scope=col>{html.escape(label)}</th>" for _, _, label in columns)
    rows, notes = [], []
    for name, chain in fees["chains"].items():
        a = chain["assumptions"]
        cells = "".join(
            f"<td>{chain['modes'][m][act]['total']:.6f}<br><small>L1 data {chain['modes'][m][act]['l1_data_wei']:,} wei"
            "</small></td>" for m, act, _ in columns
        )  # fmt: skip
        rows.append(f"<tr><th scope=row>{html.escape(chain['title'])}</th>{cells}</tr>")
        shown = ", ".join(f"{k} {v}" for k, v in a.items() if k not in ("note", "assumed_on") and v not in (0, 0.0))
        notes.append(f"<li><b>{html.escape(name)}</b> ({html.escape(chain['fee_model'])}), assumed on "
                     f"{html.escape(a['assumed_on'])}: {html.escape(shown)}</li>")  # fmt: skip
    return (f"<h2>Cost on public chains</h2><table><thead><tr><th scope=col>{html.escape(fees['currency'])}, "
            f"assumed prices</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class=note>{html.escape(fees['note'])}. The execution fee is the measured gas at each chain's "
            "assumed base and priority fee; OP Stack and Arbitrum add an L1 data fee computed from the signed "
            "transaction's bytes. Override the prices with <code>--fee-params FILE</code>.</p>"
            f"<ul class=note>{''.join(notes)}</ul>")  # fmt: skip


def privacy_figure(comparison: dict[str, Any]) -> Any:
    """The observer's findings per mode (a matplotlib Figure): side-by-side bars, each labelled with its count,
    hatched per mode, so bars of equal height (zeros included) stay distinct."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    width = 0.8 / len(MODES)
    for i, mode in enumerate(MODES):
        values = [observer_figure(comparison, mode, name) for name, _ in PRIVACY_FIGURES]
        positions = [x + (i - 1) * width for x in range(len(PRIVACY_FIGURES))]
        bars = axes.bar(positions, values, width, color=COLOURS[mode], hatch=BAR_HATCHES[mode], edgecolor="white",
                        label=MODE_NAMES[mode], gid=f"privacy-{mode}")  # fmt: skip
        axes.bar_label(bars, fontsize=7)
    axes.set_xticks(range(len(PRIVACY_FIGURES)), [label for _, label in PRIVACY_FIGURES], fontsize=8)
    axes.set_ylabel("count, found by the chain observer")
    axes.set_title(f"What a stranger learns from the chain ({comparison['credentials']} credentials)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def figure_rows(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison's figures as table rows, costs (`COST_ROWS`) then what the chain observer found:
    each a one-line `figure` label, its `explanation` and its `values` per mode."""
    modes, observer = comparison["modes"], comparison["observer"]["modes"]
    bulk = comparison["bulk_revocation_size"]
    rows = [
        {"figure": label.format(bulk=bulk), "explanation": why, "values": {m: modes[m][key] for m in MODES}}
        for key, label, why in COST_ROWS
    ]
    for name, label in (*PRIVACY_FIGURES, ("bytes_on_chain", "bytes of credential data")):
        rows.append({"figure": label.replace("\n", " "), "explanation": observer["nft"][name]["explanation"],
                     "values": {m: observer[m][name]["value"] for m in MODES}})  # fmt: skip
    return rows


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else html.escape(str(value))


def _html(comparison: dict[str, Any], images: dict[str, bytes]) -> str:
    modes, a = comparison["modes"], comparison["assumptions"]
    head = "".join(f"<th scope=col>{html.escape(modes[m]['label'])}</th>" for m in MODES)
    rows = [
        f"<tr><th scope=row>{row['figure']}</th>" + "".join(f"<td>{_number(row['values'][m])}</td>" for m in MODES)
        + f"<td class=why>{html.escape(row['explanation'])}</td></tr>"
        for row in figure_rows(comparison)
    ]  # fmt: skip
    cost_rows, privacy_rows = "".join(rows[: len(COST_ROWS)]), "".join(rows[len(COST_ROWS) :])
    observer = comparison["observer"]["modes"]
    exposed = "".join(
        f"<li><b>{html.escape(f['field'])}</b> ({f['count']:,} times), e.g. "
        + ", ".join(html.escape(str(e)) for e in f["examples"][:3]) + "</li>"
        for f in observer["nft"].get("fields", [])
    ) or "<li>nothing</li>"  # fmt: skip
    title = "NFT or Verifiable Credential? What it costs and what it reveals"
    gas_alt = "Gas per credential against batch size, log-log: anchored modes fall as batches grow, NFTs stay flat."
    thead = f"{head}<th scope=col>what it means</th></tr></thead>"
    fee_alt = "Cost per credential against batch size on each chain, log-log: VC lines fall, NFT lines stay flat."
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 18px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #111; }}
table {{ border-collapse: collapse; margin: 1rem 0; width: 100%; }}
th, td {{ border: 1px solid #888; padding: .4rem .6rem; text-align: right; }}
th[scope=row], td.why {{ text-align: left; }} td.why {{ font-size: .85em; color: #333; }} img {{ max-width: 100%; }}
blockquote {{ border-left: 4px solid #1b7837; margin: 1rem 0; padding: .2rem 1rem; }} .note {{ font-size: .9em; }}
</style></head><body>
<h1>{title}</h1>
<blockquote>“NFTs are publicly displayed and captured in an immutable blockchain, while VCs are privately held and
can be verified using blockchain but do not need blockchain to be implemented.” — ILO/UNICEF</blockquote>
<p>The same {comparison["learners"]:,} learners, each awarded {comparison["credentials_per_learner"]} micro-credentials
({comparison["credentials"]:,} credentials), were issued three ways on <i>{html.escape(comparison["chain"])}</i>,
then one credential and then {comparison["bulk_revocation_size"]:,} more were revoked. Every figure below was
measured by sending the transactions and by an observer program that reads only what anyone can read from
the chain. The whole run took
{comparison["seconds"]:.1f} seconds.</p>
<h2>Cost</h2>
<table><thead><tr><th scope=col>measured</th>{thead}<tbody>{cost_rows}</tbody></table>
<p class=note>Fees are estimates at an <b>assumed</b> gas price of {a["gas_price_gwei"]} gwei and an <b>assumed</b>
ether price of {a["eth_price"]:,} {html.escape(a["currency"])}; change them with <code>--gas-price-gwei</code> and
<code>--eth-price</code>. Gas itself is measured.</p>
{_image(images["gas_plot"], gas_alt)}
{f"<p class=note>{html.escape(note)}</p>" if (note := coincidence_note(comparison)) else ""}
<p>Anchoring costs one transaction per batch, so its cost per credential falls as batches grow; an NFT costs the
same for every credential, however many are issued together.</p>
{fee_table_html(comparison) if "chain_fees" in comparison else ""}
{_image(images["fee_plot"], fee_alt) if "fee_plot" in images else ""}
<h2>What a stranger learns from the chain</h2>
<table><thead><tr><th scope=col>found by the observer</th>{thead}<tbody>{privacy_rows}</tbody></table>
{_image(images["privacy_plot"], "Bar chart of what the chain observer found in each mode.")}
<h3>Fields anyone can read in NFT mode</h3><ul>{exposed}</ul>
<p>In credanchor's mode the chain holds one Merkle root per batch and status bits at random positions: the
credentials themselves stay with the learners, who show them to whom they choose; a verifier checks them against the
chain. Revoking by publishing a credential's hash reveals nothing to a stranger either, but anyone who has seen that
credential can tell it was revoked, and when.</p>
<p class=note>Made by <code>credanchor compare</code>; the figures are in comparison.json next to this file.</p>
</body></html>
"""
