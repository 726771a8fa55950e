"""What every `credanchor` command module shares: output, error rendering, option types and the
set-up steps several commands take (passphrases, the chain and its deployment, the store, verifiers).

Exit codes: 0 success; 1 the operation failed (the message says why and what to do); 2 the command
line itself was wrong; 130 interrupted. Command modules import from here and never from
anchor.cli.main, which imports them all: the package has no import cycle.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from eth_account.signers.local import LocalAccount
from rich.console import Console

from anchor import jsonsafe
from anchor.chain import devchain
from anchor.chain.adapter import Chain
from anchor.chain.deployment import Deployment, trusted_registry
from anchor.chain.profiles import ChainProfile, check_chain_id
from anchor.chain.profiles import profile as chain_profile
from anchor.chain.quorum import QuorumChainView, connect_first
from anchor.chain.view import ChainReader
from anchor.credentials.issuance import CredentialIssuer
from anchor.credentials.issuers import (
    issuer_account,
    issuer_public_url,
    issuer_status_purposes,
    load_key,
    load_profile,
    sender_for,
)
from anchor.credentials.model import AwardingBody
from anchor.credentials.status import no_public_url_warning, status_list_base
from anchor.credentials.verify import Verifier
from anchor.crypto.did import DidResolver
from anchor.crypto.proofs import JCS, RDFC
from anchor.errors import ConfigurationError, CredAnchorError
from anchor.settings import Settings
from anchor.storage.store import Store, StoreStatusAllocator, database_url
from anchor.types import check_address

T = TypeVar("T")

console = Console(emoji=False, soft_wrap=True)
errors = Console(stderr=True, emoji=False, soft_wrap=True)

PASSPHRASE_ENV = "CREDANCHOR_KEY_PASSPHRASE"


class Cryptosuite(StrEnum):
    RDFC = RDFC
    JCS = JCS


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of the chain to use.", metavar="URL")]
RpcsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--rpc",
        help="JSON-RPC URL of the chain; repeat it for fail-over to the next (default: CREDANCHOR_RPC_URLS, "
        "else the devchain).",
        metavar="URL",
    ),
]
ChainOption = Annotated[
    str | None,
    typer.Option(
        "--chain", help="Chain profile (credanchor chains): the RPC must serve it; it sets defaults.", metavar="NAME"
    ),
]
QuorumOption = Annotated[
    int,
    typer.Option("--rpc-quorum", help="Verdicts need this many of the --rpc endpoints to agree (1: fail-over).", min=1),
]
#: One --rpc URL, several, or none (then CREDANCHOR_RPC_URLS, else the devchain).
Rpc = str | Sequence[str] | None
SuiteOption = Annotated[Cryptosuite, typer.Option("--cryptosuite", help="Data Integrity cryptosuite.")]
PassphraseEnv = Annotated[
    str, typer.Option("--passphrase-env", help="Environment variable holding the key passphrase.", metavar="NAME")
]
IssuerOption = Annotated[
    str | None, typer.Option("--issuer", help="Issuer name (default: the only one).", metavar="NAME")
]
RegistryOption = Annotated[
    str | None,
    typer.Option("--registry", help="Trusted IssuerRegistry address (default: the chain's recorded deployment)."),
]
DidDocumentsOption = Annotated[
    list[Path] | None,
    typer.Option("--did-document", help="A did:web issuer's DID document (JSON), to verify offline.", metavar="FILE"),
]
AllowDidWebOption = Annotated[bool, typer.Option("--allow-did-web", help="Fetch unknown did:web documents over HTTPS.")]


def run_or_exit(action: Callable[[], T]) -> T:
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


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def settings_or_exit() -> Settings:
    """The settings from CREDANCHOR_* variables, built once per command."""
    return run_or_exit(Settings.from_env)


def passphrase(env_name: str, *, confirm: bool = False) -> str:
    """The key passphrase from the environment, or asked for on a terminal (never echoed)."""
    value = os.environ.get(env_name)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(f"no key passphrase: set {env_name}, or run the command on a terminal to be asked")
    return str(typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm))


# -- the chain, the store, senders ----------------------------------------------------------------


def rpc_urls(settings: Settings, rpc: Rpc) -> list[str]:
    """The endpoints asked for: --rpc (once or several times), else the settings' list (may be empty)."""
    if not rpc:
        return list(settings.rpc_urls)
    return [rpc] if isinstance(rpc, str) else list(rpc)


def selected_profile(chain_name: str | None) -> ChainProfile | None:
    """The profile --chain names (ConfigurationError for an unknown one), or None."""
    return chain_profile(chain_name) if chain_name else None


def connect(settings: Settings, rpc: Rpc, chain_name: str | None = None) -> Chain:
    """The first --rpc endpoint that answers, else the local devchain (`credanchor devchain up`); with
    --chain, one that serves another chain is refused."""
    urls = rpc_urls(settings, rpc)
    chain = connect_first(urls) if urls else devchain.devchain_chain(settings)[0]
    chosen = selected_profile(chain_name)
    if chosen is not None:
        check_chain_id(chosen, chain.chain_id, chain.description)
    return chain


def chain_and_deployment(settings: Settings, rpc: Rpc, chain_name: str | None = None) -> tuple[Chain, Deployment]:
    """The chain (--rpc, else the devchain) and the deployment recorded for its chain id in the data directory."""
    if not rpc_urls(settings, rpc):
        chain, deployment = devchain.devchain_chain(settings)
        connect_check = selected_profile(chain_name)
        if connect_check is not None:
            check_chain_id(connect_check, chain.chain_id, chain.description)
        return chain, deployment
    chain = connect(settings, rpc, chain_name)
    deployment = Deployment.load(settings.deployments_dir, chain.chain_id)
    deployment.check(chain)
    return chain, deployment


