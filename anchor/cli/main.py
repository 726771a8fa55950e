"""The `credanchor` command line: the root app, every command module registered on it, and `run`.

Each command lives in the module of its group (anchor/cli/<group>.py) and imports what commands
share from anchor.cli.common; only this module imports the command modules, so the package has no
import cycle. Every command takes --json; errors never print a stack trace (exit codes:
anchor.cli.common). The root app lives here, not in common, so that no one can import it with part
of its commands missing.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from anchor.cli import (
    account,
    accreditation,
    apikey,
    bench,
    chains,
    compare,
    demo,
    devchain,
    doctor,
    holder,
    issue,
    issuers,
    nft,
    offers,
    qr,
    records,
    serve,
    soak,
    stack,
    status,
    verifier,
    verify,
    workshop,
)
from anchor.cli import anchor as anchoring
from anchor.recursion import restore_recursion_limit

app = typer.Typer(help="Blockchain-anchored micro-credentials: issue, anchor, revoke, verify.", no_args_is_help=True)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens (tx hashes, blocks).")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    restore_recursion_limit()  # whatever library raised it on import (anchor.recursion)


# In the order `credanchor --help` lists them: the commands, then the command groups.
app.command("demo")(demo.demo)
app.command("deploy")(devchain.deploy)
app.command("issue")(issue.issue)
app.command("anchor")(anchoring.anchor)
app.command("verify")(verify.verify)
app.command("revoke")(status.revoke)
app.command("suspend")(status.suspend)
app.command("reinstate")(status.reinstate)
app.command("compare")(compare.compare)
app.command("observe")(compare.observe)
app.command("present")(holder.present_command)
app.command("serve")(serve.serve)
app.command("status-list")(status.status_list)
app.command("ready")(serve.ready)
app.command("sign")(issue.sign)
app.command("soak")(soak.soak)
app.command("workshop")(workshop.workshop)
app.command("chains")(chains.chains)
app.command("doctor")(doctor.doctor)
app.add_typer(devchain.app, name="devchain")
app.add_typer(issuers.app, name="issuer")
app.add_typer(accreditation.app, name="accreditation")
app.add_typer(account.app, name="account")
app.add_typer(bench.app, name="bench")
app.add_typer(holder.app, name="holder")
app.add_typer(qr.app, name="qr")
app.add_typer(apikey.app, name="apikey")
app.add_typer(offers.app, name="offer")
app.add_typer(verifier.app, name="verifier")
app.add_typer(records.credentials_app, name="credentials")
app.add_typer(records.batches_app, name="batches")
app.add_typer(nft.app, name="nft")
app.add_typer(stack.app, name="stack")


def run() -> None:
    app()
