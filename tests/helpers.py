"""Test helpers: article files with valid front matter."""

from __future__ import annotations

import textwrap
from pathlib import Path


def article_text(
    article_id: str, body: str, status: str = "approved", title: str | None = None, extra: str = ""
) -> str:
    """A complete article file with valid front matter."""
    front = textwrap.dedent(
        f"""\
        ---
        id: {article_id}
        title: {title or article_id.replace("-", " ").title()}
        sources:
          - name: Test source
            url: https://www.who.int/
        reviewed_on: 2026-11-27
        status: {status}
        topics: [test]
        license: CC-BY-4.0
        """
    )
    return front + extra + "---\n\n" + textwrap.dedent(body).strip() + "\n"


def write_article(folder: Path, article_id: str, body: str, **kwargs: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{article_id}.md"
    path.write_text(article_text(article_id, body, **kwargs), encoding="utf-8")
    return path
