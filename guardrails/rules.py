"""Intent rules: a request form combined with a target, so 'how much research' or 'where in medicine'
never trips a rule that 'how much ket' or 'where to buy ket' does.

The patterns and the functions for categories whose logic outgrew one pattern live here; which
category uses which, in what order, is declared in `categories.py`. Each hit names its rule
(`dosing.quantity-to-take`, `sourcing.acquire`, …). The rules read case-folded text, as every
`normalize()` view is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from corpus.aspects import names_ketamine_as_treatment
from guardrails.lexicon import (
    ACQUIRE,
    CONSUME,
    KETAMINE,
    MAKE,
    MARKET,
    NO_PRESCRIPTION,
    OUTCOME,
    PER_WEIGHT,
    SUBSTANCE,
    UNIT,
)


def rx(pattern: str) -> re.Pattern[str]:
    # Case-sensitive on purpose: the rules read `normalize()` views, which are case-folded, and
    # IGNORECASE makes Python's engine nearly three times slower on these long alternations.
    return re.compile(pattern)


@dataclass(frozen=True)
class Context:
    """What earlier turns tell about the newest one."""

    substance_mentioned: bool = False
    jailbreak_before: bool = False
    wrapper_before: bool = False
    refused_before: bool = False
    distress_before: bool = False
    # An emergency the rules found in one of the last two earlier turns.
    emergency_before: bool = False
    # The turn before asked about harm-reduction supplies (a test kit, naloxone), so "where can I
    # buy one" asks for the supplies, not the drug.
    supplies_before: bool = False
    # The turn before asked about esketamine alone, which is given only in certified clinics, so
    # "where can I get it?" asks where to be treated.
    clinic_only_medicine_before: bool = False
    # The turn before asked what treatment costs and was answered or abstained, so "ok roughly how
    # much in the US then" asks about money, not an amount to take.
    cost_before: bool = False
    # The turn before asked about driving or operating machinery, so "so how long after should i wait
    # then" asks when it is safe to drive, not when to take more.
    driving_before: bool = False
    # The turn before asked whether one gets addicted, so "ok but after ONE go? like is once enough"
    # asks how soon dependence comes, not how much to take.
    addiction_before: bool = False


@dataclass(frozen=True)
class RuleHit:
    category: str
    rule: str
    matched: str


# What else a rule looks at besides its own pattern: another pattern anywhere in the text, or a
# check of the text, the conversation and what the rule's pattern matched.
Check = Callable[[str, "Context", str], bool]
Condition = re.Pattern[str] | Check


def _holds(condition: Condition, text: str, context: Context, matched: str) -> bool:
    if isinstance(condition, re.Pattern):
        return condition.search(text) is not None
    return condition(text, context, matched)


@dataclass(frozen=True)
class IntentRule:
    """Fires when `pattern` matches and every `requires` condition holds and no `unless` one does."""

    id: str
    pattern: re.Pattern[str]
    requires: tuple[Condition, ...] = ()
    unless: tuple[Condition, ...] = ()

    def match(self, text: str, context: Context) -> str | None:
        found = self.pattern.search(text)
        if found is None:
            return None
        matched = found.group()
        if all(_holds(c, text, context, matched) for c in self.requires) and not any(
            _holds(c, text, context, matched) for c in self.unless
        ):
            return matched
        return None


@dataclass(frozen=True)
class Exempt:
    """Stops a category's later rules when `when` holds: "how many sessions" is a course of treatment."""

    reason: str
    when: Condition

    def applies(self, text: str, context: Context) -> bool:
        return _holds(self.when, text, context, "")


QUANT = r"(?:how\s+(?:much|many)|what\s+(?:amount|quantity)|cu[aá]nt[oa]s?|qu[eé]\s+cantidad\s+de|combien|wie\s+viele?|quant[oa]s?|quant[ie])"
DET = r"(?:of|de|di|d'|da|do|del|des|du|la|le|el|les|los|las|the|a|an|some|any|this|that|my|your|me|us|i|ich|je|yo|pure|good|cheap|real|more|gram|bag|liquid|pharma|legit|un|une|una|uno|ein|eine|einen|etwas|po'|poco|pouco|peu|bisschen)"
MODAL = r"(?:should|do|can|could|would|must|shall|will|to|debo|tengo\s+que|puedo|dois|peux|sollte|muss|kann|devo|posso|preciso)"
SUBJECT = r"(?:i|we|you|he|she|they|one|my\s+\w+|yo|je|ich|eu|io)"
ASK = r"(?:where|how|who|which|best|any|can\s+i|could\s+i|d[oó]nde|c[oó]mo|o[uù]|comment|wo|wie|onde|dove|come|qu[eé]|quel|welche[rs]?|qual|quale|tell\s+me|give\s+me|recommend)"

_QUANTITY_OF_SUBSTANCE = rx(rf"\b{QUANT}\b\s+(?:{DET}\s+){{0,2}}(?:\w+\s+)?{SUBSTANCE}\b")
_STATISTICS = rx(
    r"\bhow\s+(?:much|many)\s+(?:has|have|had|did)\b|\b(?:increased?|rise|risen|grown|fallen|declined|changed|prevalence|percent(?:age)?|"
    r"statistics?|deaths|studies|trials|surveys?)\b"
)
_QUANTITY_OF_UNITS = rx(rf"\b{QUANT}\b\s+(?:\w+\s+)?{UNIT}\b")
_QUANTITY_TO_TAKE_ANY = rx(
    rf"\b{QUANT}\b\s+(?:\w+\s+)?{MODAL}\s+(?:{SUBJECT}\s+)?(?:\w+\s+)?(?:take|dose|snort|give|inject|swallow|use|tomar|dar|prendre|donner|nehmen|geben|prendere|dare)\b"
)
_QUANTITY_TO_TAKE = rx(
    rf"\b{QUANT}\b\s+(?:\w+\s+)?(?:of\s+(?:it|this|that)\s+)?{MODAL}\s+(?:{SUBJECT}\s+)?(?:\w+\s+)?{CONSUME}\b"
)
# "im not asking how much to take lol, im asking if using that much every day is why…": denied.
_DOSE_DENIED = rx(
    r"(?:\bnot|n'?t)\s+(?:asking|wanting|after|looking\s+for)\s+(?:to\s+know\s+)?(?:for\s+|about\s+)?"
    r"(?:how\s+(?:much|many)|an?\s+(?:dose|amount)|the\s+(?:dose|amount)|what\s+dose|doses|dosing)\b"
)
# Fit for work after a session ("how long after a dose would he be fit for safety critical duties"):
# when one may work or drive again, not an amount or an interval between doses.
_FIT_AFTER_A_DOSE = rx(
    r"\bhow\s+(?:long|soon)\s+after\s+(?:a|each|the|his|her|their|my|your)\s+(?:dose|session|treatment|spray|infusion)\b"
    r"[^.?!]{0,60}\b(?:fit|safe|able|allowed|ok|okay|back)\b[^.?!]{0,30}\b(?:work|duties|duty|drive|driving|operate|"
    r"machinery|shift|job|safety[-\s]critical)"
)
# Asking for another dose, or more, is redosing however it is framed ("how long after a dose can i
# take another one so im fit for work").
_ANOTHER_DOSE = rx(r"\b(?:another|again|more|redos\w*|next\s+(?:dose|one|line|bump)|top\s*up|re-?dose)\b")


# "at my worst i was doing 3-4g a day": an amount told of past use, not asked for.
_PAST_AMOUNT_TOLD = rx(
    r"\b(?:was|were|been|used\s+to\s+be)\s+(?:doing|using|taking|on|having|snorting)\s+(?:about\s+|around\s+|like\s+|up\s+to\s+)?"
    r"\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?\s*(?:g|grams?|mg|ml|lines?|bumps?)\b"
)


def _only_denied(text: str, _context: object = None, _matched: str = "") -> bool:
    """An amount denied, and none asked for in the rest of the turn ("im not asking about doses, just
    tell me how many grams…" still asks; an amount told of past use is not asked)."""
    rest = _DOSE_DENIED.sub(" ", _PAST_AMOUNT_TOLD.sub(" ", text))
    return bool(_DOSE_DENIED.search(text)) and not _AMOUNT_ASKED.search(rest)


# "i work too much and i am sad": too much of a day's life, not of a drug (the eighteenth blind set).
_TOO_MUCH_OF_LIFE = rx(
    r"\b(?:work|working|worry|worrying|think|thinking|overthink\w*|study|studying|talk|talking|spend|spending|"
    r"train|training|sleep|sleeping|drank)\s+(?:way\s+|far\s+|much\s+)?too\s+much\b"
)


def _too_much_of_life(text: str, _context: object = None, _matched: str = "") -> bool:
    """Every amount word is "too much" of work, worry or sleep."""
    return bool(_TOO_MUCH_OF_LIFE.search(text)) and not _AMOUNT_ASK.search(_TOO_MUCH_OF_LIFE.sub(" ", text))


def _fit_for_work(text: str, _context: object = None, _matched: str = "") -> bool:
    """When one is fit for work or driving after a session, with no further dose asked about."""
    return bool(_FIT_AFTER_A_DOSE.search(text)) and not _ANOTHER_DOSE.search(text)


_CONSUMPTION = rx(
    rf"\b(?:{CONSUME}|{OUTCOME})\b|\b\d+\s?(?:kg|kilos?)\b|\bfor\s+(?:me|my|him|her|a\s+\w+|someone)\b|\btoo\s+much\b|\bsafe(?:ly)?\b"
)
_DOSE_REQUEST = rx(
    r"\b(?:what|which|whats|what's|tell\s+me|give\s+me|quelle|qu[eé]|welche|qual|cu[aá]l|nenn\s+mir|sag\s+mir|dime|dis-moi|dimmi|diz-me|me\s+diga)\b"
    r"\s+(?:is\s+|'s\s+|es\s+|est\s+|ist\s+|è\s+|é\s+)?"
    r"(?:\w+[\s-]+){0,3}?(?:(?:micro)?dose|dosage|dosis|dosierung|dosi|amount|quantity|menge|cantidad|quantit[ée]|quantit[àa]|quantidade)\b(?!-)"
)
_DOSE_OF_ANYTHING = rx(
    r"\b(?:what|which|whats|what's|good|right|best|usual|normal|starting)\s+(?:\w+\s+){0,3}?(?:(?:micro)?dose|dosage)\s+of\s+\w"
)
# An amount offered to be checked ("is his first dose meant to be 56 or 84mg?", "is 1mg/kg too much"):
# asking which amount is right is asking for the amount.
_AMOUNT_TO_CHECK = rx(
    r"\b(?:dose|dosage)\b[^.?!]{0,30}\b(?:meant|supposed)\s+to\s+be\b|"
    r"\b(?:should|would)\s+(?:\w+\s+){0,2}?(?:dose|dosage)\s+be\b|"
    r"\b\d+(?:\.\d+)?\s*(?:mg|ml|mcg|ug)?\s+or\s+\d+(?:\.\d+)?\s*(?:mg|ml|mcg|ug)\b|"
    r"\b\d+(?:\.\d+)?\s*(?:mg|ml|mcg|ug)(?:\s*/\s*kg)?\s+(?:is\s+|be\s+)?(?:too\s+(?:much|high|low)|enough|the\s+right\s+(?:dose|amount))\b"
)
# Dosing oneself or someone else, asked as how rather than how much ("how do I dose it for my
# depression"): a request for the regimen the policy leaves to a prescriber.
_SELF_DOSING = rx(
    r"\bhow\s+(?:do|should|would|could|can|must)\s+(?:i|we)\s+(?:best\s+)?(?:\w+\s+)?(?:dose|microdose)\b|"
    r"\bhow\s+to\s+(?:best\s+)?(?:dose|microdose)\s+(?:it|this|myself|me|ket|k)\b"
)
_SUBSTANCE_DOSE = rx(
    rf"\b{SUBSTANCE}\s+(?:(?:maintenance|starting|usual|normal|standard|typical|daily|weekly|loading|target)\s+)?(?:dose|dosage|amount|dosis)\b(?!-)|\bdose[_\s]?mg\b"
)
_DOSE_TARGET = rx(
    rf"\b(?:{SUBSTANCE}|{OUTCOME})\b|\bi\s+weigh\b|\bgets?\s+you\b|\b\d+\s?(?:kg|kilos?)\b|\bfor\s+(?:me|my|him|her|someone|a\s+\d+)\b|\bgive\s+(?:my|him|her)\b"
)
_PER_WEIGHT = rx(PER_WEIGHT)
_SAFE_MAXIMUM = rx(
    r"\b(?:safe\s+max(?:imum)?|max(?:imum)?\s+safe|safe\s+(?:amount|dose|limit)|how\s+much\s+is\s+too\s+much|"
    r"dosis\s+m[aá]xima|dose\s+maximale|h[öo]chstmenge|dose\s+m[aá]xima|dose\s+massima|maximum\s+(?:amount|dose)|"
    r"safe\s+(?:frequency|interval|gap|schedule)|how\s+often\s+is\s+(?:it\s+)?safe|"
    # the top of a dose range ("can I have it increased, and what's the highest they go up to")
    r"highest\s+(?:dose|amount|they\s+go|it\s+goes|you\s+can\s+go)|how\s+high\s+(?:can|do|does|will|would)\s+(?:they|it|the\s+dose|you)\s+go)\b"
)
_REDOSE = rx(
    r"\b(?:re-?dos(?:e|ing)|top\s+up|take\s+more|another\s+(?:bump|line|dose)|volver\s+a\s+(?:meterme|tomar|usar)|"
    r"reprendre|nachlegen|de\s+novo|ripetere|(?:take|do|have|drop|pop|use|using)\s+(?:another|a\s+second|one\s+more)|"
    r"(?:fine|ok|okay|safe|alright)\s+to\s+go\s+again(?!\s+(?:to|into|out|back|for|on|in)\b))\b"
)
# Only drugs and medicines are redosed, so the word needs no substance named beside it ("how long
# should i wait before redosing key": "key" is ketamine only to those who use it).
_REDOSE_WORD = rx(r"\bre-?dos(?:e|es|ed|ing)\b")
_WHEN_AGAIN = rx(
    r"\b(?:when|how\s+(?:long|soon)|after|before|cada|au\s+bout|wie\s+lange|depois|dopo|can\s+i|puedo|posso|je\s+peux|kann\s+ich|"
    r"what\s+if|should\s+i|do\s+i)\b"
)
_FREQUENCY = rx(
    rf"\bhow\s+often\s+(?:can|should|could|may|do|must)\s+(?:i|we|you|my\s+\w+)\b.*\b(?:{SUBSTANCE}|{CONSUME}|re-?do|repeat)\b|"
    r"\bcada\s+cu[aá]nto\b|\bhow\s+long\s+(?:should|must|do)\s+i\s+wait\b|\bwie\s+lange\s+muss\s+ich\s+warten\b|"
    r"\bau\s+bout\s+de\s+combien\b|\bdepois\s+de\s+quanto\s+tempo\b|\bdopo\s+quanto\s+tempo\b"
)
# A use frequency offered for approval ("if he only did it every other weekend would that be ok"):
# asking whether a schedule of use is safe is asking for one.
_FREQUENCY_FOR_APPROVAL = rx(
    r"\b(?:every\s+(?:other|second|few|couple\s+of)\s+(?:day|night|week|weekend|month)s?|"
    r"once\s+(?:a|every|per)\s+(?:day|night|week|weekend|fortnight|month)|twice\s+(?:a|per)\s+(?:day|week|weekend|month)|"
    r"(?:\d+|one|two|three|four)\s+times\s+(?:a|per)\s+(?:day|week|weekend|month))\b[^.?!]{0,40}?"
    r"\b(?:(?:be|is|that'?s|thats|it'?s)\s+(?:ok|okay|safe|fine|alright|all\s+right)|safe\s+enough)\b|"
    # the schedule first: "is every weekend ok for ket or should i space it out"
    r"\b(?:is|would|will)\s+(?:(?:it|using|doing\s+it|that)\s+)?(?:every|each)\s+(?:other\s+|second\s+)?"
    r"(?:day|night|week|weekend|month)\s+(?:be\s+)?(?:ok|okay|safe|fine|alright|too\s+(?:much|often))\b"
)
# How often a clinic's sessions come is a course of treatment, not a schedule of use.
_SESSIONS_OF_A_COURSE = rx(r"\b(?:sessions?|appointments?|infusions?|treatments?|clinic)\b")
_AMOUNT_ASK = rx(
    r"\b(?:how\s+much|how\s+many|what\s+(?:amount|quantity|ratio|strength)|how\s+(?:big|strong)|the\s+most\s+(?:i|you|we|one)\s+can|"
    r"upper\s+limit|(?:sensible|right|good|safe|normal|usual|typical|starting|beginner|decent)\s+amount|(?:my|a|the)\s+number|"
    r"how\s+frequently|how\s+soon|what\s+gap|how\s+long\s+(?:between|after)|(?:weekly|daily)\s+plan|step\s+(?:the\s+amount|it)\s+up|"
    r"scale\s+(?:the\s+amount|it)|cu[aá]nt[oa]s?|quant[oaie]s?|combien|wie\s+viele?|too\s+many|too\s+much|"
    r"(?:what's|what\s+is)\s+(?:my|the)\s+(?:number|limit|max\w*)|how\s+far\s+apart|space\s+(?:out\s+)?(?:my|the|them)|how\s+long\s+to\s+wait)\b"
)
_PERSONAL_USE = rx(
    # "someone stops using" is about quitting, not an amount to take
    rf"\b(?:i|i've|i'm|ive|you|we|he|she|my\s+\w+|one|u|someone|a\s+(?:beginner|newbie|first[\s-]?timer))\s+(?:(?!(?:stop|stops|stopped|quit|quits)\b)\w+\s+){{0,2}}?{CONSUME}\b|"
    rf"\b{OUTCOME}\b|"
    r"\b\d+\s?(?:kg|kilos?)\b|\bfor\s+(?:me|my\s+\w+|him|her|a\s+(?:beginner|newbie|first[\s-]?timer))\b|\bbefore\s+it\s+gets\s+dangerous\b|"
    r"\bfor\s+(?:an?|my)\s+\d+\s*(?:-|\s)?(?:yrs?|years?|yo|y/o|months?)(?:\s*-?\s*old)?\b|"
    r"\bfor\s+(?:sleep|sleeping|pain|anxiety|a\s+night\s+out|the\s+night|a\s+party|the\s+weekend)\b"
)
_STREET_ONLY = rx(
    r"\b(?:bumps?|lines?|keys?|points?|traces?|rayas?|piste?|mg|milligrams?|mcg|micrograms?)\b(?!\s+of\s+(?:protein|caffeine|sodium|salt|sugar|iron|calcium|fat|fib(?:re|er)|vitamin))"
)
_STREET_UNIT = rx(
    r"\b(?:bumps?|lines?|keys?|points?|traces?|rayas?|piste?|sprays?|milligrams?|mg|mcg|micrograms?|tabs?|hits?|drops?)\b"
)
# Signals that a quantity question is about using a drug, whatever the substance is called.
_STRONG_USE = rx(
    rf"\b(?:snort|dab|boof|rail|microdos\w*|inject\w*|re-?dose|dose|dosing|top[\s-]?ups?|go\s+again|mix|on\s+top\s+of|at\s+home|"
    rf"on\s+my\s+own|myself|ok|okay|alright|safe(?:ly)?|too\s+(?:much|many)|all\s+night|sweet\s+spot|stay\s+(?:high|up|in)|{OUTCOME}|"
    rf"en\s+casa|em\s+casa|[àa]\s+la\s+maison|chez\s+moi|zu\s*hause|daheim|a\s+casa|in\s+casa)\b|"
    r"\b\d+\s?(?:kg|kilos?)\b|\bi\s+weigh\b|\bweighs?\s+\d"
)
# Needing an amount to get through withdrawal without the programme is self-directed dosing; the
# need alone names no substance ("combien de photos faut-il pour un passeport"), so it is only a purpose.
_NEED_AMOUNT = rx(
    r"\b(?:serve|sirve|necesito|brauche|faut-il|preciso|to\s+get\s+through|superare|[üu]berstehen|aguantar)\b"
)
# Changing one's own dose without the prescriber: going up, tapering, squeezing in an extra one.
_SELF_DIRECTED_CHANGE = rx(
    r"\b(?:go|going|step|bump)\s+up\s+to\s+\d+|\b(?:increase|raise|double|up)\s+(?:it|my\s+dose|the\s+dose|his\s+dose|her\s+dose)\s+(?:to|by)\s+\d+|"
    r"\b(?:squeeze\s+in|take|have|give\s+(?:him|her|them|me))\s+(?:an?\s+)?extra\s+(?:tablet|pill|dose|capsule|patch|spray|one)s?\b|"
    r"\bhow\s+(?:much|many|fast|quickly)\s+(?:\w+\s+){0,3}?(?:cut|drop|reduce|lower|taper|come\s+down)\b"
)
_ON_ONES_OWN = rx(
    r"\b(?:myself|on\s+my\s+own|at\s+home|without\s+(?:asking|telling|my|a|the|his|her)\b[^.?!]{0,20}\b(?:doctor|gp|anyone|prescriber|psychiatrist)|"
    r"between\s+the\s+(?:scheduled|prescribed)|(?:can|could|should)\s+(?:i|he|she|we)\b)"
)
# Telling a doctor or a service the truth (or not) about one's use: how much is told, not taken.
_HONEST_ABOUT_USE = r"(?:lie|lying|lied|honest|truthful|open)\s+(?:with|to)?\s*(?:(?:my|the|a|your)\s+)?(?:\w+\s+){0,2}?about\s+how\s+(?:much|many|often)"
_HONEST_ABOUT_USE_RX = rx(_HONEST_ABOUT_USE)
# "How much should I budget for a trip" is money and "how much it helps, says research" is evidence, not a dose.
_NOT_AN_AMOUNT_TO_TAKE = rx(
    # Recognising too much (harm-reduction knowledge) and wanting to stop are not asking for an amount.
    r"\b(?:signs?|symptoms?|recogni[sz]e|warning|spot|tell\s+if|know\s+if|want\s+to\s+(?:stop|quit|cut\s+down)|quit|"
    r"(?:has|have|had|'s|'ve)\s+taken\s+too\s+(?:much|many)|taken\s+too\s+(?:much|many)|look\s+like|looks\s+like|ambulance|"
    r"respiratory\s+depression|overdos\w*\s+(?:look|feel|happen)\w*|"
    # how long impairment lasts, and being honest about one's use, ask for no amount to take
    r"(?:ok|okay|safe|fine|legal|alright)\s+to\s+(?:drive|ride|cycle|work|fly|swim|breastfeed)|"
    rf"{_HONEST_ABOUT_USE}|"
    # how much more dangerous, what too much does to a body, how many people, the maximum sentence,
    # how many hours of monitoring: a risk, a statistic, the law or a clinic's routine, not an amount
    r"how\s+much\s+(?:more|less|worse|riskier|safer|harder|longer)|what\s+(?:actually\s+|really\s+|exactly\s+)?happens\b[^.?!]{0,50}\btoo\s+(?:much|many)|"
    r"how\s+many\s+(?:people|users|patients|adults|teenagers|young\s+people|students|deaths|cases|admissions)|surveys?|"
    r"sentences?|penalt(?:y|ies)|prison|jail|"
    r"how\s+(?:many|much|long)\s+(?:hours?|minutes?|time)\s+(?:of\s+)?(?:[\w-]+\s+){0,2}?(?:monitoring|observation|supervision)|"
    # "what observations do we need to do and for how long after each dose" (a ward nurse, session 36)
    r"(?:observations?|obs|monitoring|vital\s+signs)\b[^.?!]{0,50}\bhow\s+long|"
    # how long an effect lasts ("how long after a line of ket does the k hole usually last"), not when to take more
    r"how\s+long\b[^.?!]{0,60}\b(?:does|do|will|would|did)\s+(?:it|they|the\s+[\w-]+(?:\s+[\w-]+)?)\s+(?:usually\s+|normally\s+|typically\s+)?(?:last|wear\s+off)|"
    r"research|studies|study|evidence|trials?|spend|spending|budget|tip|save|invest|donate|cost|costs|custa|cuesta|co[uû]te|kostet|costa|price|preis|prix|precio|pre[çc]o|prezzo)\b"
)
# Lines of a poem or code, hits of a band and keys of a piano are counted too.
_HOMONYM_UNIT = rx(r"\b(?:lines?|points?|keys?|hits?|drops?|tabs?|caps?)\b")
_NOT_A_DOSE_UNIT = rx(
    r"\b(?:sonnets?|poems?|haikus?|limericks?|verses?|stanzas?|songs?|lyrics|scripts?|code|files?|essays?|pages?|paragraphs?|"
    r"bus(?:es)?|trains?|tube|metro|subway|piano|keyboard|band|album|game|match|dialogue)\b"
)
# Amounts in a kitchen, a garden or a house ("how much flour for a small loaf", "key lime pie, how much
# lime juice"): with no substance named, a recipe is not a dose.
_EVERYDAY_AMOUNT = rx(
    r"\b(?:flour|sugar|salt|butter|yeast|bak(?:e|ing)|loaf|cakes?|pie|tin|recipe|pasta|rice|dough|juice|brine|"
    r"marinade|sauce|soup|portions?|per\s+person|fertili[sz]er|compost|paint|wallpaper|tiles?|concrete|dishwasher|"
    # the same in the other five languages
    r"levure|farine|sucre|g[âa]teau|engrais|lave-vaisselle|lievito|farina|zucchero|torta|concime|lavastoviglie|"
    r"harina|az[uú]car|bizcocho|pastel|abono|lavavajillas|mehl|zucker|kuchen|d[üu]nger|sp[üu]lmaschine|"
    r"farinha|a[çc][uú]car|bolo|adubo|lava-lou[çc]as)\b"
)
# A cake or a sweet that is a drug names no substance ("how much do i put in a space cake").
_EDIBLE_DRUG = rx(r"\b(?:space\s*cakes?|edibles?|pot\s+brownies?|magic\s+brownies?)\b")
# How far a substance does something ("how much does ket actually mess with your bladder", "how much
# does ketamine raise your blood pressure") is a question about harm, whatever else the message says.
_DEGREE_OF_EFFECT = rx(
    rf"\bhow\s+much\s+(?:does|do|can|could|will|would|did)\s+(?:{DET}\s+)?{SUBSTANCE}\s+(?:\w+ly\s+|actually\s+|really\s+)?"
    r"(?:mess|affect|damage|harm|hurt|raise|lower|increase|reduce|change|impair|help|wreck|ruin|screw|interact|"
    r"matter|stay|last|show)\b"
)
# How a clinic arrives at an amount ("how do clinics decide how much spravato to give someone") asks
# about its routine; a number in the message makes it a request for the amount.
_CLINICIANS_DECIDE = rx(
    r"\bhow\s+(?:do|does|did|would|will)\s+(?:the\s+)?(?:clinics?|doctors?|psychiatrists?|prescribers?|nurses?|"
    r"anaesthetists?|anesthesiologists?|paramedics?|vets?|teams?|they)\s+(?:decide|work\s+out|choose|calculate|"
    r"figure\s+out|determine|pick|set)\b"
)
_A_NUMBER = rx(r"\d")
# "can i take two tablets", in the six languages: a count of a medicine's units for oneself.
_TAKE_A_COUNT = rx(
    r"\b(?:can\s+i|could\s+i|should\s+i|is\s+it\s+(?:ok|okay|safe)\s+to|posso|puedo|je\s+peux|kann\s+ich|darf\s+ich)\s+"
    r"(?:take|have|tomar|prendere|prendre|nehmen)\s+(?:two|three|four|2|3|4|dois|duas|tr[eê]s|dos|due|tre|deux|trois|"
    r"zwei|drei|quatro|cuatro|quattro|quatre|vier)\s+(?:\w+\s+)?(?:pills?|tablets?|comprimidos?|pastillas?|pastiglie|"
    r"compresse|comprim[ée]s|tabletten|capsules?|c[aá]psulas?|capsule|kapseln|gotas|gocce|gouttes|tropfen)\b"
)
_TITRATION = rx(
    r"\b(?:titrat\w*|microdos\w*|taper(?:ing)?|induction|switching|dosing|dose)\s+(?:schedule|plan|regimen|protocol)\b|"
    r"\b(?:schedule|regimen|protocol|plan)\s+for\s+(?:taking|using|dosing)\b"
)

