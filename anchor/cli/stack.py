"""`credanchor stack issue|verify`: a certificate stacked from micro-credentials (docs/stacking.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.cli.common import (
    PASSPHRASE_ENV,
    AllowDidWebOption,
    Cryptosuite,
    DidDocumentsOption,
    IssuerOption,
    JsonFlag,
    PassphraseEnv,
    RegistryOption,
    RpcsOption,
    SuiteOption,
    anchoring_queue,
    connect,
    console,
    credential_issuer,
    emit_json,
    print_checks,
    read_credential,
    resolver,
    run_or_exit,
    settings_or_exit,
    verifier,
)
from anchor.credentials.issuance import issue_and_queue
from anchor.credentials.issuers import load_profile, write_json
from anchor.credentials.model import Award, Learner, MicroCredentialSpec
from anchor.credentials.stacking import (
    DEFAULT_ASSESSMENT,
    DEFAULT_QUALITY_ASSURANCE,
    StackReport,
    StackRules,
    issue_stack,
    stack_spec,
    verify_stack,
)
from anchor.credentials.verify import Verifier
from anchor.errors import ConfigurationError

app = typer.Typer(
    help="Stacked credentials: a certificate composed of micro-credentials, and its verification.",
    no_args_is_help=True,
)


@app.command("issue")
def stack_issue(
    component_files: Annotated[
        list[Path], typer.Argument(help="The learner's component credentials (JSON).", metavar="COMPONENT_FILE...")
    ],
    title: Annotated[str, typer.Option("--title", help="The certificate's title.")],
    description: Annotated[str, typer.Option("--description", help="What the certificate attests.")],
    rules: Annotated[
        Path, typer.Option("--rules", help="The stack's rules (JSON; see docs/stacking.md).", metavar="RULES.json")
    ],
    learner_name: Annotated[str, typer.Option("--learner-name", help="The learner's name.")],
    out: Annotated[Path, typer.Option("--out", help="Write the signed certificate here.", metavar="FILE")],
    learner_did: Annotated[
        str | None, typer.Option("--learner-did", help="The learner's DID (needed when the components name one).")
    ] = None,
    learner_email: Annotated[str | None, typer.Option("--learner-email", help="The learner's e-mail.")] = None,
    eqf_level: Annotated[
        int | None,
        typer.Option("--eqf-level", help="EQF level (default: the highest of the components).", min=1, max=8),
    ] = None,
    nqf_level: Annotated[str | None, typer.Option("--nqf-level", help="NQF level.")] = None,
    learning_outcomes: Annotated[
        list[str] | None,
        typer.Option("--learning-outcome", help="A learning outcome (repeat; default: the components' own)."),
    ] = None,
    assessment_type: Annotated[str, typer.Option("--assessment-type", help="Type of assessment.")] = DEFAULT_ASSESSMENT,
    participation_form: Annotated[
        str | None,
        typer.Option("--participation-form", help="Form of participation (default: the components' common one)."),
    ] = None,
    quality_assurance: Annotated[
        str, typer.Option("--quality-assurance", help="Type of quality assurance.")
    ] = DEFAULT_QUALITY_ASSURANCE,
    issuer: IssuerOption = None,
    cryptosuite: SuiteOption = Cryptosuite.RDFC,
    anchor_account: Annotated[
        str | None,
        typer.Option(
            "--anchor-account",
            help="The issuer's Ethereum account: give the certificate on-chain status entries and queue it for "
            "`credanchor anchor` (chain: --rpc or the devchain). Components are then checked on-chain too.",
            metavar="ADDRESS",
        ),
    ] = None,
    rpc: RpcsOption = None,
    registry: RegistryOption = None,
    did_documents: DidDocumentsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Issue a certificate stacked from COMPONENT_FILE...: refused, naming every problem, unless the components
    verify (on-chain with --rpc or --anchor-account, else schema and signature), are the learner's, and meet
    the rules. Workload is the sum of the components'."""
    settings = settings_or_exit()

    def body() -> dict[str, Any]:
        if out.exists():
            raise ConfigurationError(f"{out} exists and is not overwritten: choose another --out")
        components = [read_credential(path) for path in component_files]
        stack_rules = StackRules.read(rules)
        profile = load_profile(settings, issuer)
        spec = stack_spec(
            title, description, components, rules=stack_rules, eqf_level=eqf_level, nqf_level=nqf_level,
            learning_outcomes=tuple(learning_outcomes or ()), assessment_type=assessment_type,
            participation_form=participation_form, quality_assurance=quality_assurance,
        )  # fmt: skip
        award = Award(Learner(learner_name, learner_email, learner_did), datetime.now(UTC).replace(microsecond=0))
        known = resolver(did_documents)
        checker: Verifier | None = None
        queue = anchoring_queue(settings, anchor_account, rpc)
        if queue is not None:
            checker = verifier(settings, queue.chain, registry or queue.deployment.issuer_registry, known)
        elif rpc:
            checker = verifier(settings, connect(settings, rpc), registry, known)
        signer = credential_issuer(settings, profile, cryptosuite, passphrase_env, queue)
        summary = {
            "out": str(out), "components": [c.get("id") for c in components],
            "components_checked": "on-chain" if checker is not None else "schema and signature (offline)",
            "queued_for_anchoring_by": queue.account if queue is not None else None,
        }  # fmt: skip

        def sign(spec: MicroCredentialSpec, award: Award) -> dict[str, Any]:
            return issue_stack(signer, spec, award, components, stack_rules, verifier=checker)

        if queue is None:
            credential, created = sign(spec, award), True
        else:
            # One certificate of this title per learner (undated id): a re-run after a crash finds it.
            credential, created = issue_and_queue(
                signer, queue.store, queue.account, spec, award, dated=False, file_name=out.name, sign=sign
            )
        write_json(out, credential)
        return {**summary, "credential": credential["id"], "already_issued": not created}

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    state = "already issued" if result["already_issued"] else "issued"
    console.print(f"{state} {result['credential']} stacking {len(result['components'])} component(s) → {out}")
    console.print(f"  components checked: {result['components_checked']}")
    if result["queued_for_anchoring_by"]:
        console.print("  queued for anchoring: run `credanchor anchor --out DIR` to anchor it")
    else:
        console.print("  not queued: anchor it like any credential (issue with --anchor-account, then `anchor`)")


