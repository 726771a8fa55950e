"""`credanchor issuer create|update|list|show|rotate-key`: issuer profiles, public URLs and encrypted signing keys."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from anchor.cli.common import (
    PASSPHRASE_ENV,
    IssuerOption,
    JsonFlag,
    PassphraseEnv,
    console,
    emit_json,
    errors,
    passphrase,
    run_or_exit,
    settings_or_exit,
)
from anchor.credentials.issuers import (
    create_issuer,
    issuer_account,
    issuer_did_document,
    issuer_public_url,
    issuer_status_purposes,
    key_file,
    list_issuers,
    load_profile,
    rotate_issuer_key,
    set_issuer_public_url,
    set_issuer_status_purposes,
)
from anchor.credentials.model import AwardingBody
from anchor.credentials.status import STATUS_PATH, no_public_url_warning, public_base_url, status_purposes
from anchor.crypto.keys import key_entries
from anchor.errors import ConfigurationError

app = typer.Typer(help="Issuer profiles and their encrypted signing keys.", no_args_is_help=True)
StatusPurposesOption = Annotated[
    str | None,
    typer.Option(
        "--status-purposes",
        metavar="revocation[,suspension]",
        help="Status entries its credentials carry: both (default; stock verifiers see a suspension too) or "
        "revocation alone (the one credentialStatus Open Badges 3.0 allows; such credentials cannot be suspended).",
    ),
]
PUBLIC_URL_HELP = (
    "Public base URL where `credanchor serve` answers for this issuer, e.g. https://credentials.example: "
    "credentials' statusListCredential URLs start with it, so stock verifiers see revocation and suspension."
)


@app.command("create")
def issuer_create(
    name: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, dashes.")],
    display_name: Annotated[str, typer.Option("--name", help="Awarding body's full name.")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 country code, e.g. PT.")],
    region: Annotated[str | None, typer.Option("--region", help="Region within the country.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Awarding body's web site.")] = None,
    did_web: Annotated[str | None, typer.Option("--did-web", help="Use this did:web DID instead of did:key.")] = None,
    public_url: Annotated[str | None, typer.Option("--public-url", help=PUBLIC_URL_HELP, metavar="URL")] = None,
    purposes: StatusPurposesOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Create an issuer: an Ed25519 key (encrypted at rest) and its awarding-body profile."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        if not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise ConfigurationError(f"--country must be an ISO 3166-1 alpha-2 code such as PT, got {country!r}")
        profile = AwardingBody("", display_name, country, region, url)
        key = create_issuer(settings, name, profile, passphrase(passphrase_env, confirm=True), did_web=did_web,
                            public_url=public_url, purposes=purposes)  # fmt: skip
        return {"issuer": name, "did": key.did, "verificationMethod": key.verification_method,
                "ethereum_account": issuer_account(settings, name), "public_url": issuer_public_url(settings, name),
                "status_purposes": list(issuer_status_purposes(settings, name)),
                "did_document": key.did_document()}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
    else:
        console.print(f"issuer [bold]{name}[/] created: {result['did']}")
        console.print(f"  its Ethereum account (signs its transactions; fund it): {result['ethereum_account']}")
        if did_web:
            console.print("publish its DID document (credanchor issuer show --json) at the did:web URL")
        if result["public_url"] is None:
            errors.print(f"warning: {no_public_url_warning(name)}")


@app.command("update")
def issuer_update(
    issuer: IssuerOption = None,
    public_url: Annotated[str | None, typer.Option("--public-url", help=PUBLIC_URL_HELP, metavar="URL")] = None,
    no_public_url: Annotated[
        bool, typer.Option("--no-public-url", help="Remove the public URL (status lists become on-chain URNs).")
    ] = False,
    purposes: StatusPurposesOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Change an issuer's settings: its public URL, its status purposes. Credentials issued before keep what
    they carry."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        if public_url is not None and no_public_url:
            raise ConfigurationError("give either --public-url URL or --no-public-url, not both")
        if public_url is None and not no_public_url and purposes is None:
            raise ConfigurationError("nothing to change: give --public-url URL, --no-public-url or --status-purposes")
        slug = load_profile(settings, issuer)[0]
        if purposes is not None:  # both checked before either is written: a refusal changes nothing
            status_purposes(purposes)
        if public_url is not None:
            public_base_url(public_url, "--public-url")
        if purposes is not None:
            set_issuer_status_purposes(settings, slug, purposes)
        if public_url is not None or no_public_url:
            set_issuer_public_url(settings, slug, None if no_public_url else public_url)
        return {"issuer": slug, "public_url": issuer_public_url(settings, slug),
                "status_purposes": list(issuer_status_purposes(settings, slug))}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    console.print(f"issuer [bold]{result['issuer']}[/] status purposes: {', '.join(result['status_purposes'])}")
    if result["public_url"] is None:
        console.print(f"issuer [bold]{result['issuer']}[/] has no public URL now")
        errors.print(f"warning: {no_public_url_warning(result['issuer'])}")
    else:
        console.print(f"issuer [bold]{result['issuer']}[/] public URL: {result['public_url']} — its status lists "
                      f"will be at {result['public_url']}{STATUS_PATH}/… (run `credanchor serve` there)")  # fmt: skip


@app.command("list")
def issuer_list(as_json: JsonFlag = False) -> None:
    """List the issuers in the data directory."""
    settings = settings_or_exit()
    names = run_or_exit(lambda: list_issuers(settings))
    if as_json:
        emit_json({"issuers": names})
    else:
        console.print("\n".join(names) if names else "no issuers: create one with `credanchor issuer create`")


@app.command("show")
def issuer_show(issuer: IssuerOption = None, as_json: JsonFlag = False) -> None:
    """Show an issuer's profile, its keys and (with --json) the DID document to publish for a did:web DID."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        slug, profile = load_profile(settings, issuer)
        _, entries = key_entries(key_file(settings, slug))
        return {"issuer": slug, **asdict(profile), "public_url": issuer_public_url(settings, slug),
                "status_purposes": list(issuer_status_purposes(settings, slug)),
                "ethereum_account": issuer_account(settings, slug), "keys": [entry.to_json() for entry in entries],
                "did_document": issuer_did_document(settings, slug)}  # fmt: skip

    data = run_or_exit(body)
    if as_json:
        emit_json(data)
        return
    for name, value in data.items():
        if name == "keys":
            for entry in value:
                state = "withdrawn" if "withdrawn" in entry else "retired" if "retired" in entry else "current"
                console.print(f"key: {entry['id']} ({state}, created {entry['created'] or 'date not recorded'})")
        elif name != "did_document":
            console.print(f"{name}: {value}")


@app.command("rotate-key")
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
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        slug, _ = load_profile(settings, issuer)
        rotation = rotate_issuer_key(settings, slug, passphrase(passphrase_env), withdraw=withdraw_old)
        return {
            "issuer": slug,
            "verificationMethod": rotation.key.verification_method,
            "previous": rotation.previous.to_json(),
            "did_document": issuer_did_document(settings, slug),
        }

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
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
