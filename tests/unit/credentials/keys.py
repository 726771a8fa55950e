"""Test keys by role name, generated once per test session (Ed25519 key generation is the slow part)."""

from __future__ import annotations

from functools import cache

from anchor.crypto.keys import SigningKey


@cache
def key(role: str) -> SigningKey:
    """The one key of `role` ("issuer", "holder", …) for this session."""
    return SigningKey.generate()