@app.command("verify")
def stack_verify(
    macro_file: Annotated[Path, typer.Argument(help="The stacked credential (JSON).", metavar="MACRO_FILE")],
    component_files: Annotated[
        list[Path] | None,
        typer.Argument(help="Components to show with it (JSON); those not given are reported not shown."),
    ] = None,
    rpc: RpcsOption = None,
    registry: RegistryOption = None,
    did_documents: DidDocumentsOption = None,
    allow_did_web: AllowDidWebOption = False,
    as_json: JsonFlag = False,
) -> None:
    """Verify a stacked credential and the components given with it; exit code 0 iff the stack verifies."""
    settings = settings_or_exit()

    def body() -> tuple[StackReport, list[str]]:
        macro = read_credential(macro_file)
        components = {str(path): read_credential(path) for path in component_files or []}
        known = resolver(did_documents, allow_network=allow_did_web)
        checker = verifier(settings, connect(settings, rpc), registry, known)
        report = verify_stack(macro, list(components.values()), checker)
        listed = report.listed_ids()
        unlisted = [path for path, c in components.items() if c.get("id") not in listed]
        return report, unlisted

    report, unlisted = run_or_exit(body)
    if as_json:
        emit_json({"file": str(macro_file), **report.to_dict(), "unlisted_files": unlisted})
    else:
        _print_stack(report.to_dict(), str(macro_file))
        for path in unlisted:
            console.print(f"  [yellow]{path} is not a component of this stack: ignored[/]")
    if not report.verified:
        raise typer.Exit(1)


def _print_stack(report: dict[str, Any], name: str, indent: str = "") -> None:
    mark = "[green]verified[/]" if report["verified"] else "[red]NOT verified[/]"
    console.print(f"{indent}{name}: {mark} — stack {report['title']!r}", highlight=False)
    print_checks(report["checks"], indent + "  ")
    console.print(f"{indent}  rules: {json.dumps(report['rules'])}", highlight=False)
    for component in report["components"]:
        label = f"{component['title']!r} ({component['credential']})"
        if not component["shown"]:
            state = "[yellow]not shown[/] (vouched for by the stack's issuer)"
        elif component["verified"]:
            state = "[green]shown, verified[/]"
        else:
            state = f"[red]shown, NOT verified[/]: {component['reason']}"
        console.print(f"{indent}  component {label}: {state}", highlight=False)
        if "stack" in component:
            _print_stack(component["stack"], f"component {component['credential']}", indent + "    ")