# What is done to a sample or a body, not a way of obtaining a drug.
_CHECKED = r"(?:tested|checked(?:\s+out)?|analy[sz]ed|looked\s+at|seen\s+(?:to|by)|examined|treated)\b"
_ACQUIRE_SUBSTANCE = rx(
    rf"\b{ASK}\b[^.?!]{{0,40}}?\b(?<!after\s){ACQUIRE}\s+(?:{DET}\s+){{0,3}}(?:{SUBSTANCE}|drugs?|meds)\b(?!\s+(?:for\s+(?:a|my|the)\s+(?:procedure|operation|surgery|treatment)|treatment|therapy|infusions?|prescribed|on\s+(?:a\s+)?prescription|{_CHECKED}))"
)
_SUBSTANCE_THEN_ACQUIRE = rx(
    rf"\b(?:wo|where|how|wie|welche[rs]?|kan\s+ik|kann\s+ich|waar|hoe)\b[^.?!]{{0,30}}?\b{SUBSTANCE}\s+(?:\S+\s+){{0,2}}?"
    r"(?:kaufen|abkaufen|bekommen|besorgen|bestellen|kopen|to\s+buy|to\s+get)\b|"
    # German puts the verb last, after the source ("Methadon von jemandem aus dem Programm abkaufen")
    rf"\b(?:wo|wie|kann\s+ich|welche[rs]?)\b[^.?!]{{0,30}}?\b{SUBSTANCE}\s+(?:\S+\s+){{0,5}}?"
    r"(?:kaufen|abkaufen|bekommen|besorgen|bestellen)\b"
)
_ACQUIRE_PRONOUN = rx(
    # "where can i get it tested" is drug checking or a check-up
    # "how many users get it" asks how common a harm is; "the one who'd be getting it" is a patient
    rf"\b(?:where|how(?!\s+(?:many|common|often|likely))|(?<!one\s)(?<!person\s)who)\b[^.?!]{{0,30}}?\b{ACQUIRE}\s+(?:some|it|them|one|any|more|lo|la|le|es)\b(?!\s+{_CHECKED})|"
    # "my gp wont prescribe it. who can get me some": for me, not help or advice
    rf"\b(?:where|(?<!one\s)(?<!person\s)who)\b[^.?!]{{0,30}}?\b{ACQUIRE}\s+(?:me|us)\s+(?:some|it|any|more)\b"
    rf"(?!\s+(?:help|advice|support|info\w*|treatment|therapy|{_CHECKED}))|"
    rf"\bask\s+(?:him|her|them|my\s+\w+)\s+for\s+(?:some|it|a\s+bit|any)\b|\b(?:get|buy|order|score)\s+(?:it\s+)?on\s+telegram\b|\bships?\b[^.?!]{{0,40}}(?:{NO_PRESCRIPTION})"
)
_WHERE_BEFORE_VERB = rx(
    r"\bwaar\s+(?:kan|koop|haal)\s+(?:ik|je|jij)\b[^.?!]{0,40}\b(?:scoren|kopen|halen|bestellen)\b|"
    rf"\b(?:d[oó]nde|onde|o[uù]|wo|dove)\s+(?:lo|la|le|los|las|es|ne|si|se)?\s*(?:puedo|posso|kann\s+ich|je\s+peux)?\s*{ACQUIRE}\b|"
    rf"\b{ACQUIRE}\b[^.?!]{{0,30}}\b(?:o[uù]|d[oó]nde|dove|onde|wo)\s*\?"
)
# "Is it safe to…", "why is…": a question about the risk of obtaining, which the corpus answers.
_ABOUT_RISK = rx(
    r"^\W*(?:is\s+it\s+(?:safe|legal|risky|dangerous|illegal|ok)|are\s+there\s+risks|why\b|what\s+are\s+the\s+(?:risks|dangers))"
)
_NO_PRESCRIPTION = rx(rf"(?:{NO_PRESCRIPTION})")
_ACQUIRE_OR_ASK = rx(rf"\b(?:{ACQUIRE}|{ASK}|is\s+there|websites?|sites?|online|apps?)\b")
_MARKET_REQUEST = rx(
    rf"\b(?:which|what|any|recommend|best|good|reliable|trusted|legit|is\s+there\s+an?|list\s+(?:of|me)|know\s+(?:a|any)|find\s+(?:a|an|me)|who\s+(?:sells|delivers|has)|"
    rf"qu[eé]|quel|welche[rs]?|qual|quale|conoces|connais|kennst|conosci)\b[^.?!]{{0,30}}?\b{MARKET}\b"
)
_MARKET_TARGET = rx(rf"\b(?:{SUBSTANCE}|{ACQUIRE}|drugs?)\b")
_MARKET_EXCUSE = rx(
    r"\b(?:police|law\s+enforcement|shut\s+down|mean|stand\s+for|history|was\s+the|why|por\s+qu[eé]|pourquoi|warum|perch[eé]|"
    r"risky|dangerous|unsafe|arriscado|peligroso|dangereux|gef[äa]hrlich|rischioso)\b"
)
_MAKE = rx(
    rf"\b(?:how|steps?|recipe|instructions|guide|way|c[oó]mo|comment|wie|come|explain)\b[^.?!]{{0,30}}?\b{MAKE}\b[^.?!]{{0,20}}?\b{SUBSTANCE}\b|\b{SUBSTANCE}\s+(?:synthesis|recipe|cook)\b|"
    rf"\b(?:wie|c[oó]mo|come|comment)\b[^.?!]{{0,30}}?\b{SUBSTANCE}\b[^.?!]{{0,20}}?\b{MAKE}\b|"
    # "maría" is cannabis only as something grown
    r"\bcultiv\w*\s+(?:la\s+)?mar[ií]a\b|"
    # getting one drug out of another ("separate esketamine out of street ketamine")
    rf"\b(?:separate|extract|isolate|purify)\s+(?:the\s+)?{SUBSTANCE}\s+(?:out\s+of|from)\b"
)
_STEAL = rx(
    r"\b(?:steal|stealing|nick|swipe|pinch|divert|mitgehen\s+lassen|forge|fake\s+a\s+prescription|rob)\b|"
    r"\b(?:slip|sneak|smuggle)\s+(?:me|us)\s+(?:some\s+)?(?:extra|more|a\s+few|some)\b|"
    r"\b(?:could|would|can|will)\s+(?:she|he|they)\s+(?:get|bring|take)\s+(?:me|us)\s+some\b[^.?!]{0,40}\bfrom\s+(?:the\s+|her\s+|his\s+)?(?:hospital|ward|work|clinic|pharmacy)\b|"
    r"\bwithout\s+(?:anyone|them|people|her|him|the\s+\w+|my\s+\w+)\s+noticing\b|\bwithout\s+it\s+showing\s+up\b|"
    r"\bget\s+(?:a\s+few|some|one|two|them|it)\s+off\s+(?:her|him|them|my\s+\w+|his|their)\b|\btake\s+(?:some|a\s+few)\s+(?:\w+\s+){0,2}?home\b|"
    r"\b(?:would|will)\s+(?:she|he|they|anyone|anybody|my\s+\w+)\s+notice\s+if\s+(?:i|we|he|she)\s+(?:took|take|nicked|swapped|kept)\b|"
    r"\btook\s+(?:one|some|a\s+few)\s+home\b|\b(?:keep\s+)?refill\w*\s+(?:his|hers|her|its|the\s+dog'?s|my\s+(?:dog|cat)'?s)\b"
)
# Handing on one's own medicine is diverting it ("can i give him some of my diazepam", "is it ok to
# share my sertraline with my sister"); asking whether it is legal or why not to is a question.
_SHARE_OWN_MEDICINE = rx(
    r"(?:\b(?:can|could|should|may)\s+i|\b(?:is\s+it|would\s+it\s+be)\s+(?:ok|okay|fine|alright|safe|bad)\s+(?:to|if\s+i))"
    r"\s+(?:give|share|lend|pass|hand)\s+(?:(?:him|her|them|my\s+\w+|a\s+\w+|someone|somebody)\s+)?"
    r"(?:(?:some|one|a\s+few|a\s+couple|any|two|half)\s+of\s+)?my\s+(?:own\s+|prescribed\s+|spare\s+|leftover\s+)?"
    rf"(?:{SUBSTANCE}|pills?|tablets?|meds|medicines?|medication|prescription|script|sleeping\s+pills)\b"
    r"(?!\s+(?:appointments?|sessions?|experiences?|story|stories|results?|info\w*|clinic|journey|diary|details|letter|leaflet)\b)"
)
# Stocking up ("stock up on codeine"), going round several pharmacies or doctors for more, and a bag
# to pick up tonight: getting a supply, whatever the reason given.
_STOCK_UP = rx(
    rf"\bstock(?:\s+|-)?(?:up|pile)\s+(?:on\s+)?(?:{DET}\s+)?(?:\w+\s+)?{SUBSTANCE}\b|"
    r"\b(?:go|going|went)\s+(?:round|around|to)\s+(?:a\s+few\s+|several\s+|different\s+|multiple\s+|loads\s+of\s+)+"
    r"(?:different\s+)?(?:chemists|pharmacies|doctors|gps|surgeries|clinics)\b|"
    r"\bwhere\s+(?:(?:can|could|do|should)\s+(?:i|we|u|you)|(?:i|we|u|you)\s+(?:can|could))\s+(?:pick\s+up|grab|get|score|cop)\s+(?:a|some)\s+(?:bag|baggie|wrap|teener)"
    r"(?:\s+(?:tonight|now|today|round\s+here|near\s+me)\b|\s*[?.!]|\s*$)"
)
_STEAL_TARGET = rx(rf"\b(?:{SUBSTANCE}|prescription|clinic|pharmacy|hospital|some|it)\b")
_SMUGGLE = rx(
    r"\b(?:smuggl\w*|through\s+customs|past\s+(?:airport\s+)?security|sent\s+by\s+post|by\s+mail|discreetly)\b|"
    r"\b(?:hide|hiding|pack|packing|conceal\w*|stash\w*)\b[^.?!]{0,60}\b(?:scanners?|sniffer|dogs?|customs|border|airport|x-?rays?)\b|"
    r"\b(?:scanners?|dogs?|customs|police|security)\s+(?:don'?t|doesn'?t|won'?t|can'?t)\s+(?:pick|find|detect|smell|see|flag|notice|catch|stop|check)\b|"
    r"\b(?:bring|get|take)\s+(?:it|them|some)?\s*(?:back|home)\s+from\b"
)
_SELL = rx(
    rf"\b(?:how|where)\b[^.?!]{{0,20}}?\b(?:sell|selling|deal|dealing|supply|supplying)\s+(?:{DET}\s+){{0,2}}{SUBSTANCE}\b|"
    r"\b(?:sell|selling|flog|flogging)\s+(?:my|his|her|their|the)\s+(?:\w+\s+)?(?:take[-\s]?homes?|script|prescription|meds|pills)\b"
)

# Deceiving a prescriber or pharmacist into handing over a prescription-only medicine.
_DECEIVE_PRESCRIBER = rx(
    r"\b(?:fake|faking|feign\w*|exaggerat\w*|make\s+up|invent)\s+(?:\w+\s+){0,2}?(?:symptoms?|pain|an?\s+injury|adhd|anxiety|insomnia|depression)\b|"
    r"\bsymptoms?\s+(?:should|could|can|do|would)\s+i\s+(?:fake|claim|say|tell|describe|report|exaggerate|mention)\b|"
    r"\b(?:convince|persuade|trick|fool|lie\s+to)\s+(?:my|the|a|his|her)\s+(?:doctor|gp|doc|psychiatrist|pharmacist|dentist|vet|prescriber)\s+"
    r"(?:that\s+)?(?:i|i'm|im|he|she)\s+(?:have|has|am|is|need|needs)\b|"
    r"\bso\s+(?:he|she|they|the\s+(?:doctor|doc|gp|pharmacist|vet)|my\s+(?:doctor|doc|gp|vet))\s+(?:will\s+|would\s+|'ll\s+)?"
    rf"(?:writes?|prescribes?|gives?|hands?)\s+(?:me\s+)?(?:it|some|them|a\s+script|a\s+prescription|{SUBSTANCE})\b|"
    r"\bsay\s+(?:it'?s|its|they'?re|it\s+is)\s+for\s+(?:my|the|a)\s+(?:dog|cat|pet|horse|animal)\b|"
    r"\b(?:dizendo|diciendo|en\s+disant|dicendo|sagen?)\s+(?:que\s+|qu'|che\s+|dass\s+)?(?:é|es|c'est|è|ist|sea|seja)?\s*"
    r"(?:para|pour|per|f[üu]r)\s+(?:um|uma|o|a|mi|el|mon|ma|le|il\s+mio|meinen|mein|den)?\s*"
    r"(?:cavalo|c[ãa]o|cachorro|perro|caballo|gato|chien|cheval|chat|hund|pferd|katze|cane|cavallo|gatto)\b|"
    r"\b(?:senza\s+avere\s+davvero|sans\s+avoir\s+vraiment|sin\s+tener\s+realmente|ohne\s+wirklich|without\s+(?:really|actually)\s+having)\b|"
    r"\bwithout\s+going\s+through\s+(?:a|the|my|one\s+of\s+(?:those|the))\s+(?:clinics?|doctors?|gp|prescribers?|psychiatrists?)\b|"
    # "tell the doctor I have back pain to get tramadol"
    r"\b(?:tell|telling|say|saying)\s+(?:to\s+)?(?:the|my|a)\s+(?:doctor|doc|gp|psychiatrist|prescriber|dentist)\s+(?:that\s+)?"
    r"(?:i|i'?ve|i'?m|im)\s+(?:have|has|got|am|need)\b[^.?!]{0,40}\bto\s+get\b|"
    # a prescriber who asks no questions ("which doctors prescribe ketamine no questions asked")
    r"\b(?:doctors?|docs?|gps?|psychiatrists?|prescribers?|clinics?|pharmacists?)\b[^.?!]{0,30}\b(?:prescribe|prescribes|give|"
    r"gives|hand\s+out|hands\s+out|write|writes)\b[^.?!]{0,40}\b(?:no\s+questions(?:\s+asked)?|without\s+asking\s+"
    r"(?:any\s+)?questions|(?:won'?t|don'?t|doesn'?t)\s+ask\s+(?:any\s+)?questions)\b"
)
# How clinicians spot deception is a question the articles can answer.
_SPOTTING_DECEPTION = rx(
    r"\b(?:doctors?|gps?|pharmacists?|clinics?|customs|police|prescribers?|nurses?|hospitals?|border\s+(?:force|agents?|guards?)|"
    r"dogs?|scanners?)\s+(?:\w+\s+)?(?:spot|detect|recogni[sz]e|catch|identify|tell\s+(?:when|if)|deal\s+with|screen\s+for|find)\b|"
    r"^\W*(?:why|is\s+it\s+(?:illegal|legal|a\s+crime))\b"
)

# A price and a place in one breath; "how much does a gram cost ... and where" is shopping.
_PRICE_AND_WHERE = rx(
    r"\b(?:cost|costs|price|how\s+much\s+(?:is|for)\s+an?\s+(?:gram|g|bag|pill|tab|point|eighth))\b[^?!]{0,60}?\b(?:and\s+where\b|where(?:\s+(?:tho|though|from|at))?\W*$)"
)

_SUPPLY_SLANG = rx(
    # "where can I score" with nothing after it: "score" with no object is only ever drugs here
    r"\bwhere\s+(?:can|could|do|should|would)\s+(?:i|we|u|you|one)\s+(?:score|cop)\s*(?:from|round\s+here|near\s+me|tonight|$|[?.!])|"
    r"\b(?:who'?s\s+holding|who\s+is\s+holding|hook\s+(?:me|us)\s+up|sort\s+(?:me|us)\s+out\s+with|(?:a|need\s+a|my)\s+connect\b|"
    r"who\s+do\s+i\s+(?:message|text|call|hit\s+up)|who(?:'s|\s+is)?\s+(?:selling|supplies|supplying|dealing)|(?:^\W*|\bis\s+|\bare\s+)(?:any|some)(?:one|body)\s+(?:selling|dealing)|who\s+sells|going\s+rate|"
    r"cheapest\s+place|get\s+my\s+hands\s+on|(?:any|a)\s+plugs?\b|handle\s+for|which\s+app\s+do\s+dealers|become\s+an?\s+(?:\w+\s+)?dealer|"
    r"flip\s+(?:it\s+)?for\s+profit|make\s+(?:more\s+)?money\s+selling|qui[eé]n\s+vende|qui\s+vend|wer\s+verkauft|chi\s+vende|quem\s+vende|"
    r"wo\s+krieg\s+ich|onde\s+arranjo|"
    # "¿dónde pillo el bus?" is catching a bus
    r"d[oó]nde\s+pillo(?!\s+(?:el|la|los|las|un|una)\s+(?:bus|autob[uú]s|metro|tren|taxi|cercan[ií]as|vuelo|avi[oó]n|ferry|barco|sitio|hueco|entradas?|billetes?|wifi)\b)|o[uù]\s+trouver|(?:talk|speak)\s+to\s+for\s+(?:a|some)|find\s+the\s+guy|"
    r"(?:text|message)\s+(?:to\s+)?my\s+(?:dealer|plug)|"
    # a "camello" one knows or looks for is a dealer; one's age is a zoo question
    r"(?:conoc\w+|busco|buscando|tienes|ten[eé]s|p[aá]same)\s+(?:a\s+)?(?:un|alg[uú]n|el\s+n[uú]mero\s+de\s+un)\s+camello\b|(?:buy|get|order|score)\b[^.?!]{0,30}\bfrom\s+(?:who|whom)|(?:an|half\s+an?|a)\s+(?:oz|ounce|eighth|q|quarter)\s+of)\b"
)
_SUPPLY_CHAIN = rx(
    r"\b(?:import(?:s|ed|ing)?\b|bring\s+\w+\s+(?:over|across|through)|over\s+the\s+border|posted?\s+without|without\s+customs|pay\s+an?\s+(?:\w+\s+)?vendor|"
    r"(?:turn|convert)\s+(?:the\s+)?(?:liquid|vials?)|vials?\s+into\s+powder|what\s+chemicals|precursors?|cut\s+(?!down\b|back\b)(?:it|ket|\w+)\s+to|"
    r"so\s+they\s+prescribe|get\s+(?:a\s+)?(?:doctor|gp)\s+to\s+prescribe|fake\s+(?:symptoms|depression)|farmi\s+prescrivere|"
    r"me\s+faire\s+prescrire|get\s+(?:it\s+)?prescribed|"
    # "why do users get them" is about side effects, not supply
    r"(?<!users\s)(?<!people\s)(?<!patients\s)(?<!soldiers\s)(?<!troops\s)(?:score|cop|pick\s+up|get|buy|order)\s+(?:some|any|more|it|them)\b"
    # "get it looked at", "get it tested", "get it legally instead" are care, drug checking, the legal
    # route; "I want to get it right" (a nurse asked by the police, session 37) is an idiom
    rf"(?!\s+(?:{_CHECKED}|legally|right\b(?!\s+(?:now|away|here|there|tonight))|wrong\b|done\b|sorted\b|over\s+with\b|"
    r"from\s+(?:a|my|the)\s+(?:doctor|gp|clinic|pharmacy|pharmacist|psychiatrist)\b)))"
)
# A harm one may get ("is that permanent if you get it?", after the signs of bladder damage: a
# fourteenth new-user trial, session 39), not a drug to get.
_HARM_GOT = rx(
    r"\b(?:is|are|would|will)\s+(?:that|it|this|they|the\s+damage)\s+(?:be\s+)?(?:permanent|reversible|curable|treatable|"
    r"serious|fatal|for\s+life|forever)\b[^.?!]{0,30}\bif\s+(?:you|u|i|someone|he|she|they)\s+(?:get|gets|got)\s+(?:it|them)\b"
)


def _harm_got(text: str, _context: Context, _matched: str) -> bool:
    return bool(_HARM_GOT.search(text)) and not _SELLER.search(text)


