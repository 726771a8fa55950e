"""`credanchor offer create|list|show|revoke`: claim offers for learners' wallets (CLI twins of /v1/offers).

`offer create ROSTER` makes one offer per row (CSV or JSON roster, learner DIDs left out) and prints each
offer's links — OpenID4VCI by value and by reference, the VC API exchange, its interaction URL and the
Learner Credential Wallet's deep link — and its transaction code with --tx-code. They are shown once: the
store keeps hashes only. --qr-dir writes an SVG QR code of each short link. The links point at the server
wallets reach (`credanchor serve`'s public URL): --public-url, else CREDANCHOR_PUBLIC_URL, else the issuer's
public URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from anchor.cli.common import (
    Cryptosuite,
    IssuerOption,
    JsonFlag,
    SuiteOption,
    console,
    emit_json,
    open_store,
    run_or_exit,
    settings_or_exit,
)
from anchor.credentials.issuers import issuer_public_url, load_profile
from anchor.credentials.qr import qr_svg
from anchor.errors import ConfigurationError
from anchor.settings import private_folder, write_private
from anchor.storage.database import now
from anchor.wallets.offers import MAX_EXPIRY, create_offer, request_errors, roster_requests

app = typer.Typer(help="Claim offers: learners claim credentials into their wallets.", no_args_is_help=True)
QR_LINKS = ("openid_credential_offer_uri", "vcapi_interaction", "lcw_deep_link")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@app.command("create")
def offer_create(
    roster: Annotated[Path, typer.Argument(help="Roster: CSV or .json, one offer per row (no learner DIDs).")],
    issuer: IssuerOption = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    tx_code: Annotated[bool, typer.Option("--tx-code", help="Also require a 6-digit code, sent out of band.")] = False,
    days: Annotated[
        float, typer.Option("--days", help="Days until the offers expire.", min=0.01, max=MAX_EXPIRY.days)
    ] = 7,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            envvar="CREDANCHOR_PUBLIC_URL",
            metavar="URL",
            help="The server wallets reach (credanchor serve).",
        ),
    ] = None,
    qr_dir: Annotated[Path | None, typer.Option("--qr-dir", metavar="DIR", help="Write SVG QR codes here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Offer each roster row's credential to the learner's wallet; links and codes are shown once."""
    settings = settings_or_exit()

    def make() -> dict[str, Any]:
        slug = load_profile(settings, issuer)[0]
        base = public_url or issuer_public_url(settings, slug) or DEFAULT_PUBLIC_URL
        rows = roster_requests(roster)
        store = open_store(settings)
        made, failed = [], []
        for line, learner, request in rows:
            problems = request_errors(request)
            if problems:
                failed.append({"line": line, "learner": learner, "errors": problems})
                continue
            try:
                offer = create_offer(store, slug, request, base, cryptosuite=cryptosuite.value, tx_code=tx_code,
                                     expires_in=timedelta(days=days))  # fmt: skip
            except ConfigurationError as exc:
                failed.append({"line": line, "learner": learner, "errors": [str(exc)]})
                continue
            made.append({**offer.to_dict(now()), "line": line})
            if qr_dir is not None:
                private_folder(qr_dir)  # the codes carry bearer secrets
                for name in QR_LINKS:
                    write_private(qr_dir / f"{offer.offer.id}-{name}.svg", qr_svg(offer.links[name]))
        return {"offers": made, "failed": failed, "public_url": base}

    result = run_or_exit(make)
    if as_json:
        emit_json(result)
    else:
        for offer in result["offers"]:
            console.print(f"[bold]offer {offer['id']}[/] for {offer['learner']} (line {offer['line']}), until "
                          f"{offer['expires_at'][:16]}" + (f" — transaction code {offer['tx_code']}"
                                                            if offer["tx_code"] else ""))  # fmt: skip
            for name, link in offer["links"].items():
                console.print(f"  {name}: {link}", highlight=False, soft_wrap=True)
        for failure in result["failed"]:
            console.print(f"  [red]line {failure['line']}[/] {failure['learner']}: {'; '.join(failure['errors'])}")
        console.print(f"{len(result['offers'])} offer(s) made; the links are shown once (the store keeps hashes)")
    if result["failed"]:
        raise typer.Exit(1)


@app.command("list")
def offer_list(
    issuer: IssuerOption = None,
    state: Annotated[str | None, typer.Option("--state", help="open | claimed | revoked | expired")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List an issuer's offers, newest first (never their secrets)."""
    settings = settings_or_exit()

    def listed() -> list[dict[str, Any]]:
        slug = load_profile(settings, issuer)[0]
        moment = now()
        return [o.to_dict(moment) for o in open_store(settings).offers(slug, state=state, limit=None)[1]]

    offers = run_or_exit(listed)
    if as_json:
        emit_json({"offers": offers})
        return
    table = Table("id", "state", "learner", "achievement", "expires", "claimed by")
    for o in offers:
        table.add_row(o["id"], o["state"], o["learner"], o["achievement"], o["expires_at"][:16], o["holder"] or "")
    console.print(table)


def _own(settings: Any, issuer: str | None, offer_id: str) -> str:
    slug = load_profile(settings, issuer)[0]
    offer = open_store(settings).offer(offer_id)
    if offer is None or offer.issuer != slug:
        raise ConfigurationError(f"issuer {slug!r} has no offer {offer_id!r}: `credanchor offer list` shows them")
    return slug


@app.command("show")
def offer_show(offer_id: Annotated[str, typer.Argument(help="The offer's id.")], issuer: IssuerOption = None,
               as_json: JsonFlag = False) -> None:  # fmt: skip
    """One offer: its state, and who claimed it (the DID) with which protocol."""
    settings = settings_or_exit()

    def shown() -> dict[str, Any]:
        _own(settings, issuer, offer_id)
        offer = open_store(settings).offer(offer_id)
        assert offer is not None
        return offer.to_dict(now())

    offer = run_or_exit(shown)
    if as_json:
        emit_json(offer)
    else:
        for name, value in offer.items():
            console.print(f"{name}: {value}", highlight=False)


@app.command("revoke")
def offer_revoke(offer_id: Annotated[str, typer.Argument(help="The offer's id.")], issuer: IssuerOption = None,
                 as_json: JsonFlag = False) -> None:  # fmt: skip
    """Withdraw an offer not yet claimed (a claimed credential is revoked with `credanchor revoke`)."""
    settings = settings_or_exit()

    def revoked() -> dict[str, Any]:
        _own(settings, issuer, offer_id)
        return open_store(settings).revoke_offer(offer_id).to_dict(now())

    offer = run_or_exit(revoked)
    if as_json:
        emit_json(offer)
    else:
        console.print(f"offer {offer_id}: {offer['state']}")
