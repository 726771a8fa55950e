"""CLI commands for holders (learners): `holder create`, `holder show` and `present`.

The holder's passphrase comes from CREDANCHOR_HOLDER_PASSPHRASE (or the variable named by
--passphrase-env), else it is asked for on a terminal — it is never the issuer's passphrase.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.cli.common import (
    Cryptosuite,
    JsonFlag,
    SuiteOption,
    console,
    emit_json,
    passphrase,
    read_credential,
    run_or_exit,
)
from anchor.credentials.holder import (
    HOLDER_PASSPHRASE_ENV,
    create_holder_key,
    holder_did_document,
    load_holder_key,
    present,
)
from anchor.credentials.issuers import write_json

app = typer.Typer(
    help="A holder's own did:key (kept by the learner, never by the issuer) to present credentials with.",
    no_args_is_help=True,
)

HolderPassphraseEnv = Annotated[
    str,
    typer.Option("--passphrase-env", help="Environment variable holding the holder key's passphrase.", metavar="NAME"),
]
KeyPathArgument = Annotated[Path, typer.Argument(help="The holder's key file (JSON, encrypted).", metavar="PATH")]


@app.command("create")
def holder_create(
    path: KeyPathArgument,
    passphrase_env: HolderPassphraseEnv = HOLDER_PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Generate a holder's did:key and write it to PATH, encrypted with a passphrase; print the DID.

    Give the DID (not the file) to issuers: it becomes credentialSubject.id of your credentials.
    """

    def body() -> dict[str, Any]:
        key = create_holder_key(path, passphrase(passphrase_env, confirm=True))
        return {"did": key.did, "verificationMethod": key.verification_method, "file": str(path),
                "did_document": key.did_document()}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    console.print(f"holder key written to {path} (encrypted): {result['did']}", highlight=False)
    console.print("give this DID to issuers (roster column learner_did); keep the file and its passphrase safe")


@app.command("show")
def holder_show(path: KeyPathArgument, as_json: JsonFlag = False) -> None:
    """Show the DID and DID document of the holder key in PATH (no passphrase needed)."""
    document = run_or_exit(lambda: holder_did_document(path))
    result = {"did": document["id"], "file": str(path), "did_document": document}
    if as_json:
        emit_json(result)
        return
    console.print(f"did: {result['did']}", highlight=False)
    console.print(json.dumps(document, indent=2), highlight=False)


def present_command(
    files: Annotated[list[Path], typer.Argument(help="Credential files (JSON) issued to you.", metavar="FILE...")],
    holder_key: Annotated[
        Path, typer.Option("--holder-key", help="Your holder key file (`credanchor holder create`).", metavar="PATH")
    ],
    challenge: Annotated[
        str, typer.Option("--challenge", help="The challenge the verifier gave you (makes the VP single-use).")
    ],
    domain: Annotated[
        str | None, typer.Option("--domain", help="The verifier's domain, when it asked for one.")
    ] = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the presentation to FILE, not stdout.", metavar="FILE")
    ] = None,
    allow_unbound: Annotated[
        bool,
        typer.Option("--allow-unbound", help="Also present credentials that name no subject id (bound to nobody)."),
    ] = False,
    passphrase_env: HolderPassphraseEnv = HOLDER_PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Sign a Verifiable Presentation of your credentials for a verifier's challenge (and domain).

    Prints the presentation (JSON), or writes it to --out; the verifier checks it with
    `credanchor verify FILE --challenge C --domain D`.
    """

    def body() -> dict[str, Any]:
        credentials = [read_credential(path) for path in files]
        key = load_holder_key(holder_key, passphrase(passphrase_env))
        return present(
            credentials, key, challenge=challenge, domain=domain, cryptosuite=cryptosuite.value,
            allow_unbound=allow_unbound,
        )  # fmt: skip

    presentation = run_or_exit(body)
    if out is None:
        emit_json(presentation)
        return
    run_or_exit(lambda: write_json(out, presentation))
    summary = {"out": str(out), "id": presentation["id"], "holder": presentation["holder"],
               "credentials": len(files), "challenge": challenge, "domain": domain}  # fmt: skip
    if as_json:
        emit_json(summary)
    else:
        console.print(f"presentation of {len(files)} credential(s) by {summary['holder']} → {out}", highlight=False)
