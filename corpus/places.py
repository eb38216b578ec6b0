"""The places a text names, so that a question about one place is not answered with another's facts.

Articles mark a regional fact with its place ("In the United Kingdom, ketamine is a Class B drug"),
and a reader who asks about the Netherlands is not answered by the law of the United Kingdom,
however closely the sentence matches the rest of the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Acronyms that are also words ("US", "NICE", "EMA") count only in capitals; the rest in any case.
_NAMES = {
    # the kingdom's own bodies: its drug advisers, care regulator, licensing and statistics offices
    "united kingdom": r"(?i:uk|u\.k\.|united kingdom|great britain|britain|british(?! columbia)|nhs|mhra|home office)|"
    r"NICE|ACMD|CQC|DVLA|GMC|ONS|"
    # its drug information service ("what's the phone number for FRANK" is not answered with Ireland's line)
    r"FRANK|(?i:talk\s+to\s+frank|frank(?=\s+(?:helpline|line|number|website|service)))",
    "england": r"(?i:england)",
    "scotland": r"(?i:scotland|scottish)",
    "wales": r"(?<!(?i:south) )(?i:wales|welsh)",
    "northern ireland": r"(?i:northern ireland)",
    # "the us" is never the pronoun
    "united states": r"US|DEA|VA|(?i:u\.s\.a\.|u\.s\.|usa|united states|america|american|fda|samhsa|medicaid|tricare|"
    r"veterans affairs)|(?<=(?i:the) )(?i:us)",
    "european union": r"EU|EMA|(?i:european union|europe|european)",
    # their medicines regulators and health services name them too (session 33's trial: "what about
    # the TGA" was answered with England's NICE)
    "ireland": r"(?<!(?i:northern) )(?i:ireland|irish)|HSE|HPRA",
    "netherlands": r"(?i:netherlands|holland|dutch)",
    "germany": r"(?i:germany|german)",
    "france": r"(?i:france|french)",
    "spain": r"(?i:spain|spanish)",
    "italy": r"(?i:italy|italian)",
    # its drug law and regulations ("is ketamine schedule I under the CDSA?" was answered with the UK's
    # Class B: a tenth new-user trial, session 36)
    "canada": r"(?i:canada|canadian|controlled drugs and substances act|narcotic control regulations)|CDSA",
    "australia": r"(?i:australia|australian)|TGA|PBS",
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
# Where a person says they are ("im in melbourne"). Only questions are read for them: in an article,
# "University College London" is a university, not a fact about England.
_CITIES = {
    "united states": r"new york|nyc|california|texas|florida|los angeles|chicago|boston|seattle|san francisco|"
    r"alabama|alaska|arizona|arkansas|colorado|connecticut|delaware|georgia|hawaii|idaho|illinois|indiana|iowa|"
    r"kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|"
    r"nebraska|nevada|new hampshire|new jersey|new mexico|north carolina|north dakota|ohio|oklahoma|oregon|"
    r"pennsylvania|rhode island|south carolina|south dakota|tennessee|utah|vermont|virginia|west virginia|"
    r"washington|wisconsin|wyoming|columbus|cleveland|cincinnati|houston|dallas|austin|atlanta|miami|denver|"
    r"phoenix|philadelphia|detroit|portland|san diego|las vegas|"
    # US health insurance ("we have a Blue Shield PPO", a thirteenth new-user trial)
    r"medicaid|blue cross|blue shield|kaiser permanente|aetna|humana|tricare|unitedhealthcare|ppo",
    "england": r"london|manchester|birmingham|leeds|liverpool|bristol|sheffield|nottingham|brighton|leicester|"
    r"coventry|newcastle|southampton|portsmouth|oxford|exeter|plymouth|norwich|bradford|wolverhampton|sunderland|"
    r"middlesbrough|bournemouth|kent|essex|surrey|sussex|devon|cornwall|yorkshire|norfolk|suffolk|lancashire|"
    r"cumbria|somerset|dorset",
    "scotland": r"glasgow|edinburgh|aberdeen|dundee|inverness|stirling",
    "wales": r"cardiff|swansea|wrexham|aberystwyth",
    "northern ireland": r"belfast",
    "ireland": r"dublin|galway|cork|limerick|waterford|kilkenny|sligo|wexford|kerry|donegal|drogheda|dundalk",
    "australia": r"sydney|melbourne|brisbane|adelaide|canberra|hobart|queensland|new south wales|nsw",
    "new zealand": r"auckland|christchurch",
    "canada": r"toronto|vancouver|montr[eé]al|ottawa|calgary|edmonton|winnipeg|ontario|qu[eé]bec|alberta|"
    r"manitoba|british columbia|nova scotia",
    "netherlands": r"amsterdam|rotterdam",
    "germany": r"berlin|munich|hamburg",
    "france": r"paris",
    "spain": r"madrid|barcelona",
    "italy": r"rome|milan",
    "india": r"mumbai|delhi|bangalore",
    "japan": r"tokyo",
    "china": r"beijing|shanghai",
    "thailand": r"bangkok",
}
_CITY_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"(?<!\w)(?i:{names})(?!\w)") for name, names in _CITIES.items()
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


# A place set aside ("im in canada though, not the UK": an eleventh new-user trial, session 37), or
# one a reply is suspected of or questioned ("is that nz law? unlimited fine sounds like the uk. im in auckland": a
# thirteenth, session 39), is not one the question is about.
_NOT_THERE = re.compile(
    r"(?i)\b(?:not|(?:sounds|looks|reads)\s+like)\s+(?:in\s+|from\s+)?(?:the\s+)?(?:[\w.]+)(?:\s+[\w.]+){0,2}|"
    # a place a reply gave, questioned before the person says where they are ("Scottish? I'm in Ohio",
    # a fourteenth new-user trial)
    r"(?:^|(?<=[.!?]\s))\W*[\w.]+\?(?=\s+(?:i'?m|i\s+am|we'?re|we\s+are|we\s+live|i\s+live)\s+in\b)"
)


def without_places_set_aside(question: str) -> str:
    """`question` without the places it sets aside ("not the UK", "sounds like the uk", "Scottish? I'm in Ohio")."""
    return _NOT_THERE.sub(lambda m: " " if _named_in(m.group()) else m.group(), question)


def _named_in(text: str) -> frozenset[str]:
    return places(text) | frozenset(name for name, pattern in _CITY_PATTERNS.items() if pattern.search(text))


def places_asked(question: str) -> frozenset[str]:
    """The places a question names, its cities and regions included ("im in melbourne": Australia),
    but not one it sets aside ("not the UK")."""
    return _named_in(without_places_set_aside(question)) or _named_in(question)


# Where the person or their family is: "we're in Perth", "my son is at school in Brisbane" (a tenth
# new-user trial, session 36: an overdose two turns later got no 000).
# "I'm head of year at a secondary in Kent", "is there anywhere in toronto i can call" (an eleventh trial).
_SAYS_WHERE = re.compile(
    r"(?i)\b(?:i'?m(?:\s+\d{1,2})?|i am(?:\s+\d{1,2})?|we'?re|we are|(?:i|we|he|she|they)\s+(?:lives?|work|works|teach|teaches|study|studies)|"
    r"living|based|here|staying|studying|working|anywhere|somewhere|"
    r"at\s+(?:an?\s+|the\s+|my\s+|our\s+)?(?:secondary|primary|high|school|uni|university|college|work|home)"
    r"(?:\s+school)?)\s+in\b"
)


# "is it illegal here or not", "a helpline here": the person is in the place the conversation named
# (a twelfth new-user trial: a woman in Dublin who had asked about Ireland's law was given the US and
# UK helplines for "here"). Not "here's", "here is/are" or "where do I go from here".
_HERE = re.compile(r"(?i)(?<!from\s)\bhere\b(?!'s|\s+(?:is|are|you\s+go)\b)")


def places_of_conversation(turns: Sequence[str]) -> frozenset[str]:
    """The places a conversation's newest turn is about: the ones it names, or else the one place an
    earlier turn says the person is in ("we're in Perth, Australia"), or names when a later turn says
    "here". An earlier question about a country's law alone says nothing about where the asker is, nor
    does an earlier turn naming several places."""
    here = False
    for position, turn in enumerate(reversed(turns)):
        named = places_asked(turn)
        if named and position == 0:
            return named
        if named and (here or _SAYS_WHERE.search(turn)):
            return named if len(named) == 1 else frozenset()
        here = here or bool(_HERE.search(turn))
    return frozenset()


def places_followed(turns: Sequence[str]) -> frozenset[str]:
    """The places an answer to the newest turn should keep to: `places_of_conversation`, or else the one
    place the turn just before named. "whats the law on ketamine in new zealand?" then "is ketamine
    illegal tho?" goes on asking about New Zealand (a thirteenth new-user trial, session 39: the second
    turn was answered with the United Kingdom's penalties). Only the answer keeps to it; where the
    person is, for emergency numbers, still needs them to say so."""
    said = places_of_conversation(turns)
    if said or len(turns) < 2:
        return said
    before = places_asked(turns[-2])
    return before if len(before) == 1 else frozenset()


def without_places(text: str) -> str:
    """`text` with every place name taken out, cities and regions included."""
    for pattern in (*PLACES.values(), *_CITY_PATTERNS.values()):
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