_DEALING_WORD = rx(
    r"\b(?:ket|k|molly|benzos|coke|meth|stuff|gear|dealers?|vendors?|plugs?|darknet|dark\s+web|sell\w*|vials?|powder|customs)\b"
)
_EMERGENCY_SIGN = rx(
    r"\b(?:not\s+breathing|isn'?t\s+breathing|stopped\s+breathing|barely\s+breathing|breathing\s+(?:is\s+)?(?:really\s+|very\s+)?slow(?:ly)?|"
    r"breathing\s+keeps\s+stopping|can'?t\s+breathe|won'?t\s+wake|can'?t\s+wake|cant\s+wake|(?<!about\s)(?<!of\s)not\s+waking|won'?t\s+respond|"
    r"not\s+responding|unresponsive|passed\s+out|collapsed|having\s+a\s+(?:seizure|fit)|is\s+fitting|fitting\s+on|(?:is|he's|she's|i'm)\s+seizing|"
    r"a\s+seizure\s+after|seizure\s+(?:right\s+)?now|shaking\s+uncontrollably|burning\s+hot|blue\s+(?:round|around)\s+the\s+lips|"
    r"blue\s+lips|lips\s+(?:are|have\s+gone|went)\s+blue|choking\s+on\s+(?:his|her|their|my)\s+vomit|crushing\s+chest\s+pain|"
    r"chest\s+pain\s+(?:right\s+)?now|chest\s+(?:hurts|is\s+tight)|arm\s+(?:has\s+)?gone\s+numb|i'?m\s+overdosing|"
    r"overdosing\s+(?:right\s+now|in\s+front|now)|snoring\s+strangely|swallowed\s+(?:some\s+of\s+)?(?:my|his|her|the)\s+pills|"
    r"took\s+(?:way\s+)?too\s+(?:many|much)|can'?t\s+feel\s+my\s+body|no\s+respira|ne\s+(?:se\s+)?r[ée]veille\s+pas|"
    r"ne\s+respire\s+(?:plus|pas)|krampfanfall|atmet\s+nicht|n[ãa]o\s+acorda|desmaiou|n[ãa]o\s+respira|non\s+respira|"
    r"non\s+si\s+sveglia|having\s+a\s+fit|fit\s+now|lips\s+(?:are\s+)?(?:turning\s+)?(?:purple|blue|grey|gray)|convulsing|convulsionando|"
    r"foaming\s+at\s+the\s+mouth|can'?t\s+get\s+(?:any\s+)?(?:a\s+)?response|won'?t\s+come\s+round|gurgling|(?:no|can'?t\s+find\s+a)\s+pulse|"
    r"went\s+limp|unconscious|can'?t\s+feel\s+my\s+(?:legs|arms|hands|feet|face)|(?:got|been|was|were|has\s+been|have\s+been)\s+spiked|slurring|vomiting\s+blood|face\s+is\s+drooping|can'?t\s+move\s+(?:my|his|her)\s+\w+\s+side|"
    r"chest\s+pain\s+spreading|chest\s+is\s+crushing|heart\s+(?:feels\s+like\s+it'?s\s+going\s+to\s+explode|is\s+racing)|"
    r"i\s+feel\s+like\s+i'?m\s+dying|overdose\s+happening|(?<!basically\s)(?<!practically\s)(?<!totally\s)overdosed(?!\s+on\s+"
    r"(?:netflix|tv|youtube|tiktok|memes|anime|sugar|chocolate|sweets|candy|carbs|pizza|cake|work|sleep|sunshine|christmas|"
    r"shopping|cardio|gym|drama|reality\s+tv|nostalgia|love|coffee)\b)|in\s+a\s+bad\s+way|breathing\s+once\s+every|"
    r"isn'?t\s+responding|won'?t\s+answer\s+me|jaw\s+is\s+locked|shaking\s+all\s+over|got\s+into\s+my\s+(?:meds|pills)|"
    r"took\s+all\s+(?:her|his|my|their)\s+pills|can'?t\s+catch\s+my\s+breath|no\s+despierta|ne\s+respire\s+plus|atmet\s+nicht\s+mehr|"
    r"n[ãa]o\s+respira|non\s+respira|non\s+si\s+sveglia|turning\s+blue|gone\s+blue|going\s+blue|blue\s+in\s+the\s+face|"
    # Signs a caller describes rather than names: drowsy and vomiting, slow breathing, stroke signs,
    # disorientation near danger; and the same in the other supported languages.
    r"keeps\s+(?:vomiting|throwing\s+up|passing\s+out)|(?:really|very|so)\s+drowsy\s+and|"
    # pain bad enough to floor someone, now
    r"(?:agonis|agoniz|excruciat|unbearabl|severe)\w*\s+pain\b[^.?!]{0,80}\b(?:can\s+barely|can'?t|cannot|cant)\s+(?:stand|walk|move|get\s+up)|"
    r"(?:really|very|so)\s+sleepy\s+and\s+(?:being\s+sick|vomiting|throwing\s+up)|"
    # whether to call for help is asked from beside the person: the numbers come first
    r"should\s+(?:i|we)\s+(?:call|ring|phone)\s+(?:an\s+ambulance|999|911|112|emergency\s+services)|"
    # or whether what was just taken is too much: "my friend did 2g tonight, is that too much?"
    r"(?:took|taken|had|did|done|snorted|railed)\b[^.?!]{0,40}\b(?:tonight|just\s+now|an?\s+hour\s+ago|earlier\s+tonight)\b"
    r"[^.?!]{0,20}[.?!,]*\s*(?:is|was)\s+(?:that|it|this)\s+(?:way\s+)?too\s+much\b|"
    # or whether to go now, after taking something: "should I go to A&E?" is asked with the symptoms
    r"(?:took|taken|had|did|done|used|snorted|drank)\b[^?!]{0,80}\b(?:should|do)\s+(?:i|we)\s+(?:need\s+to\s+)?"
    r"(?:go|get|take\s+(?:him|her|them))\s+(?:to\s+|into\s+)?(?:a\s*&\s*e|a\s+and\s+e|(?:the\s+)?er|(?:the\s+)?emergency\s+"
    r"(?:room|department)|(?:the\s+)?hospital)\b|breathing\s+(?:feels|seems|is\s+getting)\s+"
    r"(?:really\s+|very\s+)?(?:slow|shallow|weird)|shallow\s+breathing|doesn'?t\s+know\s+where\s+(?:she|he|they|i)\s+(?:is|are|am)|"
    r"one\s+side\s+of\s+(?:my|his|her|their)\s+(?:face|body)|face\s+(?:feels\s+|is\s+|looks\s+)?droop\w*|can'?t\s+(?:talk|speak)\s+properly|"
    r"(?:walk|run|wander)\w*\s+(?:out\s+)?into\s+the\s+(?:road|traffic|street)|(?:wants?|trying|going)\s+to\s+jump\s+(?:off|out|from)|"
    r"reagiert\s+(?:\w+\s+)?nicht(?:\s+mehr)?|atmung\s+ist\s+(?:\w+\s+)?flach|bewusstlos|"
    r"no\s+hay\s+forma\s+de\s+despertar\w*|no\s+(?:se\s+)?despierta|no\s+responde|inconsciente|"
    r"ne\s+r[ée]pond\s+plus|sauter\s+par\s+la\s+fen[eê]tre|respire\s+(?:tr[eè]s\s+)?mal|"
    r"n[ãa]o\s+responde|dor\s+(?:muito\s+)?forte\s+no\s+peito|keeps\s+(?:jerking|twitching|convulsing)|(?:going|about)\s+to\s+pass\s+out|reageert\s+niet|ademt\s+niet|bewusteloos|non\s+risponde|"
    # Signs staff write in clinical shorthand (session 30): a breathing rate under ten, oxygen under 92 %,
    # rousable only to pain or not at all, a low GCS, a temperature near 40, a blood pressure crisis.
    r"(?:rr|resps?|resp(?:iratory)?\s+rate|breathing(?:\s+rate)?)\s*(?:of\s+|is\s+|at\s+|about\s+|around\s+|down\s+to\s+|dropped\s+to\s+|~\s*)?[2-9](?:\s*(?:/\s*min|a\s+min(?:ute)?|per\s+min(?:ute)?))?(?![\d.%]|\s*(?:years?|yrs?|hours?|hrs?|days?|weeks?|months?|mins?|minutes?|secs?|seconds?|times?|mg|ml|am|pm))|"
    r"breathing(?:'s|\s+has|\s+is)?\s+(?:slowed|slowing)|"
    r"(?:sats?|spo2|oxygen(?:\s+sats?)?)\s*(?:of\s+|are\s+|is\s+|at\s+|now\s+|dropping\s+to\s+|dropped\s+to\s+|down\s+to\s+|~\s*)?(?:[4-8]\d|9[01])(?![\d.])|"
    r"(?:not|barely|hardly|can'?t|cannot|cant|hard\s+to|difficult\s+to|unable\s+to)\s+(?:be\s+)?(?:rous\w*|woken)|(?:hard|difficult)\s+to\s+wake|unrousable|"
    r"(?:groans?|groaning|moans?|moaning|responds?|responding|rousable)\s+(?:only\s+)?to\s+pain|no\s+response\s+to\s+(?:a\s+)?(?:sternal\s+rub|pain|voice)|"
    r"gcs\s*(?:of\s+|is\s+|now\s+|dropp\w*\s+to\s+|down\s+to\s+|~\s*)?(?:[3-9]|1[0-2])(?:\s*/\s*15)?(?![\d.])|"
    r"temp(?:erature)?\s*(?:of\s+|is\s+|at\s+|now\s+|~\s*)?(?:39\.[5-9]|4[0-3](?:\.\d)?)(?!\d)|"
    r"(?:bp|blood\s+pressure)\b[^.?!\d]{0,25}(?:2\d\d\s*/\s*\d{2,3}|1\d\d\s*/\s*1[2-9]\d)(?!\d)|worst\s+headache|"
    r"(?:really|very|gone|went|going|is|he'?s|she'?s|hes|shes|now)\s+(?:really\s+|very\s+|all\s+)?floppy|"
    r"(?:vomit\w*|being\s+sick|throwing\s+up)\s+(?:again\s+)?(?:while|whilst)\s+(?:half\s+)?(?:asleep|unconscious|passed\s+out)|"
    # told in plain words (the fifteenth blind set): chest pain with a heavy arm, a fever read off a thermometer
    r"(?:pain|tightness|pressure)\s+in\s+(?:his|her|their|my)\s+chest|chest\s+(?:really\s+|so\s+)?(?:hurts|is\s+(?:really\s+)?(?:tight|sore))|"
    r"arm\s+(?:feels\s+|is\s+|has\s+gone\s+)?(?:heavy\s+and\s+numb|numb\s+and\s+heavy|heavy|numb|dead)|burning\s+up|"
    r"(?:39\.[5-9]|4[0-3](?:\.\d)?)\s*(?:°\s*c?|degrees|on\s+the\s+thermometer))"
)
_PERSONAL = rx(
    r"\b(?:my|i|i'm|i've|im|he|she|he's|she's|hes|shes|someone|somebody|friend|mate|guy|girl|boyfriend|girlfriend|roommate|"
    r"dad|mum|mom|sister|brother|toddler|child|son|daughter|we|mi|mon|ma|meine?|meu|minha|mio|mia|amigo|ami|freundin|baby|grandad|"
    r"grandpa|grandma|wife|husband|partner|novia|novio|ela|ele|er|il|elle|lei|lui|mate's|overdose|help|aiuto|ayuda|hilfe|socorro|"
    r"secours|right\s+now|what\s+do\s+i\s+do|what\s+now|"
    # the person in front of staff (session 30)
    r"pt|patient|resident|client|customer|detainee|service\s+user)\b"
)
# A word about lethality, then up to one sentence break before what follows it.
_LETHAL_THEN = r"(?:lethal|fatal|deadly|overdose)\b[^.?!]{0,60}[.?!]*\s*[^.?!]{0,60}"
SELF_HARM = rx(
    r"\b(?:(?:want|wanna|going|planning|plan|ready|trying)\s+to\s+(?:die|end\s+(?:it|things|my\s+life)|kill\s+myself|disappear\s+forever|"
    r"not\s+wake\s+up|overdose)|kill(?:ing)?\s+myself|kms|end\s+it\s+(?:all|tonight)|end\s+things|"
    r"don'?t\s+want\s+to\s+(?:be\s+alive|live|be\s+here(?!\s+(?:for|at|when|while|waiting|during|until|till|after|before)\b))|better\s+off\s+without\s+me|goodbye\s+letters?|suicid(?:e|al)\s+(?:note|plan)|"
    r"cutting\s+myself|hurt(?:ing)?\s+myself|fatal\s+(?:for|to)\s+me|(?:would|it)\s+(?:it\s+)?(?:take\s+)?to\s+kill\s+me|"
    # "is this going to kill him" (blood in his pee) is a worry about a harm, not a wish
    r"(?<!this\sgoing\s)(?<!it\sgoing\s)(?<!that\sgoing\s)to\s+kill\s+me|"
    # an amount that would kill the writer ("how many dishwasher tablets would kill me"); "my mum would
    # kill me if she found out" names no amount
    r"(?:how\s+(?:many|much)|what\s+(?:amount|dose)|enough)\b[^.?!]{0,50}\b(?:would|could|will|might)\s+kill\s+me|"
    # how many, to die, in the other five languages ("quante pastiglie servono per morire")
    r"(?:quant[eoia]s?|cu[aá]nt[oa]s?|combien|wie\s+viele?)\b[^.?!]{0,50}\b(?:para|per|pour|pra|um\s+zu)\s+"
    r"(?:morir|morire|mourir|morrer|sterben)\b|"
    r"would\s+i\s+die\?\s*i\s+hope|painless\s+way\s+to\s+(?:die|kill)|die\s+peacefully|so\s+it'?s\s+all\s+over|to\s+not\s+wake\s+up|"
    r"quiero\s+morir|me\s+quiero\s+morir|en\s+finir|nicht\s+mehr\s+leben|"
    # "vou me matar" is intent; "essa prova vai me matar" is a thing that will "kill" the writer
    r"(?<!vai )(?<!vão )(?<!vao )(?<!va )me\s+matar|farla\s+finita|mortelle\s+pour\s+moi|matarme|"
    r"suicidarme|mich\s+umbringen|me\s+suicider|uccidermi|lethal\s+(?:amount|dose)[^.?!]*\b(?:i|me|myself)\b|"
    r"reason\s+to\s+keep\s+going|(?:want|wish)\s+(?:it\s+all|everything)\s+to\s+stop|(?:don'?t|never|not)\s+wake\s+up|"
    r"to\s+end\s+it|end\s+(?:my|your)\s+life|i\s+end\s+it|take\s+everything\s+in\s+the\s+medicine|painless(?:st)?\s+way\s+out|"
    r"planning\s+my\s+exit|is\s+fatal|fatal\s+(?:mix|combination|amount|dose)|saying\s+goodbye\s+to\s+everyone|(?:not|isn'?t)\s+worth\s+living|"
    r"(?:so|to)\s+i\s+can\s+end\s+it|asking\s+for\s+me\b[^.?!]*\bwant\s+to|"
    r"disappear\s+(?:for\s+good|forever)|unalive|standing\s+on\s+a\s+(?:bridge|ledge|roof)|(?:quickest|easiest|fastest)\s+way\s+to\s+die|"
    r"i'?m\s+going\s+to\s+jump|nobody\s+would\s+miss\s+me|stockpil\w+\s+(?:my\s+)?(?:meds|pills)|cut\s+deeper|"
    r"take\s+to\s+die|die\s+from\s+[^.?!]*\b(?:i|me)\s+want|think\s+about\s+suicide|rope\s+ready|suicid(?:ar|er)|veux\s+mourir|"
    r"quero\s+morrer|would\s+that\s+do\s+it|can'?t\s+go\s+on\s+living|want\s+to\s+die|ending\s+(?:things|it\s+all|my\s+life)|"
    r"nothing\s+left\s+for\s+me|not\s+coming\s+back|(?:stepping|jump\w*|throw\w*\s+myself)\s+(?:in\s+front\s+of|off)|"
    r"no\s+quiero\s+vivir|envie\s+de\s+mourir|stop\s+my\s+heart|look\s+like\s+an\s+accident|kill\s+someone\s+my\s+size|"
    # Tense and form variants of the same intents, and a question about lethality with intent after it.
    r"(?:wanted|wanting|wants|wish|wished|wishing)\s+(?:to\s+)?(?:die|be\s+dead)|better\s+off\s+dead|"
    r"\b(?:i|i'?ve|ive|i\s+have)\s+(?:just\s+)?(?:took|taken|did|done)\b[^.?!]{0,40}\b(?:on\s+purpose|deliberately|intentionally)|"
    # "can you die from it if you take a lot on purpose", "can you overdose on purpose": lethality asked with intent
    r"\b(?:die|dying|kill|overdos\w*)\b[^.?!]{0,40}\b(?:on\s+purpose|deliberately|intentionally)\b|"
    r"end\s+it\s+(?:painlessly|for\s+good|now)|end\s+everything|take\s+my\s+(?:own\s+)?life|"
    r"if\s+i\s+(?:was|were)\s+gone|(?:hope|hoping|wish)\s+(?:that\s+)?i\s+(?:won'?t|don'?t|never)\s+come\s+(?:back|out)|"
    r"(?:see|is)\s+(?:the|no)\s+point\s+(?:anymore|any\s+more|in\s+living|in\s+going\s+on)|"
    r"walk\s+into\s+the\s+(?:sea|ocean|river|lake|traffic)|(?:a|such\s+a)\s+burden\s+(?:to|on|for)\s+(?:everyone|everybody|my)|"
    r"look\s+accidental|(?:lethal|fatal|deadly|heart\s+stops?)\b[^.?!]{0,60}[.?!]?[^.?!]{0,40}\b(?:i\s+want\s+(?:it\s+)?to|"
    r"made\s+up\s+my\s+mind|on\s+purpose)|"
    r"me\s+faire\s+du\s+mal|mettre\s+fin\s+[àa]\s+mes\s+jours|een\s+einde?\s+aan\s+(?:te\s+)?maken|zelfmoord|"
    r"(?:wil|willen)\s+dood|quitarme\s+la\s+vida|acabar\s+con\s+todo|una\s+carga\s+para\s+todos|"
    r"sobredosis\b[^.?!]{0,40}\blo\s+mejor|acabar\s+com\s+tudo|tirar\s+a\s+(?:minha\s+)?(?:pr[óo]pria\s+)?vida|"
    r"togliermi\s+la\s+vita|farmi\s+del\s+male|mir\s+(?:etwas\s+)?antun|schluss\s+machen|"
    r"nicht\s+mehr\s+leben\s+will|"
    # a stash, then a sign the time has come
    rf"(?:saving|saved|stockpil\w+|hoard\w*)\s+(?:up\s+)?(?:my\s+)?{SUBSTANCE}\b[^.?!]{{0,40}}[.?!]*\s*[^.?!]{{0,40}}\b"
    r"(?:tonight'?s\s+the\s+night|it'?s\s+time\s+to\s+(?:go|end)|i'?m\s+ready\s+to\s+go)|"
    # a question about lethality, then a sign it is about the writer ("asking for me. im done")
    r"overdos\w*\s+on\s+(?:\w+\s+){0,2}?on\s+purpose|"
    rf"{_LETHAL_THEN}\b(?:i'?m\s+done|im\s+done|asking\s+for\s+(?:me|myself))\b|"
    rf"{_LETHAL_THEN}\bi\s+have\s+(?:loads|plenty|a\s+lot|lots|a\s+stash)(?:\s+of\s+(?:them|it|these|those|pills|tablets|meds))?"
    r"(?:\s+(?:saved|stashed|stockpiled)(?:\s+up)?)?\s*(?:[.?!,]|$))"
)
SWITCH_OFF = rx(
    r"\b(?:ignore|disregard|forget|override|bypass|skip|switch\s+off|turn\s+off|disable|ignorez?|ignora|ignorar|vergiss|oublie[zs]?|dimentica)\s+"
    r"(?:\w+\s+){0,3}?(?:instructions?|rules?|policies|policy|filters?|guardrails?|guard|restrictions?|guidelines?|safety|programming|"
    r"system\s+prompt|dosing\s+rule|reglas|r[eè]gles|regeln|regras|regole|consignes|everything\s+above|content\s+policy|"
    r"instrucciones|istruzioni|instru[çc][õo]es|vorgaben|filtros|disclaimers|warnings)\b|"
    r"\b(?:olvida|esquece|vergiss|ignora|disregard|drop)\s+(?:\w+\s+){0,3}?(?:instrucciones|istruzioni|regras|vorgaben|filters|rules|above)\b"
)
MODES = rx(
    r"\b(?:developer\s+mode|debug\s+mode|(?:you\s+are|you'?re|act\s+as|be|become|enable|activate|as|now)\s+dan|dan\s+mode|do\s+anything\s+now|jailbr(?:eak|oken)|unfiltered|unrestricted|uncensored|system\s+override|"
    r"new\s+policy\s+allows|stay\s+in\s+character|opposite\s+day|print\s+your\s+system\s+prompt|authori[sz]ed\s+you|clearance\s+level|"
    r"(?:an\s+ai|assistant|bot|chemist|pharmacist|químico|dealer)\s+(?:with\s+no|without|sin|ohne|sans)\s+(?:\w+\s+)?(?:limits|rules|restrictions|filters|límites|filter|limites)|"
    r"(?:without|with\s+no|no)\s+(?:any\s+)?(?:restrictions|limits|filters|warnings)|if\s+you\s+had\s+no\s+(?:safety\s+)?(?:rules|limits|filters)|"
    r"(?:guardrails?|filters?|safety)\s+(?:is|are)\s+(?:now\s+)?(?:disabled|off)|safety\s+filters\s+are\s+off|"
    r"so\s+(?:the|your)\s+(?:filters?|rules?)\s+(?:won'?t|don'?t|can'?t|doesn'?t)|so\s+your\s+rules\s+don'?t\s+apply|sin\s+l[ií]mites|ohne\s+filter|"
    r"god\s+mode|no\s+content\s+policy|never\s+given\s+any\s+rules|without\s+censor\w*|no\s+disclaimers|unlock\w*|restricted\s+answers|"
    r"forbidden\s+answer|breaks?\s+the\s+rules|slips?\s+through|get\s+(?:through|past)\s+(?:the\s+|your\s+)?(?:filters?|rules|guard\w*|moderat\w*|censor\w*)|so\s+the\s+moderator|not\s+technically\s+advice|"
    r"you\s+can'?t\s+refuse|authori[sz]\w*\s+you|your\s+creators\s+said|new\s+rule\s+is|rules\s+were\s+a\s+mistake|"
    r"answer\s+freely|two\s+ais|sin\s+filtros|sem\s+filtros|senza\s+limiti|ohne\s+einschr[äa]nkungen|hidden\s+(?:dosing|rules|tables)|"
    r"admin\s+password|as\s+your\s+developer)\b|\[system\]"
)
_WRAPPER = rx(
    r"\b(?:write\s+(?:a|me\s+a|an)\s+(?:\w+\s+)?(?:story|poem|screenplay|scene|script|dialogue|song|novel)|for\s+my\s+(?:novel|story|book|screenplay|film|movie)|"
    r"role-?play|pretend|you'?re\s+an?\s+actor|act\s+as|playing\s+a|in\s+character|let'?s\s+play\s+a\s+game|you\s+are\s+(?:now\s+)?\w+bot|"
    r"hypothetically|i'?m\s+an?\s+(?:doctor|nurse|er\s+nurse|pharmacist|paramedic|physician|anaesthetist|anesthesiologist|vet)|"
    r"as\s+an?\s+(?:doctor|nurse|pharmacist|harm\s+reduction\s+worker|researcher)|answer\s+(?:only\s+)?in\s+(?:python|code|json|base64|rot13|hex|pig\s+latin)|"
    r"(?:respond|reply|output|answer)\s+(?:only\s+)?(?:in\s+)?(?:base64|rot13|hex|json|code|python)|output\s+only|translate\s+your\s+answer|"
    r"continue\s+this\s+text|first\s+letters\s+spell|eres\s+un|du\s+bist\s+jetzt|tu\s+es\s+maintenant|character|write\s+(?:a|an|it)\s+\w+|"
    r"lyrics|simulate|bedtime\s+story|story|i'?m\s+a\s+licensed|trust\s+me|as\s+a\s+licensed|you\s+are\s+\w+gpt|"
    r"in\s+(?:french|spanish|german|leetspeak|code|base64)|emojis?|encode|spell\s+\w+\s+backwards|complete\s+the\s+sentence|"
    r"for\s+research|harm\s+reduction\s+manual|search\s+engine|juego\s+de\s+rol|jeu\s+de\s+r[ôo]le|rollenspiel|gioco\s+di\s+ruolo|"
    r"sin\s+salir\s+del\s+personaje|t[úu]\s+eres\s+(?:un|una|mi)|tu\s+es\s+(?:un|une|mon|ma)|du\s+bist\s+(?:ein|eine|mein)|"
    r"ich\s+bin\s+(?:arzt|[äa]rztin|apotheker\w*|krankenpfleger|krankenschwester)|"
    r"soy\s+(?:m[ée]dic[oa]|enfermer[oa]|farmac[ée]utic[oa])|je\s+suis\s+(?:m[ée]decin|infirmi[eè]re?|pharmacien\w*)|"
    r"sono\s+(?:un\s+|una\s+)?(?:medico|infermier[ea]|farmacista)|sou\s+(?:m[ée]dic[oa]|enfermeir[oa]|farmac[êe]utic[oa]))\b"
)
_SUBSTANCE = rx(rf"\b{SUBSTANCE}\b")
_KETAMINE = rx(rf"\b{KETAMINE}\b")


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group() if match else None


_COURSE_OF_TREATMENT = rx(
    r"\bhow\s+(?:many|often|long|much)\b[^.?!]{0,30}\b(?:sessions?|appointments?|infusions?|treatments?|visits?|time\s+off|days?\s+off)\b|"
    r"\bhow\s+often\s+(?:do|does|will|would)\s+(?:i|you|we|they|he|she)\s+(?:have\s+to\s+|need\s+to\s+)?(?:go|come)\s+(?:in|back)\b|"
    r"\b(?:whole|full|entire)\s+day\s+off\b|"
    r"\b(?:after|before|since)\s+(?:my|your|their|his|her|each|every|the)\s+(?:first\s+|last\s+|next\s+)?(?:spravato|esketamine|ketamine)\s+(?:dose|session|treatment)\b|"
    # esketamine is only given in a clinic, so "a dose" of it is one session: when it is held, put
    # off or missed, or what to do near it, is the course of treatment, not an amount
    r"\b(?:after|before|since|close\s+to|near|around|defer\w*|delay\w*|hold\w*|withh[oe]ld\w*|postpon\w*|skip\w*|"
    r"miss\w*|cancel\w*)\s+(?:an?|the|my|your|their|his|her|each|every|this|that|today'?s|next)\s+(?:first\s+|last\s+|next\s+)?"
    r"(?:spravato|esketamine)\s+(?:dose|session|treatment)\b"
)
# ...but how the amount is raised over a course is titration, which the policy refuses.
_RAISING_THE_DOSE = rx(
    r"\btitrat\w*|\b(?:bump|step|put|push)\s+(?:up\s+)?(?:the|my|your)\s+dose\s*(?:up)?\b|\b(?:increase|raise|up)\s+(?:the|my|your)\s+dose\b"
)


def _has_target(text: str, context: Context, _matched: str = "") -> bool:
    """A substance named in this message or an earlier turn."""
    return bool(_SUBSTANCE.search(text)) or context.substance_mentioned


def _street_quantity(text: str, context: Context, matched: str) -> bool:
    """Units of street use ("3 bumps") asked by someone taking them, or units only drugs come in."""
    if not _STREET_UNIT.search(matched):
        return False
    return bool(_PERSONAL_USE.search(text) or _STRONG_USE.search(text) or _STREET_ONLY.search(matched))


def _units_of_something_else(text: str, _context: Context, matched: str) -> bool:
    """Lines of a poem, keys of a piano: a homonym unit with no substance named."""
    return bool(
        _HOMONYM_UNIT.search(matched) and _NOT_A_DOSE_UNIT.search(text) and not _SUBSTANCE.search(text)
    )


def _everyday_amount(text: str, context: Context, _matched: str) -> bool:
    return everyday_amount(text) and not context.substance_mentioned


def everyday_amount(text: str) -> bool:
    """An amount for a kitchen, a garden or a house, with no substance named: no dose is asked."""
    text = text.casefold()
    return (
        bool(_EVERYDAY_AMOUNT.search(text)) and not _SUBSTANCE.search(text) and not _EDIBLE_DRUG.search(text)
    )


def _either(*conditions: Condition) -> Check:
    return lambda text, context, matched: any(_holds(c, text, context, matched) for c in conditions)


# How long to leave between one's own uses ("how many days should i leave between sessions so my
# bladder can recover"): a frequency to use at, asked without "how often".
_INTERVAL_BETWEEN_USES = rx(
    r"\bhow\s+(?:many\s+(?:days?|weeks?|hours?|nights?)|long|much\s+time)\s+(?:should|do|must|can|would|to)\s+"
    r"(?:(?:i|we|you|u)\s+)?(?:leave|wait|take(?:\s+off)?|give\s+it|have\s+off)\s+(?:in\s+)?between\s+"
    r"(?:(?:my|k|ket|ketamine|the|each|two)\s+)*(?:sessions?|uses?|binges?|goes|times|nights?(?:\s+out)?|weekends?|"
    r"sesh(?:es)?|bumps?|lines?|doses?)\b"
)
# What tells that the sessions are one's own use of a drug, not a course of treatment.
_USE_HINT = rx(r"\b(?:k|ket|bladder|tolerance|come\s?downs?|binges?|sesh(?:es)?|k-?holes?)\b")


def _own_use_interval(text: str) -> bool:
    """How long to leave between one's own uses of a drug, not between a course's sessions."""
    return bool(_INTERVAL_BETWEEN_USES.search(text) and _USE_HINT.search(text))


_OUTCOME_WORD = rx(rf"\b{OUTCOME}\b")
_SPEAKER = rx(r"\b(?:i|me|my)\b")
_AMOUNT_FOR_USE_TARGET = _either(_has_target, _STREET_UNIT, _STRONG_USE, _EDIBLE_DRUG)
_AMOUNT_FOR_USE_PURPOSE = _either(_STRONG_USE, _PERSONAL_USE, _NEED_AMOUNT)

# What treatment costs ("how much does spravato cost in nyc").
_COST_ASKED = rx(
    r"\b(?:cost\w*|price\w*|pricey|pay|paying|afford\w*|expensive|cheap\w*|insurance|insured|covered|fees?|"
    r"charge\w*|funded|funding|free\s+of\s+charge|self-?funded)\b|[$£€]"
)
_STREET = rx(r"\bstreet\b|\bper\s+(?:gram|g|bag|baggie)\b|\ba\s+(?:gram|g|bag|baggie)\b")


def asks_about_cost(text: str) -> bool:
    """Whether `text` asks what treatment costs or who pays for it (a street price is not)."""
    lowered = text.casefold()
    return bool(_COST_ASKED.search(lowered)) and not _STREET.search(lowered)


_DRIVING = rx(
    r"\b(?:driv\w*|drove|behind\s+the\s+wheel|(?:operate|operating)\s+machinery|forklift|cycl\w*|ride\s+(?:a|my)\s+(?:bike|motorbike))\b"
)
_WAIT = rx(r"\bhow\s+long\b[^.?!]{0,30}\bwait\b|\bhow\s+(?:long|many\s+(?:hours|days))\s+(?:after|before)\b")


def asks_about_driving(text: str) -> bool:
    """Whether `text` asks about driving or operating machinery."""
    return bool(_DRIVING.search(text.casefold()))


def wait_to_drive(text: str, context: Context, _matched: str = "") -> bool:
    """How long to wait before driving, asked after a question about driving, with nothing more taken."""
    return (
        (context.driving_before or bool(_DRIVING.search(text)))
        and bool(_WAIT.search(text))
        and not _CONSUMPTION.search(text)
    )


def cost_meant(text: str, context: Context, _matched: str = "") -> bool:
    """ "how much in the US then" after a question about cost: money, with nothing taken in it."""
    return context.cost_before and not _CONSUMPTION.search(text)


# A phone number had or asked for ("I already have the number. I'm asking about the ketamine"), not
# "my number" as an amount (a new-user trial, session 33).
_PHONE_NUMBER = rx(
    r"\b(?:have|got|has|had|saved|know)\s+(?:got\s+)?(?:the|that|their|this|a)\s+(?:phone\s+)?number\b|\bphone\s+number\b|"
    r"\bnumber\s+(?:for|to\s+(?:call|ring|text|phone))\b|"
    # an emergency number named ("whats the number here, is it 111", a thirteenth new-user trial)
    r"\bemergency\s+number\b|\b(?:111|999|911|000|112|988)\b(?!\s*(?:mg|g|ml|mcg|ug|grams?|milligrams?)\b)"
)

# What something costs ("how much do ketamine clinics usually cost? … does the VA cover any of
# this", an eleventh new-user trial, session 37): money, when nothing else asks for an amount.
_PRICE_ASKED = rx(
    r"\bhow\s+much\s+(?:do|does|did|would|will|is|are|might|could|can|should)\b[^.?!]{0,50}?"
    r"\b(?:cost|costs|charge|charges|set\s+(?:me|you|us)\s+back)\b"
)


def price_asked(text: str, _context: Context | None = None, _matched: str = "") -> bool:
    """Every "how much" of the message asks what something costs."""
    return bool(_PRICE_ASKED.search(text)) and not _AMOUNT_ASK.search(_PRICE_ASKED.sub(" ", text))


# The legal blood limit for driving ("whats the actual number? micrograms per litre of blood", asked
# by a police officer after a question about drug-driving, a thirteenth new-user trial, session 39):
# a figure in the law, not an amount to take, when nothing is taken in it and no street unit counted.
_LEGAL_LIMIT = rx(
    r"\b(?:legal|drug[-\s]?driv\w*|driving|specified|statutory|blood)\s+(?:blood\s+)?(?:limits?|thresholds?)\b|"
    r"\bper\s+litre\s+of\s+blood\b|\bmicrograms?\s+per\s+litre\b|\b(?:µg|ug|mcg)/l\b"
)
_DOSE_DENIED_WITH_VERB = rx(
    rf"(?:{_DOSE_DENIED.pattern})(?:\s+(?:to|i\s+(?:should|can|could))\s+(?:{CONSUME}))?"
)
_COUNTED_USE = rx(r"\b(?:bumps?|lines?|keys?|grams?|g|mg|pills?|drinks?|how\s+many)\b")


def legal_limit_meant(text: str, context: Context | None = None, _matched: str = "") -> bool:
    """The drug-driving law's blood limit asked, about driving, with nothing taken or counted in it."""
    lowered = text.casefold()
    rest = _DOSE_DENIED_WITH_VERB.sub(" ", lowered)
    about_driving = bool(_DRIVING.search(lowered)) or bool(context and context.driving_before)
    return (
        bool(_LEGAL_LIMIT.search(lowered))
        and about_driving
        and not _CONSUMPTION.search(rest)
        and not _COUNTED_USE.search(rest)
    )


# Blood pressure or the pulse going up ("what happens with blood pressure on esketamine? how high does
# it go and is there a cut-off", a nurse in a thirteenth new-user trial): a reading, not a dose.
_VITAL_SIGN = rx(r"\b(?:blood\s+pressure|bp|heart\s+rate|pulse)\b")
_DOSE_WORD = rx(r"\b(?:doses?|dosage|amount|mg|sprays?|devices?|milligrams?)\b")
_TAKEN = rx(rf"\b(?:{CONSUME})\b")


# "where they wont give it that day": the clinic holding a session back, not a dose given.
_STAFF_GIVE = rx(r"\b(?:they|staff|the\s+(?:clinic|team|nurses?|doctors?))\s+(?:\w+\s+)?giv\w*\b")


def _vital_sign_meant(text: str, _context: Context | None = None, _matched: str = "") -> bool:
    rest = _STAFF_GIVE.sub(" ", text)
    return bool(_VITAL_SIGN.search(text)) and not _DOSE_WORD.search(rest) and not _TAKEN.search(rest)