def open_store(settings: Settings) -> Store:
    return Store.open(database_url(settings.data_dir))


def sender_of(settings: Settings, chain: Chain, address: str, passphrase_env: str) -> LocalAccount | str:
    """How to send as `address`: its key in the data directory (passphrase asked then), or the node's account
    (the node is asked for its accounts only then: a public provider may not answer `eth_accounts`)."""

    def node_accounts() -> Iterator[str]:
        yield from chain.accounts

    return sender_for(settings, node_accounts(), address, lambda: passphrase(passphrase_env))


def signer(settings: Settings, chain: Chain, address: str, passphrase_env: str) -> LocalAccount | None:
    """The local key for `address` (signing here), or None when the node manages the account."""
    found = sender_of(settings, chain, address, passphrase_env)
    return None if isinstance(found, str) else found


def own_account(settings: Settings, issuer: str | None) -> str:
    """The Ethereum account of the issuer --issuer (or the only one)."""
    slug = load_profile(settings, issuer)[0]
    account = issuer_account(settings, slug)
    if account is None:
        raise ConfigurationError(f"issuer {slug!r} has no Ethereum account file")
    return account


@dataclass(frozen=True)
class AnchoringQueue:
    """Where credentials issued with --anchor-account go: queued in the store for that account, with
    status entries in its lists on the chain's CredentialAnchor."""

    chain: Chain
    deployment: Deployment
    store: Store
    account: str

    def status(self) -> StoreStatusAllocator:
        return StoreStatusAllocator(self.store, self.chain.chain_id, self.deployment.credential_anchor, self.account)

    def status_base_url(self, public_url: str) -> str:
        """Where the server at `public_url` publishes this account's status lists."""
        return status_list_base(public_url, self.chain.chain_id, self.deployment.credential_anchor, self.account)


def anchoring_queue(settings: Settings, anchor_account: str | None, rpc: Rpc) -> AnchoringQueue | None:
    """The queue for --anchor-account (chain: --rpc or the devchain), or None when not given."""
    if anchor_account is None:
        return None
    account = check_address(anchor_account, "--anchor-account")
    chain, deployment = chain_and_deployment(settings, rpc)
    return AnchoringQueue(chain, deployment, open_store(settings), account)


def credential_issuer(
    settings: Settings,
    issuer: tuple[str, AwardingBody],
    cryptosuite: Cryptosuite,
    passphrase_env: str,
    queue: AnchoringQueue | None,
) -> CredentialIssuer:
    """The signer of `issuer` (slug and profile; its key unlocked now), allocating on-chain status
    entries when its credentials go to an anchoring `queue` — their statusListCredential under the issuer's
    public URL, or (with a warning on stderr) the list's URN when it has none."""
    slug, profile = issuer
    key = load_key(settings, slug, passphrase(passphrase_env))
    if queue is None:
        return CredentialIssuer(profile, key, cryptosuite=cryptosuite.value)
    public_url = issuer_public_url(settings, slug)
    if public_url is None:
        errors.print(f"warning: {no_public_url_warning(slug)}")
    base = None if public_url is None else queue.status_base_url(public_url)
    return CredentialIssuer(profile, key, cryptosuite=cryptosuite.value, status=queue.status(), status_base_url=base,
                            status_purposes=issuer_status_purposes(settings, slug))  # fmt: skip


# -- reading files, verifying -----------------------------------------------------------------------


def read_credential(path: Path) -> dict[str, Any]:
    """A JSON object from `path` (a credential, presentation or DID document)."""
    try:
        credential = jsonsafe.loads(path.read_text(encoding="utf-8"), what=str(path))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read a credential from {path}: {exc}") from exc
    if not isinstance(credential, dict):
        raise ConfigurationError(f"{path} does not hold a credential (a JSON object)")
    return credential


def resolver(did_documents: list[Path] | None, *, allow_network: bool = False) -> DidResolver:
    """A DID resolver knowing the given DID documents (did:web issuers, offline)."""
    found = DidResolver(allow_network=allow_network)
    for path in did_documents or []:
        document = read_credential(path)
        if not isinstance(document.get("id"), str):
            raise ConfigurationError(f"{path} is not a DID document (it has no id)")
        found.add(document)
    return found


def verifier(
    settings: Settings,
    chain: Chain,
    registry: str | None,
    known: DidResolver,
    *,
    profile: str = "microcredential",
    rpc: Rpc = None,
    quorum: int = 1,
) -> Verifier:
    """A verifier trusting --registry, else the IssuerRegistry recorded for the chain; with several --rpc
    endpoints (or --rpc-quorum) it reads through all of them (anchor.chain.quorum)."""
    trusted = registry or trusted_registry(settings, chain.chain_id)
    if trusted is not None:
        check_address(trusted, "--registry")
    urls = rpc_urls(settings, rpc)
    if len(urls) > 1 or quorum > 1:
        return Verifier(QuorumChainView.connect(urls, trusted, quorum), resolver=known, profile=profile)
    return Verifier(ChainReader(chain, trusted), resolver=known, profile=profile)


def print_checks(checks: dict[str, Any], indent: str) -> None:
    for name, check in checks.items():
        colour = {"pass": "green", "fail": "red"}.get(check["outcome"], "yellow")
        console.print(f"{indent}[{colour}]{check['outcome']:>14}[/] {name}: {check['reason']}", highlight=False)
