"""`credanchor workshop`: a ready-made workshop world and the page at `/`, in one command (docs/workshop.md)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from anchor.chain.adapter import Chain
from anchor.chain.deployment import Deployment
from anchor.cli.common import console, run_or_exit
from anchor.comparison.workshop import ISSUER_SLUG, Workshop, prepare_workshop
from anchor.errors import ConfigurationError
from anchor.settings import Settings

EMBEDDED = "embedded"


def workshop(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="An empty or new folder for the workshop (default: a throwaway one).", metavar="DIR"
        ),
    ] = None,
    rpc: Annotated[
        str,
        typer.Option(
            "--rpc", help="'embedded' (an in-process chain) or the JSON-RPC URL of a devchain.", metavar="URL"
        ),
    ] = EMBEDDED,
    check: Annotated[bool, typer.Option("--check", help="Prepare the workshop and print its link, then exit.")] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The URL wallets reach this server at, for the links of 'Send to a wallet' (default: http://HOST:PORT).",
            metavar="URL",
        ),
    ] = None,
) -> None:
    """Run a workshop: fresh contracts, an accredited "Workshop Academy" issuer, and the page at / with its
    issuer key in the link's fragment (open it on the facilitator's machine only)."""
    folder = data if data is not None else Path(tempfile.mkdtemp(prefix="credanchor-workshop-"))
    try:
        _serve(folder, host, port, rpc, check, public_url)
    finally:
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)


def _serve(folder: Path, host: str, port: int, rpc: str, check: bool, public_url: str | None) -> None:
    from api.app import create_app  # the API stays out of the core library's imports
    from api.config import ApiSettings

    passphrase = secrets.token_urlsafe(24)  # encrypts the workshop's keys on disk; lives in this process only

    def prepare() -> tuple[Settings, Chain, Deployment, Workshop]:
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ConfigurationError(f"{folder} is not an empty folder: give a new or empty one to --data")
        settings = Settings(folder)  # refuses a folder other users can reach, before anything is written
        chain = Chain.embedded() if rpc == EMBEDDED else Chain.connect(rpc)
        return settings, chain, *prepare_workshop(settings, chain, passphrase)

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    wallets_reach = public_url or f"http://{shown}:{port}"
    settings, chain, deployment, made = run_or_exit(prepare)
    api_settings = run_or_exit(
        lambda: ApiSettings.from_env(
            {"CREDANCHOR_DATA_DIR": str(settings.data_dir)}, rpc=rpc, public_url=wallets_reach,
            key_passphrase=passphrase,
        )
    )  # fmt: skip
    server = create_app(api_settings, chain=chain, deployment=deployment)
    services = server.state.services
    services.unlock_all()  # decrypt the issuer's key once, now
    key = run_or_exit(lambda: services.store.create_api_key("issuer", ISSUER_SLUG, "workshop page")[1])
    console.print(f"workshop ready: {made.issuer_name} ({made.issuer_account}) accredited on chain {made.chain_id}")
    console.print("open this link on the facilitator's machine (it holds the issuer key; do not project it):")
    console.print(f"http://{shown}:{port}/#key={key}", highlight=False, soft_wrap=True)
    console.print(f"participants open http://{shown}:{port}/ to verify; press Ctrl+C to end the workshop")
    console.print(f"wallets claim credentials at {wallets_reach} (--public-url)", highlight=False)
    if check:
        return
    import uvicorn

    uvicorn.run(server, host=host, port=port, log_level="warning")
