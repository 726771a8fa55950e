"""`credanchor doctor`: what is installed and configured, and what to do about each gap.

Each finding is `ok`, `missing` (an optional piece is absent: the advice says how to get it, and nothing
that is set up depends on it), `problem` (something set up is broken: a data directory or key file other
users can read, a configured database or chain that does not answer, contracts whose code differs from
the committed artifacts) or `skipped` (it depends on a finding that failed). The command exits 0 when
there is no problem. Nothing is changed: no folder, database file or transaction is made.
"""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from anchor.chain import devchain
from anchor.chain.adapter import Chain
from anchor.chain.anvil import ANVIL_VERSION, INSTALL_NODE, anvil_package, cache_dir, find_anvil, tool_version
from anchor.chain.deployment import Deployment
from anchor.credentials.issuers import ACCOUNT_FILE, bodies_dir, issuers_dir, list_issuers
from anchor.errors import ChainError, ConfigurationError, CredAnchorError, DeploymentError, DevchainError
from anchor.redact import redact_url
from anchor.settings import Settings, check_private, data_dir_from_env
from anchor.storage.database import probe

Status = Literal["ok", "missing", "problem", "skipped"]


@dataclass(frozen=True)
class Finding:
    """One thing looked at: what was found, and what to do when it is not `ok`."""

    name: str
    status: Status
    found: str
    advice: str = ""


@dataclass(frozen=True)
class DoctorReport:
    findings: list[Finding]

    @property
    def healthy(self) -> bool:
        """No problem (missing optional pieces are fine)."""
        return all(finding.status != "problem" for finding in self.findings)

    def finding(self, name: str) -> Finding:
        return next(finding for finding in self.findings if finding.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"healthy": self.healthy, "findings": [asdict(finding) for finding in self.findings]}


def diagnose(rpc: str | None = None, environ: Mapping[str, str] | None = None) -> DoctorReport:
    """Look at the tools, the data directory, the store, the chain (--rpc or the devchain), the contracts
    recorded for it and the keys."""
    env = os.environ if environ is None else environ
    findings = [_python()]
    anvil = _anvil(env)
    findings.append(anvil)
    findings += [
        _tool(name, shutil.which(name, path=env.get("PATH")), anvil.status == "ok") for name in ("npm", "node")
    ]
    data_dir = data_dir_from_env(env)
    settings, folder = _data_dir(data_dir)
    findings += [folder, _database(data_dir, env)]
    if settings is None:
        reason = "the data directory must be fixed first"
        findings += [Finding(name, "skipped", reason) for name in ("chain", "contracts", "keys")]
        return DoctorReport(findings)
    chain, chain_finding = _chain(settings, rpc)
    findings += [chain_finding, _contracts(settings, chain), _keys(settings)]
    return DoctorReport(findings)


def _python() -> Finding:
    try:
        version = metadata.version("credanchor")
    except metadata.PackageNotFoundError:
        version = "not installed as a package"
    return Finding("credanchor", "ok", f"credanchor {version}, Python {platform.python_version()}")


def _anvil(env: Mapping[str, str]) -> Finding:
    try:
        found = find_anvil(environ=env)
        package = anvil_package()
    except DevchainError as exc:
        if "CREDANCHOR_ANVIL" in env:
            return Finding("anvil", "problem", str(exc), "fix or unset CREDANCHOR_ANVIL")
        return Finding("anvil", "missing", str(exc), "pass --rpc URL of a chain you run yourself")
    if found is None:
        if shutil.which("npm", path=env.get("PATH")):
            advice = f"`credanchor devchain up` fetches {package}@{ANVIL_VERSION} with npm into {cache_dir(env)}"
        else:
            advice = f"{INSTALL_NODE}; `credanchor devchain up` then fetches anvil (or set CREDANCHOR_ANVIL)"
        return Finding("anvil", "missing", "no anvil (needed only for `credanchor devchain up`)", advice)
    binary, where = found
    version = tool_version(binary)
    if version is None:
        return Finding("anvil", "problem", f"{binary} ({where}) does not run", "reinstall it, or set CREDANCHOR_ANVIL")
    advice = "" if ANVIL_VERSION in version else f"credanchor is tested with anvil {ANVIL_VERSION}"
    return Finding("anvil", "ok", f"{version} — {binary} ({where})", advice)


def _tool(name: str, path: str | None, anvil_present: bool) -> Finding:
    if path is None:
        needed = "not needed while anvil is present" if anvil_present else INSTALL_NODE
        return Finding(name, "missing", f"no {name} (needed only to fetch anvil)", needed)
    version = tool_version(path)
    return Finding(name, "ok", f"{name} {version or '(version unknown)'} — {path}")