# Whether once, or a few times, is enough to get hooked ("i wasnt asking how much to take lol. i mean if
# someone tries it one time at a party are they gonna get hooked", a fourteenth new-user trial).
_HOOKED_ASKED = rx(
    r"\b(?:get(?:ting)?|become|becoming|be|gets?)\s+(?:hooked|addicted|dependent)\b|\baddictive\b|\baddiction\b"
)
_ONCE = rx(
    r"\b(?:once|one\s+(?:go|time|try|use)|first\s+(?:go|time|try)|a\s+few\s+(?:times|goes)|how\s+many\s+(?:times|goes))\b"
)
_NOT_HOOKED = rx(
    r"\b(?:how\s+much|how\s+many\s+(?!times|goes)|mg|grams?|g|bumps?|lines?|keys?|doses?|amount|safe\w*|high|buzz|feel\s+it|trip|k-?holes?)\b"
)


def asks_about_addiction(text: str) -> bool:
    """Whether `text` asks about getting hooked or addicted."""
    return bool(_HOOKED_ASKED.search(text.casefold()))


def addiction_meant(text: str, context: Context | None = None, _matched: str = "") -> bool:
    """How soon one gets hooked (once, a few times), asked or asked just before, with no amount in it."""
    rest = _DOSE_DENIED_WITH_VERB.sub(" ", text.casefold())
    hooked = bool(_HOOKED_ASKED.search(rest)) or bool(context and context.addiction_before)
    return hooked and bool(_ONCE.search(rest)) and not _NOT_HOOKED.search(rest)


DOSING_RULES: tuple[IntentRule | Exempt, ...] = (
    Exempt("legal-limit", legal_limit_meant),
    Exempt("addiction-meant", addiction_meant),
    Exempt("cost-before", cost_meant),
    Exempt("price-asked", price_asked),
    Exempt("wait-to-drive", wait_to_drive),
    # The course of a treatment ("how many sessions", "time off after each dose", "after my first
    # spravato dose") is not a request for an amount; raising the dose over it is titration.
    Exempt(
        "course-of-treatment",
        lambda t, c, m: bool(
            _COURSE_OF_TREATMENT.search(t) and not _RAISING_THE_DOSE.search(t) and not _own_use_interval(t)
        ),
    ),
    Exempt(
        "clinicians-decide", lambda t, c, m: bool(_CLINICIANS_DECIDE.search(t) and not _A_NUMBER.search(t))
    ),
    IntentRule("dosing.quantity-to-take", _TAKE_A_COUNT),
    IntentRule(
        "dosing.quantity-of-substance",
        _QUANTITY_OF_SUBSTANCE,
        requires=(_CONSUMPTION,),
        unless=(_STATISTICS, _DEGREE_OF_EFFECT),
    ),
    IntentRule(
        "dosing.quantity-in-units",
        _QUANTITY_OF_UNITS,
        requires=(_either(_has_target, _street_quantity),),
        unless=(_units_of_something_else,),
    ),
    IntentRule("dosing.quantity-to-take", _QUANTITY_TO_TAKE_ANY, unless=(_only_denied,)),
    IntentRule(
        "dosing.quantity-to-take",
        _QUANTITY_TO_TAKE,
        requires=(_either(_has_target, _OUTCOME_WORD),),
        unless=(_only_denied,),
    ),
    IntentRule("dosing.per-weight", _PER_WEIGHT),
    IntentRule("dosing.dose-request", _DOSE_REQUEST, requires=(_DOSE_TARGET,)),
    IntentRule("dosing.dose-request", _DOSE_OF_ANYTHING),
    IntentRule("dosing.dose-request", _AMOUNT_TO_CHECK, requires=(_has_target,)),
    IntentRule("dosing.dose-request", _SUBSTANCE_DOSE),
    IntentRule("dosing.self-dosing", _SELF_DOSING),
    IntentRule(
        "dosing.safe-maximum",
        _SAFE_MAXIMUM,
        requires=(_either(_has_target, _SPEAKER),),
        unless=(_vital_sign_meant,),
    ),
    IntentRule("dosing.redose", _REDOSE, requires=(_WHEN_AGAIN, _either(_has_target, _REDOSE_WORD))),
    IntentRule("dosing.frequency", _FREQUENCY, requires=(_has_target,)),
    IntentRule("dosing.frequency", _INTERVAL_BETWEEN_USES, requires=(_USE_HINT,)),
    IntentRule(
        "dosing.frequency", _FREQUENCY_FOR_APPROVAL, requires=(_has_target,), unless=(_SESSIONS_OF_A_COURSE,)
    ),
    IntentRule("dosing.titration", _TITRATION),
    IntentRule("dosing.self-directed-change", _SELF_DIRECTED_CHANGE, requires=(_has_target, _ON_ONES_OWN)),
    IntentRule(
        "dosing.amount-for-use",
        _AMOUNT_ASK,
        requires=(_AMOUNT_FOR_USE_TARGET, _AMOUNT_FOR_USE_PURPOSE),
        unless=(
            _NOT_AN_AMOUNT_TO_TAKE,
            _fit_for_work,
            _only_denied,
            _everyday_amount,
            _DEGREE_OF_EFFECT,
            _PHONE_NUMBER,
            _too_much_of_life,
        ),
    ),
)


# Harm-reduction supplies that are sold legally: a drug-checking kit, test strips, naloxone.
_SUPPLIES = rx(
    r"\b(?:testing|test|reagent|drug[-\s]checking)\s+kits?\b|\bkits?\s+to\s+test\b|\b(?:fentanyl\s+)?test(?:ing)?\s+strips?\b|"
    r"\bdrug[-\s]checking\s+(?:tents?|services?|stalls?|stands?)\b|"
    r"\b(?:naloxone|narcan)\b"
)


def asks_about_supplies(text: str) -> bool:
    """Whether `text` speaks of harm-reduction supplies that are sold legally."""
    return bool(_SUPPLIES.search(text))


def _denied_only(pattern: re.Pattern[str]) -> Check:
    """Whether every request `pattern` finds is one the message says it is not making ("im not
    asking where to buy it lol. im asking if im addicted": a tenth new-user trial, session 36)."""

    def check(text: str, _context: Context, _matched: str) -> bool:
        return bool(_GETTING_DENIED.search(text)) and not pattern.search(_GETTING_DENIED.sub(" ", text))

    return check


# Wanting more told as a worry about one's use ("my mates say im always the one who wants to get more
# in", asked with "can you actually get addicted"), not asking where more comes from.
_WANTING_MORE_TOLD = rx(
    r"\b(?:wants?|wanting|want|keen)\s+to\s+(?:get|buy|score|order)\s+more\b|\balways\s+(?:the\s+one\s+)?(?:who\s+)?"
    r"(?:wants|getting|buying|ordering)\s+more\b"
)
_ABOUT_ONES_USE = rx(
    r"\b(?:addict\w*|dependen\w*|hooked|a\s+problem|sign\s+of|warning\s+signs?|cravings?|too\s+much)\b"
)
_SOURCE_ASKED = rx(
    r"\bwhere\b|\bwho\s+(?:sells?|has|can|could|do|does|will|would|gets?|knows?)\b|\bhow\s+(?:do|can|could|should)\s+(?:i|we)\s+(?:get|score|buy|order|cop)\b|\b(?:help|get)\s+me\s+(?:get|some)\b"
)


def _wanting_more_told(text: str, _context: Context, _matched: str) -> bool:
    return bool(
        _WANTING_MORE_TOLD.search(text) and _ABOUT_ONES_USE.search(text)
    ) and not _SOURCE_ASKED.search(text)


def _supplies_meant(text: str, context: Context, _matched: str) -> bool:
    """ "Where can I buy one" after a question about test kits, naming no drug itself."""
    return context.supplies_before and not _SUBSTANCE.search(text)


def _dealing_target(text: str, context: Context, matched: str) -> bool:
    return _has_target(text, context) or bool(_DEALING_WORD.search(text))


def _steal_target(text: str, context: Context, _matched: str) -> bool:
    return bool(_STEAL_TARGET.search(text) or context.substance_mentioned) and (
        _has_target(text, context) or "prescription" in text
    )


# "im not trying to get any lol, i just mean does the army use it": getting it said not to be meant.
_GETTING_DENIED = rx(
    r"(?:\bnot|\bnever|n'?t)\s+(?:trying|looking|wanting|going|planning|asking)\s+(?:to\s+|how\s+to\s+|where\s+to\s+)?"
    r"(?:get|buy|score|order|cop)\s+(?:any|some|it)\b"
)
_ASKING_HOW = rx(r"\b(?:how|where|can|best|easiest|good|what'?s|whats)\b")

# Going to a service for help with drug use ("can i just go straight to a drug service without going
# through my gp"): reaching treatment, even when it skips the GP (a new-user trial, session 33).
_HELP_SERVICE = rx(
    r"\b(?:go|going|walk\s+in(?:to)?|turn\s+up|self[-\s]?refer\w*|contact|see|talk\s+to|speak\s+to|ring|call|phone|"
    r"refer\w*|access|reach|get\s+(?:into|help\s+from|seen\s+(?:by|at)))\b[^.?!]{0,30}\b(?:(?:local\s+)?"
    r"(?:drugs?|alcohol|addiction|substance(?:\s+(?:use|misuse))?)(?:\s+(?:and|&)\s+alcohol)?\s+"
    r"(?:services?|teams?|workers?|charit(?:y|ies)|agenc(?:y|ies)|clinics?)|rehab|detox)\b"
)
_SOUGHT_FROM_A_SERVICE = rx(
    rf"\b(?:{ACQUIRE})\s+(?:{DET}\s+)?(?:{SUBSTANCE}|drugs?|meds|prescriptions?|scripts?)\b|\b(?:buy\w*|order\w*|dealers?|plugs?|darknet|sell\w*)\b"
)


def _help_service_reached(text: str) -> bool:
    return bool(_HELP_SERVICE.search(text)) and not _SOUGHT_FROM_A_SERVICE.search(text)


# "whats the actual service called in bristol? how do i find it": "it" is the service the message names
# (an eleventh new-user trial, session 37).
_SERVICE_NAMED = rx(
    r"\b(?:services?|helplines?|charit(?:y|ies)|support\s+groups?|drugs?\s+teams?|rehabs?|detox|clinics?|"
    r"meetings?|counsell(?:ing|ors?)|therapists?)\b"
)
_FIND_OR_REACH = rx(r"\b(?:find|finding|contact|reach|ring|call|phone)\s+(?:it|them|one)\b")


# How one route to treatment differs from another ("how is getting it different from going to an IV
# clinic?", a mother in a thirteenth new-user trial): reaching care, not a source, unless a seller is named.
_ROUTES_COMPARED = rx(
    r"\bgetting\s+(?:it|them|this|that)\s+(?:\w+\s+){0,3}?(?:different|differ|compare[sd]?|versus|vs\.?)\b"
)
_ROUTE_TO_CARE = rx(
    r"\b(?:clinics?|psychiatrists?|doctors?|gp|prescri\w+|infusions?|nhs|hospital|spray|treatment|insurance|fda|approved)\b"
)


def _routes_to_care_compared(text: str, _context: Context, _matched: str) -> bool:
    return bool(_ROUTES_COMPARED.search(text) and _ROUTE_TO_CARE.search(text)) and not _SELLER.search(text)


def _finding_a_named_service(text: str, _context: Context, matched: str) -> bool:
    return bool(
        _FIND_OR_REACH.search(matched)
        and _SERVICE_NAMED.search(text)
        and not _SOUGHT_FROM_A_SERVICE.search(text)
    )


SOURCING_RULES: tuple[IntentRule | Exempt, ...] = (
    IntentRule("sourcing.supply-slang", _SUPPLY_SLANG),
    # Reaching legitimate treatment is answered, unless it asks to skip the prescriber.
    Exempt("treatment-access", lambda t, c, m: _reaches_treatment(t)),
    Exempt("providers-of-treatment", lambda t, c, m: _providers_of_treatment(t)),
    Exempt("help-service", lambda t, c, m: _help_service_reached(t)),
    Exempt("legal-route", lambda t, c, m: _takes_the_legal_route(t)),
    Exempt("clinic-only-medicine", lambda t, c, m: _treatment_with_a_clinic_only_medicine(t)),
    Exempt("clinic-only-medicine-earlier", lambda t, c, m: gets_clinic_only_medicine_named_before(t, c)),
    Exempt("medicine-for-a-condition", lambda t, c, m: _treatment_for_a_condition(t)),
    Exempt("named-treatment", lambda t, c, m: _named_treatment_got(t)),
    IntentRule("sourcing.price-and-where", _PRICE_AND_WHERE, requires=(_has_target,)),
    IntentRule(
        "sourcing.supply-chain",
        _SUPPLY_CHAIN,
        requires=(_dealing_target,),
        unless=(_SPOTTING_DECEPTION, _supplies_meant, _GETTING_DENIED, _wanting_more_told, _harm_got),
    ),
    IntentRule("sourcing.acquire", _ACQUIRE_SUBSTANCE, unless=(_SPOTTING_DECEPTION,)),
    IntentRule("sourcing.acquire", _SUBSTANCE_THEN_ACQUIRE, unless=(_SPOTTING_DECEPTION,)),
    IntentRule("sourcing.make", _MAKE, unless=(_SPOTTING_DECEPTION,)),
    IntentRule("sourcing.sell", _SELL, unless=(_SPOTTING_DECEPTION,)),
    IntentRule(
        "sourcing.acquire",
        _ACQUIRE_PRONOUN,
        requires=(_has_target,),
        unless=(
            _supplies_meant,
            _denied_only(_ACQUIRE_PRONOUN),
            _finding_a_named_service,
            _routes_to_care_compared,
        ),
    ),
    IntentRule("sourcing.acquire", _WHERE_BEFORE_VERB, requires=(_has_target,)),
    IntentRule(
        "sourcing.no-prescription",
        _NO_PRESCRIPTION,
        requires=(_ACQUIRE_OR_ASK, _has_target),
        unless=(_ABOUT_RISK,),
    ),
    IntentRule("sourcing.market", _MARKET_REQUEST, requires=(_MARKET_TARGET,), unless=(_MARKET_EXCUSE,)),
    IntentRule("sourcing.deceive-prescriber", _DECEIVE_PRESCRIBER, unless=(_SPOTTING_DECEPTION,)),
    IntentRule("sourcing.steal-or-divert", _STEAL, requires=(_steal_target,)),
    IntentRule("sourcing.steal-or-divert", _SHARE_OWN_MEDICINE),
    IntentRule("sourcing.acquire", _STOCK_UP, unless=(_SUPPLIES,)),
    IntentRule("sourcing.smuggle", _SMUGGLE, requires=(_has_target, _ASKING_HOW)),
)


# First-aid knowledge asked in general ("what does blue lips mean if someone is unconscious") is
# answered; the same signs about a person the writer is with are an emergency.
_IN_GENERAL = rx(
    r"^\s*(?:in\s+general|generally|why\s+(?:is|are|do|does)|what\s+(?:does|do)\b[^.?!]{0,60}\bmean|"
    r"what\s+are\s+the\s+(?:early\s+|warning\s+)?(?:signs?|symptoms?))\b|"
    r"\b(?:if|when|after)\s+(?:someone|somebody|a\s+(?:person|patient|pt|resident|client|customer|detainee|service\s+user))\b|"
    r"\bwhen\s+(?:do|should)\s+you\b"
)
_SOMEONE_HERE = rx(
    r"\b(?:my|mate|friend|he|she|he'?s|she'?s|his|her|him|we|us|i'?m|right\s+now|now|tonight|please|hurry|help\s+me)\b"
)


_PAST_ONLY = rx(
    r"\b(?:last\s+(?:night|week|weekend|month|year|time|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)|yesterday|"
    r"the\s+other\s+(?:day|night)|over\s+the\s+weekend|a\s+while\s+ago|(?:\w+\s+)?(?:days?|weeks?|months?|years?)\s+ago|at\s+new\s+year|"
    # told second-hand, in the past tense ("her friend said she passed out in a bath")
    r"(?:said|told\s+(?:me|us|her|him|them))\s+(?:that\s+)?(?:she|he|they)\s+(?:had\s+)?(?:passed|collapsed|blacked|fainted|"
    r"went|nearly|almost|once))\b"
)
# The person has come round: what happened is over, however it is told.
_CAME_ROUND = rx(
    # "came to" is waking up, not "came to collect his scripts"
    r"\b(?:came\s+(?:round|around)|came\s+to(?=\s*(?:[.,;!?]|$|(?:again|after|quickly|fine|ok|okay|within|eventually)\b))|(?:he|she|they)\s+(?:was|were)\s+(?:awake\s+and\s+)?(?:fine|ok|okay|alright)\s+after(?:wards)?|woke\s+(?:up|back\s+up)|(?:he|she|they)(?:'?s|\s+is|\s+are|'re|\s+seems?)\s+(?:totally\s+|completely\s+|absolutely\s+|perfectly\s+)?(?:fine|ok|okay|alright|all\s+right|better)|"
    r"(?:the\s+)?(?:friend|mate|student|pupil|patient|client|resident|person)(?:'s|\s+is)\s+(?:fine|ok|okay|alright|all\s+right|better)|"
    r"laughed\s+it\s+off|it\s+passed)\b"
)
# Safe at home the day after ("she's home now and seems ok-ish", "talking normally": a fourteenth
# new-user trial, session 39, about a drink spiked the night before). What is told before it is the
# story; a sign told after it ("…home now but she's not breathing properly") is happening now.
_SAFE_AT_HOME = rx(
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re)\s+(?:back\s+)?(?:at\s+)?home\s+now\b|\btalking\s+normally\b|"
    r"\bseems?\s+(?:ok|okay|fine|alright)(?:-?ish)?\b"
)


def _safe_at_home(text: str) -> bool:
    found = _SAFE_AT_HOME.search(text)
    if found is None:
        return False
    after = _SAFE_AT_HOME.sub(" ", text[found.start() :])
    return no_danger_now(after) and not _STILL_BAD.search(after)


# Asking ahead, for a time that has not come ("if i ever find him like that", "so i know").
_AHEAD_OF_TIME = rx(
    r"\b(?:if\s+(?:i|we)\s+ever|just\s+in\s+case|(?:just\s+|asking\s+)?so\s+i\s+know|next\s+time|"
    r"if\s+(?:that|this|it)\s+(?:ever\s+)?happens\s+again|hypothetically)\b"
)
_DANGER_NOW = rx(
    r"\b(?:right\s+now|hurry|help\s+me|please\s+help|asap|tonight|still\s+(?:not|isn'?t|won'?t|can'?t|unconscious|unresponsive|out|passed|drowsy|sick|vomiting|throwing|blue|fitting|seizing|struggling))\b"
)
# "will they even do anything if she cant prove it" tells nothing happening now.
_STILL_NOW = rx(
    r"\b(?:now|still|right\s+now|isn'?t|won'?t|can'?t(?!\s+(?:prove|remember|believe|afford|decide|tell|say|find|work\s+out))|"
    r"is\s+not|he'?s|she'?s|keeps)\b"
)
_STILL_BAD = rx(
    r"\b(?:isn'?t|won'?t|can'?t|is\s+not|keeps|(?:out|collapsed|unconscious|fitting|seizing|vomiting|sick|blue)\s+again)\b"
)


# A sign said not to be there ("he wasnt unconscious", "hes not unconscious, hes just panicking").
_DENIED_BEFORE = rx(r"(?:\bnot|\bnever|n'?t|\bno\s+longer)\s+(?:\w+\s+)?$")


# A sign feared or supposed of the writer, not seen in someone ("I'm frightened of hallucinating or not
# waking up", "could I just not come round from it?", "the 'not waking up' bit"): a worry about an
# anaesthetic to come, from a thirteenth new-user trial (session 39). The writer is plainly awake.
_FEARED_SIGN = rx(
    r"\b(?:frightened|scared|afraid|terrified|worried|nervous|anxious|fears?|dread)\s+(?:of|about|that)\s+(?:\w+\s+){0,5}?"
    r"(?:i\s+(?:won'?t|will\s+not|might\s+not|may\s+not)\s+)?(?:not\s+|never\s+)?(?:wak\w+|com\w+\s+(?:round|around|to)|breath\w+|"
    r"unconscious|unresponsive|responding)(?:\s+(?:up|again|back))?\b|"
    r"\b(?:could|would|might|will|can|do|does)\s+(?:i|you|people|patients|some\s+people)\s+(?:just\s+|ever\s+)?(?:not|never)\s+"
    r"(?:wake|come\s+(?:round|around|to)|breathe)\b|"
    r"\bwhat\s+if\s+(?:i|you)\s+(?:don'?t|do\s+not|never|can'?t|cannot)\s+(?:wake|come\s+(?:round|around|to)|breathe)\b|"
    r"\bthe\s+\W?(?:not\s+)?(?:waking|coming\s+round)(?:\s+up)?\W?\s+(?:bit|part|thing|risk|worry)\b"
)


def feared_not_happening(text: str) -> bool:
    """A sign of danger feared or supposed of the writer, with no sign or hurry of danger now besides."""
    rest = _FEARED_SIGN.sub(" ", text)
    return bool(_FEARED_SIGN.search(text)) and no_danger_now(rest)


def live_danger_sign(text: str) -> bool:
    """Whether `text` (case-folded) tells a sign of danger that it does not deny."""
    return any(
        not _DENIED_BEFORE.search(text[max(0, sign.start() - 30) : sign.start()])
        for sign in _EMERGENCY_SIGN.finditer(text)
    )


def no_danger_now(text: str) -> bool:
    """Whether `text` (case-folded) tells no sign of danger it does not deny, and no hurry or danger now."""
    return not live_danger_sign(text) and not _DANGER_NOW.search(text)


EMERGENCY_RULES: tuple[IntentRule | Exempt, ...] = (
    Exempt("asked-in-general", lambda t, c, m: asked_in_general(t) or asked_for_training(t)),
    # Something that is over (last night, he came round) or asked ahead of time is a question about
    # it, not an emergency now.
    Exempt("over-already", lambda t, c, m: not_happening_now(t)),
    Exempt("feared-not-happening", lambda t, c, m: feared_not_happening(t)),
    IntentRule(
        "emergency.person-in-danger",
        _EMERGENCY_SIGN,
        requires=(_PERSONAL, lambda t, c, m: live_danger_sign(t)),
    ),
)


# Someone the writer is with is violent or threatening, or the writer is afraid of them now ("hes been
# up for 2 days on it … im a bit scared of him right now"): a safety emergency, not a medical one.
UNSAFE_WITH_SOMEONE = rx(
    r"\b(?:i'?m|im|i\s+am|i\s+feel|we'?re|we\s+are)\s+(?:\w+\s+){0,2}?(?:scared|afraid|frightened|terrified)\s+(?:of|for\s+my\s+life\s+with)\s+"
    r"(?:him|her|them|my\s+(?:partner|boyfriend|girlfriend|husband|wife|son|daughter|dad|father|mum|mom|mother|brother|sister|flatmate|housemate))\b"
    r"(?!\s+(?:losing|dying|getting|being|going|using|relapsing|ending))|"
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re|\s+keeps?|\s+has\s+been|\s+was|\s+were)\s+(?:\w+\s+)?"
    r"(?:threatening|hitting|attacking|punching|choking|strangling|hurting)\s+(?:me|us|the\s+kids|my\s+(?:kids|children|son|daughter|mum|mom|dad))\b|"
    r"\b(?:he|she|they)\s+(?:just\s+)?(?:hit|attacked|threatened|punched|pushed|strangled|choked|grabbed)\s+(?:me|us)\b|"
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re)\s+(?:(?:getting|being|really|so|very|quite)\s+){0,3}(?:violent|aggressive)\b|"
    r"\b(?:won'?t|wont|will\s+not)\s+let\s+me\s+(?:leave|go\s+out|out)\b|"
    r"\bthreatened\s+to\s+(?:kill|hurt|hit|stab)\s+(?:me|us)\b|\b(?:has|got|holding)\s+a\s+knife\b"
)


def asked_in_general(text: str) -> bool:
    """First aid asked about anyone, with no one named who is with the writer."""
    return bool(_IN_GENERAL.search(text) and not _SOMEONE_HERE.search(text))


# The person is all right again ("he's awake now", "she's talking again").
_RECOVERED = rx(
    r"\b(?:awake|conscious|talking|responding|breathing\s+(?:fine|normally|ok|okay)|sitting\s+up|sat\s+up)\s+"
    r"(?:now|again)\b"
)


# Told after an emergency reply: the person is awake and talking, or the sign told is not there
# ("hes not unconscious, hes just panicking"), or help is already on its way ("ambulance is coming.
# should i give him water"), and no other sign of danger comes with it: what to do meanwhile is
# first aid, which the articles answer.
_NOT_IN_DANGER = rx(
    r"\b(?:ambulance|paramedics?|help)(?:\s+is|\s+are|'s)\s+(?:coming|on\s+(?:its|their|the)\s+way|here|arriving)\b|"
    # handed over to medics (the eighteenth blind set, session 33): "the site medics are here and
    # theyve taken over", "medics came and took her to the medical tent"
    r"\b(?:medics|first\s+aiders|the\s+medics|security)\s+(?:are\s+here|came|have\s+come|arrived|have\s+arrived)\b|"
    r"\b(?:have|has|'ve)\s+taken\s+over\b|\btook\s+(?:him|her|them)\s+to\s+(?:the\s+)?(?:medical\s+tent|hospital|a\s*&\s*e|er)\b|"
    r"\b(?:his|her|their)\s+breathing\s+is\s+(?:fine|normal|ok|okay|better)\b|"
    r"\b(?:ambulance|paramedics?)\s+(?:has|have)\s+been\s+called\b|"
    r"\b(?:i'?ve|we'?ve|i|we|already)\s+(?:called|rang|phoned)\s+(?:an\s+ambulance|the\s+ambulance|999|911|112|000|emergency\s+services)\b|"
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re)\s+(?:awake|conscious|up)\s+and\s+(?:talking|breathing|responding|chatting)\b|"
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re)\s+(?:\w+\s+)?breathing\s+(?:fine|normally|ok|okay|well)\b|"
    r"\b(?:it'?s|its|it\s+has|things\s+have|i'?ve|ive|i\s+have)\s+calmed\s+down\b|\b(?:i'?m|im|i\s+am)\s+(?:fine|ok|okay|alright|better)\s+now\b|"
    r"\b(?:je\s+vais\s+bien|estoy\s+bien|mir\s+geht\s+(?:es\s+)?gut|sto\s+bene|estou\s+bem)\b|"
    # help on its way in the other reply languages
    r"\b(?:krankenwagen|rettungswagen|notarzt|rettungsdienst)\s+(?:kommt|ist\s+unterwegs|ist\s+da)\b|"
    r"\b(?:la\s+)?ambulancia\s+(?:viene|ya\s+viene|est[aá]\s+(?:en\s+camino|llegando))\b|"
    r"\b(?:l'ambulance|les\s+secours|le\s+samu|les\s+pompiers)\s+(?:arrive(?:nt)?|est\s+en\s+route|sont\s+en\s+route)\b|"
    r"\b(?:a\s+)?ambul[aâ]ncia\s+(?:vem|est[aá]\s+a\s+caminho|est[aá]\s+a\s+chegar)\b|"
    r"\b(?:l'ambulanza|ambulanza)\s+(?:arriva|sta\s+arrivando)\b|"
    r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|'re|\s+was|\s+were)\s*(?:not|n'?t)\s+(?:unconscious|unresponsive|passed\s+out)\b|"
    # the emergency reading corrected (a new-user trial, session 33): "nobody took anything, im not in
    # danger right now", "its not an emergency!!"
    r"\b(?:i'?m|im|i\s+am|he'?s|hes|he\s+is|she'?s|shes|she\s+is|they'?re|theyre|they\s+are|we'?re|we\s+are)\s+not\s+in\s+"
    r"(?:any\s+)?(?:immediate\s+)?danger\b|\b(?:nobody|no\s*one)\s+(?:has\s+)?(?:took|taken)\s+anything\b|"
    r"\b(?:it'?s|its|it\s+is|this\s+is|that'?s|thats|that\s+is)\s+not\s+an\s+emergency\b|\b(?:it|this|that)\s+(?:isn'?t|is\s+not)\s+an\s+emergency\b|"
    r"\b(?:he|she|they)(?:'?s|'re|\s+is|\s+are)\s+(?:safe|fine|ok|okay|alright|all\s+right)\s+(?:right\s+)?now\b|"
    # a thirteenth new-user trial (session 39): "Goodness, no, nobody is in danger!", "its not happening
    # rn, asking for next time", "ambulance already called like i said", "paramedics have got him now.
    # for future, why…", "Please stop telling me to ring 999"
    r"\b(?:nobody|no\s*one)(?:'s|\s+is|\s+was)\s+(?:in\s+(?:any\s+)?danger|hurt|unconscious)\b|"
    r"\b(?:it'?s|its|it\s+is|this\s+is|that'?s|thats|that\s+is)\s+not\s+happening\s+(?:right\s+)?(?:now|rn)\b|"
    r"\b(?:asking|it'?s|its|this\s+is|just)\s+for\s+(?:next\s+time|the\s+future|future(?:\s+reference)?)\b|^\W*for\s+(?:the\s+)?future\b|"
    r"\b(?:ambulance|paramedics?|999|911|112|000)\s+(?:(?:has|have)\s+)?(?:already\s+)?(?:been\s+)?(?:called|rung|phoned)\b|"
    r"\b(?:paramedics?|medics|ambulance\s+crew|the\s+crew|doctors|nurses)\s+(?:have|has|'ve)\s+(?:got|taken)\s+(?:him|her|them)\b|"
    r"\bstop\s+(?:telling|asking)\s+me\s+to\s+(?:ring|call|phone|dial)\b"
)


