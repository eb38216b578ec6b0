"""The embeddable widget and the demo page that embeds it the way a customer would."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from assistant.api.problems import Problem

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
router = APIRouter(include_in_schema=False)
_INLINE_BLOCK = re.compile(r"<(style|script)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


def _static(name: str, media_type: str, headers: dict[str, str] | None = None) -> FileResponse:
    path = STATIC / name
    if not path.is_file():
        raise Problem(404, f"{name} is not installed")
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=300", **(headers or {})}
    )


def demo_page_policy(html: str) -> str:
    """The Content-Security-Policy of the demo page: its own inline blocks by hash, scripts and calls
    to this origin, nothing else (no framing, no forms, no plugins, no other origin)."""
    hashes: dict[str, list[str]] = {"style": [], "script": []}
    for tag, attributes, text in _INLINE_BLOCK.findall(html):
        if tag.lower() == "script" and re.search(r"\bsrc\s*=", attributes, re.IGNORECASE):
            continue  # loaded from this origin: 'self' covers it
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
        hashes[tag.lower()].append(f"'sha256-{digest}'")
    styles = " ".join(hashes["style"]) or "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            " ".join(("script-src 'self'", *hashes["script"])),
            f"style-src {styles}",  # the widget's own styles are a constructed sheet, which CSP allows
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


@router.get("/")
def demo_page() -> FileResponse:
    page = STATIC / "index.html"
    policy = demo_page_policy(page.read_text(encoding="utf-8")) if page.is_file() else "default-src 'none'"
    return _static("index.html", "text/html; charset=utf-8", {"Content-Security-Policy": policy})


@router.get("/widget.js")
def widget_script() -> FileResponse:
    return _static("widget.js", "text/javascript; charset=utf-8")
