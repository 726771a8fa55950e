"""`credanchor nft metadata|mint|burn|require-consent`: NFT mode, the public soulbound-token contrast."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.chain.contracts import CredentialNFTClient, Sender
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
    own_account,
    run_or_exit,
    sender_of,
    settings_or_exit,
)
from anchor.comparison.nft import mint_roster
from anchor.credentials.issuers import load_profile
from anchor.credentials.model import AwardingBody
from anchor.credentials.roster import read_roster
from anchor.errors import ConfigurationError, ContractRevertError, CredAnchorError
from anchor.settings import Settings

app = typer.Typer(help="NFT-mode tokens.", no_args_is_help=True)


@app.command("metadata")
def nft_metadata(token_id: Annotated[int, typer.Argument(help="The token id.", min=0)], rpc: RpcsOption = None) -> None:
    """Print an NFT-mode token's metadata as its tokenURI holds it (always JSON)."""
    settings = settings_or_exit()

    def body() -> Any:
        chain, deployment = chain_and_deployment(settings, rpc)
        try:
            return deployment.nft(chain).metadata(token_id)
        except ContractRevertError:
            raise ConfigurationError(f"no token {token_id} (never minted, or burnt)") from None

    emit_json(run_or_exit(body))


def _issuer_nft(
    settings: Settings, issuer: str | None, rpc: Rpc, passphrase_env: str
) -> tuple[AwardingBody, str, CredentialNFTClient, Sender, int]:
    """The issuer's profile and account, the chain's CredentialNFT, how to send as the issuer, and the block
    the contracts were deployed in (where reading their events starts)."""
    slug, profile = load_profile(settings, issuer)
    chain, deployment = chain_and_deployment(settings, rpc)
    account = own_account(settings, slug)
    sender = sender_of(settings, chain, account, passphrase_env)
    return profile, account, deployment.nft(chain), sender, deployment.deployed_block


@app.command("mint")
def nft_mint(
    roster: Annotated[Path, typer.Argument(help="Roster (CSV or JSON) with a learner_address per learner.")],
    issuer: IssuerOption = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: mint each learner's credential as a public soulbound token, signed by the issuer's account.
    Safe to run again: a row already minted (same metadata, same holder, not burned) is not minted twice."""
    settings = settings_or_exit()

    def body() -> list[dict[str, Any]]:
        rows = read_roster(roster)
        profile, account, nft, sender, deployed = _issuer_nft(settings, issuer, rpc, passphrase_env)
        try:
            return [asdict(o) for o in mint_roster(rows, nft, profile, sender=sender, from_block=deployed)]
        except ContractRevertError as exc:
            if exc.error != "CredentialNFTConsentRequired":
                raise
            raise CredAnchorError(
                f"{exc}: {account} requires each holder's EIP-712 consent to mint (it ran `credanchor nft "
                "require-consent true`), which a plain mint does not carry. Mint with the learners' consent as "
                "`credanchor compare --consent` does (docs/comparison.md), or stop requiring it with "
                "`credanchor nft require-consent false`"
            ) from exc

    outcomes = run_or_exit(body)
    if as_json:
        counts = {status: sum(o["status"] == status for o in outcomes) for status in ("minted", "already_minted")}
        emit_json({**counts, "rows": outcomes})
    else:
        for o in outcomes:
            if o["status"] == "minted":
                console.print(f"line {o['line']} {o['learner']}: token {o['token_id']} → {o['holder']} "
                              f"({o['gas_used']:,} gas)")  # fmt: skip
            elif o["status"] == "already_minted":
                console.print(f"line {o['line']} {o['learner']}: already minted as token {o['token_id']} → "
                              f"{o['holder']} (nothing sent)")  # fmt: skip
            else:
                console.print(f"[red]line {o['line']}[/] {o['learner']}: {o['error']}", highlight=False)
    if any(o["status"] == "failed" for o in outcomes):
        raise typer.Exit(1)


@app.command("burn")
def nft_burn(
    token_ids: Annotated[list[int], typer.Argument(help="Token ids to burn (revoke).", metavar="TOKEN...")],
    issuer: IssuerOption = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: revoke by burning (one transaction per token; only the issuer that minted it). Safe to run
    again: a token this issuer already burnt is reported so, and nothing is sent for it."""
    settings = settings_or_exit()

    def body() -> list[dict[str, Any]]:
        _, account, nft, sender, deployed = _issuer_nft(settings, issuer, rpc, passphrase_env)
        done = nft.burnt_tokens(account, deployed)
        burnt: list[dict[str, Any]] = []
        for token in token_ids:
            if token in done:
                burnt.append({"token_id": token, "already_burnt": True})
                continue
            burnt.append({"token_id": token, "already_burnt": False, **nft.burn(token, sender=sender).summary()})
            done.add(token)
        return burnt

    burnt = run_or_exit(body)
    if as_json:
        emit_json({"burnt": burnt})
    else:
        for b in burnt:
            if b["already_burnt"]:
                console.print(f"token {b['token_id']} already burnt (nothing sent)")
            else:
                console.print(f"token {b['token_id']} burnt ({b['gas_used']:,} gas)")


@app.command("require-consent")
def nft_require_consent(
    required: Annotated[bool, typer.Argument(help="true: mints need each holder's EIP-712 consent.")],
    issuer: IssuerOption = None,
    rpc: RpcsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """NFT mode: require (or stop requiring) holder consent for this issuer's mints."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        _, account, nft, sender, _ = _issuer_nft(settings, issuer, rpc, passphrase_env)
        receipt = nft.set_consent_required(required, sender=sender)
        return {"issuer": account, "consent_required": required, **receipt.summary()}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        console.print(f"consent {'required' if required else 'not required'} for {result['issuer']}'s mints")
