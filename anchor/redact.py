"""Keeping secrets that ride in URLs out of everything that leaves the process.

Hosted JSON-RPC providers put the API key in the URL (``https://mainnet.example.io/v3/<KEY>``, or
``user:key@host``). Such a URL reached unauthenticated clients in /ready, /v1/verify reports and
/v1/nft/{id} problem details (issue 19, item 6). The rule: a URL is rendered as :func:`redact_url` —
scheme, host and port only — in messages, exceptions, reports, logs and metrics.

The Chain adapter never writes the raw URL into a message, and scrubs the text of the transport errors it
wraps (requests and urllib3 quote the path: ``Max retries exceeded with url: /v3/<KEY>``). Libraries that log
the URL themselves (web3's HTTP provider and session cache, urllib3's connection pool, at DEBUG) get a filter
on their loggers that scrubs every URL :func:`register_secret_url` was told of.
"""

from __future__ import annotations

import logging
import threading
from typing import Final
from urllib.parse import urlsplit

#: The loggers of libraries known to log the endpoint URL or its path.
URL_LOGGERS: Final = (
    "web3.providers.HTTPProvider",
    "web3._utils.http_session_manager.HTTPSessionManager",
    "web3.manager.RequestManager",
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "requests",
)
_HIDDEN: Final = "…"

_lock = threading.Lock()
_secrets: dict[str, str] = {}  # secret text -> what to write instead, longest first when scrubbing


def redact_url(url: str) -> str:
    """`url` as ``scheme://host[:port]``: no user info, path, query or fragment. Text that is not a URL
    with a host is not echoed at all."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, a malformed IPv6 literal
        return "<an unparsable URL>"
    if not parts.scheme or not host:
        return "<an unparsable URL>"
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def _secret_parts(url: str) -> dict[str, str]:
    """Each piece of `url` that may carry a secret, and what replaces it."""
    redacted = redact_url(url)
    pieces = {url: redacted, url.strip(): redacted}
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return pieces
    if "@" in parts.netloc:
        pieces[parts.netloc] = parts.netloc.rpartition("@")[2]
        pieces[parts.netloc.rpartition("@")[0] + "@"] = ""
    query, fragment = (f"?{parts.query}" if parts.query else ""), (f"#{parts.fragment}" if parts.fragment else "")
    if (parts.path + query + fragment).strip("/"):  # "/" alone hides nothing
        pieces.setdefault(parts.path + query + fragment, f"/{_HIDDEN}")
        pieces.setdefault(parts.path + query, f"/{_HIDDEN}")  # what an HTTP request line or a retry names
    if len(parts.path.strip("/")) >= 4:  # shorter is no key, and would blot ordinary words out of messages
        pieces.setdefault(parts.path, f"/{_HIDDEN}")
    for piece in (query, fragment):
        if piece:
            pieces.setdefault(piece, piece[0] + _HIDDEN)
    return pieces


def register_secret_url(url: str) -> None:
    """Remember `url`'s secret-bearing parts for :func:`scrub`, and filter the logs of the libraries that
    log it."""
    pieces = _secret_parts(url)
    with _lock:
        fresh = not _secrets
        for secret, replacement in pieces.items():
            if secret:
                _secrets[secret] = replacement
    if fresh:
        for name in URL_LOGGERS:
            logging.getLogger(name).addFilter(_ScrubFilter())


def scrub(text: str, url: str | None = None) -> str:
    """`text` without `url`'s secret parts, nor those of any registered URL."""
    with _lock:
        known = dict(_secrets)
    if url is not None:
        known.update(_secret_parts(url))
    for secret in sorted(known, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, known[secret])
    return text


class _ScrubFilter(logging.Filter):
    """Renders a record's message with its arguments and scrubs it (the record is changed, never dropped)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
