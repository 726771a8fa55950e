"""`credanchor stack issue|verify`: a certificate stacked from micro-credentials (docs/stacking.md).

Registered on the main `credanchor` app by importing this module (as anchor.cli.main imports
cli_compare and cli_service).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from anchor.anchoring.batches import credential_hash
from anchor.chain import devchain as devchain_mod
from anchor.chain.adapter import Chain
from anchor.credentials.issuance import CredentialIssuer, load_key, load_profile, write_json
from anchor.credentials.model import Award, Learner
from anchor.credentials.stacking import (
    DEFAULT_ASSESSMENT,
    DEFAULT_QUALITY_ASSURANCE,
    StackReport,
    StackRules,
    issue_stack,
    stack_spec,
    verify_stack,
)
from anchor.errors import ConfigurationError
from anchor.settings import Settings
from anchor.storage.store import Store, StoreStatusAllocator, database_url
from anchor.types import check_address

from anchor.cli.main import (  # isort: skip
    PASSPHRASE_ENV, Cryptosuite, IssuerOption, JsonFlag, PassphraseEnv, RpcOption, SuiteOption, _chain_and_deployment,
    _emit_json, _passphrase, _print_checks, _read_credential, _resolver, _run, _verifier, app, console,
)  # fmt: skip

stack_app = typer.Typer(
    help="Stacked credentials: a certificate composed of micro-credentials, and its verification.",
    no_args_is_help=True,
)
app.add_typer(stack_app, name="stack")

RegistryOption = Annotated[
    str | None,
    typer.Option("--registry", help="Trusted IssuerRegistry address (default: the chain's recorded deployment)."),
]
DidDocumentsOption = Annotated[
    list[Path] | None,
    typer.Option("--did-document", help="A did:web issuer's DID document (JSON), to verify offline.", metavar="FILE"),
]


@stack_app.command("issue")
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
    rpc: RpcOption = None,
    registry: RegistryOption = None,
    did_documents: DidDocumentsOption = None,
    passphrase_env: PassphraseEnv = PASSPHRASE_ENV,
    as_json: JsonFlag = False,
) -> None:
    """Issue a certificate stacked from COMPONENT_FILE...: refused, naming every problem, unless the components
    verify (on-chain with --rpc or --anchor-account, else schema and signature), are the learner's, and meet
    the rules. Workload is the sum of the components'."""
    settings = _run(Settings.from_env)

    def body() -> dict[str, Any]:
        if out.exists():
            raise ConfigurationError(f"{out} exists and is not overwritten: choose another --out")
        components = [_read_credential(path) for path in component_files]
        stack_rules = StackRules.read(rules)
        slug, profile = load_profile(settings, issuer)
        spec = stack_spec(
            title, description, components, rules=stack_rules, eqf_level=eqf_level, nqf_level=nqf_level,
            learning_outcomes=tuple(learning_outcomes or ()), assessment_type=assessment_type,
            participation_form=participation_form, quality_assurance=quality_assurance,
        )  # fmt: skip
        award = Award(Learner(learner_name, learner_email, learner_did), datetime.now(UTC).replace(microsecond=0))
        verifier = status = store = account = None
        resolver = _resolver(did_documents)
        if anchor_account is not None:
            account = check_address(anchor_account, "--anchor-account")
            chain, deployment = _chain_and_deployment(settings, rpc)
            verifier = _verifier(settings, chain, registry or deployment.issuer_registry, resolver)
            store = Store.open(database_url(settings.data_dir))
            status = StoreStatusAllocator(store, chain.chain_id, deployment.credential_anchor, account)
        elif rpc is not None:
            verifier = _verifier(settings, Chain.connect(rpc), registry, resolver)
        key = load_key(settings, slug, _passphrase(passphrase_env))
        credential_issuer = CredentialIssuer(profile, key, cryptosuite=cryptosuite.value, status=status)
        summary = {
            "out": str(out), "components": [c.get("id") for c in components],
            "components_checked": "on-chain" if verifier is not None else "schema and signature (offline)",
            "queued_for_anchoring_by": account,
        }  # fmt: skip
        if store is not None:
            # One certificate of this title per learner: a re-run after a crash finds it instead of a second one.
            award = replace(award, credential_id=credential_issuer.credential_id(spec, award, dated=False))
            earlier = store.document(str(award.credential_id))
            if earlier is not None:
                write_json(out, earlier)
                return {**summary, "credential": earlier["id"], "already_issued": True}
        credential = issue_stack(credential_issuer, spec, award, components, stack_rules, verifier=verifier)
        if store is not None and account is not None:
            store.queue(credential, credential_hash(credential), account, file_name=out.name)
        write_json(out, credential)
        return {**summary, "credential": credential["id"], "already_issued": False}

    result = _run(body)
    if as_json:
        _emit_json(result)
        return
    state = "already issued" if result["already_issued"] else "issued"
    console.print(f"{state} {result['credential']} stacking {len(result['components'])} component(s) → {out}")
    console.print(f"  components checked: {result['components_checked']}")
    if result["queued_for_anchoring_by"]:
        console.print("  queued for anchoring: run `credanchor anchor --out DIR` to anchor it")
    else:
        console.print("  not queued: anchor it like any credential (issue with --anchor-account, then `anchor`)")


@stack_app.command("verify")
def stack_verify(
    macro_file: Annotated[Path, typer.Argument(help="The stacked credential (JSON).", metavar="MACRO_FILE")],
    component_files: Annotated[
        list[Path] | None,
        typer.Argument(help="Components to show with it (JSON); those not given are reported not shown."),
    ] = None,
    rpc: RpcOption = None,
    registry: RegistryOption = None,
    did_documents: DidDocumentsOption = None,
    allow_did_web: Annotated[
        bool, typer.Option("--allow-did-web", help="Fetch unknown did:web documents over HTTPS.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Verify a stacked credential and the components given with it; exit code 0 iff the stack verifies."""
    settings = _run(Settings.from_env)

    def body() -> tuple[StackReport, list[str]]:
        macro = _read_credential(macro_file)
        components = {str(path): _read_credential(path) for path in component_files or []}
        chain = Chain.connect(rpc) if rpc else devchain_mod.devchain_chain(settings)[0]
        verifier = _verifier(settings, chain, registry, _resolver(did_documents, allow_network=allow_did_web))
        report = verify_stack(macro, list(components.values()), verifier)
        listed = report.listed_ids()
        unlisted = [path for path, c in components.items() if c.get("id") not in listed]
        return report, unlisted

    report, unlisted = _run(body)
    if as_json:
        _emit_json({"file": str(macro_file), **report.to_dict(), "unlisted_files": unlisted})
    else:
        _print_stack(report.to_dict(), str(macro_file))
        for path in unlisted:
            console.print(f"  [yellow]{path} is not a component of this stack: ignored[/]")
    if not report.verified:
        raise typer.Exit(1)


def _print_stack(report: dict[str, Any], name: str, indent: str = "") -> None:
    mark = "[green]verified[/]" if report["verified"] else "[red]NOT verified[/]"
    console.print(f"{indent}{name}: {mark} — stack {report['title']!r}", highlight=False)
    _print_checks(report["checks"], indent + "  ")
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