def _data_dir(data_dir: Path) -> tuple[Settings | None, Finding]:
    if not data_dir.exists():
        found = f"{data_dir} not created yet: the first command that needs it creates it mode 0700"
        return Settings(data_dir), Finding("data directory", "ok", found)
    try:
        settings = Settings(data_dir)
    except ConfigurationError as exc:
        return None, Finding("data directory", "problem", str(exc), "run the chmod it names (it holds learner data)")
    return settings, Finding("data directory", "ok", f"{data_dir} (mode 700, yours)")


def _database(data_dir: Path, env: Mapping[str, str]) -> Finding:
    url = env.get("CREDANCHOR_DATABASE_URL")
    if url:
        try:
            version = probe(url)
        except CredAnchorError as exc:
            advice = "start the database, or fix CREDANCHOR_DATABASE_URL (postgresql://user:password@host/db)"
            return Finding("database", "problem", str(exc), advice)
        return Finding("database", "ok", f"{version} at {redact_url(url)} (CREDANCHOR_DATABASE_URL)")
    sqlite = data_dir / "credanchor.sqlite"
    if not sqlite.exists():
        return Finding("database", "ok", f"SQLite at {sqlite}, created mode 0600 on first use")
    try:
        check_private(sqlite)
    except ConfigurationError as exc:
        return Finding("database", "problem", str(exc), "run the chmod it names (it holds learner data)")
    return Finding("database", "ok", f"SQLite at {sqlite} (mode 600)")


def _chain(settings: Settings, rpc: str | None) -> tuple[Chain | None, Finding]:
    if rpc is not None:
        try:
            chain = Chain.connect(rpc, timeout=5)
        except CredAnchorError as exc:
            return None, Finding("chain", "problem", str(exc), "check the URL, and that the node runs")
        found = f"chain {chain.chain_id} at {redact_url(rpc)}, block {chain.block_number()}"
        return chain, Finding("chain", "ok", found)
    try:
        info = devchain.read_info(settings)
    except DevchainError as exc:
        return None, Finding("chain", "problem", str(exc))
    if info is None:
        advice = "`credanchor devchain up` starts the local devchain, or pass --rpc URL"
        return None, Finding("chain", "missing", "no devchain running for this data directory", advice)
    try:
        chain = devchain.wait_until_ready(info.url, None, timeout=5)
    except (DevchainError, ChainError) as exc:
        return None, Finding("chain", "problem", str(exc), "`credanchor devchain down`, then `credanchor devchain up`")
    found = f"devchain at {info.url} (pid {info.pid}), chain {chain.chain_id}, block {chain.block_number()}"
    return chain, Finding("chain", "ok", found)


def _contracts(settings: Settings, chain: Chain | None) -> Finding:
    if chain is None:
        return Finding("contracts", "skipped", "no chain to look at")
    try:
        deployment = Deployment.load(settings.deployments_dir, chain.chain_id)
    except DeploymentError as exc:
        return Finding("contracts", "missing", str(exc), "`credanchor deploy --rpc URL`, or `credanchor devchain up`")
    try:
        deployment.check(chain)
    except (DeploymentError, ChainError) as exc:
        return Finding("contracts", "problem", str(exc), "the chain was reset? `credanchor deploy --rpc URL`")
    names = ", ".join(f"{n} {a}" for n, a in zip(("IssuerRegistry", "CredentialAnchor", "CredentialNFT"),
                                                 deployment.addresses(), strict=True))  # fmt: skip
    return Finding("contracts", "ok", f"{names}: code equals the committed artifacts")


def _keys(settings: Settings) -> Finding:
    slugs = list_issuers(settings)
    bodies = sorted(bodies_dir(settings).glob("*.json")) if bodies_dir(settings).is_dir() else []
    files = [issuers_dir(settings) / slug / name for slug in slugs for name in ("key.json", ACCOUNT_FILE)] + bodies
    loose = []
    for path in files:
        if not path.exists():
            continue
        try:
            check_private(path)
        except ConfigurationError as exc:
            loose.append(str(exc))
    if loose:
        return Finding("keys", "problem", "; ".join(loose), "run the chmod each names (they are private keys)")
    if not slugs and not bodies:
        advice = '`credanchor issuer create NAME --name "Awarding body" --country CC`'
        return Finding("keys", "missing", "no issuer in this data directory", advice)
    missing = [str(path) for path in files if not path.exists()]
    found = f"{len(slugs)} issuer(s) ({', '.join(slugs) or 'none'}), {len(bodies)} body account(s); key files 0600"
    if missing:
        return Finding("keys", "problem", f"{found}; missing: {', '.join(missing)}", "restore them from a backup")
    return Finding("keys", "ok", found)
