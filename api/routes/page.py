"""The pages: static HTML + JS + CSS, no build step, no external resources. Left out of OpenAPI.

`/` is the workshop page (docs/workshop.md): verification for anyone; issuing panels for the holder of
the workshop's issuer key, which travels in the URL fragment (never sent to a server) and then only as
a Bearer header. `/verify` is the page that QR verify links open: the credential travels in the
fragment, the page decodes it and asks POST /v1/verify for the report. `/ask` is the verifier's page: it
makes a presentation request (a QR code for the learner's wallet) and shows the report once a wallet
answered; the request's key stays in the fragment.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)
#: The pages load nothing from elsewhere: the policy makes that a rule the browser enforces.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers=PAGE_HEADERS)


@router.get("/")
def workshop_page() -> FileResponse:
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/workshop.js")
def workshop_script() -> FileResponse:
    return _file("workshop.js", "text/javascript; charset=utf-8")


@router.get("/workshop.css")
def workshop_style() -> FileResponse:
    return _file("workshop.css", "text/css; charset=utf-8")


@router.get("/verify")
def verify_page() -> FileResponse:
    return _file("verify.html", "text/html; charset=utf-8")


@router.get("/verify.js")
def verify_script() -> FileResponse:
    return _file("verify.js", "text/javascript; charset=utf-8")


@router.get("/verify.css")
def verify_style() -> FileResponse:
    return _file("verify.css", "text/css; charset=utf-8")


@router.get("/ask")
def ask_page() -> FileResponse:
    return _file("ask.html", "text/html; charset=utf-8")


@router.get("/ask.js")
def ask_script() -> FileResponse:
    return _file("ask.js", "text/javascript; charset=utf-8")
