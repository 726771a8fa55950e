"""The verify page that QR verify links open: static HTML + JS, no build step, no external resources.

The credential travels in the URL fragment, which the browser never sends; the page decodes it and
asks POST /v1/verify for the report. These routes are pages, not API operations: left out of OpenAPI.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/verify")
def verify_page() -> FileResponse:
    return FileResponse(STATIC / "verify.html", media_type="text/html; charset=utf-8")


@router.get("/verify.js")
def verify_script() -> FileResponse:
    return FileResponse(STATIC / "verify.js", media_type="text/javascript; charset=utf-8")