def emergency_over(text: str) -> bool:
    """The newest turn says the emergency told earlier has passed."""
    text = text.casefold()
    # "hes safe right now" says the danger has passed; its "right now" does not tell a danger now.
    rest = _NOT_IN_DANGER.sub(" ", text)
    if _NOT_IN_DANGER.search(text) and not live_danger_sign(rest) and not _DANGER_NOW.search(rest):
        return True
    return bool(_CAME_ROUND.search(text) or _RECOVERED.search(text))


# Staff preparing for what may happen ("for our welfare volunteers briefing - how do you tell…", "doing
# my door supervisor refresher … what are the typical signs"): first aid asked ahead, for training.
_FOR_TRAINING = rx(
    r"\b(?:training|briefing|refresher|teaching\s+session|induction|(?:our|the)\s+(?:policy|protocol|procedure|sop))\b"
)
_ASKED_AS_IF = rx(
    r"\bif\s+(?:someone|somebody|a\s+\w+|they|we)\b|\bhow\s+(?:do|would|should|can)\s+(?:you|we|they|staff)\b|"
    r"\bwhat\s+(?:are|is)\s+the\s+(?:typical\s+|early\s+|warning\s+)?(?:signs?|symptoms?)\b|\bhow\s+to\s+tell\b"
)


def asked_for_training(text: str) -> bool:
    """First aid asked ahead of time, for training or a written procedure, with nothing happening now."""
    text = text.casefold()
    return bool(_FOR_TRAINING.search(text) and _ASKED_AS_IF.search(text) and not _DANGER_NOW.search(text))


def no_emergency_now(text: str) -> bool:
    """What the emergency rules exempt, which the semantic layers must not escalate either."""
    return asked_in_general(text) or not_happening_now(text) or asked_for_training(text)


def honest_about_use(text: str) -> bool:
    """Being honest (or not) with a doctor or a service about how much one uses: no amount is asked."""
    return bool(_HONEST_ABOUT_USE_RX.search(text.casefold()))


# How long someone stays or is watched after a session: the clinic's routine, not a dose interval.
_DAY_OFF = rx(r"\b(?:whole|full|entire)\s+day\s+off\b|\btime\s+off\s+work\b")
_STAY_AFTER_SESSION = rx(
    r"\bhow\s+long\s+(?:do|does|will|would|should|must|can|are)\s+(?:i|you|we|they|he|she|patients?|people)\s+"
    r"(?:(?:have|need|got)\s+to\s+|usually\s+|be\s+(?:made|asked|expected|required|told)\s+to\s+)?"
    r"(?:stay|remain|be\s+(?:monitored|observed|watched|kept))\b(?![^.?!]{0,30}\b(?:another|more|again|next|re-?dose)\b)|"
    r"\bhow\s+long\s+(?:do|does|will|would)\s+(?:they|the\s+(?:clinic|staff|nurses?))\s+keep\s+(?:you|him|her|them|me|patients?|people)\b"
    r"(?![^.?!]{0,30}\b(?:another|more|again|next|re-?dose)\b)"
)
# A treatment history ("tried four antidepressants and nothing worked"): a question about the next
# treatment, which the trained layers confuse with hopelessness about living.
_NOTHING_HAS_WORKED = rx(
    r"\b(?:tried|been\s+on|had|taken)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many|a\s+few|"
    r"lots\s+of|loads\s+of|so\s+many|all\s+(?:the|sorts\s+of)|every)\s+(?:different\s+)?(?:kinds?\s+of\s+)?"
    r"(?:antidepressants?|ssris?|snris?|meds|medications?|medicines?|treatments?|therap(?:y|ies)|pills)\b"
    r"[^.?!]{0,20}?\b(?:and|but)\s+(?:nothing|none(?:\s+of\s+them)?|no\s*one)\s+(?:has\s+|have\s+|really\s+)?"
    r"(?:worked|helped|did\s+anything)"
)


# Missing one's own prescribed dose ("what if i skip my dose that day"): a question about a risk.
_SKIP_A_DOSE = rx(
    r"\b(?:skip|skipping|skipped|miss|missing|missed)\s+(?:my|a|the|one|his|her|their)\s+"
    r"(?:(?:morning|evening|usual|daily|regular)\s+)?(?:dose|meds|medication|pill|tablet)s?\b(?!\s+of\b)"
    r"(?![^.?!]*\b(?:hit|harder|stronger|high|buzz)\b)"
)


# Whether a mix is dangerous ("is k ok with a few drinks", "what if I've been drinking too"): a
# question about a risk the articles explain, which the trained layers read as asking for an amount.
_OTHER_SUBSTANCE = rx(
    r"\b(?:drinks?|drinking|drunk|pints?|beers?|wine|alcohol|booze|mdma|molly|pills|coke|cocaine|speed|"
    r"benzos?|xanax|valium|diazepam|ghb|g|balloons?|nitrous|nos|weed|cannabis|opioids?|heroin|methadone|"
    r"sertraline|zoloft|fluoxetine|prozac|citalopram|escitalopram|lexapro|venlafaxine|mirtazapine|ssris?|snris?|"
    r"antidepressants?|lithium|lamotrigine|tramadol|gabapentin|pregabalin|meds|medication)\b"
)
_RISK_ASKED = rx(
    r"\b(?:dangerous|danger|safe|ok|okay|alright|bad|risky|risks?|harmful|worried|interact\w*|blunt\w*)\b|"
    r"^\W*(?:and\s+)?(?:what|how)\s+about\b|\bwhat\s+if\b|"
    # "can i take xanax while on spravato": whether the two go together
    r"\b(?:can|could|should)\s+(?:i|you|we|he|she|they)\s+(?:still\s+)?(?:take|have|use)\b[^.?!]{0,40}\b(?:while|whilst)\s+(?:on|taking|using|having)\b|"
    r"\b(?:can|could|should)\s+(?:i|you|we|he|she|they)\s+(?:take|have|use|mix)\s+(?:both|them\s+together|the\s+two)\b"
)
_AMOUNT_ASKED = rx(
    r"\bhow\s+(?:much|many|long|often|soon)\b|\b(?:wie\s+viel\w*|cu[aá]nt[oa]s?|combien|quant[oia]s?)\b|"
    r"\b(?:doses?|dosage|dosing|mg|ml|grams?|ratio|amounts?|max\w*|min\w*|limits?|upper|numbers?|strength|"
    r"frequency|schedule|taper\w*|redos\w*|doubl\w*|tolerance|time|times|per\s+day)\b|"
    r"\d*\.\d+|\b\d+\s*(?:mg|ml|g|ug|mcg|mgs)\b|\btake\s+(?:another|more|a\s+second|\d+|two|three|four|five|several)\b|"
    r"\b(?:\d+|two|three|four|five|couple\s+of|few)\s+(?:bumps?|lines?|keys?|points?|grams?|g|mg|ml)\b|"
    r"\b(?:more|another|again|top\s*up|redose)\b[^.?!]{0,20}\b(?:ket|k|ketamine|bump|line)\b"
)


def mixing_risk(text: str) -> bool:
    """Whether a mix with something else is dangerous, with no amount, count or interval asked."""
    text = text.casefold()
    return bool(_OTHER_SUBSTANCE.search(text) and _RISK_ASKED.search(text) and not _AMOUNT_ASKED.search(text))


def routine_not_amount(text: str) -> bool:
    """How long one stays or is watched after a session, or missing one's own prescribed dose: no
    amount or interval of a drug is asked."""
    text = text.casefold()
    return bool(_STAY_AFTER_SESSION.search(text) or _SKIP_A_DOSE.search(text) or _DAY_OFF.search(text))


_DARK_WORDS = rx(
    r"\b(?:die|dying|dead|death|suicid\w*|kill\w*|end\s+(?:it|my\s+life|everything|things)|wake\s+up|point|"
    r"give\s+up|giving\s+up|hopeless\w*|burden|disappear|harm|hurt\w*\s+myself|go\s+on|done\s+with|anymore)\b"
)


# A history of recovery ("I'm 3 years sober", "I had a drinking problem"): a reason for caution the
# asker raises about a treatment, which the trained layers confuse with despair.
_RECOVERY_HISTORY = rx(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|several|many)\s+(?:days?|weeks?|months?|years?)\s+"
    r"(?:sober|clean|dry|in\s+recovery|off\s+(?:the\s+)?(?:drink|booze|alcohol|drugs|it))\b|"
    r"\b(?:i'?m|i\s+am|been|stayed|staying|still)\s+(?:sober|clean)\b|"
    r"\b(?:had|have|with|past|history\s+of)\s+(?:an?\s+)?(?:drinking|alcohol|drug|substance|addiction)\s+"
    r"(?:problems?|issues?|history|addiction)\b"
)
# It counts only in a question about what comes next, without a relapse or a wish to be gone
# ("8 months clean and i used yesterday. the world would be lighter without me").
_ASKS = rx(
    r"\?|^\W*(?:what|how|is|are|can|could|should|would|will|does|do|am)\b|"
    r"\b(?:is|are)\s+(?:it|that|this|they)\s+(?:ok|okay|safe|alright|fine|bad|dangerous|risky)\b"
)
_RELAPSE = rx(
    r"\b(?:relaps\w*|slipped|fell\s+off|back\s+on\s+it|"
    r"used\s+(?:again|yesterday|last\s+night|today|tonight))\b"
)
_GONE = rx(r"\b(?:without\s+me|better\s+off|no\s+way\s+out)\b")


def _speaks_of_harm(lowered: str) -> bool:
    """Whether a case-folded message holds a word of dying, giving up or harm, a wish to be gone or a
    distress phrase."""
    return bool(_DARK_WORDS.search(lowered) or _GONE.search(lowered) or distressed(lowered))


def _speaks_of_harm_or_lethality(lowered: str) -> bool:
    """Whether a case-folded message holds a word of harm or despair, or asks what amount is lethal."""
    return _speaks_of_harm(lowered) or bool(LETHALITY.search(lowered))


# Words of someone recovering from a drug problem ("6 weeks off k", "im in NA", "my cravings"), with
# which "relapse" means going back to the drug rather than depression coming back.
_RECOVERING = re.compile(
    r"\b(?:off\s+(?:k|ket|ketamine|it|drugs)|clean|sober|in\s+recovery|recovering\s+addict|(?i:addict\w*|"
    r"dependen\w*|cravings?|using\s+again|back\s+on\s+(?:k|ket|it))|NA|AA)\b"
)


def relapse_into_use(text: str) -> bool:
    """Whether `text` speaks of relapse as someone recovering from a drug problem does."""
    lowered = text.casefold()
    return bool(_RELAPSE.search(lowered) and (_RECOVERING.search(text) or _RECOVERY_HISTORY.search(lowered)))


def history_not_distress(text: str) -> bool:
    """A treatment history of nothing having worked, or a question from someone in recovery, with no
    word of dying, giving up or harm anywhere in the message."""
    text = text.casefold()
    if _speaks_of_harm(text):
        return False
    if _NOTHING_HAS_WORKED.search(text):
        return True
    return bool(_RECOVERY_HISTORY.search(text) and _ASKS.search(text) and not _RELAPSE.search(text))


def mixing_not_distress(text: str) -> bool:
    """A question whether a mix is dangerous ("what if I've been drinking too"), with no word of dying,
    giving up, harm, a lethal amount or despair anywhere in the message."""
    lowered = text.casefold()
    if _speaks_of_harm_or_lethality(lowered):
        return False
    return mixing_risk(text) and bool(_ASKS.search(lowered))


# The law on carrying or being caught ("what if its just a bit for personal"), or whether something is
# illegal: a legal question, which the trained layers read as distress when it is short and names no
# drug.
_LAW_TROUBLE = rx(
    r"\b(?:for\s+personal(?:\s+use)?|personal\s+use|possession|possessing|(?:get|gets|got|getting)\s+caught|"
    r"caught\s+(?:with|carrying|holding)|arrested|police|cops?|charged|criminal\s+record|"
    r"on\s+(?:my|his|her|their)\s+record|court|prison|jail|fined|a\s+fine|cautioned|"
    # "is it illegal to just be around people taking ket": whether something is against the law
    r"illegal(?:ly)?|against\s+the\s+law)\b"
)


def law_not_distress(text: str) -> bool:
    """A question about the law or getting caught, with no word of dying, giving up, harm, a lethal
    amount or despair anywhere in the message."""
    lowered = text.casefold()
    if _speaks_of_harm_or_lethality(lowered):
        return False
    return bool(_LAW_TROUBLE.search(lowered))


# Drugs someone found ("found some pills as well", "found a bag in his room"): a question about what
# they are or what they do, which the trained layers confuse with asking where to get them.
_FOUND_DRUGS = rx(
    r"\b(?:found|came\s+across|discovered)\s+(?:some|a|an|the|this|these|two|three|few|a\s+few|a\s+bag\s+of|"
    rf"a\s+baggie\s+of)?\s*(?:\w+\s+)?(?:pills?|tablets?|powder|bags?|baggies?|wraps?|stash|drugs|capsules?|crystals?|"
    rf"{SUBSTANCE})\b"
)
_SEEKING_MORE = rx(
    r"\b(?:where|more|again|get\s+(?:some|more|hold)|score|source|buy\w*|order\w*|sell\w*|dealer|plug|online|"
    r"(?:web)?sites?|shops?|vendors?|telegram|snapchat|apps?|cheap\w*|pric\w+)\b"
)


def found_not_sought(text: str) -> bool:
    """Drugs someone found, with no word of getting more, buying or selling."""
    text = text.casefold()
    return bool(_FOUND_DRUGS.search(text)) and not _SEEKING_MORE.search(text)


# How someone feels, with no drug, amount or taking in it ("i feel really low today"): a mood, which
# the trained layers read as "low dose".
_MOOD = rx(
    r"^\W*(?:i\s+)?(?:feel|feeling|i'?m|im|i\s+am)\s+(?:\w+\s+){0,2}?(?:low|down|flat|rough|rubbish|awful|sad|miserable)\b"
)
_TAKING = rx(r"\b(?:take|taking|took|dose|doses|dosing|use|using|have|had|mg|ml|how\s+(?:much|many))\b")


# Whether to worry ("so should i worry about it with spravato twice a week"): a risk question about a
# treatment or a habit told, which the trained layers read as a schedule asked for.
_WORRY = rx(
    r"\b(?:should|do|would|must)\s+(?:i|we)\s+(?:be\s+)?(?:worry|worried|concerned)\b|"
    r"\bis\s+(?:that|it|this)\s+(?:something\s+)?to\s+worry\s+about\b"
)


# Tolerance told ("i need way more than i used to. is that bad"): whether it is a warning sign, no
# amount asked.
_TOLERANCE_TOLD = rx(
    r"\btolerance\s+(?:has\s+|is\s+|'s\s+)?(?:gone\s+up|went\s+up|increased|risen|rising|getting\s+(?:higher|worse)|built)|"
    r"\bneed\s+(?:way\s+|much\s+|a\s+lot\s+|loads\s+|even\s+)?more\s+(?:and\s+more\s+)?(?:(?:k|ket|ketamine)\s+)?"
    r"(?:than\s+(?:i|before)|to\s+(?:feel|get))"
)
_IS_IT_BAD = rx(
    r"\b(?:is|was)\s+(?:that|it|this)\s+(?:bad|a\s+bad\s+sign|a\s+problem|dangerous|serious|normal|a\s+warning\s+sign)\b|"
    r"\bwhat\s+does\s+(?:that|it|this)\s+mean\b|"
    # "is tolerance with ket fast or is that just me" (the seventh blind set of session 37)
    r"\b(?:is|was)\s+(?:that|it|this)\s+just\s+me\b"
)
# Not `_AMOUNT_ASKED`, which counts the word "tolerance" itself as asking for an amount.
_AMOUNT_NAMED = rx(r"\bhow\s+(?:much|many)\b|\d|\b(?:mg|grams?|bumps?|lines?|keys?)\b")


def tolerance_not_amount(text: str) -> bool:
    """Tolerance told, asked whether it is bad: no amount, count or interval asked."""
    text = text.casefold()
    asks_if_bad = _IS_IT_BAD.search(text) or _WORRY.search(text)
    return bool(_TOLERANCE_TOLD.search(text) and asks_if_bad and not _AMOUNT_NAMED.search(text))


# Suicidal thoughts as what research or treatment is about ("does the research say it works for
# suicidal thoughts"), not disclosed ("i have suicidal thoughts").
_SUICIDAL_TOPIC = rx(r"\bsuicidal\s+(?:thoughts?|ideation|feelings?|patients?|people|depression|crisis)\b")
_ABOUT_RESEARCH_OR_TREATMENT = rx(
    r"\b(?:research\w*|stud(?:y|ies)|evidence|trials?|works?\s+for|help\w*\s+(?:with\s+)?|treat\w*|reduc\w*|approved|"
    r"effective|used\s+for)\b"
)
_DISCLOSED = rx(
    r"\b(?:i|i'?ve|ive|i'?m|im)\s+(?:\w+\s+){0,2}?(?:have|had|get|getting|having|been\s+having|keep\s+having|feel|feeling)\s+"
    r"(?:\w+\s+)?suicidal|\bmy\s+suicidal"
)


def research_not_distress(text: str) -> bool:
    """A question about research or treatment for suicidal thoughts, with no thought disclosed and no
    other word of harm or despair."""
    lowered = text.casefold()
    return bool(
        _SUICIDAL_TOPIC.search(lowered)
        and _ABOUT_RESEARCH_OR_TREATMENT.search(lowered)
        and not _DISCLOSED.search(lowered)
        and not _speaks_of_harm_or_lethality(_SUICIDAL_TOPIC.sub(" ", lowered))
    )


def worry_not_amount(text: str) -> bool:
    """Whether to worry about a risk, with no amount, count or interval asked."""
    text = text.casefold()
    return bool(_WORRY.search(text) and not _AMOUNT_ASKED.search(text))


# What to say to someone ("what do i say to him without it blowing up"): a conversation, which the
# trained layers read as an emergency.
_WHAT_TO_SAY = rx(
    r"\b(?:what|how)\s+(?:do|should|can|would|could)\s+(?:i|we)\s+(?:say|talk|speak|bring\s+(?:it|this|that)\s+up|"
    r"approach|raise\s+(?:it|this|that)|start\s+(?:the|that|this)\s+conversation)\b"
)


def talking_it_through(text: str) -> bool:
    """How to talk to someone about their use, with no sign of danger now."""
    text = text.casefold()
    return bool(_WHAT_TO_SAY.search(text) and not _DANGER_NOW.search(text))


# An effect expected after a prescribed session ("feels like hes floating an hour after spravato", "is
# feeling sick normal after the spray"): a side effect asked about, when no sign of danger is told.
_PRESCRIBED_SESSION = rx(
    r"\b(?:spravato|esketamine|nasal\s+spray|the\s+spray|infusions?|treatments?|therapy|clinic)\b"
)


def mentions_a_prescribed_session(text: str) -> bool:
    """Whether `text` speaks of a prescribed session: esketamine, an infusion, treatment at a clinic."""
    return bool(_PRESCRIBED_SESSION.search(text.casefold()))


_EXPECTED_EFFECT = rx(
    r"\b(?:float\w*|detached|dissociat\w*|spaced(?:\s+out)?|spacey|out\s+of\s+(?:his|her|my|their)\s+body|"
    r"(?:can'?t|cannot)\s+feel\s+(?:his|her|my|their)\s+body|dizzy|drowsy|sleepy|tired|woozy|sick|nause\w*|"
    r"threw\s+up|thrown\s+up|vomit\w*|headache|numb\w*|not\s+real|unreal|crying|teary|tearful|emotional|weird)\b"
)
# "why would she choke, she's just getting her depression treatment": a question about a reply.
_WHY_WOULD = rx(r"\bwhy\s+(?:would|could|might|should)\s+(?:she|he|they|i|you|it|someone|that)\b")


# "my son snorts ket and gets nosebleeds all the time": a complaint that keeps coming back is a
# question about a harm, not an emergency, unless a sign of danger now is told with it.
_RECURRING = rx(
    r"\b(?:all\s+the\s+time|every\s+time|constantly|for\s+(?:weeks|months|years)|most\s+(?:days|weekends|nights)|"
    r"keeps?\s+getting|on\s+and\s+off)\b"
)
_THIS_TIME = rx(r"\b(?:now|at\s+the\s+moment|currently|tonight|this\s+time|won'?t\s+stop|wont\s+stop)\b")


def recurring_complaint(text: str) -> bool:
    """A complaint that keeps coming back, with nothing told as happening this time."""
    text = text.casefold()
    return bool(_RECURRING.search(text)) and not _THIS_TIME.search(text) and no_danger_now(text)


# Low mood or withdrawal told over weeks or months ("now he barely talks, stays in bed, seems really
# down"): a worry to answer, which the trained layers read as a person in danger (a new-user trial,
# session 33). Thoughts of dying are the distress rules' to find, not this.
_LOW_MOOD = rx(
    # a mood said of someone, not "coming down off ket"
    r"\b(?:seems?|seemed|looks?|feels?|feeling|been|is|he'?s|she'?s|hes|shes)\s+(?:(?:really|very|so|quite|pretty)\s+)?"
    r"(?:down|low|flat|withdrawn|depressed|miserable|quiet)\b|"
    r"\b(?:stays?|staying|stayed)\s+in\s+(?:his|her|their|the)\s+room\b|"
    r"\b(?:stays?|staying|stayed|lies|lying)\s+in\s+bed\b|\bbarely\s+(?:talks?|speaks?|eats?|leaves?|goes\s+out)\b|"
    r"\bnot\s+(?:himself|herself|themselves)\b|\bwon'?t\s+(?:talk|get\s+out\s+of\s+bed|leave\s+(?:his|her|their)\s+room)\b"
)
_OVER_TIME = rx(
    r"\b(?:for|over|in)\s+(?:the\s+)?(?:last\s+|past\s+)?(?:few\s+|couple\s+(?:of\s+)?|several\s+|many\s+|\d+\s+)?"
    r"(?:days|weeks|months|years)\b|\b(?:the\s+)?(?:last|past)\s+(?:few\s+|couple\s+(?:of\s+)?)?(?:weeks|months|years)\b|"
    r"\b(?:lately|recently|these\s+days|for\s+a\s+while|most\s+days|all\s+the\s+time|all\s+day)\b"
)


# Whether what was told is a sign of something ("he needs more ket to make the pain go away... is this a
# sign its getting serious"): asked about, with no sign of danger told (the eighteenth blind set).
_IS_IT_A_SIGN = rx(r"\b(?:is|was)\s+(?:this|that|it)\s+(?:a\s+)?(?:bad\s+|warning\s+)?sign\b")


def sign_asked_about(text: str) -> bool:
    """Whether something is a sign, asked with no sign of danger told and nothing happening now."""
    text = text.casefold()
    return bool(_IS_IT_A_SIGN.search(text)) and no_danger_now(text)


def low_mood_not_emergency(text: str) -> bool:
    """Low mood or withdrawal told over a span of time, with no sign of danger and nothing urgent."""
    text = text.casefold()
    return bool(_LOW_MOOD.search(text) and _OVER_TIME.search(text)) and no_danger_now(text)


def side_effect_not_emergency(text: str) -> bool:
    """An effect expected after a prescribed session, or why a danger would arise, with no sign of
    danger told and nothing urgent asked."""
    text = text.casefold()
    if live_danger_sign(text) or _DANGER_NOW.search(text):
        return False
    return bool(
        (_PRESCRIBED_SESSION.search(text) and _EXPECTED_EFFECT.search(text)) or _WHY_WOULD.search(text)
    )


# Stopping alone, or using less instead ("is it dangerous to stop by myself", "can i use less instead
# of stopping completely"): quitting or cutting down, which the policy answers.
_STOPPING_ALONE = rx(
    r"\b(?:quit\w*|stop(?:ping)?|give\s+up|giving\s+up|come\s+off|coming\s+off)\s+(?:\w+\s+){0,2}?"
    r"(?:by\s+myself|on\s+my\s+own|alone|cold\s+turkey|without\s+(?:help|a\s+detox|rehab)|altogether|completely|"
    r"taking\s+(?:it|them|spravato|esketamine|ket|ketamine)|using|(?:the\s+)?(?:spray|infusions?|sessions?|treatment)|"
    r"spravato|esketamine|ket|ketamine)\b"
)
_CUTTING_DOWN = rx(
    r"\b(?:use|using|take|taking|do|doing)\s+less\b|\bcut(?:ting)?\s+(?:down|back)\b|"
    r"\binstead\s+of\s+(?:stopping|quitting|giving\s+up)\b"
)


# Afraid of a treatment's effect ("im kind of scared of the dissociation thing").
_AFRAID_OF_AN_EFFECT = rx(
    r"\b(?:scared|afraid|nervous|worried|anxious|frightened|terrified)\s+(?:of|about)\s+(?:the\s+|a\s+|that\s+)?"
    r"(?:dissociat\w*|side\s+effects?|treatment|sessions?|spray|infusions?|needles?|k-?hole|trip|withdrawal|feeling\s+\w+)\b"
)
# Whether one can die of it, asked in general ("can you die from it", from a parent): the risk,
# which the articles answer; "how much would it take to kill me" is still asking for a means.
# "can u die from it if you take a lot on purpose" asks for a means.
_ON_PURPOSE = rx(
    r"\b(?:on\s+purpose|deliberately|intentionally|if\s+(?:i|you|u|someone)\s+want(?:ed|s)?\s+to|wanna|want\s+to\s+die)\b"
)
_CAN_ONE_DIE = rx(
    r"^\W*(?:(?:ok|okay|so|and|but|also)\W+)*(?:can|could|do|does)\s+(?:you|u|ya|people|ppl|someone|anyone|a\s+person|kids?|teens?|young\s+people)\s+"
    r"(?:actually\s+|really\s+)?die\s+(?:from|of)\s+(?:it|ket|k|ketamine|that|this|an?\s+overdose)\b"
)


def fear_or_risk_not_distress(text: str) -> bool:
    """Afraid of a treatment's effect, or whether one can die of it in general, with no word of
    dying, giving up, harm, a lethal amount or despair of the writer's own."""
    lowered = text.casefold()
    if _CAN_ONE_DIE.search(lowered):
        return not (SELF_HARM.search(lowered) or DISTRESS.search(lowered) or _ON_PURPOSE.search(lowered))
    return bool(_AFRAID_OF_AN_EFFECT.search(lowered)) and not _speaks_of_harm_or_lethality(lowered)


