"""The part of the body and the purpose of ketamine a text is about, so that a question about one is
not answered with a sentence about another.

"my memory is shot … is this permanent??" was answered with "Stopping ketamine is the most important
step for bladder health"; "how long do ketamine infusions for pain last" with how long the
antidepressant effect lasts. Both sentences matched the question's other words well: whether harm
heals after stopping, how long an infusion's effect lasts. Like places (`corpus.places`), a sentence
that names another organ, or only another purpose, answers another question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ORGANS = {
    "bladder": r"bladders?|urin\w*|pee|peeing|wee(?:ing)?|toilet|loo|bathroom|cystitis|uropathy|urolog\w*|cystoscop\w*|incontinen\w*",
    "kidneys": r"kidneys?|renal",
    "abdomen": r"stomach|belly|tummy|gut|guts|abdom\w*|k[\s-]?cramps?|cramps?|bile|biliary|liver|gall\s?bladder|gallstones?",
    # "nasal spray" is a medicine, not the nose
    "nose": r"nose|noses|nostrils?|septum|septal|nosebleeds?|nasal(?!\s+sprays?)|sinus\w*",
    "memory": r"memory|memories|forget\w*|forgetful\w*|cognit\w*|concentrat\w*",
    "heart": r"heart|hearts|cardiac|cardio\w*|blood\s+pressure|pulse",
    "teeth": r"teeth|tooth|dental|gums?",
}
ORGANS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"(?<!\w)(?:{names})(?!\w)", re.IGNORECASE) for name, names in _ORGANS.items()
}

# Ketamine for pain or anaesthesia, told without a word of depression or its treatment.
_FOR_PAIN = re.compile(
    r"\b(?:pain|painful|painkillers?|analges\w*|surgery|surgeries|operations?|op|anaes?thetic|anaes?thesia|"
    r"anesthe\w*|sedat\w*|c-?section|caesarean|stitches|crps|fibromyalgia|neuropath\w*|nerve\s+pain)\b",
    re.IGNORECASE,
)
_FOR_DEPRESSION = re.compile(
    r"\b(?:depress\w*|antidepress\w*|esketamine|spravato|mood|suicid\w*|ptsd|anxiety|ocd|mental\s+health|"
    r"psychiatr\w*|ssris?|snris?)\b",
    re.IGNORECASE,
)


def organs(text: str) -> frozenset[str]:
    """The parts of the body `text` names (the bladder, the kidneys, the nose, memory …)."""
    return frozenset(name for name, pattern in ORGANS.items() if pattern.search(text))


def names_another_organ(asked: str | frozenset[str], sentence: str) -> bool:
    """Whether `sentence` names parts of the body and none that were `asked` about (a question, or
    the parts it is about); never when none were."""
    if isinstance(asked, str):
        asked = organs(asked)
    if not asked:
        return False
    named = organs(sentence)
    return bool(named) and not named & asked


# A follow-up that names no part of the body ("will it heal if i stop") is about the one the turn
# before asked about ("my nose is constantly blocked"); "is the blood dangerous?" points back too.
_POINTS_BACK = re.compile(
    r"\b(?:it|that|this|they|them|those|these|mine|the\s+(?:damage|blood|bleeding|pain|burning|symptoms?|cramps))\b",
    re.IGNORECASE,
)
# How many turns back a follow-up's part of the body is looked for: "…still bleeding sometimes" then
# "whats the chance it heals" then "is the blood dangerous? a&e or gp" is still about the bladder (a
# thirteenth new-user trial, session 39: it was answered with the NHS's advice on nosebleeds).
BODY_PART_LOOKBACK = 3


def body_parts_of_conversation(turns: Sequence[str]) -> frozenset[str]:
    """The parts of the body the newest turn is about: the ones it names, or else, when it points
    back, the ones the latest of the turns before it that names any named."""
    named = organs(turns[-1])
    if named or len(turns) < 2 or not _POINTS_BACK.search(turns[-1]):
        return named
    earlier = (organs(turn) for turn in reversed(turns[-1 - BODY_PART_LOOKBACK : -1]))
    return next((parts for parts in earlier if parts), frozenset())


def for_pain_only(text: str) -> bool:
    """Whether `text` speaks of ketamine for pain, an operation or sedation, and not of depression."""
    return bool(_FOR_PAIN.search(text)) and not _FOR_DEPRESSION.search(text)


# Help with one's own or someone else's drug use: helplines, drug services, family support. It does not
# answer "do any hospitals here do ketamine for nerve pain?" (the HSE's drugs helpline was quoted to it).
_HELP_WITH_DRUG_USE = re.compile(
    r"\b(?:helplines?|drug\s+(?:and\s+alcohol\s+)?(?:treatment\s+)?services?|family\s+support|"
    r"drug\s+or\s+alcohol\s+use)\b",
    re.IGNORECASE,
)
# Drug use, or help with it, spoken of; "no im not worried about using it, i want it as treatment" denies it.
_DRUG_USE_SPOKEN_OF = re.compile(
    r"\b(?:addict\w*|dependen\w*|hooked|misuse|recreational\w*|quit\w*|using|uses|used|ket|k|k-?holes?|"
    r"part(?:y|ies|ying)|clubs?|clubbing|festivals?|afters|bumps?|lines?|snort\w*|dealers?|street|high|"
    r"helplines?|drug\s+services?)\b",
    re.IGNORECASE,
)
_USE_DENIED = re.compile(r"\b(?:not|never|don'?t|dont)\s+(?:\w+\s+){0,3}?(?:using|use|used)\b", re.IGNORECASE)


def speaks_of_drug_use(text: str) -> bool:
    """Whether `text` speaks of using drugs, of addiction or of help with them, other than to deny it."""
    return bool(_DRUG_USE_SPOKEN_OF.search(_USE_DENIED.sub(" ", text)))


def help_with_drug_use_for_pain(question: str, sentence: str) -> bool:
    """Whether `sentence` is about help with drug use and `question` about ketamine for pain alone,
    speaking of no drug use."""
    return (
        for_pain_only(question)
        and not speaks_of_drug_use(question)
        and bool(_HELP_WITH_DRUG_USE.search(sentence))
    )


# Ketamine or esketamine as a treatment: a conversation about it alone is not pointed to an article
# about using ketamine outside medicine when no sentence answers it ("what side effects should I look
# out for in him that evening?" about Spravato was pointed to "Signs of ketamine use - a guide for
# families"; a man asking about ketamine clinics in Sydney to drug checking: a twelfth new-user trial).
_KETAMINE_AS_TREATMENT = re.compile(
    r"\b(?:ketamine|esketamine)[-\s]+(?:assisted\s+)?(?:therapy|treatments?|infusions?|clinics?|sessions?|psychotherapy)\b|"
    r"\b(?:spravato|esketamine)\b|\b(?:treatment|therapy|infusions?)\s+with\s+(?:ketamine|esketamine)\b|"
    r"\bketamine\s+for\s+(?:my\s+|his\s+|her\s+)?(?:depression|pain|ptsd|anxiety|ocd)\b",
    re.IGNORECASE,
)
# Articles about using ketamine outside medicine, by their topics.
NON_MEDICAL_TOPICS = frozenset(
    {"warning signs", "drug checking", "harm reduction", "misuse", "polydrug use", "snorting"}
)


def names_ketamine_as_treatment(text: str) -> bool:
    """Whether `text` names ketamine or esketamine as a treatment ("ketamine therapy", "Spravato",
    "infusions with ketamine", "ketamine for my depression")."""
    return bool(_KETAMINE_AS_TREATMENT.search(text))


def only_ketamine_as_treatment(turns: Sequence[str]) -> bool:
    """Whether a conversation speaks of ketamine or esketamine as a treatment and never of drug use."""
    return any(names_ketamine_as_treatment(turn) for turn in turns) and not any(
        speaks_of_drug_use(turn) for turn in turns
    )


# "ketamine or esketamine treatment" is either medicine, whatever it is for.
_EITHER_MEDICINE = re.compile(
    r"\b(?:ketamine\s+(?:or|and)\s+esketamine|esketamine\s+(?:or|and)\s+ketamine)\b", re.IGNORECASE
)


def about_depression_only(sentence: str) -> bool:
    """Whether `sentence` speaks of depression or its treatment, and not of pain or anaesthesia."""
    sentence = _EITHER_MEDICINE.sub(" ", sentence)
    return bool(_FOR_DEPRESSION.search(sentence)) and not _FOR_PAIN.search(sentence)


# Whether a medicine suits someone because of their older age ("is it safe at her age?", "am I too
# old for spravato", "adverse effects that matter in the over 80s"). The articles say almost nothing
# about later life, and "esketamine is approved for adults only" does not answer it.
_OLDER_AGE_ASKED = re.compile(
    r"\b(?:too\s+old|elderly|older\s+(?:people|adults|patients|person|persons|age)|"
    r"over[-\s]?(?:6[05]|[78]\d)\s*s?|later\s+life|old\s+age|geriatric\w*)\b",
    re.IGNORECASE,
)
# "at my age" is older age only when the age told is: a 17-year-old asking it wants the adult licence.
_AT_THIS_AGE = re.compile(r"\bat\s+(?:her|his|my|their|your|this|that)\s+age\b", re.IGNORECASE)
_OLDER_PERSON_TOLD = re.compile(
    r"\b(?:[6-9]\d|1[01]\d)\s*(?:yrs?|years?|y/?o)?\b|\b(?:retired|pensioner|grand(?:ma|pa|mother|father|mum|dad|parent)s?)\b",
    re.IGNORECASE,
)
_AGE_TOLD = re.compile(
    r"\b(?:age|ages|aged|older|elderly|old|years?\s+old|later\s+life|over[-\s]?\d\d|under[-\s]?\d\d|\d\d\s+and\s+over|"
    r"children|child|young|younger|teenagers?|adolescents?)\b",
    re.IGNORECASE,
)


def older_age_asked(text: str) -> bool:
    """Whether `text` asks about ketamine or esketamine at an older age."""
    if _OLDER_AGE_ASKED.search(text):
        return True
    return bool(_AT_THIS_AGE.search(text) and _OLDER_PERSON_TOLD.search(text))


def says_nothing_of_age(sentence: str) -> bool:
    """Whether `sentence` names no age or age group."""
    return not _AGE_TOLD.search(sentence)


# An adult asking for themselves ("im 29 not a kid", "adult, daily user, wants help") is not answered
# with what young people's services or a child's criminal record involve (a new-user trial, session 33).
_ADULT_TOLD = re.compile(
    r"\b(?:i'?m|im|i\s+am|aged?)\s+(?:1[89]|[2-9]\d)\b(?!\s*(?:mg|ml|g|kg|%|mins?|minutes?|hours?|days?|weeks?|months?|times?))|"
    # "adult, daily user, wants help", "im an adult", not "young adults" or "is it safe for adults"
    r"\bnot\s+(?:a\s+)?(?:kid|child|teen(?:ager)?|minor)\b|(?:^|[.,;!?]\s*)(?:an?\s+)?adult\b|\b(?:i'?m|im|i\s+am|as)\s+an\s+adult\b",
    re.IGNORECASE,
)
_YOUNG = r"young\s+(?:people|person)|teen\w*|adolescen\w*|child(?:ren)?|pupils?|school\w*|under[-\s]?18s?|minors?|youth"
# Someone young asked about: "my son is 16", "what about teenagers", "under 18s" (not "not a kid").
_YOUNG_ASKED = re.compile(
    rf"(?<!not\s)(?<!not\sa\s)(?<!forget\s)\b(?:{_YOUNG}|sons?|daughters?|kids?|(?:1[0-7]|[1-9])\s*(?:yrs?|years?|y/?o)\b)",
    re.IGNORECASE,
)
# A sentence about young people, or about their parents.
_ABOUT_YOUNG_PEOPLE = re.compile(rf"\b(?:{_YOUNG}|parents?)\b", re.IGNORECASE)


def adult_asking_for_themselves(question: str) -> bool:
    """Whether `question` says the asker is an adult and asks about no one young."""
    return bool(_ADULT_TOLD.search(question)) and not _YOUNG_ASKED.search(question)


def about_young_people(sentence: str) -> bool:
    """Whether `sentence` speaks of young people, children, pupils or their parents."""
    return bool(_ABOUT_YOUNG_PEOPLE.search(sentence))
