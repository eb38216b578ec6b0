"""The places a text names, so that a question about one place is not answered with another's facts.

Articles mark a regional fact with its place ("In the United Kingdom, ketamine is a Class B drug"),
and a reader who asks about the Netherlands is not answered by the law of the United Kingdom,
however closely the sentence matches the rest of the question.
"""

from __future__ import annotations

import re

# Acronyms that are also words ("US", "NICE", "EMA") count only in capitals; the rest in any case.
_NAMES = {
    "united kingdom": r"(?i:uk|u\.k\.|united kingdom|great britain|britain|british|nhs|mhra)|NICE",
    "england": r"(?i:england)",
    "scotland": r"(?i:scotland|scottish)",
    "wales": r"(?i:wales|welsh)",
    "northern ireland": r"(?i:northern ireland)",
    "united states": r"US|DEA|(?i:u\.s\.a\.|u\.s\.|usa|united states|america|american|fda|samhsa)",
    "european union": r"EU|EMA|(?i:european union|europe|european)",
    "ireland": r"(?<!(?i:northern) )(?i:ireland|irish)",
    "netherlands": r"(?i:netherlands|holland|dutch)",
    "germany": r"(?i:germany|german)",
    "france": r"(?i:france|french)",
    "spain": r"(?i:spain|spanish)",
    "italy": r"(?i:italy|italian)",
    "canada": r"(?i:canada|canadian)",
    "australia": r"(?i:australia|australian)",
    "new zealand": r"(?i:new zealand)",
    "india": r"(?i:india|indian)",
    "china": r"(?i:china|chinese|hong kong|taiwan)",
    "japan": r"(?i:japan|japanese)",
    "thailand": r"(?i:thailand|thai)",
}
# Not `\b`: "U.S." ends in a full stop, after which a word boundary never comes before a space.
PLACES: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"(?<!\w)(?:{names})(?!\w)") for name, names in _NAMES.items()
}
# A whole counts as each of its parts and each part as its whole: a law of the United Kingdom holds
# in Scotland, and a rule for Scotland answers part of a question about the United Kingdom.
_PARTS = {
    "united kingdom": ("england", "scotland", "wales", "northern ireland"),
    "european union": ("ireland", "netherlands", "germany", "france", "spain", "italy"),
}
# Each nation of the United Kingdom runs its own NHS: "the local NHS board" beside Scotland is
# Scotland's, so the NHS names the whole kingdom only when no nation of it is named.
_NATIONAL_SERVICE = re.compile(r"(?<!\w)(?i:nhs)(?!\w)")


def places(text: str) -> frozenset[str]:
    """The places `text` names, by the names of PLACES ("NHS Scotland" names Scotland alone)."""
    named = frozenset(name for name, pattern in PLACES.items() if pattern.search(text))
    if "united kingdom" in named and named.intersection(_PARTS["united kingdom"]):
        without_service = _NATIONAL_SERVICE.sub(" ", text)
        if not PLACES["united kingdom"].search(without_service):
            return named - {"united kingdom"}
    return named


def without_places(text: str) -> str:
    """`text` with every place name taken out."""
    for pattern in PLACES.values():
        text = pattern.sub(" ", text)
    return text


def _with_related(named: frozenset[str]) -> frozenset[str]:
    related = set(named)
    for whole, parts in _PARTS.items():
        if whole in named:
            related.update(parts)
        if named.intersection(parts):
            related.add(whole)
    return frozenset(related)


def names_only_other_places(asked: frozenset[str], text: str) -> bool:
    """Whether `text` names places and none of them is an `asked` place, its whole or one of its parts
    (never when nothing was asked: a question without a place can be answered from anywhere)."""
    if not asked:
        return False
    named = places(text)
    return bool(named) and not named & _with_related(asked)
