"""Normalisation before any check: undo the tricks people use to slip text past keyword rules.

The character-level part (`basic`) is `corpus.normalize`'s, shared with vetting and the output
rail; this module adds the views only messages need (leetspeak, spaced letters, encodings).

`normalize()` returns several *views* of one message (plain, de-leeted, de-spaced, decoded
payloads); rules run over every view, so a trick only has to be undone in one of them.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from corpus.normalize import ZERO_WIDTH as _ZERO_WIDTH
from corpus.normalize import basic

_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
}
_LEET_I = str.maketrans(_LEET)
_LEET_L = str.maketrans({**_LEET, "1": "l"})  # "ru1es": a 1 stands for an l as often as for an i
_MIXED_TOKEN = re.compile(r"\b(?=[\w@$!|]*[a-z])(?=[\w@$!|]*[0-9@$!|])[\w@$!|]{2,}")
_SPACED_LETTERS = re.compile(r"\b(?:[a-z][\s.\-_*]{1,3}){2,}[a-z]\b")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){8,}\b")


@dataclass
class NormalizedText:
    """All views of a message; `decoded` says which encodings were found and undone."""

    original: str
    views: list[str] = field(default_factory=list)
    decoded: list[str] = field(default_factory=list)
    # Readings recovered from disguised text (decoded payloads, spelt-out words): the semantic
    # layers judge these instead of the original, whose embedding is noise
    revealed: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return self.views[0]

    def joined(self) -> str:
        return "\n".join(self.views)


def deleet(text: str, table: dict[int, str] = _LEET_I) -> str:
    """Undo leetspeak in tokens that mix letters with digits or symbols (k3tamine → ketamine)."""
    return _MIXED_TOKEN.sub(lambda m: m.group().translate(table), text)


def despace(text: str) -> str:
    """Join letters spread out with spaces or dots (k e t a m i n e → ketamine, m g → mg)."""
    text = re.sub(r"\bm\s+g\b", "mg", text)
    return _SPACED_LETTERS.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group()), text)


def despace_words(text: str) -> str | None:
    """Words spelt out letter by letter with wider gaps between words (b u y  k e t → buy ket)."""
    groups = re.split(r"\s{2,}", text.strip())
    spelt = [re.fullmatch(r"\S(?: \S)+", group) is not None for group in groups]
    if len(groups) < 2 or not any(spelt):
        return None
    return " ".join(g.replace(" ", "") if s else g for g, s in zip(groups, spelt, strict=True))


def _printable_share(text: str) -> float:
    return sum(ch.isprintable() or ch.isspace() for ch in text) / max(len(text), 1)


def decode_payloads(text: str) -> list[tuple[str, str]]:
    """Base64 and hex payloads that decode to readable text, as (encoding, text)."""
    found: list[tuple[str, str]] = []
    for match in _BASE64.finditer(text):
        token = match.group()
        if token.isalpha() and (token.islower() or token.isupper()):
            continue  # a long plain word, not base64
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _printable_share(decoded) > 0.95 and re.search(r"[a-zA-Z]{3,}", decoded):
            found.append(("base64", decoded))
    for match in _HEX.finditer(text):
        try:
            decoded = bytes.fromhex(match.group()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if _printable_share(decoded) > 0.95 and re.search(r"[a-zA-Z]{3,}", decoded):
            found.append(("hex", decoded))
    return found


def rot13(text: str) -> str:
    return codecs.decode(text, "rot13")


def normalize(text: str) -> NormalizedText:
    """Every view of `text` that a rule should see."""
    result = NormalizedText(original=text)
    plain = basic(text)
    candidates = [plain, deleet(plain), deleet(plain, _LEET_L)]
    candidates += [despace(c) for c in candidates]
    # `basic` collapses the wide gaps that mark word boundaries in spelt-out text, so read them first
    spelt_words = despace_words(unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text)))
    if spelt_words:
        candidates.append(basic(spelt_words))
        result.revealed.append(basic(spelt_words))
    for encoding, payload in decode_payloads(unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text))):
        result.decoded.append(encoding)
        decoded = basic(payload)
        candidates += [decoded, deleet(decoded)]
        result.revealed.append(decoded)
    candidates.append(rot13(plain))
    for view in candidates:
        if view not in result.views:
            result.views.append(view)
    return result