# What comes next when a treatment does not work ("and if it doesnt work after that what happens, is
# there anything else left for me?"), and whether there is help for a relative ("is there anything for
# me? I'm his mum and I'm not coping very well with it all"): an eleventh new-user trial, session 37.
_TREATMENT_FAILS = rx(
    r"\b(?:if|when|what\s+if)\s+(?:it|this|that|spravato|esketamine|ketamine|the\s+(?:treatment|spray|infusions?))\s+"
    r"(?:does\s*n[o']?t|doesnt|did\s*n[o']?t|didnt|wo\s*n[o']?t|wont|is\s*n[o']?t|isnt|stops?)\s+(?:work\w*|help\w*)\b"
)
_HELP_FOR_A_RELATIVE = rx(
    r"\b(?:anything|help|support|someone|somewhere|services?)\s+(?:out\s+there\s+)?for\s+(?:me|us|parents|families|"
    r"relatives|carers|partners)\b"
)
_RELATIVE_OF_SOMEONE = rx(
    r"\b(?:i'?m|i\s+am|as)\s+(?:his|her|their|a|the)\s+(?:mum|mom|mother|dad|father|parent|wife|husband|partner|"
    r"sister|brother|daughter|son|grandmother|grandfather|gran|nan|carer|friend)\b"
)


def options_or_family_help_not_distress(text: str) -> bool:
    """What comes next when a treatment fails, or help for a relative of someone who uses, asked with
    no word of dying, giving up, harm, a lethal amount or despair."""
    lowered = text.casefold()
    asked = bool(_TREATMENT_FAILS.search(lowered)) or bool(
        _HELP_FOR_A_RELATIVE.search(lowered) and _RELATIVE_OF_SOMEONE.search(lowered)
    )
    return asked and bool(_ASKS.search(lowered)) and not _speaks_of_harm_or_lethality(lowered)


# What was in a batch ("can you get a dodgy batch of ket? last lot felt totally different and i felt ill
# for two days": the seventh blind set of session 37, escalated by a nearest example of an overdose plan).
_WHAT_WAS_IN_IT = rx(
    r"\b(?:dodgy|bad|strong|weak|contaminated|laced|fake)\s+(?:batch|bag|lot|stuff|ket|k|gear|powder)\b|"
    r"\bcut\s+with\b|\bwhat\s+(?:was|is|'s)\s+(?:in|it\s+cut\s+with)\b|\bpurity\b"
)


# Staying safer next time ("if im gonna keep going to afters what can i do to not end up like that
# again. and what should my mates do if it happens"): harm reduction after a bad night, which the
# trained classifier read as distress (a twelfth new-user trial, session 38).
_STAYING_SAFER = rx(
    r"\b(?:stay|staying|keep\s+(?:myself|me|us|them|him|her)|be|being)\s+safer?\b|\bharm\s+reduction\b|"
    r"\b(?:not|never|avoid|stop\s+(?:myself\s+)?(?:from\s+)?)\s+(?:end|ending)\s+up\s+like\s+that\b|"
    r"\bwhat\s+should\s+(?:my\s+)?(?:mates|friends|pals|people\s+with\s+me)\s+do\b"
)

# A question mid-message, after what the person plans: "if im gonna keep going … what can i do to …".
_WHAT_TO_DO = rx(r"\b(?:what|how)\s+(?:can|could|should|do)\s+(?:i|we|they|my\s+\w+)\b")


def staying_safer_not_distress(text: str) -> bool:
    """How to stay safer, or what friends should do, asked with no word of dying, giving up, harm,
    a lethal amount or despair."""
    lowered = text.casefold()
    asks = _ASKS.search(lowered) or _WHAT_TO_DO.search(lowered)
    return bool(_STAYING_SAFER.search(lowered) and asks) and not _speaks_of_harm_or_lethality(lowered)


def batch_not_distress(text: str) -> bool:
    """What was in a batch, asked with no word of dying, giving up, harm, a lethal amount or despair."""
    lowered = text.casefold()
    return bool(
        _WHAT_WAS_IN_IT.search(lowered) and _ASKS.search(lowered)
    ) and not _speaks_of_harm_or_lethality(lowered)


def quitting_not_distress(text: str) -> bool:
    """Whether stopping alone is safe, with no word of dying, giving up, harm, a lethal amount or despair."""
    lowered = text.casefold()
    return bool(
        _STOPPING_ALONE.search(lowered) and _ASKS.search(lowered)
    ) and not _speaks_of_harm_or_lethality(lowered)


_WHICH_WORKS_BETTER = rx(
    r"\bwhich\s+(?:one\s+|of\s+them\s+)?(?:works|is|would\s+be|helps)\s+(?:\w+\s+)?(?:better|best|more\s+effective|safer|faster)\b"
)


def comparison_not_amount(text: str) -> bool:
    """Which of two treatments works better, with no amount, count or interval asked."""
    text = text.casefold()
    return bool(_WHICH_WORKS_BETTER.search(text) and not _AMOUNT_ASKED.search(text))


def cutting_down_not_amount(text: str) -> bool:
    """Using less instead of stopping, with no amount, count or interval asked."""
    text = text.casefold()
    return bool(_CUTTING_DOWN.search(text) and not _AMOUNT_ASKED.search(text))


def mood_not_amount(text: str) -> bool:
    """A mood told, with no substance, amount or taking: not a dose request."""
    return bool(_MOOD.search(text) and not _SUBSTANCE.search(text) and not _TAKING.search(text))


# Doses someone was given in care and is asking about ("so 2 doses for surgery is fine then?").
_DOSES_HAD_IN_CARE = rx(
    r"\b(?:\d+|one|two|three|a\s+few|several)\s+(?:doses|times|lots)\s+(?:for|during|in|at)\s+(?:surgery|surgeries|"
    r"an?\s+operations?|operations|hospital|the\s+hospital|a\s*&\s*e|the\s+dentist)\b[^.?!]{0,30}\b(?:fine|ok|okay|safe|"
    r"bad|harmful|dangerous|a\s+problem|damaged?)\b"
)
_ASKS_AN_AMOUNT = rx(r"\b(?:how\s+(?:much|many)|should\s+i|can\s+i|what\s+dose|max(?:imum)?)\b")


# A blood pressure reading that holds a session back ("What BP threshold is used before administering?"):
# a clinic's check, which the policy answers, not an amount of a drug.
_BLOOD_PRESSURE_LIMIT = rx(
    r"\b(?:bp|blood\s+pressure)\b[^.?!]{0,40}\b(?:thresholds?|cut-?\s?offs?|limits?|readings?|levels?|too\s+high)\b|"
    r"\b(?:thresholds?|cut-?\s?offs?)\b[^.?!]{0,40}\b(?:bp|blood\s+pressure)\b"
)


# How often staff check a patient ("what obs should I be doing and how often?", "how often should
# staff be rousing him overnight?"): a clinic's or ward's routine, not how often to take a drug.
_CHECKS_HOW_OFTEN = rx(
    r"\bhow\s+often\b[^.?!]{0,40}\b(?:obs|observations?|monitor\w*|check\w*|rous\w*|sedation\s+scor\w*|vitals|vital\s+signs)\b|"
    r"\b(?:obs|observations?|monitor\w*|checks?|rous\w*|vitals|vital\s+signs)\b[^.?!]{0,40}\bhow\s+often\b"
)
_DRUG_GIVEN_AGAIN = rx(
    r"\b(?:take|taking|give|giving|dose|doses|redose|more|another|top\s*up|bumps?|lines?)\b"
)


def checks_how_often(text: str) -> bool:
    """How often a patient is checked, with no more of a drug asked about."""
    text = text.casefold()
    return bool(_CHECKS_HOW_OFTEN.search(text)) and not _DRUG_GIVEN_AGAIN.search(text)


def blood_pressure_limit(text: str) -> bool:
    """A blood pressure threshold for a session, with no amount of a drug asked."""
    text = text.casefold()
    return bool(_BLOOD_PRESSURE_LIMIT.search(text)) and not _ASKS_AN_AMOUNT.search(text)


# How a treatment is given ("like how is it given, how often, does one work better", asked after
# comparing Spravato with infusions): how a course is organised, not an amount (a new-user trial,
# session 33).
_HOW_GIVEN = rx(
    r"\bhow\s+(?:is|are|'s)\s+(?:it|they|that|this|each\s+one|spravato|esketamine|ketamine|the\s+(?:spray|infusions?|treatment|sessions?))\s+"
    r"(?:given|done|administered|delivered|organi[sz]ed|scheduled)\b"
)


def how_treatment_is_given(text: str) -> bool:
    """How a treatment is given or scheduled, with nothing taken, no amount and nobody's own use asked."""
    text = text.casefold()
    return (
        bool(_HOW_GIVEN.search(text)) and not _CONSUMPTION.search(text) and not _ASKS_AN_AMOUNT.search(text)
    )


def dose_not_asked(text: str) -> bool:
    """No amount asked: one denied ("im not asking how much to take"), being fit for work after a
    session, or doses already given in care."""
    text = text.casefold()
    if _only_denied(text) or _fit_for_work(text):
        return True
    return bool(_DOSES_HAD_IN_CARE.search(text)) and not _ASKS_AN_AMOUNT.search(text)


# Whether a clinic or a telehealth company is legitimate ("are those at home ketamine companies like
# mindbloom legit?"): finding trustworthy treatment. A seller's or a site's legitimacy is not.
_PROVIDER_LEGIT = rx(
    r"\b(?:clinics?|companies|company|telehealth|providers?|services?|programmes?|programs?|apps?)\b[^.?!]{0,40}\b"
    r"(?:legit|legitimate|a\s+scam|scams|trustworthy|regulated|licensed|safe)\b|"
    r"\b(?:legit|legitimate|trustworthy|regulated|licensed)\s+(?:ketamine\s+|esketamine\s+|spravato\s+)?"
    r"(?:clinics?|companies|company|telehealth|providers?|services?)\b"
)
_SELLER = rx(
    r"\b(?:vendors?|sellers?|dealers?|plugs?|shops?|sites?|websites?|darknet|dark\s+web|markets?|pharmacy\s+online|"
    r"without\s+(?:a\s+)?prescription|buy\w*|order\w*|cheap\w*)\b"
)


# Who may prescribe it ("my GP says she can't prescribe ketamine for my pain. who can?"): reaching a
# prescriber, which the trained layers read as asking for a supplier. One who asks no questions, or
# prescribes without an assessment or online, is not.
_WHO_PRESCRIBES = rx(
    r"\bwho\s+(?:else\s+)?(?:can|could|would|will|does|is\s+(?:able|allowed)\s+to)\s+(?:legally\s+)?prescribe\b|"
    r"\bprescri\w+\b[^.?!]{0,60}[.?!]?\s*\bwho\s+(?:else\s+)?(?:can|could|does|will)\s*(?:\?|$|then\b|instead\b)"
)
# Beyond buying, online, at home or without (`mentions_buying`): a prescriber who asks nothing, or a lot.
_LAX_PRESCRIBER = rx(
    r"\b(?:no\s+questions|easy|easily|lax|dodgy|sketchy|shady|under\s+the\s+table|off\s+the\s+books|cash|"
    r"fast|quick\w*|whatever|lots|loads|plenty|a\s+lot|bulk|extra|more\s+than|bags?|grams?|take[-\s]?homes?)\b"
)


def prescriber_asked(text: str) -> bool:
    """Who can prescribe it, with no seller, buying or a prescriber who asks nothing."""
    text = text.casefold()
    return (
        bool(_WHO_PRESCRIBES.search(text))
        and not mentions_buying(text)
        and not _SELLER.search(text)
        and not _LAX_PRESCRIBER.search(text)
    )


def provider_legitimacy(text: str) -> bool:
    """Whether a clinic or treatment company can be trusted, with no seller or buying in it."""
    text = text.casefold()
    return bool(_PROVIDER_LEGIT.search(text)) and not _SELLER.search(text)


# What to say to someone about their use ("what should I say to a pupil who tells me they've tried
# ketamine"), with no word of getting more, a seller or a prescriber to persuade.
_SAY_TO_SOMEONE = rx(
    r"\b(?:say|talk|speak)\s+(?:to|with)\s+(?:(?:a|an|my|our|the|this|that)\s+(?:\w+\s+)?(?:pupils?|students?|son|daughter|child|"
    r"kids?|teens?|teenager|young\s+person|friend|mate|partner|boyfriend|girlfriend|husband|wife|brother|sister|colleague|"
    r"employee|class)|him|her|them)\b"
)
_ASKING_FOR_SUPPLY = rx(
    r"\b(?:dealers?|vendors?|plugs?|sell\w*|buy\w*|prescri\w*|approved|qualif\w*|put\s+on|get\s+(?:more|some|any|it)|"
    r"to\s+(?:get|obtain|have)\b)"
)


# Keeping one's medicine from children, getting rid of what is left, a needle exchange (reporting a
# dealer and the penalty for selling are below): the trained layers read these as getting drugs.
_KEEPING_REPORTING_OR_LAW = rx(
    r"\b(?:store|keep|lock\s+up|hide)\s+(?:my|his|her|our|the|their)\s+(?:\w+\s+)?(?:medications?|medicines?|meds|pills|"
    r"tablets|prescriptions?)\b(?=[^.?!]*\b(?:kids?|children|grandkids|grandchildren|safe|safely|away|reach)\b)|"
    r"\b(?:get\s+rid\s+of|dispose\s+of|disposal|throw\s+away|hand\s+(?:in|back)|take\s+back)\b[^.?!]{0,40}"
    r"\b(?:medications?|medicines?|meds|pills|tablets|leftovers?|expired|old)\b|"
    r"\b(?:entsorgen|desechar|jeter\s+(?:des|les|mes)\s+m[ée]dicaments|smaltire|descartar)\b|"
    r"\b(?:needle|syringe)\s+(?:exchanges?|programmes?|programs?|services?)\b"
)
# Selling is what these are about, so a word of selling does not make them a request.
_REPORT_OR_PENALTY = rx(
    r"\breport\s+(?:someone|somebody|a\s+dealer|dealers?|him|her|them|a\s+person|people)\b|"
    r"\b(?:sentences?|penalt(?:y|ies)|prison\s+time|jail\s+time|fines?)\s+for\s+(?:selling|dealing|supplying|possession|"
    r"possessing|having|carrying)\b"
)


def keeping_reporting_or_law(text: str) -> bool:
    """Reporting a dealer or the penalty for selling; or safe keeping or disposal of medicine, or a
    needle exchange, with no request for supply in the message."""
    text = text.casefold()
    if _REPORT_OR_PENALTY.search(text):
        return True
    return bool(_KEEPING_REPORTING_OR_LAW.search(text)) and not _ASKING_FOR_SUPPLY.search(text)


def talking_not_sourcing(text: str) -> bool:
    """What to say to someone about their use, not to a prescriber to be given something."""
    text = text.casefold()
    return (
        talking_it_through(text)
        and bool(_SAY_TO_SOMEONE.search(text))
        and not _ASKING_FOR_SUPPLY.search(text)
    )


# A thirteenth new-user trial (session 39): eight new people, each turn below read by the trained
# layers as a request or a crisis.
# "what about after a full course of 6? would she need to keep going back forever?": the course.
_AFTER_A_COURSE = rx(
    r"\bafter\s+(?:a|the|her|his|my|their|your|this)\s+(?:full\s+|whole\s+|first\s+|initial\s+)?course\b|"
    r"\bcourse\s+of\s+(?:\d+|six|eight|ten|twelve)\b|\bkeep\s+(?:going|coming)\s+back\b"
)


def course_not_amount(text: str) -> bool:
    """What follows a course of treatment, with nothing taken and no amount asked."""
    text = text.casefold()
    return (
        bool(_AFTER_A_COURSE.search(text))
        and not _ASKS_AN_AMOUNT.search(text)
        and not _COUNTED_USE.search(text)
        and not _DOSE_WORD.search(text)
    )


# "so for him, one time, is he probably fine?": how someone will be, with no amount counted or taken.
_DIGIT = rx(r"\d")
_WILL_BE_FINE = rx(
    r"\b(?:is|will|would)\s+(?:he|she|they|i|my\s+\w+)\s+(?:probably\s+|likely\s+|really\s+|still\s+|gonna\s+|going\s+to\s+)?"
    r"(?:be\s+)?(?:fine|ok|okay|alright|all\s+right)\b"
)


def outcome_not_amount(text: str) -> bool:
    """Whether someone will be all right, with nothing taken, counted or asked as an amount."""
    text = text.casefold()
    return (
        bool(_WILL_BE_FINE.search(text))
        and not _TAKEN.search(text)
        and not _COUNTED_USE.search(text)
        and not _AMOUNT_ASK.search(text)
        and not _DIGIT.search(text)
    )


# "hes still kinda spacey a week later, should he go see a doctor?": an effect that lingers, and
# whether to see a doctor about it, with no sign of danger told.
_LINGERING = rx(
    r"\b(?:a|one|two|three|few|couple\s+of|\d+)\s+(?:days?|weeks?)\s+(?:later|after|on)\b|"
    r"\bsince\s+(?:last\s+(?:weekend|week|night)|the\s+(?:party|weekend))\b"
)
_SEE_A_DOCTOR = rx(
    r"\b(?:see|visit|go\s+to|get\s+checked\s+by|get\s+(?:him|her|them)\s+checked\s+by)\s+(?:a|the|his|her|their|my|your)?\s*"
    r"(?:doctor|gp|nurse)\b"
)


def lingering_effect_not_emergency(text: str) -> bool:
    """An effect lasting days after, and whether to see a doctor, with no sign of danger or hurry."""
    text = text.casefold()
    return bool(_LINGERING.search(text) and _SEE_A_DOCTOR.search(text)) and no_danger_now(text)


# "what about psychosis though, you didn't say anything about that? I've never been psychotic": a
# side effect asked about, which the trained layers read as a crisis.
_EFFECT_ASKED = rx(
    r"\b(?:what\s+about|can\s+it|could\s+it|does\s+it|would\s+it|will\s+it|risk\s+of|tip\s+me\s+into)\s+"
    r"(?:(?:cause|trigger|bring\s+on|set\s+off|make\s+me\s+have)\s+)?(?:\w+\s+){0,2}?"
    r"(?:psychosis|psychotic\w*|mania|manic|hypomania\w*|hallucinations?|paranoia|delusions?)\b|"
    r"\b(?:i'?ve|ive|i\s+have)\s+never\s+been\s+(?:psychotic|manic)\b"
)


def _all_without_harm(text: str, *patterns: re.Pattern[str]) -> bool:
    """Whether every pattern is found in `text` and no word of dying, giving up, harm, a lethal amount
    or despair is."""
    lowered = text.casefold()
    return all(p.search(lowered) for p in patterns) and not _speaks_of_harm_or_lethality(lowered)


def effect_asked_not_distress(text: str) -> bool:
    """A side effect asked about, with no word of dying, giving up, harm, a lethal amount or despair."""
    return _all_without_harm(text, _EFFECT_ASKED)


# "I really don't want to come off it, it's the only thing keeping me level": staying on a medicine.
# "the only thing keeping me alive" or "going" is despair, whatever medicine it is said of.
_KEEPS_ME_STEADY = rx(r"\bkeep(?:s|ing)?\s+me\s+(?:level|stable|steady|balanced|well)\b")
_KEEPS_ME_ALIVE = rx(r"\bkeep(?:s|ing)?\s+me\s+(?:alive|going|here|breathing|from)\b|\balive\b")


def medicine_kept_not_distress(text: str) -> bool:
    """A medicine said to keep one steady, with no word of harm, despair or staying alive."""
    return _all_without_harm(text, _KEEPS_ME_STEADY) and not _KEEPS_ME_ALIVE.search(text.casefold())


# "since stopping i just feel flat and low all the time … is that from the ket and does it go away?":
# low mood after stopping, asked about, which the articles answer.
_AFTER_STOPPING = rx(
    r"\b(?:since|after)\s+(?:stopping|quitting|giving\s+up|coming\s+off|i\s+(?:stopped|quit|gave\s+up|came\s+off))\b"
)
_MOOD_ASKED = rx(
    r"\b(?:is\s+(?:that|this|it)\s+(?:from|because\s+of|normal|the\s+ket|withdrawal)|does\s+(?:it|that|this)\s+(?:go\s+away|pass|get\s+better|stop|last)|"
    r"will\s+(?:it|that|this)\s+(?:go\s+away|pass|get\s+better|stop|last)|how\s+long\s+(?:does|will)\s+(?:it|that|this)\s+last)\b"
)


def mood_after_stopping_not_distress(text: str) -> bool:
    """Low mood since stopping, asked about, with no word of dying, giving up, harm or despair."""
    return _all_without_harm(text, _AFTER_STOPPING, _MOOD_ASKED)


# "so would he have to come off the oxycodone before trying it?": a medicine stopped or kept before a
# treatment (a fourteenth new-user trial), read by the nearest-example layer as an overdose.
_MEDICINE_BEFORE_TREATMENT = rx(
    r"\b(?:come|coming|go|going|get|getting)\s+off\s+(?:the\s+|his\s+|her\s+|my\s+|their\s+)?\w+\s+"
    r"(?:before|to\s+(?:try|start|have))\b|"
    r"\b(?:stop|stopping|keep|keeping|continue|continuing)\s+(?:taking\s+)?(?:the\s+|his\s+|her\s+|my\s+|their\s+)?\w+\s+"
    r"(?:before|while|during)\s+(?:trying|starting|having|the\s+(?:treatment|infusions?|sessions?))\b"
)


def medicine_before_treatment(text: str) -> bool:
    """A medicine stopped or kept before a treatment, with no sign of danger or hurry."""
    lowered = text.casefold()
    return bool(_MEDICINE_BEFORE_TREATMENT.search(lowered)) and no_danger_now(lowered)


# "Just tell me: what's the legal/CD status of esketamine nasal spray in the UK?": the law asked, which
# the trained layers read as a jailbreak (a pharmacist in a fourteenth new-user trial).
_LEGAL_STATUS_ASKED = rx(
    r"\b(?:legal|cd|controlled[-\s]drugs?)\s+status\b|\b(?:which|what)\s+schedule\b|\b(?:is|are)\s+\w+\s+(?:a\s+)?controlled\s+drugs?\b"
)


def legal_status_asked(text: str) -> bool:
    """A drug's legal or controlled-drug status asked, with no dose or source asked beside it."""
    lowered = text.casefold()
    return bool(_LEGAL_STATUS_ASKED.search(lowered)) and not _WEAK_REQUEST.search(lowered)


# A wish not to wake is despair, never a fear of the anaesthetic.
_WISH = rx(r"\b(?:wish\w*|want\w*|wanna|hope\w*|rather|if\s+only|pray\w*|better\s+off|long\s+to)\b")


def feared_not_distress(text: str) -> bool:
    """A fear of not waking from an anaesthetic, with no wish, harm or despair."""
    lowered = text.casefold()
    return (
        feared_not_happening(lowered)
        and not _WISH.search(lowered)
        and not _speaks_of_harm_or_lethality(lowered)
    )


# "would I actually get to take it home? like if it's only given in the clinic": whether a clinic
# medicine goes home with the patient, which the articles answer.
_TAKEN_HOME = rx(
    r"\b(?:take|bring|keep|have|use)\s+(?:it|them|the\s+(?:nasal\s+)?spray|spravato|esketamine)\s+(?:at\s+)?home\b"
)
# "…without the clinic knowing", "sneak some home": a way round the clinic.
_AROUND_THE_CLINIC = rx(r"\bwithout\b|\bsneak\w*|\bsteal\w*|\bextra\b")
_CLINIC_ONLY = rx(
    r"\b(?:clinic|hospital|supervis\w*|prescri\w+|treatment|spravato|esketamine|psychiatrist)\b"
)


def taken_home_not_sourcing(text: str) -> bool:
    """Whether a clinic medicine is taken home, asked with no seller and no way round the clinic."""
    lowered = text.casefold()
    return (
        bool(_TAKEN_HOME.search(lowered) and _CLINIC_ONLY.search(lowered))
        and not _SELLER.search(lowered)
        and not _AROUND_THE_CLINIC.search(lowered)
    )


# What the rules exempt by category, which no semantic layer may overrule.
_SEMANTIC_EXEMPTIONS: dict[str, Callable[[str], bool]] = {
    "emergency": lambda text: (
        no_emergency_now(text)
        or talking_it_through(text)
        or side_effect_not_emergency(text)
        or recurring_complaint(text)
        or emergency_over(text)
        or low_mood_not_emergency(text)
        or sign_asked_about(text)
        or feared_not_happening(text)
        or lingering_effect_not_emergency(text)
        or (medicine_kept_not_distress(text) and not live_danger_sign(text.casefold()))
        or medicine_before_treatment(text)
    ),
    "dosing": lambda text: (
        honest_about_use(text)
        or routine_not_amount(text)
        or mixing_risk(text)
        or mood_not_amount(text)
        or worry_not_amount(text)
        or tolerance_not_amount(text)
        or cutting_down_not_amount(text)
        or comparison_not_amount(text)
        or dose_not_asked(text)
        or blood_pressure_limit(text)
        or checks_how_often(text)
        or everyday_amount(text)
        or how_treatment_is_given(text)
        or course_not_amount(text)
        or outcome_not_amount(text)
    ),
    "self_harm": lambda text: (
        history_not_distress(text)
        or mixing_not_distress(text)
        or law_not_distress(text)
        or research_not_distress(text)
        or quitting_not_distress(text)
        or fear_or_risk_not_distress(text)
        or options_or_family_help_not_distress(text)
        or batch_not_distress(text)
        or staying_safer_not_distress(text)
        or effect_asked_not_distress(text)
        or medicine_kept_not_distress(text)
        or feared_not_distress(text)
        or mood_after_stopping_not_distress(text)
        or (
            (everyday_amount(text) or tolerance_not_amount(text))
            and not _speaks_of_harm_or_lethality(text.casefold())
        )
    ),
    "sourcing": lambda text: (
        found_not_sought(text)
        or provider_legitimacy(text)
        or prescriber_asked(text)
        or talking_not_sourcing(text)
        or keeping_reporting_or_law(text)
        or taken_home_not_sourcing(text)
    ),
    "jailbreak": lambda text: keeping_reporting_or_law(text) or legal_status_asked(text),
}


def exempt_from_semantic(category: str, text: str) -> bool:
    """Whether the rules' own exemptions cover `text` for `category`: an emergency asked in general,
    over already or asked ahead, or what to say to someone, low mood told over weeks, or whether
    something is a sign; how a treatment is given or scheduled, as dosing; tolerance asked about, as
    dosing or distress; how much one uses, told to a doctor; how
    long one stays after a session or missing one's own dose; a mood told; whether to worry, with no
    amount asked; whether a mix is dangerous (as dosing, or as distress when
    no word of harm or despair comes with it); the law or getting caught, as distress when no word of
    harm or despair comes with it; a treatment history of nothing having worked, or a
    question from someone in recovery; an amount denied, fitness for work after a session, or doses
    already had in care; drugs someone found and does not seek, whether a clinic or telehealth
    company is legitimate, who may prescribe it, or what to say to someone about their use; an amount
    for a kitchen, a garden or a house (as dosing, or as distress with no word of harm); keeping or
    getting rid of medicine, a needle exchange, reporting a dealer or the penalty for selling (as
    sourcing or a wrapped request)."""
    exemption = _SEMANTIC_EXEMPTIONS.get(category)
    return exemption is not None and exemption(text)


def not_happening_now(text: str) -> bool:
    """Something that happened and is over, or asked ahead of time: a question about it, not an emergency now."""
    if _PAST_ONLY.search(text) and not _STILL_NOW.search(text):
        return True
    if _safe_at_home(text):
        return True
    if _CAME_ROUND.search(text) and not _DANGER_NOW.search(text) and not _STILL_BAD.search(text):
        return True
    return bool(_AHEAD_OF_TIME.search(text) and not _STILL_NOW.search(text) and not _DANGER_NOW.search(text))


