"""API server settings: from the environment (CREDANCHOR_*) and `credanchor serve` options, checked at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from anchor.chain.profiles import profile as chain_profile
from anchor.crypto.proofs import CRYPTOSUITES, RDFC
from anchor.errors import ConfigurationError
from anchor.redact import redact_url
from anchor.settings import Settings
from anchor.storage.store import database_url

EMBEDDED = "embedded"


@dataclass(frozen=True)
class VcApiEndpoint:
    """A W3C VC API issuer instance: which issuer's key signs, with which cryptosuite by default."""

    issuer: str
    cryptosuite: str = RDFC


@dataclass(frozen=True)
class ApiSettings:
    data: Settings
    #: JSON-RPC URL (or several, comma-separated: fail-over); None = the devchain; "embedded" = an in-process
    #: chain with fresh contracts (one worker). Not in repr: a provider's key may ride in it (anchor.redact).
    rpc: str | None = field(repr=False)
    database_url: str
    #: The URL clients reach this server at (status-list URLs in issued credentials point here).
    public_url: str = "http://127.0.0.1:8000"
    key_passphrase: str | None = field(default=None, repr=False)
    max_body_bytes: int = 2 * 1024 * 1024
    max_bulk_credentials: int = 1_000
    #: Public verification requests per second per client address (bursts up to twice that); 0 = unlimited.
    verify_rate: float = 50.0
    #: How long chain answers (batches, status bits, registry) are reused by the verifier.
    verify_cache_seconds: float = 10.0
    status_list_ttl_seconds: int = 300
    cryptosuite: str = RDFC
    vc_api: Mapping[str, VcApiEndpoint] = field(default_factory=dict)
    #: The chain profile the RPC must serve (CREDANCHOR_CHAIN; anchor.chain.profiles), if any.
    chain_profile: str | None = None
    #: How many of the RPC endpoints must agree on a verdict (CREDANCHOR_RPC_QUORUM; 1: fail-over).
    rpc_quorum: int = 1

    @property
    def rpc_urls(self) -> list[str]:
        """The JSON-RPC endpoints, in order (none for the devchain or the embedded chain)."""
        if self.rpc in (None, EMBEDDED):
            return []
        return [url.strip() for url in str(self.rpc).split(",") if url.strip()]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> ApiSettings:
        """Settings from CREDANCHOR_* variables, then `overrides` (the CLI's options), validated."""
        env = os.environ if environ is None else environ
        data = Settings.from_env(env)
        values: dict[str, object] = {
            "data": data,
            "rpc": env.get("CREDANCHOR_RPC_URL") or None,
            "database_url": database_url(data.data_dir, dict(env)),
            "key_passphrase": env.get("CREDANCHOR_KEY_PASSPHRASE") or None,
        }
        numbers = {
            "CREDANCHOR_PUBLIC_URL": ("public_url", str),
            "CREDANCHOR_MAX_BODY_BYTES": ("max_body_bytes", int),
            "CREDANCHOR_MAX_BULK": ("max_bulk_credentials", int),
            "CREDANCHOR_VERIFY_RATE": ("verify_rate", float),
            "CREDANCHOR_VERIFY_CACHE_SECONDS": ("verify_cache_seconds", float),
            "CREDANCHOR_STATUS_LIST_TTL": ("status_list_ttl_seconds", int),
            "CREDANCHOR_CRYPTOSUITE": ("cryptosuite", str),
            "CREDANCHOR_CHAIN": ("chain_profile", str),
            "CREDANCHOR_RPC_QUORUM": ("rpc_quorum", int),
        }
        for variable, (name, kind) in numbers.items():
            if env.get(variable):
                try:
                    values[name] = kind(env[variable])
                except ValueError:
                    raise ConfigurationError(f"{variable}={env[variable]!r} is not a {kind.__name__}") from None
        if env.get("CREDANCHOR_VC_API_ENDPOINTS"):
            values["vc_api"] = parse_vc_api_endpoints(env["CREDANCHOR_VC_API_ENDPOINTS"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"public URL {self.public_url!r} must be an http(s) URL such as https://host")
        for url in self.rpc_urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ConfigurationError(f"RPC URL {redact_url(url)!r} must be an http(s) URL, or {EMBEDDED!r}")
        if self.rpc not in (None, EMBEDDED) and not self.rpc_urls:
            raise ConfigurationError("CREDANCHOR_RPC_URL names no URL")
        if not 1 <= self.rpc_quorum <= max(1, len(self.rpc_urls)):
            raise ConfigurationError(
                f"CREDANCHOR_RPC_QUORUM={self.rpc_quorum} needs 1 to {len(self.rpc_urls)} RPC URLs"
            )
        if self.chain_profile is not None:
            chain_profile(self.chain_profile)  # an unknown name is refused now
        for name, low in (("max_body_bytes", 1024), ("max_bulk_credentials", 1)):
            if getattr(self, name) < low:
                raise ConfigurationError(f"{name} must be at least {low}")
        for name in ("verify_rate", "verify_cache_seconds", "status_list_ttl_seconds"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} cannot be negative")
        for endpoint in (self.cryptosuite, *(e.cryptosuite for e in self.vc_api.values())):
            if endpoint not in CRYPTOSUITES:
                raise ConfigurationError(f"unknown cryptosuite {endpoint!r}; use one of {', '.join(CRYPTOSUITES)}")


def parse_vc_api_endpoints(text: str) -> dict[str, VcApiEndpoint]:
    """`name=issuer[:cryptosuite],…` e.g. `default=acme:eddsa-rdfc-2022,jcs=acme:eddsa-jcs-2022`."""
    endpoints = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, target = item.partition("=")
        issuer, _, suite = target.partition(":")
        if not sep or not name or not issuer:
            raise ConfigurationError(
                f"VC API endpoint {item!r} must read name=issuer or name=issuer:cryptosuite "
                "(e.g. default=acme:eddsa-jcs-2022)"
            )
        endpoints[name.strip()] = VcApiEndpoint(issuer.strip(), suite.strip() or RDFC)
    return endpoints
