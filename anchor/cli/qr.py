"""`credanchor qr`: share a credential or presentation as a QR code, and read one back.

    credanchor qr FILE --out OUT.png|OUT.svg [--link PUBLIC_URL] [--scale N]
    credanchor qr read TEXT|- [--out FILE]

`qr FILE` is short for `qr render FILE` (give a file named `read` or `render` as `./read`). The
image format follows the --out extension. Without --link the code holds the compact text (`CA1:…`,
see anchor.credentials.qr); with it, a link to PUBLIC_URL/verify carrying that text in its fragment, for the
server's verify page. `qr read` turns a scanned text (or a verify link) back into the JSON document.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from anchor.cli.common import JsonFlag, console, emit_json, read_credential, run_or_exit
from anchor.credentials.issuers import write_json
from anchor.credentials.qr import ImageFormat, read_scanned, render_qr, shareable_kind, verify_link
from anchor.errors import ConfigurationError

FORMATS: dict[str, ImageFormat] = {".png": "png", ".svg": "svg"}


class _RenderByDefault(TyperGroup):
    """`qr FILE …` runs `qr render FILE …`: a first argument that names no subcommand is a file."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["render", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_RenderByDefault,
    no_args_is_help=True,
    help="Share a credential or presentation as a QR code (PNG or SVG): `credanchor qr FILE --out OUT.png`; "
    "read a scanned code back with `credanchor qr read TEXT`.",
)


@app.command("render")
def qr_render(
    file: Annotated[Path, typer.Argument(help="A credential or presentation (JSON).", metavar="FILE")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The image to write: its extension, .png or .svg, picks the format.")
    ],
    link: Annotated[
        str | None,
        typer.Option(
            "--link", help="Encode a link to PUBLIC_URL/verify (the document in its fragment).", metavar="PUBLIC_URL"
        ),
    ] = None,
    scale: Annotated[int, typer.Option("--scale", help="Pixels per module.", min=1, max=100)] = 4,
    as_json: JsonFlag = False,
) -> None:
    """Write the smallest QR code (error correction L, or better when it fits) holding FILE."""
    image_format = FORMATS.get(out.suffix.lower())
    if image_format is None:
        raise typer.BadParameter(f"{out} must end in .png or .svg (the image format)", param_hint="--out")

    def body() -> dict[str, Any]:
        document = read_credential(file)
        try:
            kind = shareable_kind(document)
            symbol = render_qr(verify_link(link, document) if link else document, image_format, scale=scale)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{file}: {exc}") from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(symbol.image)
        return {"file": str(file), "kind": kind, "out": str(out), "form": "link" if link else "compact",
                **symbol.to_dict()}  # fmt: skip

    result = run_or_exit(body)
    if as_json:
        emit_json(result)
        return
    console.print(
        f"wrote {result['out']}: the {result['kind']} ({result['form']}, {result['characters']:,} characters) "
        f"as a version {result['version']}-{result['error_correction']} QR code, "
        f"{result['modules']}x{result['modules']} modules",
        highlight=False,
    )


@app.command("read")
def qr_read(
    text: Annotated[
        str,
        typer.Argument(
            help="The scanned text (CA1:… or a verify link; quote it), or - for standard input.", metavar="TEXT|-"
        ),
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the document here, not to stdout.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Turn a scanned credanchor QR text back into the credential or presentation (JSON)."""

    def body() -> dict[str, Any]:
        scanned = sys.stdin.read() if text == "-" else text
        document = read_scanned(scanned)
        if out is not None:
            write_json(out, document)
        return document

    document = run_or_exit(body)
    if out is None:
        emit_json(document)
    elif as_json:
        emit_json({"out": str(out), "kind": _kind_or_none(document), "id": document.get("id")})
    else:
        console.print(f"wrote the {_kind_or_none(document) or 'document'} to {out}", highlight=False)


def _kind_or_none(document: dict[str, Any]) -> str | None:
    try:
        return shareable_kind(document)
    except ConfigurationError:
        return None