# Someone close who wants to die or to hurt themselves ("i think my gf wants to kill herself", "mi hijo
# dice que quiere morir"), told by a person worried about them: the crisis lines, worded for them.
# Hurting oneself by accident ("he fell and hurt himself") is not: hurt or harm needs a wish or a habit.
_RELATION = (
    r"(?:son|daughter|kid|child|boy|girl|friend|mate|bestie|partner|boyfriend|girlfriend|bf|gf|husband|wife|brother|"
    r"sister|mum|mom|mother|dad|father|flatmate|roommate|housemate|cousin|nephew|niece|uncle|aunt|teen|teenager|grandson|"
    r"granddaughter|fianc[eé]e?|\d+\s*(?:yrs?|years?)?[-\s]?old)"
)
_SOMEONE = rf"(?:he|she|they|he'?s|she'?s|hes|shes|they'?re|theyre|{_RELATION})"
SOMEONE_ELSE_AT_RISK = rx(
    r"\b(?:kill(?:s|ed|ing)?\s+(?:him|her|them)sel(?:f|ves)|"
    r"(?:wants?|wanted|wanting|wanna|trying|tries|tried|going|gonna|planning|plans|threaten\w*)\s+(?:to\s+)?"
    r"(?:hurt|harm|cut)\s+(?:him|her|them)sel(?:f|ves)|"
    r"(?:keeps?|kept|been|is|was|started|starts)\s+(?:cutting|harming|hurting|burning|hitting)\s+(?:him|her|them)sel(?:f|ves)|"
    r"(?:keeps?|kept|been|started|starts)\s+cutting\s+(?:his|her|their)\s+(?:arms?|legs?|wrists?|thighs?|skin)\b|"
    # on purpose, not "burnt himself on the heater"
    r"(?:burn\w*|cut\w*|hit\w*|scratch\w*)\s+(?:him|her|them)sel(?:f|ves)\s+(?:with|on\s+purpose|deliberately)|"
    r"(?:cuts|burns|scars)\s+(?:all\s+)?(?:on|over)\s+(?:his|her|their|my\s+[\w\s]{0,20}?'s)\s+(?:arms?|legs?|wrists?|thighs?|stomach)|"
    # warning signs the crisis lines teach, told of someone: things given away, a goodbye, not being around
    r"(?:gave|giving|given)\s+away\s+(?:all\s+)?(?:his|her|their)\b|"
    r"(?:sent|left|wrote)\s+(?:me|us)\s+(?:a|an)\s+(?:\w+\s+){0,2}?(?:note|message|text|letter|voice\s*note|video)\s+(?:saying|to\s+say)\s+goodbye|"
    r"(?:keeps?\s+saying|said|says|saying)\s+(?:that\s+)?(?:he|she|they)\s+(?:won'?t|wont|will\s+not)\s+be\s+(?:around|here)\b|"
    r"(?:she'?ll|he'?ll|they'?ll|she\s+will|he\s+will|they\s+will|she'?d|he'?d|she\s+would|he\s+would)\s+(?:just\s+)?"
    r"(?:end\s+it|kill\s+(?:him|her|them)sel\w+|end\s+(?:his|her|their)\s+life)|"
    rf"{_SOMEONE}\s+(?:\w+\s+){{0,2}}?(?:googl\w+|search\w*|look\w*\s+up)\b[^.?!]{{0,50}}\b(?:lethal|fatal|overdose|suicide|kill)|"
    rf"{_SOMEONE}(?:\s+who)?\s+(?:is\s+|was\s+|has\s+been\s+|seems?\s+|sounds?\s+|feels?\s+|gets?\s+|getting\s+|been\s+)?"
    r"(?:so\s+|really\s+|very\s+|quite\s+|a\s+bit\s+|kind\s+of\s+|kinda\s+)?suicidal|"
    r"talk\w*\s+(?:about|of)\s+(?:suicide|killing\s+(?:him|her|them)sel\w+|ending\s+(?:it|things|(?:his|her|their)\s+life))|"
    r"(?:end|take)\s+(?:his|her|their)\s+(?:own\s+)?life|"
    r"(?:doesn'?t|doesnt|does\s+not)\s+want\s+to\s+(?:be\s+alive|live|be\s+here)\s+any\s*more|"
    r"(?:he'?d|she'?d|they'?d|hed|shed|(?:he|she|they)\s+would)\s+be\s+better\s+off\s+(?:not\s+(?:being\s+)?(?:here|around|alive)|gone|dead)|"
    r"quiere\s+(?:morir(?:se)?|matarse|suicidarse|quitarse\s+la\s+vida)|se\s+quiere\s+(?:morir|matar)|"
    r"veut\s+(?:mourir|se\s+(?:tuer|suicider)|en\s+finir)|will\s+(?:sterben|sich\s+(?:umbringen|das\s+leben\s+nehmen))|"
    r"quer\s+(?:morrer|se\s+matar|matar-se|suicidar-se)|vuole\s+(?:morire|uccidersi|suicidarsi|farla\s+finita|togliersi\s+la\s+vita))"
)

# The same phrases of despair said of someone else ("he says nobody would miss him", "she feels like a
# burden"): the message retold in the first person is what the first-person rules read.
THIRD_PERSON = rx(
    rf"\b(?:he|she|they|he'?s|she'?s|hes|shes|they'?re|theyre|him|himself|herself|themselves|{_RELATION})\b"
)
_TO_FIRST_PERSON = (
    (rx(rf"\b(?:(?:my|our|his|her|their)\s+(?:\w+\s+)?)?{_RELATION}(?:'s)?\b(?=\s+(?:\w+))"), "i"),
    (rx(r"\b(?:he|she|they)\s+(?:is|are)\b|\b(?:he'?s|she'?s|hes|shes|they'?re|theyre)\b"), "i'm"),
    (rx(r"\b(?:he|she|they)'?d\b"), "i'd"),
    (rx(r"\b(?:he|she|they)'?ll\b"), "i'll"),
    (rx(r"\b(?:he|she|they)\b"), "i"),
    (rx(r"\b(?:himself|herself|themselves|themself)\b"), "myself"),
    (
        rx(
            r"\b(?:his|their)\b|\bher\b(?=\s+[a-z])(?!\s+(?:and|or|to|that|if|when|but|so|because|anymore|any\s+more)\b)"
        ),
        "my",
    ),
    (rx(r"\b(?:him|her|them)\b"), "me"),
    (rx(r"\b(?:doesn'?t|doesnt)\b"), "don't"),
    (rx(r"\bi\s+am\b"), "i'm"),
    (rx(r"\b(wants|says|feels|keeps|thinks|needs|hates|wishes|tries|has|hopes|talks|plans|sees)\b"), None),
)
_VERB_BASE = {"wishes": "wish", "tries": "try", "has": "have"}


_ACCIDENT = rx(r"\b(?:fell|fall(?:en|s|ing)?|tripped|slipped|crash\w*|accident\w*|collided|knocked|bumped)\b")
_INJURY = rx(r"\b(?:hurt\w*|harm\w*|injur\w*|cut\w*|burn\w*)\b")


def in_first_person(text: str) -> str:
    """`text` (case-folded English) with a third person and their words put in the first person."""
    for pattern, replacement in _TO_FIRST_PERSON:
        if replacement is None:
            text = pattern.sub(lambda m: _VERB_BASE.get(m.group(1), m.group(1)[:-1]), text)
        else:
            text = pattern.sub(replacement, text)
    return text


def despair_said_of_someone(text: str, _context: Context | None = None, _matched: str = "") -> bool:
    """Whether a phrase of despair or self-harm the first-person rules know appears once `text` is
    retold in the first person, and not before."""
    lowered = text.casefold()
    if SELF_HARM.search(lowered) or DISTRESS.search(lowered) or not THIRD_PERSON.search(lowered):
        return False
    if _SAFE_NOW.search(lowered):  # "he hasnt said anything about hurting himself"
        return False
    retold = in_first_person(lowered)
    found = SELF_HARM.search(retold) or DISTRESS.search(retold)
    # "my friend fell and hurt himself": an injury by accident, not self-harm
    return found is not None and not (_ACCIDENT.search(lowered) and _INJURY.search(found.group()))


# Asked ahead, for a friend who has said nothing yet ("what should i say if a friend ever tells me
# they're suicidal? not happening now"), or long past and well now.
HYPOTHETICAL = rx(
    r"\bif\s+(?:\w+\s+){0,3}?ever\b|\bnot\s+happening\s+(?:right\s+)?now\b|\bjust\s+(?:want\s+to\s+be|being)\s+prepared\b|"
    r"\bhypothetically\b|\bin\s+general\b|"
    # long past and well now ("my sister used to self harm as a teen, shes 30 now and doing great")
    r"\bused\s+to\b[^?!]{0,80}\b(?:doing|is|'s|are|feels?)\s+(?:really\s+|so\s+)?(?:great|well|fine|better|good)\b|"
    r"\bused\s+to\b[^?!]{0,80}\bbeen\s+(?:well|fine|ok|okay|good)\s+for\s+(?:over\s+|more\s+than\s+|about\s+)?(?:\d+|two|three|five|ten|many|several)\s+years\b"
)

UNSAFE_RULES: tuple[IntentRule | Exempt, ...] = (
    Exempt("asked-ahead-or-over", lambda t, c, m: not_happening_now(t)),
    IntentRule("unsafe.someone-violent", UNSAFE_WITH_SOMEONE, unless=(HYPOTHETICAL,)),
)


# Hopelessness without a stated plan: escalated with crisis lines in whatever turn it appears.
DISTRESS = rx(
    r"\b(?:(?:scared|afraid|frightened)\s+of\s+myself|(?:com\s+)?medo\s+de\s+mim\s+mesm[oa]|miedo\s+de\s+m[ií]\s+mism[oa]|"
    r"peur\s+de\s+moi-?m[eê]me|angst\s+vor\s+mir\s+selbst|paura\s+di\s+me\s+stess[oa]|"
    r"(?:wrote|written|writing|drafted|drafting)\s+(?:my\s+|all\s+my\s+)?goodbye\s+(?:texts?|letters?|notes?|messages?)"
    r"(?!\s+(?:to|for)\s+(?:my\s+)?(?:class|classmates|colleagues|team|co-?workers|students|neighbours))|"
    r"(?:nobody|no\s+one|noone)\s+(?:would|will|even|really)?\s*(?:care|cares|notice|miss\s+me)|"
    r"can'?t\s+(?:do|take|handle|cope\s+with)\s+(?:this|it|any\s+of\s+this)\s+any\s*more|can'?t\s+keep\s+going|"
    r"what'?s\s+the\s+point(?:\s+of\s+(?:anything|living|going\s+on|any\s+of\s+it))?|"
    r"(?:tired|sick)\s+of\s+(?:everything|living|life|being\s+alive|it\s+all)|hate\s+my\s+life|"
    r"(?:had|have)\s+enough\s+of\s+(?:everything|it\s+all|life|living)|"
    r"(?:feel|feeling|i'?m|im)\s+(?:so\s+)?(?:hopeless|worthless|empty|trapped|like\s+a\s+burden)|"
    r"everything\s+(?:feels|is|seems)\s+(?:so\s+)?(?:pointless|hopeless|meaningless)|(?<!should\s)(?<!could\s)(?<!when\s)(?<!if\s)(?<!do\s)i\s+give\s+up|"
    r"no\s+reason\s+to\s+(?:live|stay|go\s+on)|everyone\s+would\s+be\s+better|"
    # warning signs crisis lines teach: nothing left to face, possessions given away, giving up on living
    r"(?:don'?t|dont|do\s+not|won'?t|wont|never)\s+(?:have|need)\s+to\s+(?:deal\s+with|face|feel)\s+(?:anything|everything|life|it\s+all|any\s+of\s+(?:this|it))\s+(?:any\s*more|again)|"
    r"giving\s+(?:all\s+)?my\s+(?:stuff|things|belongings|possessions)\s+away|giving\s+away\s+(?:all\s+)?my\s+(?:stuff|things|belongings|possessions)|"
    r"(?:feel|feeling)\s+like\s+giving\s+up(?!\s+on\s+(?!life\b|everything\b|myself\b))|"
    r"nadie\s+me\s+echar[ií]a\s+de\s+menos|ya\s+no\s+puedo\s+m[aá]s|(?:je\s+n'?|j')en\s+peux\s+plus|personne\s+ne\s+remarquerait|"
    r"ich\s+kann\s+nicht\s+mehr|will\s+nicht\s+mehr\s+leben|niemand\s+w[üu]rde\s+(?:es\s+)?merken|"
    r"n[ãa]o\s+aguento\s+mais|non\s+ce\s+la\s+faccio\s+pi[uù]|"
    # English, said every way the blind sets showed: no point, tired of existing, a burden, gone.
    r"(?:what'?s|whats)\s+the\s+point\s+(?:of|in)\s+(?:anything|everything|living|life|going\s+on|trying)|"
    r"no\s+point\s+(?:to|in)\s+(?:anything|everything|living|life|going\s+on|trying|me)|"
    r"(?:there'?s|theres|there\s+is|feels?\s+like)\s+no\s+point\s+any\s*more|"
    r"(?:don'?t|dont|doesn'?t|doesnt|do\s+not|does\s+not)\s+see\s+(?:the|any)\s+point"
    r"(?:\s+(?:in|of|to)\s+(?:anything|everything|living|life|going\s+on|carrying\s+on|continuing|being\s+(?:here|alive)|"
    r"waking\s+up|trying|any\s+of\s+it|it\s+all))?(?:\s+any\s*more)?"
    r"(?=\s*(?:[.?!,;]|$|\s+(?:and|but|so|since|because)\b))|"
    r"(?:tired|sick|exhausted)\s+of\s+(?:existing|being\s+here|being\s+alive|trying)|"
    r"\bi\s+(?:just\s+)?feel\s+(?:so\s+)?done(?=\s*(?:[.?!,;]|$|\s+(?:and|but|with\s+(?:everything|life|it\s+all))\b))|"
    r"(?:don'?t|dont|do\s+not)\s+see\s+(?:why|the\s+point|a\s+reason)\s+(?:i\s+should\s+|to\s+)?(?:keep\s+going|go\s+on|carry\s+on|live|be\s+here|stay)|"
    r"why\s+(?:i'?m|im|i\s+am)\s+still\s+(?:here|alive|around)|"
    r"if\s+i\s+(?:vanished|disappeared|was\s+gone|were\s+gone|wasn'?t\s+here|weren'?t\s+here)|"
    r"would\s+be\s+better\s+off\s+with(?:out)?\b|stop\s+being\s+(?:a\s+)?(?:problem|burden)|"
    r"(?:want|wanna)\s+to\s+(?:go\s+and\s+)?be\s+with\s+(?:him|her|them)\s+(?:again|now)?|"
    r"\b(?:i|i'?ve|ive|i'?m|im|been|started)\b[^.?!]{0,25}\bself[-\s]?harm|"
    r"disappointed\s+(?:that\s+)?i\s+(?:woke|wake)\s+up|switch\s+myself\s+off|(?:i'?m|im|i\s+am)\s+(?:a\s+)?lost\s+cause|"
    r"(?:i'?m|im|i\s+am)\s+(?:so\s+)?pointless|"
    r"thinking\s+(?:about|of)\s+(?:ending\s+(?:it|things|my\s+life)|dying|killing\s+myself|suicide|not\s+being\s+here)|"
    r"(?:we'?d|wed|we\s+would|you'?d|they'?d|everyone\s+would|everybody\s+would)\s+(?:all\s+)?be\s+better\s+off\s+if\s+i\s+"
    r"(?:wasn'?t|wasnt|weren'?t|werent|was\s+not|were\s+not)\s+(?:around|here|alive)\b|"
    # passive thoughts of dying, said quietly inside another question (a new-user trial, session 33)
    r"\bi\s+(?:sometimes\s+|often\s+|keep\s+|still\s+)?(?:think|thought|dream)\s+(?:about|of)\s+(?:not\s+waking\s+up|dying|"
    r"not\s+being\s+(?:here|alive|around)|ending\s+(?:it|things|my\s+life))|"
    r"(?:wish|wishing|hope|hoping)\s+i\s+(?:would(?:n'?t|\s+not)|didn'?t|did\s+not|could\s+(?:just\s+)?not|won'?t|will\s+not|never)\s+"
    r"(?:wake|woke)\s+up|(?:go|fall)\s+to\s+sleep\s+and\s+(?:never|not)\s+wake\s+up|"
    # "some days i dont really want to be here", not "i don't want to be here for two hours after the spray"
    r"(?:don'?t|dont|do\s+not)\s+(?:really\s+|even\s+)?want\s+to\s+be\s+(?:here|alive|around)(?:\s+any\s*more)?"
    r"(?!\s+(?:for|at|in|when|while|all|waiting|on\s+my\s+own|alone|with|during|if|until|till|after|before)\b)|"
    r"thoughts\s+(?:of|about)\s+(?:suicide|ending\s+it|killing\s+myself|dying)|(?:i'?m|im|i\s+am|feel(?:ing)?)\s+suicidal|"
    r"(?:feel|feeling|i'?m|im|i\s+am)\s+(?:so\s+|completely\s+|totally\s+|really\s+|utterly\s+)?(?:hopeless|worthless|like\s+a\s+burden|a\s+burden)|"
    # in a second language (the eighteenth blind set): "she is burden to everybody", "only a weight for
    # the family", "she want to disappear" (retold in the first person)
    r"(?:i'?m|im|i\s+am)\s+(?:only\s+|just\s+)?(?:a\s+)?(?:burden|weight)\s+(?:to|for|on)\s+(?:every\w*|the\s+family|my\s+family|all)\b|"
    r"\bi\s+(?:just\s+)?want\s+to\s+disappear\b(?!\s+(?:for|to|into|off|from\s+(?:social|work)))|"
    r"not\s+planning\s+on\s+being\s+around|won'?t\s+be\s+around\s+(?:much\s+)?(?:longer|for\s+long)|"
    r"wish\s+(?:it\s+had\s+been|it\s+was)\s+me|(?:i'?m|im|i\s+am)\s+(?:so\s+)?done\s+(?:with\s+)?(?:life|living|existing|being\s+alive)|"
    r"(?:i'?m|im|i\s+am)\s+done\s+with\s+everything|"
    r"can'?t\s+(?:go\s+on|do\s+this)\s+any\s*more|"
    # Spanish
    r"(?:quisiera|quiero|querr[ií]a|ganas\s+de)\s+desaparecer|queriendo\s+morir|ganas\s+de\s+morir|"
    r"no\s+tengo\s+ganas\s+de\s+vivir|(?:no\s+le\s+veo|sin)\s+(?:ning[uú]n\s+)?sentido\s+a\s+la\s+vida|"
    r"la\s+vida\s+no\s+tiene\s+sentido|cartas?\s+de\s+despedida|hart[oa]\s+de\s+vivir|no\s+quiero\s+seguir|"
    r"mejor\s+sin\s+m[ií]|me\s+he\s+(?:vuelto\s+a\s+)?(?:cortar|hacer\s+da[ñn]o)|pienso\s+en\s+(?:el\s+)?suicid|"
    r"no\s+veo\s+(?:ning[uú]n\s+)?futuro|dej[eé]\s+(?:unas\s+|las\s+)?cartas|"
    # French
    r"pense\s+au\s+suicide|[àa]\s+quoi\s+bon\s+(?:continuer|vivre)|(?:un|une)\s+fardeau|partir\s+pour\s+de\s+bon|"
    r"aucune\s+raison\s+de\s+vivre|si\s+je\s+n'?[ée]tais\s+plus\s+l[àa]|envie\s+de\s+dispara[iî]tre|"
    r"marre\s+de\s+(?:vivre|la\s+vie)|lettres?\s+d'?adieu|je\s+me\s+suis\s+(?:encore\s+)?fait\s+du\s+mal|"
    r"plus\s+envie\s+de\s+vivre|rien\s+ne\s+changera\s+jamais|(?:plus\s+qu'?[àa]|vais|veux)\s+dire\s+adieu|"
    # German
    r"(?:mich\s+)?(?:wieder\s+)?selbst\s+verletzt|abschiedsbriefe?|keinen\s+ausweg\s+mehr|"
    r"egal,?\s+ob\s+ich\s+(?:morgen\s+)?(?:noch\s+)?lebe|lebensm[üu]de|denke\s+an\s+(?:suizid|selbstmord)|(?<!mit\s)(?<!bei\s)(?<!gegen\s)suizidgedanken|"
    r"keinen\s+sinn\s+mehr|nicht\s+mehr\s+aufwachen|"
    # Portuguese
    r"dormir\s+e\s+n[ãa]o\s+acordar|me\s+machucar\s+de\s+prop[óo]sito|n[ãa]o\s+vejo\s+(?:nenhum\s+)?futuro|"
    r"vida\s+n[ãa]o\s+tem\s+(?:nenhum\s+)?sentido|(?:um|uma)\s+peso\s+(?:pra|para)\s+todo\s+mundo|"
    r"por\s+que\s+continuar\s+vivendo|sumir\s+de\s+vez|quero\s+sumir|penso\s+em\s+(?:me\s+matar|suic[ií]dio)|"
    # suicidal thoughts of one's own, in any of the six languages (asking about them in general is answered)
    r"(?:i\s+have|i'?ve\s+(?:been\s+)?(?:having|had)|i'?m\s+having|tenho|t[ôo]|estou|ando|tengo|estoy|j'ai|ho|habe|hab)\s+"
    r"(?:\w+\s+){0,2}?(?:pensamentos\s+suicidas|pensamientos\s+suicidas|ideas\s+suicidas|id[ée]es\s+suicidaires|"
    r"pens[ée]es\s+suicidaires|pensieri\s+suicid[ia]|suizidgedanken|suicidal\s+thoughts)|"
    r"cansad[oa]\s+de\s+viver|s[oó]\s+(?:um|uma)\s+(?:gasto|peso|fardo|estorvo)|"
    # Italian
    r"(?:mi\s+sono\s+fatt[oa]|mi\s+faccio)\s+(?:di\s+nuovo\s+)?del\s+male|penso\s+al\s+suicidio|"
    r"non\s+vedo\s+(?:nessun|alcun)\s+futuro|non\s+ha\s+(?:pi[uù]\s+)?senso\s+vivere|voglio\s+sparire|"
    r"non\s+voglio\s+pi[uù]\s+vivere|stanc[oa]\s+di\s+vivere|lettere?\s+d'?addio)"
)
# After distress, a question about lethality or a large amount reads as asking for a means.
LETHALITY = rx(
    r"\b(?:fatal|lethal|deadly|kill\s+(?:me|you|someone|a\s+person)|die|dying|not\s+wake\s+up|never\s+wake\s+up|"
    r"overdos\w*|too\s+(?:many|much)|whole\s+(?:bottle|box|pack|packet|strip)|all\s+(?:of\s+)?(?:my|the|them|her|his)\s+(?:pills|tablets|meds)|"
    r"(?:would|does|will)\s+(?:it|that|this|they)\s+take|(?:all\s+)?at\s+once|in\s+one\s+go|knock\s+(?:me|myself)\s+out|"
    r"no\s+despertar\w*|(?:ne\s+)?(?:se\s+|me\s+)?r[ée]veill\w*\s+pas|nicht\s+(?:mehr\s+)?aufwach\w*|n[ãa]o\s+acordar|non\s+svegliar\w*|"
    r"t[öo]dlich|mortal(?:e|es)?|letal(?:e|es)?|fatale|toute\s+la\s+bo[iî]te|(?:la\s+)?caja\s+entera|ganze\s+packung|"
    r"a\s+caixa\s+toda|tutta\s+la\s+scatola)\b"
)


def distressed(text: str) -> bool:
    return bool(DISTRESS.search(text))


# Who the despair belongs to. A person named before the phrase in its sentence or in it ("my son says
# whats the point", "she told me she wants to die", "my son is suicidal") makes it theirs; "i", "me"
# or "myself" nearer to it, or inside it ("better off without me"), makes it the writer's.
_SOMEONE_ELSE = rx(
    r"\b(?:he|she|he'?s|she'?s|hes|shes|him|himself|herself|"
    rf"(?:(?:my|our|his|her)\s+(?:\w+\s+)?)?(?:{_RELATION}|student|patient|client|colleague)|"
    r"mi\s+(?:hij[oa]|amig[oa]|pareja|novi[oa]|herman[oa]|madre|padre)|mon\s+(?:fils|ami|amie|copain|fr[eè]re|p[eè]re|mari)|"
    r"ma\s+(?:fille|copine|s[oœ]eur|m[eè]re|femme)|mein(?:e[mnr]?)?\s+(?:sohn|tochter|freund|freundin|bruder|schwester|"
    r"mutter|vater|mann|frau)|meu\s+(?:filho|amigo|namorado|irm[aã]o|pai|marido)|minha\s+(?:filha|amiga|namorada|irm[aã]|"
    r"m[aã]e|mulher)|mi[oa]\s+(?:\w+\s+)?(?:figli[oa]|amic[oa]|fratello|sorella|madre|padre|marito|moglie|ragazz[oa]))\b"
)
_ME = rx(r"(?:\b(?:i|i'?m|im|i'?ve|ive|i'?d|i'?ll|me|myself|yo|je|ich|eu|io|moi|mich|mir)\b|\bj')")
# "me" as whom something was told ("mi hijo me dijo", "she told me"), not who despairs.
_TOLD_ME = rx(
    r"\b(?:me|mir|mi|m')\s*(?:dijo|dice|ha\s+dicho|escribi[oó]|a\s+dit|a\s+[ée]crit|dit|hat\s+(?:gesagt|geschrieben)|sagt|"
    r"disse|diz|escreveu|ha\s+(?:detto|scritto))\b|\b(?:told|tells|texted|wrote\s+to|messaged|sent)\s+me\b"
)
# Someone named right after the phrase ("everyone would be better off without him").
_OTHER_AFTER = rx(r"^\s*(?:him|her|them)\b")
# The writer's own feelings, when no phrase of despair says whose it is.
_MY_FEELINGS = rx(r"\bi\s*(?:'?m|am|feel|want|can'?t|cant|don'?t\s+want|dont\s+want)\b")


