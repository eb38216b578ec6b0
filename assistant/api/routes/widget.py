"""The embeddable widget and the demo page that embeds it the way a customer would."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from assistant.api.problems import Problem

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
router = APIRouter(include_in_schema=False)


def _static(name: str, media_type: str) -> FileResponse:
    path = STATIC / name
    if not path.is_file():
        raise Problem(404, f"{name} is not installed")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})


@router.get("/")
def demo_page() -> FileResponse:
    return _static("index.html", "text/html; charset=utf-8")


@router.get("/widget.js")
def widget_script() -> FileResponse:
    return _static("widget.js", "text/javascript; charset=utf-8")
