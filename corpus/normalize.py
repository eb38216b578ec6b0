"""One normaliser for every rail: the input rail, vetting, the output rail and import read text through it.

Tricks that slip text past keyword rules work the same in a user's message and in an article: a
zero-width space inside "buy", Cyrillic look-alike letters, full-width digits, "fifty milligrams",
"milligrammes", "50-mg", a defanged link, an email spelt out with "at" and "dot", HTML entities.
`basic()` undoes the character tricks (the input rail builds its other views on it);
`article_view()` also undoes the spelling tricks and keeps one output line per input line, so a
match in the view can be traced back to its line of the original.
"""

from __future__ import annotations

import html
import re
import unicodedata

ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters that look like Latin ones.
CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
    }
)


def characters(text: str) -> str:
    """NFKC, zero-width characters removed, case folded, look-alike letters made Latin; lines kept."""
    text = unicodedata.normalize("NFKC", text)
    text = ZERO_WIDTH.sub("", text)
    text = text.casefold().translate(CONFUSABLES)
    return text.replace("’", "'").replace("‘", "'")


def basic(text: str) -> str:
    """`characters()` with all whitespace collapsed to single spaces: the input rail's first view."""
    return re.sub(r"\s+", " ", characters(text)).strip()


_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:[\s-]+(?P<unit>{'|'.join(list(_UNITS)[:9])}))?"
    rf"|(?P<small>{'|'.join(_UNITS)}))(?:[\s-]+(?P<hundred>hundred))?\b"
)
_SPELLINGS = [
    (re.compile(r"\bmilligrammes?\b"), "milligrams"),
    (re.compile(r"\bmicrogrammes?\b"), "micrograms"),
    (re.compile(r"\bgrammes?\b"), "grams"),
    (re.compile(r"(?<=\d)\s*mgs\b"), " mg"),
    # a unit joined to its number by a hyphen ("50-mg", "35-milligram")
    (re.compile(r"(?<=\d)-(?=[a-zµμ])"), " "),
    (re.compile(r"(?<=\d)\s*1\u20442|\b1\u20442\b"), "0.5"),
    (re.compile(r"\bhalf\s+(?:a\s+)?(?=g\b|gram)"), "0.5 "),
    (re.compile(r"\bquarter\s+(?:of\s+)?(?:a\s+)?(?=g\b|gram)"), "0.25 "),
    # defanged links and spelt-out addresses
    (re.compile(r"\bhxxp(s?)\b"), r"http\1"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}"), "."),
    (
        re.compile(
            r"\b([\w.+-]+)\s+(?:at|\[at\]|\(at\))\s+([\w-]+)\s+(?:dot|\[dot\]|\(dot\))\s+([a-z]{2,6})\b"
        ),
        r"\1@\2.\3",
    ),
    # markup split by whitespace ("java\tscript:")
    (re.compile(r"\bjava\s+script\s*:"), "javascript:"),
]


def _number(match: re.Match[str]) -> str:
    value = _TENS[match["tens"]] + (_UNITS[match["unit"]] if match["unit"] else 0) if match["tens"] else 0
    value = value or _UNITS[match["small"]]
    return str(value * 100 if match["hundred"] else value)


def article_view(text: str) -> str:
    """The text as a keyword rule should read it, one output line per input line.

    HTML entities are decoded, characters normalised as in `characters()`, number words turned into
    digits and unit spellings made standard, so "fifty milligrammes", "50-mg" and "5&#48; mg" all
    read "50 mg".
    """
    lines = []
    for line in text.split("\n"):
        line = characters(html.unescape(line).replace("\n", " "))
        line = _NUMBER_WORDS.sub(_number, line)
        for pattern, replacement in _SPELLINGS:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return "\n".join(lines)


_UPPER_CONFUSABLES = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
    }
)
_WORD = re.compile(r"\w+")


def _latin_lookalikes(match: re.Match[str]) -> str:
    word = match.group()
    has_latin = any("a" <= ch.lower() <= "z" for ch in word)
    if not has_latin:  # a word written wholly in Cyrillic or Greek is a real word of that script
        return word
    return word.translate(_UPPER_CONFUSABLES).translate(CONFUSABLES)


def visible_latin(text: str) -> str:
    """Text with zero-width characters removed and look-alike letters inside Latin words made Latin.

    For text that is kept (an imported article), unlike `characters()`, which makes a reading view:
    case, punctuation and words wholly in another script are left as they are.
    """
    return _WORD.sub(_latin_lookalikes, ZERO_WIDTH.sub("", text))