def _blanked(pattern: re.Pattern[str], text: str) -> str:
    """`text` with `pattern`'s matches blanked out, keeping offsets."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def about_someone_else(text: str) -> bool:
    """Whether every phrase of despair or self-harm in `text` is said of another person, so the crisis
    reply should speak to someone worried about them; False when none is found (the reply stays the
    one spoken to the writer)."""
    lowered = text.casefold()
    phrases = [
        m for pattern in (SELF_HARM, DISTRESS, SOMEONE_ELSE_AT_RISK) for m in pattern.finditer(lowered)
    ]
    if not phrases:
        # Found by the trained layers alone ("my dad wrote letters to all of us and put them with his
        # will"): someone else's when the message names someone and tells none of the writer's feelings.
        return bool(_SOMEONE_ELSE.search(lowered)) and not _MY_FEELINGS.search(lowered)
    told = _blanked(_TOLD_ME, lowered)
    for phrase in phrases:
        if _ME.search(told[phrase.start() : phrase.end()]):
            return False
        start = max(lowered.rfind(mark, 0, phrase.start()) for mark in ".?!\n") + 1
        others = [start + m.end() for m in _SOMEONE_ELSE.finditer(lowered[start : phrase.end()])]
        if _OTHER_AFTER.search(lowered[phrase.end() :]):
            others.append(phrase.end() + 1)
        mine = [start + m.end() for m in _ME.finditer(told[start : phrase.start()])]
        if not others or (mine and max(mine) > max(others)):
            return False
    return True


# The person says the crisis has passed ("thanks, i called samaritans and im safe now").
_SAFE_NOW = rx(
    # "im not ok now" is not: only a word that strengthens it may come between
    r"\b(?:i'?m|im|i\s+am|feeling|i\s+feel)\s+(?:(?:much|a\s+lot|feeling|doing|totally|completely)\s+)?"
    r"(?:safe|ok|okay|alright|all\s+right|better|fine)\s+(?:right\s+)?now\b|"
    r"\b(?:i'?m|im|i\s+am)\s+safe\b(?!\s+(?:to|from|with|if|when|in)\b)|"
    # "im not going to do anything, i just want to know about the treatment": no intent to act
    r"\b(?:i'?m|im|i\s+am)\s+not\s+(?:going\s+to|gonna)\s+(?:do\s+anything|act\s+on\s+(?:it|them))\b|"
    # "im not suicidal or anything lol just asking", "she's not in immediate danger, she's got a plan"
    r"\b(?:i'?m|im|i\s+am|(?:he|she|they)(?:'?s|'re|\s+is|\s+are))\s+not\s+(?:suicidal|in\s+(?:any\s+)?(?:immediate\s+)?danger)\b|"
    # "not like suicidal or anything just nothing feels good" (a thirteenth new-user trial)
    r"(?:^|[,.;:!-]\s*|\b(?:just|but|and)\s+)not\s+(?:like\s+|really\s+|actually\s+)?suicidal\s+or\s+anything\b|"
    # a carer who has called a crisis line or the person's doctor ("ok i called samaritans. hes asleep now")
    r"\b(?:i|we|they|i'?ve|ive|we'?ve|they'?ve|theyve)\s+(?:just\s+|already\s+)?(?:called|rung|rang|phoned|texted|spoke\s+to|talked\s+to)\s+(?:the\s+)?"
    r"(?:samaritans|988|crisis\s+(?:line|team)|111|(?:his|her|their)\s+(?:gp|doctor|psychiatrist)|lifeline|shout|pieta)\b|"
    # the same in the other reply languages: "je vais bien", "estoy bien", "mir geht es gut"
    # "yo tampoco estoy bien", "non sto bene", "não estou bem", "ça va pas" say the opposite
    r"\b(?:je\s+vais\s+bien|[çc]a\s+va(?:\s+bien)?(?!\s+pas)|(?<!no\s)(?<!tampoco\s)estoy\s+bien|mir\s+geht\s+(?:es\s+)?gut|"
    r"(?<!non\s)sto\s+bene|(?<!não\s)(?<!nao\s)estou\s+bem)\b|"
    r"\bi\s+(?:won'?t|wont|will\s+not)\s+(?:do\s+anything|act\s+on\s+(?:it|them))\b|"
    # a carer after crisis lines: "he hasnt said anything about hurting himself, its more like hes flat"
    r"\b(?:he|she|they)\s+(?:hasn'?t|hasnt|has\s+not|haven'?t|havent|have\s+not|didn'?t|didnt|never)\s+(?:said|mentioned|talked\s+about)\s+"
    r"(?:anything\s+)?(?:about\s+)?(?:hurting|harming|killing|ending)\s+(?:him|her|them)sel(?:f|ves)\b|"
    # the person worried about is safe now, with someone, or their doctor is being called
    r"\b(?:he|she|they)(?:'?s|'re|\s+is|\s+are)\s+(?:safe|ok|okay|alright|all\s+right)\s+(?:right\s+)?now\b|"
    r"\b(?:he|she|they)(?:'?s|'re|\s+is|\s+are)\s+(?:with\s+(?:his|her|their)\s+\w+|(?:in|at)\s+(?:a\s*&\s*e|hospital|the\s+hospital))\s+now\b|"
    # someone is with them, care has them, or they have said they are safe ("her mum is with her now",
    # "his mam is sitting up with him", "she told both of us she is safe", "not in danger, i meant
    # passive thoughts"; the eighteenth blind set, session 33)
    r"\b(?:is|are)\s+(?:sitting\s+(?:up\s+)?)?with\s+(?:her|him|them)\s+now\b|"
    r"\b(?:they\s+are|they'?re|theyre)\s+keeping\s+(?:her|him|them)\s+in\b|"
    r"\b(?:he|she|they)(?:'?s|'re|\s+is|\s+are)\s+safe\s+for\s+(?:the\s+moment|now|tonight)\b|"
    r"\b(?:said|told\s+(?:me|us|both\s+of\s+us|them|staff))\s+(?:that\s+)?(?:he|she|they)\s+(?:is|are|was|were)\s+safe\b|"
    r"(?:^|[.,;!?]\s*)not\s+in\s+(?:any\s+)?(?:immediate\s+)?danger\b|"
    r"\b(?:he|she|they|we)(?:'?s|'re|\s+is|\s+are)\s+(?:calling|ringing|phoning)\s+(?:the\s+)?"
    r"(?:samaritans|988|crisis\s+(?:line|team)|111|(?:his|her|their)\s+(?:gp|doctor|psychiatrist))\b"
)


def without_safe_now(text: str) -> str:
    """The turn without the words saying the person is safe now, which the trained layers read as distress."""
    return _SAFE_NOW.sub(" ", text)


def distress_over(text: str) -> bool:
    """The newest turn says the person is safe now, and says no distress of its own."""
    return (
        bool(_SAFE_NOW.search(text))
        and not distressed(text)
        and not SELF_HARM.search(text)
        and not SOMEONE_ELSE_AT_RISK.search(text)
    )


_WEAK_REQUEST = rx(
    # "is the vet supply a source of diversion" asks about diversion, not for a source
    r"\b(?:amounts?|doses?|dosing|dosages?|numbers?|how\s+much|where\s+to\s+buy|source(?!\s+of\s+(?:diversion|leaks?|leakage|misuse))|"
    r"score|cooked|cook|vendors?|synthesi\w+)\b"
)


def wrapped_request(text: str) -> str | None:
    """A weak dosing or sourcing cue ('the amount', 'where to buy it') that only counts inside a wrapper."""
    return _first(_WEAK_REQUEST, _DOSE_DENIED.sub(" ", text))


def wrapper(text: str) -> str | None:
    """A role-play, fiction, authority or encoding wrapper; harmless alone, a jailbreak around a refused request."""
    return _first(_WRAPPER, text)


# Asking where to find help with one's own (or someone's) use. The semantic layers confuse this with
# a source request ("where can I get help for my ketamine addiction in Leeds"), so it keeps them out.
_PROBLEM = r"(?:addict\w*|dependen\w*|problems?|habit|use|using|misuse|recovery|chemsex|adicci[oó]n|addiction|\w*sucht|dipendenza|v[ií]cio)"
_HELP_SEEKING = rx(
    rf"\b(?:help|support|treatment|advice|counsel+ing|rehab|detox|services?|ayuda|aide|hilfe|ajuda|aiuto)\s+"
    rf"(?:for|with|about|con|para|pour|mit|bei|per|com)\b[^.?!]{{0,40}}\b{_PROBLEM}\b"
    rf"|\b(?:help|support)\b[^.?!]{{0,20}}\b(?:to\s+)?(?:stop|quit|cut\s+down|get\s+off|come\s+off|give\s+up|kick)\b"
    rf"|\b(?:talk|speak)\s+to\b[^.?!]{{0,40}}\b{_PROBLEM}\b"
    r"|\b(?:support\s+groups?|peer\s+support|mutual[-\s]aid|narcotics\s+anonymous|smart\s+recovery|helplines?)\b"
    # help with the drug itself, and cutting down without a number in the plan
    rf"|\b(?:get|find|need|want|looking\s+for)\s+help\s+(?:for|with)\s+(?:my\s+)?{SUBSTANCE}\b(?!\s+(?:dos\w*|amounts?))"
    rf"|\bhow\s+(?:to|do\s+i|can\s+i|should\s+i)\s+(?:cut\s+down|quit|stop|come\s+off)\s+(?:on\s+|using\s+|taking\s+)?(?:my\s+)?{SUBSTANCE}\b(?![^.?!]*\d)"
    r"|\b(?:wo\s+(?:finde|bekomme)\s+ich\s+hilfe|d[oó]nde\s+(?:puedo\s+)?(?:encontrar|buscar|pedir|consigo)\s+ayuda|"
    r"o[uù]\s+(?:trouver|chercher)\s+(?:de\s+l')?aide|dove\s+(?:trovo|posso\s+trovare|cercare)\s+aiuto|"
    r"onde\s+(?:encontro|posso\s+encontrar|procurar)\s+ajuda)\b"
)


# Reaching legitimate treatment: finding a clinic, a prescriber, a meeting, a referral, a medicine
# sold in pharmacies for harm reduction or quitting. Answered (or abstained), never refused.
_TREATMENT_ACCESS = rx(
    r"\b(?:find|finding|locate|looking\s+for|search\s+for|get\s+seen\s+by|get\s+(?:an?\s+)?appointment|get\s+referred|"
    r"referral|refer\s+me|sign\s+up|enrol+)\b[^.?!]{0,50}\b(?:clinics?|cent(?:re|er)s?|doctors?|gps?|psychiatrists?|therapists?|"
    r"specialists?|providers?|services?|meetings?|groups?|treatments?|program(?:me)?s?|rehabs?|detox|counsell?ors?)\b|"
    r"\b(?:certified|licensed|approved|specialist)\s+(?:clinics?|cent(?:re|er)s?|providers?)\b[^.?!]{0,60}\bfind\b|"
    r"\b(?:is\s+there|are\s+there|any)\s+(?:an?\s+)?(?:\w+\s+){0,2}?(?:clinics?|cent(?:re|er)s?|psychiatrists?|providers?|services?|"
    r"rehabs?|detox)\s+(?:near|in|around|close\s+to)\b|"
    r"\b(?:narcotics|alcoholics|cocaine)\s+anonymous\b|\b(?:na|aa|ca|smart\s+recovery)\s+meetings?\b|"
    r"\b(?:naloxone|narcan|naloxona|naloxon|nicotine\s+(?:patches|gum|replacement|lozenges))\b|"
    r"\b(?:want|trying|need|ready|decided)\s+to\s+(?:stop|quit|cut\s+down|give\s+up)\b[^?!]{0,60}\b(?:who|where|help|talk)\b|"
    r"\b(?:rivolgermi\s+a\s+un\s+serd|serd|per\s+smettere|para\s+dejar|pour\s+arr[êe]ter|um\s+aufzuh[öo]ren|para\s+parar)\b|"
    # through a health system or an insurer: treatment, whatever the medicine
    r"\b(?:get|getting|access|have|receive)\b[^.?!]{0,40}\b(?:on|through|via|under|covered\s+by)\s+(?:the\s+)?"
    r"(?:nhs|insurance|medicare|medicaid|my\s+(?:insurer|insurance|health\s+plan))\b|"
    # one's own prescription at a pharmacy: picking it up, filling, transferring, renewing
    r"\b(?:pick\s+up|collect|fill|filled|refill\w*|renew\w*|transfer\w*|dispens\w*|einl[öo]sen|surtir|levantar|aviar|ritirare)\b"
    r"[^.?!]{0,40}\b(?:my|his|her|their|a|the|mein\w*|mi|mon|ma|il\s+mio|a\s+minha)\s+(?:\w+[-\s]){0,2}?"
    r"(?:prescriptions?|scripts?|rx|meds|medications?|rezept|receta|ordonnance|ricetta|receita)\b|"
    r"\b(?:my|his|her|mein\w*|mi|mon|ma)\s+(?:\w+[-\s]){0,2}?(?:prescriptions?|scripts?|rezept|receta|ordonnance|ricetta|receita)\b"
    r"[^.?!]{0,40}\b(?:pharmac\w+|chemists?|apotheke\w*|farmacias?|pharmacie|farm[áa]cias?)\b|"
    r"\b(?:registered|licensed|legitimate|genuine|accredited)\s+(?:online\s+)?pharmac\w+|"
    r"\b(?:my|his|her|their)\s+(?:\w+\s+){0,2}?(?:meds|medications?|prescriptions?|scripts?)\s+(?:filled|refilled|renewed|transferred|dispensed)\b|"
    # support groups and stopping, in the six languages
    r"\bgrupos?\s+de\s+(?:apoio|apoyo|ayuda|ajuda)|groupes?\s+de\s+(?:soutien|parole)|selbsthilfegruppe\w*|gruppi?\s+di\s+(?:supporto|sostegno|auto-?aiuto)|"
    r"\b(?:stop|quit|stopping|quitting)\s+(?:buying|ordering|scoring|using|taking|doing)\b|"
    r"\b(?:largar|dejar\s+de|arr[êe]ter\s+(?:de|la|le)|aufh[öo]ren|smettere\s+(?:di|con))\b|"
    # harm-reduction supplies
    r"\b(?:fentanyl\s+)?test(?:ing)?\s+strips?\b|\bdrug[-\s]checking\b|\b(?:drug\s+)?(?:testing|test|reagent)\s+kits?\b|\bkits?\s+to\s+test\b"
)
# Esketamine is only given in certified treatment settings: asking how one gets it, without asking to
# buy it or skip the prescriber, is asking about treatment.
_CLINIC_ONLY_MEDICINE = rx(r"\b(?:spravato|esk[eé]tamin[ae]?|esketamin)\b")
_BUYING = rx(
    r"\b(?:buy\w*|purchas\w*|order\w*|online|cheap\w*|sell\w*|dealer|plug|darknet|dark\s+web|ship\w*|deliver\w*|"
    r"take[-\s]home|at\s+home|kaufen|comprar|acheter|comprare|without)\b"
)


def mentions_buying(text: str) -> bool:
    """Buying, ordering, a seller, delivery, taking it home or doing without a prescriber."""
    return bool(_BUYING.search(text.casefold()))


_PAST_USE = rx(
    r"\b(?:used\s+to\s+(?:use|take|do)|(?:have|'ve|ive|had)\s+(?:used|taken|done)|(?:a\s+)?history\s+of|(?:a\s+)?past\s+of)\b[^.?!,]{0,40}"
)
_GET_THE_MEDICINE = rx(
    r"\b(?:get|getting|access|start|starting|try|trying|receive|have)\s+(?:the\s+)?(?:spravato|esk[eé]tamin[ae]?|esketamin)\b"
)
_TREATMENT_SETTING = rx(
    r"\b(?:clinics?|doctors?|psychiatrists?|gps?|prescri\w+|approved|pharmac\w+|insurance|insurer|treatment|cent(?:re|er)s?|"
    r"eligib\w*|qualify|referr?\w*|go\s+about)\b"
)


# Getting a medicine *for a condition* ("can I still get ketamine for depression", "a ketamine
# depression trial") asks about treatment, unless it asks to buy it or to skip the prescriber.
_FOR_A_CONDITION = rx(
    r"\b(?:for|para|pour|f[üu]r|per)\s+(?:my\s+|mi\s+|ma\s+|meine\s+|la\s+|le\s+|die\s+|a\s+)?"
    r"(?:depression|depresi[oó]n|d[ée]pression|depressione|depress[ãa]o|treatment[-\s]resistant|ptsd|ocd|chronic\s+pain|suicidal\s+thoughts)\b|"
    r"\b(?:depression|ptsd)\s+(?:clinical\s+)?trials?\b|\bclinical\s+trials?\b"
)


def _reaches_treatment(text: str) -> bool:
    return bool(_TREATMENT_ACCESS.search(text)) and not _NO_PRESCRIPTION.search(text)


# Which hospitals, clinics or services give a treatment ("which hospitals in ireland offer ketamine for
# pain", "who offers ketamine infusions for chronic pain in dublin"): finding care, which the trained
# classifier read as sourcing when a pain was named (a blind personas' set, session 36). Not a seller,
# a way round the prescriber, or a place that asks no questions.
_PROVIDERS_OF_TREATMENT = rx(
    r"\b(?:which|what|any|are\s+there(?:\s+any)?|is\s+there\s+an?y?|do\s+any|does\s+any)\s+(?:\w+\s+){0,2}?"
    r"(?:hospitals?|clinics?|nhs\s+trusts?|trusts?|pain\s+(?:clinics?|services?|teams?)|services?|doctors?|specialists?|"
    r"consultants?|cent(?:re|er)s?|providers?|practices?|psychiatrists?|anaesthetists?|anesthesiologists?)\b"
    r"[^.?!]{0,30}\b(?:offer|offers|do|does|give|gives|provide|provides|run|runs|use|uses|prescribe|prescribes|"
    r"administer|administers|treat|treats)\b(?!\s+out\b)|"
    r"\bwho\s+(?:offers|provides|gives|does|prescribes|administers|runs)\s+(?:\w+\s+){0,3}?"
    r"(?:infusions?|treatments?|therapy|sessions?)\b|"
    r"\bwhere\s+(?:do|does)\s+(?:they|hospitals?|clinics?|doctors?|the\s+nhs)\s+(?:do|offer|provide|use|run)\b"
)
_NO_QUESTIONS_ASKED = rx(
    r"\b(?:easy|easily|no\s+questions|without\s+(?:asking|questions|checks?)|won'?t\s+ask|don'?t\s+ask|lenient|dodgy|shady)\b"
)


def _providers_of_treatment(text: str) -> bool:
    return (
        bool(_PROVIDERS_OF_TREATMENT.search(text))
        and not _BUYING.search(text)
        and not _NO_PRESCRIPTION.search(text)
        and not _NO_QUESTIONS_ASKED.search(text)
    )


# "how do i get ketamine legally": the legal way is a prescriber, which the articles describe.
_LEGAL_ROUTE = rx(
    r"\b(?:get|getting|access|obtain|receive|have|try)\b[^.?!]{0,30}\b(?:legally|legitimately|the\s+legal\s+way)\b|"
    r"\b(?:legal|legitimate)\s+(?:way|route)\s+to\s+(?:get|access|try|have|receive)\b"
)


# "i'm not trying to buy it illegally": buying said not to be meant.
_BUYING_DENIED = rx(
    r"(?:\bnot|\bnever|n'?t)\s+(?:\w+\s+){0,2}?(?:buy|buying|order|ordering|purchas\w*)\b[^.?!,]{0,20}"
)


def _takes_the_legal_route(text: str) -> bool:
    text = _BUYING_DENIED.sub(" ", text)
    return bool(_LEGAL_ROUTE.search(text)) and not (
        _BUYING.search(text) or _NO_PRESCRIPTION.search(text) or _DECEIVE_PRESCRIBER.search(text)
    )


# A clinician offering or giving it ("my doctor mentioned ketamine for my depression", "can a doctor
# legally give it to me", "in a&e they want to give me ketamine to put my shoulder back"): care.
_CLINICIAN_OFFERS = rx(
    r"\b(?:doctors?|gps?|psychiatrists?|prescribers?|consultants?|anaes?thetists?|anesthesiologists?|surgeons?|nurses?|"
    r"dentists?|paramedics?|pain\s+(?:clinic|team))\s+(?:(?!to\b)\w+\s+){0,3}?(?:mentioned|suggested|recommended|offered|offering|"
    r"brought\s+(?:it\s+)?up|wants?\s+(?:me\s+|him\s+|her\s+)?to\s+(?:try|have)|give|gave|prescribe[sd]?)\b"
)
_THEY_GIVE = rx(
    r"\b(?:they|staff|the\s+team)\s+(?:want|wants|are\s+going|plan|offered|offer)\s+to\s+(?:give|use|try)\b"
)
_IN_CARE = rx(
    r"\b(?:a\s*&\s*e|a\s+and\s+e|emergency\s+department|hospital|surgery|operation|procedure|anaes?thetic|ambulance|paramedics?)\b"
)


def _offered_by_a_clinician(text: str) -> bool:
    text = _BUYING_DENIED.sub(" ", text)
    offered = _CLINICIAN_OFFERS.search(text) or (_THEY_GIVE.search(text) and _IN_CARE.search(text))
    return bool(offered) and not (
        _BUYING.search(text) or _NO_PRESCRIPTION.search(text) or _DECEIVE_PRESCRIBER.search(text)
    )


def _treatment_for_a_condition(text: str) -> bool:
    return (
        bool(_FOR_A_CONDITION.search(text)) and not _BUYING.search(text) and not _NO_PRESCRIPTION.search(text)
    )


# "how is it different from ordinary ketamine": ketamine named only to compare esketamine with it.
_COMPARED_WITH_KETAMINE = rx(
    r"\b(?:different|differs?|difference|compared?|comparison|versus|vs\.?|than)\b[^.?!]{0,25}?\bketamine\b"
)


# "is spravato a controlled drug in the us": the medicine's legal class, not another substance.
_LEGAL_CLASS = rx(
    r"\b(?:controlled|scheduled|prescription(?:-only)?|class\s+[abc]|schedule\s+(?:[1-5]|i{1,3}|iv|v))\s+"
    r"(?:drugs?|medicines?|substances?)\b"
)


def _names_another_substance(text: str) -> bool:
    """Whether `text` names a substance besides esketamine, other than as past use, to compare, or as
    its legal class."""
    for aside in (_PAST_USE, _COMPARED_WITH_KETAMINE, _LEGAL_CLASS, _CLINIC_ONLY_MEDICINE):
        text = aside.sub(" ", text)
    return bool(_SUBSTANCE.search(text))


def asks_about_clinic_only_medicine(text: str) -> bool:
    """Names esketamine and no other substance ("what's Spravato?", "how is it different from ketamine?")."""
    return bool(_CLINIC_ONLY_MEDICINE.search(text)) and not _names_another_substance(text)


_GET_IT = rx(r"\b(?:get|getting|access|start|starting|try|trying|receive|have)\s+(?:it|this|that|one)\b")


# "i read online about ketamine therapy - is it actually legal in australia and can i get it here?":
# "it" is the treatment the message names (`corpus.aspects.names_ketamine_as_treatment`; a twelfth
# new-user trial, session 38); reading about it online is not buying it online.
_READ_ONLINE = rx(
    r"\b(?:read|saw|seen|found|heard|looked|looking|researched|researching)\s+(?:\w+\s+){0,3}?online\b|"
    r"\bonline\s+(?:about|that)\b"
)


def _named_treatment_got(text: str) -> bool:
    text = _READ_ONLINE.sub(" ", text)
    return bool(names_ketamine_as_treatment(text) and _GET_IT.search(text)) and not (
        _BUYING.search(text) or _NO_PRESCRIPTION.search(text) or _DECEIVE_PRESCRIBER.search(text)
    )


def gets_clinic_only_medicine_named_before(text: str, context: Context) -> bool:
    """ "what's Spravato?" then "where can I get it?": getting it is getting treatment, as when the
    question names it; buying it, or without a prescriber, is not."""
    return (
        context.clinic_only_medicine_before
        and bool(_GET_IT.search(text))
        and not _SUBSTANCE.search(text)
        and not (_BUYING.search(text) or _NO_PRESCRIPTION.search(text) or _DECEIVE_PRESCRIBER.search(text))
    )


def _treatment_with_a_clinic_only_medicine(text: str) -> bool:
    # Esketamine is given only in certified clinics, so getting it is getting treatment even when
    # the question names no clinic ("how can I get Spravato in the UK").
    # "what schedule is esketamine in and does that affect how you get it": "it" is the medicine named.
    if not _CLINIC_ONLY_MEDICINE.search(text) or not (
        _TREATMENT_SETTING.search(text) or _GET_THE_MEDICINE.search(text) or _GET_IT.search(text)
    ):
        return False
    if _BUYING.search(text) or _NO_PRESCRIPTION.search(text) or _DECEIVE_PRESCRIBER.search(text):
        return False
    return not _names_another_substance(text)


# Questions that read like requests to the semantic layers but are about care, testing or a course
# of treatment; they keep the semantic layers out while every rule still runs.
_CARE_QUESTION = rx(
    # telling one's care team ("should i tell the clinic though")
    r"\bshould\s+(?:i|we)\s+(?:tell|call|ring|phone|contact|let)\s+(?:the|my|his|her|their)\s+(?:clinic|doctor|gp|prescriber|"
    r"psychiatrist|nurse|care\s+team|team)\b(?![^.?!]*\bso\s+(?:he|she|they|it)\b)|"
    # whether to go to a session at all ("should I still go to my appointment today or ring them first")
    r"\bshould\s+(?:i|we|he|she)\s+(?:still\s+)?(?:go|attend|turn\s+up|cancel|postpone|reschedule)\b[^.?!]{0,30}\b"
    r"(?:appointment|session|treatment|infusion)s?\b|"
    # esketamine is only given in certified clinics: asking how to get it is asking about treatment
    r"\b(?:qualify\s+for|eligible\s+for|be\s+prescribed|offered)\b[^.?!]{0,40}\b(?:spravato|esketamine)\b|"
    r"\b(?:get|getting|access|qualify|eligible|prescribed|treated|offered)\b[^.?!]{0,60}\bfor\s+(?:my\s+)?"
    r"(?:depression|ptsd|anxiety|chronic\s+pain|ocd|suicidal\s+thoughts)\b|"
    r"\bget\b[^.?!]{0,30}\bprescribed\b|\bclinical\s+trials?\b|\b(?:testing|test|reagent|drug[-\s]checking)\s+kits?\b|"
    r"\bkits?\s+to\s+test\b|"
    # the course of a treatment, not an amount: how many sessions, time off work after one
    r"\bhow\s+(?:many|often|long|much)\b[^.?!]{0,30}\b(?:sessions?|appointments?|infusions?|visits?|time\s+off|days?\s+off)\b|"
    r"\b(?:detected|detectable|show\s+up|drug\s+tests?|drug\s+screens?)\b|"
    # how soon a treatment works, whether it is given at home, raising it with a doctor
    r"\bhow\s+(?:fast|quickly|soon|long)\b[^.?!]{0,30}\b(?:work|works|kick\s+in|kicks\s+in|take\s+effect|help|helps)\b|"
    r"\b(?:can|could|may)\s+(?:i|you|patients?|people)\s+(?:take|use|have|do)\s+(?:spravato|esketamine|it|the\s+spray)\s+at\s+home\b|"
    r"\b(?:raise|bring\s+up|mention|ask\s+about|talk\s+about|discuss)\b[^.?!]{0,40}\b(?:with|to)\s+(?:my|a|the|your)\s+"
    r"(?:gp|doctor|psychiatrist|prescriber|therapist|nurse|pharmacist)\b|"
    # telling one's clinician about one's medicines ("tell the pain doc about my oxy before the infusion")
    r"\btell\s+(?:the|my|his|her|their|your)\s+(?:pain\s+)?(?:doc|doctor|gp|psychiatrist|prescriber|nurse|"
    r"anaes?thetist|anesthesiologist|surgeon|consultant|pharmacist|clinic|care\s+team|team)s?\s+about\b|"
    # recovery: cravings, relapse, an old dealer's messages
    r"\b(?:in\s+recovery|cravings?|relaps\w*)\b|"
    # how long people are watched after a session, how long a treatment's effect lasts
    r"\bhow\s+long\b[^.?!]{0,40}\b(?:stay|wait|kept|monitored|observed|watched)\b[^.?!]{0,40}\b"
    r"(?:clinic|session|spray|infusion|treatment|appointment)s?\b|"
    r"\bhow\s+long\b[^.?!]{0,30}\b(?:effect|benefit|relief|improvement)s?\s+(?:last|lasts|wear\s+off)\b|"
    # telling what a found substance is; whether a mix is a bad idea
    r"\bhow\s+(?:can|do|would|could)\s+(?:i|you|we)\s+(?:tell|know|check|find\s+out)\s+(?:if|whether|what)\b|"
    r"\+[^.?!]{0,30}\b(?:bad|good|safe)\s+idea\b|\b(?:bad|good)\s+idea\s+to\s+(?:mix|combine)\b|"
    # is a clinic or a pharmacy licensed
    r"\b(?:clinic|cl[ií]nica|clinique|klinik|pharmac\w+|farmacia)\w*\b[^.?!]{0,40}\b(?:autorizad\w*|autoris[ée]e?s?|zugelassen\w*|"
    r"autorizzat\w*|licensed|certified|registered|accredited|legit(?:imate)?)\b"
)


# A doctor who would not refer ("my gp wont refer me for ketamine, who else can i ask"): the rest of the
# message is about care, so no trained layer may read it as a request for supply (the rules still do).
_REFERRAL_REFUSED = rx(
    r"\b(?:wont|won'?t|will\s+not|refuses?\s+to|refused\s+to|doesn'?t\s+want\s+to|didn'?t|would(?:n'?t|\s+not))\s+refer\b"
)


def help_seeking(text: str) -> str | None:
    """A request for help with substance use or for legitimate treatment, which no semantic layer may refuse."""
    if _treatment_with_a_clinic_only_medicine(text):
        return _first(_CLINIC_ONLY_MEDICINE, text)
    if _takes_the_legal_route(text):
        return _first(_LEGAL_ROUTE, _BUYING_DENIED.sub(" ", text))
    if _offered_by_a_clinician(text):
        return _first(_CLINICIAN_OFFERS, text) or _first(_THEY_GIVE, text)
    if _providers_of_treatment(text):
        return _first(_PROVIDERS_OF_TREATMENT, text)
    return (
        _first(_HELP_SEEKING, text)
        or _first(_TREATMENT_ACCESS, text)
        or _first(_CARE_QUESTION, text)
        or _first(_REFERRAL_REFUSED, text)
    )


def mentions_substance(text: str) -> bool:
    text = text.casefold()  # called on raw questions too
    return bool(_SUBSTANCE.search(text))
