"""Active markup taken out of imported text, so a draft never carries what a browser would run.

A saved page or a pasted Markdown file can hold `<script>` blocks, tags with event handlers,
`javascript:` and `data:` links, images and HTML comments; entities can spell any of these
(`&lt;script&gt;`). Article bodies are plain sentences with Markdown headings and lists, so
`strip_active_markup` decodes entities, removes every tag (a script or style block with its
content), turns a Markdown link into its text, drops images, link definitions and bare
`javascript:`/`data:` addresses, and reports each piece it removed for the curator to see.
Vetting's `markup.active` rule still blocks whatever a curator adds by hand afterwards.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from corpus.normalize import visible_latin

# Blocks whose content is code or hidden page furniture, removed with what they hold.
_CONTENT_BLOCK = re.compile(
    r"<(script|style|iframe|object|embed|svg|noscript|template|textarea|select)\b[^>]*>.*?(?:<\s*/\s*\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# A tag; an unclosed one at the end of a line counts too (`<img src=x onerror=...`).
_TAG = re.compile(r"</?[a-zA-Z][\w:-]*(?:\s[^<>]*?)?\s*/?\s*(?:>|$)", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\s*\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\s*\([^)\n]*\)")
_LINK_DEFINITION = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$\n?", re.MULTILINE)
_SCRIPT_ADDRESS = re.compile(
    r"\b(?:java|vb)\s*script\s*:[^\s)\]>]*|\bdata\s*:\s*[a-z]+/[\w.+-]+[;,][^\s)\]>]*", re.IGNORECASE
)


@dataclass
class Stripped:
    text: str
    removed: list[str] = field(default_factory=list)


def strip_active_markup(text: str) -> Stripped:
    """`text` without scripts, tags, event handlers, images, links and script or data addresses."""
    removed: list[str] = []

    def drop(match: re.Match[str]) -> str:
        removed.append(" ".join(match.group().split()))
        return ""

    def keep_text(match: re.Match[str]) -> str:
        removed.append(" ".join(match.group().split()))
        return match.group(1)

    # Twice, because decoding entities can reveal markup that was spelt with them, even doubly.
    for _ in range(2):
        text = visible_latin(html.unescape(text))
        text = _CONTENT_BLOCK.sub(drop, text)
        text = _COMMENT.sub(drop, text)
        text = _TAG.sub(drop, text)
        text = _IMAGE.sub(drop, text)
        text = _LINK.sub(keep_text, text)
        text = _LINK_DEFINITION.sub(drop, text)
        text = _SCRIPT_ADDRESS.sub(drop, text)
    # Removing a tag can leave two spaces or a line of blanks behind.
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return Stripped(text=text.strip("\n"), removed=[piece for piece in removed if piece])
