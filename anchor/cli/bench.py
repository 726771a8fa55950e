"""`credanchor bench issue|anchor|api`: benchmarks that print figures and ratios measured in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anchor.cli.common import Cryptosuite, JsonFlag, RpcOption, SuiteOption, console, emit_json, run_or_exit

app = typer.Typer(help="Benchmarks that print figures and ratios measured in one run.", no_args_is_help=True)


def _machine_line(machine: dict[str, object]) -> str:
    return f"{machine['cpus']} CPUs, {machine['cpu_model']}, {machine['python']}, {machine['platform']}"


@app.command("issue")
def bench_issue_command(
    jcs_count: Annotated[int, typer.Option("--jcs", help="Credentials to sign with eddsa-jcs-2022.", min=1)] = 4_000,
    rdfc_count: Annotated[int, typer.Option("--rdfc", help="Credentials to sign with eddsa-rdfc-2022.", min=1)] = 400,
    peer_count: Annotated[
        int, typer.Option("--peer", help="Documents for OpenAttestation's wrapDocuments (0: skip the peer).", min=0)
    ] = 3_000,
    as_json: JsonFlag = False,
) -> None:
    """Credentials/s through `CredentialIssuer.issue_json` (build, validate, sign, the credential's JSON) per
    cryptosuite on one core, with the Ed25519 ceiling and OpenAttestation's wrapDocuments measured in the same run."""
    from anchor.tools.bench import bench_issue

    result = run_or_exit(lambda: bench_issue(jcs_count, rdfc_count, peer_count=peer_count))
    if as_json:
        emit_json(result)
        return
    console.print(f"{_machine_line(result['machine'])}; {result['cpu']}")
    console.print(f"Ed25519 sign ceiling: {result['ed25519_signs_per_second']:,} signatures/s")
    console.print(f"Issuing measures {result['measures']}")
    table = Table("cryptosuite", "credentials/s", "share of sign ceiling", "target", "ratio to target")
    for suite, figures in result["cryptosuites"].items():
        share_target = figures.get("target_share_of_sign_ceiling")
        table.add_row(
            suite, f"{figures['credentials_per_second']:,}", f"{figures['share_of_sign_ceiling']:.1%}",
            f"≥ {share_target:.0%} of ceiling" if share_target else f"{figures['target_per_second']:,}/s",
            f"{figures['ratio_to_share_target']:.2f}" if share_target else f"{figures['ratio_to_target']:.2f}",
        )  # fmt: skip
    console.print(table)
    peer = result["peer"]
    if "documents_per_second" in peer:
        console.print(f"{peer['name']}: {peer['documents_per_second']:,} documents/s; eddsa-jcs-2022 issuing is "
                      f"{peer['jcs_ratio']}x that (target ≥ {peer['target_ratio']:.0f}x)")  # fmt: skip
    else:
        console.print(f"{peer['name']}: not measured ({peer['not_measured']})")


@app.command("verify")
def bench_verify_command(
    jcs_count: Annotated[int, typer.Option("--jcs", help="eddsa-jcs-2022 credentials to verify.", min=1)] = 2_000,
    rdfc_count: Annotated[int, typer.Option("--rdfc", help="eddsa-rdfc-2022 credentials to verify.", min=1)] = 300,
    peer_count: Annotated[
        int, typer.Option("--peer", help="Of those, how many vc.js verifies (0: skip the peer).", min=0)
    ] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Verifications/s per cryptosuite on one core (anchored credentials, embedded chain), with the Ed25519
    verify ceiling and Digital Bazaar vc.js verifying the same eddsa-rdfc-2022 credentials in the same run."""
    from anchor.tools.bench_verify import bench_verify

    result = run_or_exit(lambda: bench_verify(jcs_count, rdfc_count, peer_count=peer_count))
    if as_json:
        emit_json(result)
        return
    console.print(f"{_machine_line(result['machine'])}; {result['cpu']}")
    console.print(f"Ed25519 verify ceiling: {result['ed25519_verifications_per_second']:,} verifications/s")
    table = Table("cryptosuite", "verified", "credentials/s", "share of verify ceiling", "ratio to ≥ 50%")
    for suite, figures in result["cryptosuites"].items():
        table.add_row(
            suite, f"{figures['verified']:,}/{figures['credentials']:,}", f"{figures['credentials_per_second']:,}",
            f"{figures['share_of_verify_ceiling']:.1%}", f"{figures['ratio_to_share_target']:.2f}",
        )  # fmt: skip
    console.print(table)
    floor = result["cryptosuites"]["eddsa-jcs-2022"]["floor"]
    console.print(
        f"eddsa-jcs-2022 per verification: {floor['verification_us']} µs, of which {floor['fixed_us']} µs before any "
        f"check (Ed25519 {floor['ed25519_verify_us']}, SHA-256 {floor['sha256_of_document_us']}, keccak256 of the "
        f"{floor['leaf_input_bytes']:,}-byte leaf input {floor['keccak256_of_leaf_input_us']}, canonical bytes "
        f"{floor['canonical_bytes_us']}) and {floor['checks_us']} µs of checks; at the target, the checks would have "
        f"{floor['checks_budget_at_target_us']} µs"
    )
    peer = result["peer"]
    if "credentials_per_second" in peer:
        console.print(f"{peer['name']}: {peer['credentials_per_second']:,}/s ({peer['verified']}/{peer['credentials']} "
                      f"verified); eddsa-rdfc-2022 here is {peer['rdfc_ratio']}x that (target ≥ "
                      f"{peer['target_ratio']:.0f}x)")  # fmt: skip
    else:
        console.print(f"{peer['name']}: not measured ({peer['not_measured']})")


@app.command("anchor")
def bench_anchor_command(
    count: Annotated[int, typer.Option("--count", help="Credentials to issue and anchor end to end.", min=1)] = 100_000,
    cryptosuite: SuiteOption = Cryptosuite.JCS,
    verify_count: Annotated[int, typer.Option("--verify", help="Credentials to verify.", min=1)] = 2_000,
    rpc: RpcOption = None,
    no_anvil: Annotated[bool, typer.Option("--no-anvil", help="Only the embedded chain.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Merkle root of 1M leaves, gas per credential vs batch size, issue→anchor and verification rates."""
    from anchor.tools.bench import bench_anchor

    result = run_or_exit(
        lambda: bench_anchor(
            count, cryptosuite=cryptosuite.value, verify_count=verify_count, rpc=rpc, with_anvil=not no_anvil
        )
    )
    if as_json:
        emit_json(result)
        return
    merkle = result["merkle_root"]
    console.print(f"{result['machine']}; {result['cryptosuite']}")
    console.print(
        f"Merkle root of {merkle['leaves']:,} leaves: {merkle['seconds']} s (target ≤ {merkle['target_seconds']} s)"
    )
    for label, figures in result["chains"].items():
        e2e, check = figures["issue_and_anchor"], figures["verification"]
        console.print(
            f"[bold]{label}[/]: issue→anchor {e2e['credentials']:,} credentials in {e2e['seconds']} s "
            f"= {e2e['credentials_per_second']:,}/s (signing {e2e['signing_seconds']} s); "
            f"verification {check['credentials_per_second']:,}/s (target {check['target_per_second']:,})"
        )
        table = Table("batch size", "anchor gas", "gas per credential")
        for size, row in figures["gas_by_batch_size"].items():
            table.add_row(f"{int(size):,}", f"{row['gas']:,}", f"{row['gas_per_credential']:,}")
        console.print(table)


@app.command("api")
def bench_api_command(
    seconds: Annotated[float, typer.Option("--seconds", help="Measured seconds (after a 2 s warm-up).", min=1)] = 10.0,
    connections: Annotated[int, typer.Option("--connections", help="Concurrent keep-alive connections.", min=1)] = 8,
    workers: Annotated[int, typer.Option("--workers", help="Server worker processes.", min=1)] = 2,
    credentials: Annotated[int, typer.Option("--credentials", help="Distinct credentials to cycle.", min=1)] = 200,
    rpc: RpcOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify requests/s and p50/p99 latency of the running server (anvil) from a load generator process."""
    from anchor.tools.bench import bench_api

    result = run_or_exit(lambda: bench_api(credentials=credentials, seconds=seconds, connections=connections,
                                           workers=workers, rpc=rpc))  # fmt: skip
    if as_json:
        emit_json(result)
        return
    console.print(f"{_machine_line(result['machine'])}; {result['server_workers']} server workers, "
                  f"{result['connections']} connections, {result['seconds']} s measured")  # fmt: skip
    console.print(
        f"POST /v1/verify: {result['requests_per_second']:,} requests/s (target {result['target_per_second']:,}: "
        f"{result['ratio_to_target']}x; {result['share_of_verify_ceiling']:.1%} of {result['server_workers']} "
        f"cores' Ed25519 verify ceiling, {result['verify_ceiling_per_second']:,}/s); p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms (target ≤ {result['target_p99_ms']} ms); "
        f"{result['verified']:,}/{result['requests']:,} verified; statuses {result['statuses']}; every answer "
        f"correct: {result['every_answer_correct']}"
    )


@app.command("pipeline")
def bench_pipeline_command(
    count: Annotated[int, typer.Option("--count", help="Credentials to issue, anchor and write.", min=1)] = 1_000_000,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes that sign and write (default: every core).", min=1)
    ] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option(
            "--jsonl",
            help="Keep the anchored credentials in this JSON Lines file (default: a temporary file, removed).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue, Merkle-root, anchor (embedded chain, one transaction) and write N credentials on every core."""
    from anchor.tools.pipeline import run_pipeline

    result = run_or_exit(lambda: run_pipeline(count, jsonl, workers=workers))
    if as_json:
        emit_json(result)
        return
    gib = 1024**3
    size = result["output_bytes"] / gib
    console.print(
        f"{result['credentials']:,} credentials on {result['workers']} workers ({result['cpus']} CPUs), "
        f"{result['cryptosuite']}, written to {result['output'] or 'a temporary file, removed'} ({size:.2f} GiB)"
    )
    console.print(
        f"{result['seconds']} s (target ≤ {result['target_seconds']} s: {result['ratio_to_target']}x) = "
        f"{result['credentials_per_second']:,}/s, {result['share_of_sign_ceiling']:.1%} of {result['workers']} "
        f"workers signing at once ({result['sign_ceiling_per_second']:,}/s)"
    )
    console.print(
        f"sign and write {result['sign_and_write_seconds']} s, tree {result['tree_seconds']} s, anchor "
        f"{result['anchor_seconds']} s (gas {result['anchor_gas']:,}), "
        f"anchor proofs {result['anchor_proofs_seconds']} s; peak memory {result['peak_memory_bytes'] / gib:.2f} GiB "
        f"(target ≤ {result['target_peak_memory_bytes'] / gib:.0f} GiB)"
    )
