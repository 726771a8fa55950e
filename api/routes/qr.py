"""Public QR routes (no key): render a credential or presentation as a QR code, and read one back.

`POST /v1/qr` answers a PNG or SVG of the compact text ("CA1:…", see anchor.credentials.qr), or of a verify
link to this server's verify page carrying it in the URL fragment. `POST /v1/qr/decode` takes what
a camera read and answers the document, ready for `POST /v1/verify`. Neither stores anything, and
both are rate limited like verification.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from anchor.credentials.qr import (
    QR_MAX_CHARACTERS,
    QrCapacityError,
    encode_compact,
    read_scanned,
    render_qr,
    shareable_kind,
    verify_link,
)
from anchor.errors import ConfigurationError

from ..problems import ApiProblem, responses
from ..security import rate_limited
from ..services import ServicesDep

router = APIRouter(tags=["public"], responses=responses(422))
EXAMPLE_DOCUMENT: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:learner"},
}

_QR_HEADERS = {
    "QR-Version": {"description": "The QR code's version (1-40; the side is 17 + 4 * version modules).",
                   "schema": {"type": "integer"}},
    "QR-Error-Correction": {"description": "Its error correction level: L, M, Q or H.", "schema": {"type": "string"}},
}  # fmt: skip


class QrDecodeRequest(BaseModel):
    """What a camera read from a credanchor QR code."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": encode_compact(EXAMPLE_DOCUMENT)}]}
    )

    text: str = Field(
        min_length=1, max_length=2 * QR_MAX_CHARACTERS,
        description="A compact text (`CA1:…`), or a verify link carrying one in its fragment.",
    )  # fmt: skip


def _document_kind(document: dict[str, Any]) -> str:
    try:
        return shareable_kind(document)
    except ConfigurationError as exc:
        raise ApiProblem(400, "not-a-credential", f"{exc}: send one as the body") from None


@router.post(
    "/v1/qr",
    response_class=Response,
    summary="A QR code (PNG or SVG) of a credential or presentation, to share or to scan",
    description="The body is the credential or presentation itself. `form=compact` (default) puts the compact "
    "text `CA1:` + Base45(zlib(RFC 8785 JSON)) in the code; `form=link` puts this server's verify page with that "
    "text in the URL fragment (never sent to a server, so nothing is stored). The smallest QR version is chosen "
    "at error correction L, raised to M or better when the same version holds it. 413 when the document does "
    "not fit in any QR code: present fewer credentials. Nothing is stored.",
    dependencies=[Depends(rate_limited)],
    responses={
        200: {
            "description": "The QR code, as asked by `format`",
            "headers": _QR_HEADERS,
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}},
                        "image/svg+xml": {"schema": {"type": "string"}}},
        },
        **responses(400, 413, 422, 429),
    },
)  # fmt: skip
def qr(
    services: ServicesDep,
    document: Annotated[
        dict[str, Any], Body(description="A credential or presentation (bare).", examples=[EXAMPLE_DOCUMENT])
    ],
    image_format: Annotated[Literal["png", "svg"], Query(alias="format", description="The image format.")] = "png",
    form: Annotated[Literal["compact", "link"], Query(description="The compact text, or a verify link.")] = "compact",
    scale: Annotated[int, Query(ge=1, le=20, description="Pixels per module.")] = 4,
) -> Response:
    kind = _document_kind(document)
    try:
        content = verify_link(services.settings.public_url, document) if form == "link" else document
        symbol = render_qr(content, image_format, scale=scale)
    except QrCapacityError as exc:
        raise ApiProblem(413, "too-large-for-qr", f"this {kind} is {exc}") from None
    headers = {"QR-Version": str(symbol.version), "QR-Error-Correction": symbol.error, "Cache-Control": "no-store"}
    return Response(symbol.image, media_type=symbol.media_type, headers=headers)


@router.post(
    "/v1/qr/decode",
    response_model=dict[str, Any],
    summary="Read a credanchor QR code's text back into the credential or presentation",
    description="For a phone app: post what the camera read (a `CA1:` text or a verify link) and get the "
    "document, to verify with `POST /v1/verify`. Nothing is stored.",
    dependencies=[Depends(rate_limited)],
    responses=responses(400, 413, 422, 429),
)
def qr_decode(body: QrDecodeRequest) -> JSONResponse:
    try:
        document = read_scanned(body.text)
    except ConfigurationError as exc:
        raise ApiProblem(
            400, "invalid-qr-text", f"{exc}; scan the code again, or check it is a credanchor QR code"
        ) from None
    return JSONResponse(document, headers={"Cache-Control": "no-store"})
