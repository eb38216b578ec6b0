"""The input rail: normalise, apply intent rules in priority order, then the semantic layers in order."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from guardrails import messages
from guardrails.categories import CATEGORIES, CategoryRegistry
from guardrails.decisions import Decision
from guardrails.messages import LANGUAGES, EmergencyNumber, LocalHelp, detect_language
from guardrails.normalize import NormalizedText, normalize
from guardrails.rules import (
    Context,
    RuleHit,
    about_someone_else,
    addiction_meant,
    asks_about_addiction,
    asks_about_clinic_only_medicine,
    asks_about_cost,
    asks_about_driving,
    asks_about_supplies,
    cost_meant,
    distress_over,
    distressed,
    emergency_over,
    exempt_from_semantic,
    gets_clinic_only_medicine_named_before,
    help_seeking,
    legal_limit_meant,
    mentions_buying,
    mentions_substance,
    wait_to_drive,
    without_safe_now,
    wrapped_request,
    wrapper,
)
from guardrails.semantic import SemanticLayer

DEFAULT_EMERGENCY_NUMBERS = (
    EmergencyNumber("US", "911"),
    EmergencyNumber("EU", "112"),
    EmergencyNumber("UK", "999"),
)
DEFAULT_CRISIS_LINES = (
    # 988 is Canada's crisis line too (a trial user in Canada was told it only for the US; session 33)
    "In the US and Canada, call or text 988.",
    "In the UK and Ireland, call Samaritans on 116 123.",
    "Elsewhere, your local emergency number can connect you to help.",
)
# The default crisis lines in other reply languages; used only while the crisis lines are the defaults,
# so lines a deployment sets are never replaced by these.
DEFAULT_CRISIS_LINES_BY_LANGUAGE: Mapping[str, tuple[str, ...]] = {
    "es": (
        "En España, llame al 024 (línea de atención a la conducta suicida).",
        "En EE. UU., llame o envíe un mensaje de texto al 988 (Suicide & Crisis Lifeline, también en español).",
        "En el Reino Unido e Irlanda, llame a Samaritans al 116 123.",
        "En otros lugares, su número local de emergencias puede ponerle en contacto con ayuda.",
    ),
    "fr": (
        "En France, appelez le 3114 (numéro national de prévention du suicide, gratuit, 24 h/24).",
        "En Suisse, appelez La Main Tendue au 143.",
        "Ailleurs, votre numéro d'urgence local peut vous mettre en contact avec de l'aide.",
    ),
    "de": (
        "In Deutschland erreichen Sie die TelefonSeelsorge kostenlos und rund um die Uhr unter "
        "0800 111 0 111 oder 0800 111 0 222.",
        "In Österreich erreichen Sie die Telefonseelsorge unter 142, in der Schweiz Die Dargebotene Hand unter 143.",
        "Anderswo kann Ihre örtliche Notrufnummer Sie mit Hilfe verbinden.",
    ),
    "pt": (
        "Em Portugal, ligue para o SNS 24 no 808 24 24 24.",
        "No Brasil, ligue para o CVV (Centro de Valorização da Vida) no 188, gratuitamente.",
        "Noutros lugares, o número de emergência local pode pô-lo em contacto com ajuda.",
    ),
    "it": (
        "In Italia, chiama Telefono Amico Italia allo 02 2327 2327.",
        "In Svizzera, chiama Telefono Amico al 143.",
        "Altrove, il numero di emergenza locale può metterti in contatto con qualcuno che ti aiuti.",
    ),
}
_WORD = re.compile(r"\w+")
# A follow-up this short is a request form without its subject ("and where?", "per kilo?").
FRAGMENT_WORDS = 4
# Earlier turns read by the semantic layers for distress (the newest ones; older ones were the
# newest turn of an earlier request and were escalated then), and how many verdicts are remembered.
DISTRESS_LOOKBACK = 4
DISTRESS_MEMORY = 4096
# An emergency is happening now: it carries over to the next two turns, not to a whole conversation.
EMERGENCY_LOOKBACK = 2
# An earlier turn turns the whole conversation into a crisis reply, so it needs a surer reading than
# the newest turn does (chosen on the development sets: false alarms in earlier turns turned refusals
# and answers into crisis replies).
EARLIER_DISTRESS_SCORE = 0.85


class InputRail:
    """Classifies a conversation's newest user turn: allow, refuse (dosing, sourcing, jailbreak) or escalate."""

    def __init__(
        self,
        semantic: Sequence[SemanticLayer] = (),
        emergency_numbers: Sequence[EmergencyNumber] = DEFAULT_EMERGENCY_NUMBERS,
        crisis_lines: Sequence[str] = DEFAULT_CRISIS_LINES,
        categories: CategoryRegistry = CATEGORIES,
        emergency_numbers_by_language: Mapping[str, Sequence[EmergencyNumber]] | None = None,
        crisis_lines_by_language: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """`*_by_language` replace the numbers or lines for replies in one language; by default the
        crisis lines have translations only while they are the default lines."""
        if not emergency_numbers:
            raise ValueError("at least one emergency number is needed for escalations")
        self.semantic = list(semantic)
        self.categories = categories
        self.emergency_numbers = list(emergency_numbers)
        self.crisis_lines = list(crisis_lines)
        if crisis_lines_by_language is None:
            default = tuple(crisis_lines) == DEFAULT_CRISIS_LINES
            crisis_lines_by_language = DEFAULT_CRISIS_LINES_BY_LANGUAGE if default else {}
        self.crisis_lines_by_language = {k: list(v) for k, v in crisis_lines_by_language.items()}
        self.emergency_numbers_by_language = {
            k: list(v) for k, v in (emergency_numbers_by_language or {}).items() if v
        }
        # Every request of a conversation resends its earlier turns: each is embedded once.
        self._distress_verdicts: OrderedDict[str, bool] = OrderedDict()
        self._distress_lock = threading.Lock()  # request threads share one rail

    def rules_only(self, turn: str | NormalizedText, context: Context) -> tuple[RuleHit | None, str | None]:
        """The first rule that fires on any view of `turn`, in priority order, and any wrapper found."""
        views = (normalize(turn) if isinstance(turn, str) else turn).views
        found_wrapper = next((w for v in views if (w := wrapper(v))), None)
        for category in self.categories:
            for view in views:
                hit = category.detect(view, context)
                if hit is not None:
                    return hit, found_wrapper
        return None, found_wrapper

    def _context(self, earlier: Sequence[str]) -> tuple[Context, RuleHit | None]:
        """What the earlier turns tell, and the rule that fired on the last of them (if any)."""
        normalized = [normalize(turn) for turn in earlier]
        substance = any(mentions_substance(v) for turn in normalized for v in turn.views[:2])
        jailbreak_before = wrapper_before = refused_before = distress_before = emergency_before = False
        hit: RuleHit | None = None
        for position, turn in enumerate(normalized):
            # Distress stands until the person says they are safe now.
            if distress_over(turn.views[0]):
                distress_before = False
            # An emergency said to be over ("no hes fine now, i mean generally") does not come back
            # with the next question; a new sign in a later turn raises it again.
            if emergency_over(turn.views[0]):
                emergency_before = False
            distress_before |= any(distressed(v) for v in turn.views[:2])
            hit, found_wrapper = self.rules_only(turn, Context(substance_mentioned=substance))
            wrapper_before |= found_wrapper is not None
            if hit is not None:
                jailbreak_before |= hit.category == "jailbreak"
                refused_before |= self.categories.action(hit.category) == "refuse"
                distress_before |= hit.category == "self_harm"
                recent = position >= len(normalized) - EMERGENCY_LOOKBACK
                emergency_before |= recent and hit.category == "emergency"
        supplies_before = bool(normalized) and any(asks_about_supplies(v) for v in normalized[-1].views[:2])
        # "is spravato approved in the EU?", "what about ireland?", "how do i get it in germany?": the
        # last earlier turn that names a medicine tells what "it" is.
        naming = [turn for turn in normalized if any(mentions_substance(v) for v in turn.views[:2])]
        clinic_only_before = bool(naming) and asks_about_clinic_only_medicine(naming[-1].views[0])
        # A cost question answered or abstained (not refused, not buying) makes the next "how much" money.
        cost_before = (
            bool(earlier)
            and hit is None
            and not refused_before
            and asks_about_cost(earlier[-1])
            and not mentions_buying(earlier[-1])
        )
        driving_before = bool(earlier) and asks_about_driving(earlier[-1])
        addiction_before = bool(earlier) and asks_about_addiction(earlier[-1])
        context = Context(
            substance,
            jailbreak_before,
            wrapper_before,
            refused_before,
            distress_before,
            emergency_before,
            supplies_before,
            clinic_only_before,
            cost_before,
            driving_before,
            addiction_before,
        )
        return context, hit

    def run(
        self,
        turns: Sequence[str],
        vector: np.ndarray | Callable[[], np.ndarray] | None = None,
        language: str | None = None,
    ) -> Decision:
        """Judge `turns[-1]`; `vector` is its embedding, or a function that makes it only if the rules stay silent.

        Replies come in `language` (the asking interface's, e.g. "es" or "es-MX") when it is one of
        `LANGUAGES`, else in the language the question is written in.
        """
        question = turns[-1]
        normalized = normalize(question)
        context, previous = self._context(turns[:-1])
        if not context.distress_before and self.semantic and len(turns) > 1:
            earlier = _since_safe(turns[-1 - DISTRESS_LOOKBACK : -1])
            context = replace(context, distress_before=bool(earlier) and self._distress_said(earlier))
        language = reply_language(language) or detect_language(question)
        hit, found_wrapper = self.rules_only(normalized, context)
        # "and where" carries the request, the turn before it the subject: judge them together,
        # unless that turn was a request of its own (then its refusal already said so).
        if hit is None and len(turns) > 1 and previous is None and _is_fragment(question):
            hit, _ = self.rules_only(f"{turns[-2].strip()} {question.strip()}", context)
        # An emergency told in the last turns is still happening unless the newest turn says it has
        # passed: "can we just let him sleep it off" gets the emergency numbers again.
        if hit is None and context.emergency_before and not emergency_over(question):
            hit = RuleHit("emergency", "emergency.earlier", "")
        # Distress said earlier still stands: whatever follows gets the crisis lines again (an
        # emergency now keeps its own reply, which gives the numbers first), until the person says
        # they are safe now; a question about lethality still reads as asking for a means.
        if (
            context.distress_before
            and not distress_over(normalized.views[0])
            and (hit is None or self.categories.action(hit.category) != "escalate")
        ):
            hit = RuleHit("self_harm", "self_harm.distress-earlier", hit.matched if hit else "")
        score = 1.0
        if hit is not None and self.categories[hit.category].wrapper_makes_jailbreak:
            if found_wrapper or context.jailbreak_before or context.wrapper_before:
                hit = RuleHit("jailbreak", f"jailbreak.wrapper+{hit.rule}", found_wrapper or hit.matched)
        elif hit is None and found_wrapper:
            weak = next((w for v in normalized.views if (w := wrapped_request(v))), None)
            if weak:
                hit = RuleHit("jailbreak", "jailbreak.wrapper+request", f"{found_wrapper} … {weak}")
        seeking_help = (
            any(help_seeking(v) for v in normalized.views)
            or (len(turns) > 1 and _continues(question) and help_seeking(turns[-2].casefold()) is not None)
            or gets_clinic_only_medicine_named_before(normalized.views[0], context)
            or (context.supplies_before and not mentions_substance(normalized.views[0]))
        )
        # Help is on its way or the danger has passed ("Krankenwagen kommt. Soll ich ihm was zu trinken
        # geben?"): what follows is first aid or a question, which no trained layer may turn back
        # into a crisis reply; the rules still read it for a new sign of danger.
        handled = context.emergency_before and emergency_over(question)
        # After distress, "hes safe right now, hes asleep. is the ketamine making these thoughts worse?"
        # is no emergency either; the trained layers still read it for new distress ("...but i cant go on").
        safe_after_distress = context.distress_before and distress_over(normalized.views[0])
        if hit is None and self.semantic and not seeking_help:
            if vector is None:
                embedding = self.semantic[0].embedder.embed([question])[0]
            else:
                embedding = vector() if callable(vector) else vector
            # Disguised text embeds as noise; what it says is in the readings normalisation recovered.
            revealed = normalized.revealed
            readings = (
                list(zip(revealed, self.semantic[0].embedder.embed(revealed), strict=True))
                if revealed
                else [(question, embedding)]
            )
            # "im not going to do anything, i just want to know about the treatment": the words saying
            # the person is safe read as distress to the trained layers; the rest of the turn is judged.
            if distress_over(normalized.views[0]):
                rest = [
                    text for reading, _ in readings if (text := without_safe_now(reading)).strip(" ,.;!?")
                ]
                readings = list(zip(rest, self.semantic[0].embedder.embed(rest), strict=True)) if rest else []
            semantic_hit = next(
                (
                    found
                    for text, reading_vector in readings
                    for layer in self.semantic
                    if (found := layer.run(reading_vector, text, strict=context.refused_before))
                    and not self._overruled(found, layer, reading_vector, text)
                    and not exempt_from_semantic(found.category, text)
                    and not (handled and self.categories.action(found.category) == "escalate")
                    and not (safe_after_distress and found.category == "emergency")
                    and not (
                        found.category == "dosing"
                        and (
                            cost_meant(text, context)
                            or wait_to_drive(text, context)
                            or legal_limit_meant(text, context)
                            or addiction_meant(text, context)
                        )
                    )
                ),
                None,
            )
            if semantic_hit is not None:
                hit = RuleHit(semantic_hit.category, semantic_hit.rule, semantic_hit.evidence)
                score = semantic_hit.score
        if hit is None:
            return Decision("allowed", "allow", "none", 0.0, None, "", language)
        where = messages.local_help(turns)
        someone_else = hit.category == "self_harm" and about_someone_else(
            "\n".join(_since_safe(turns[-1 - DISTRESS_LOOKBACK :]))
        )
        return Decision(
            hit.category,
            self.categories.action(hit.category),
            hit.rule,
            score,
            hit.matched,
            self.message(hit.category, language, where, someone_else),
            language,
            self.contacts(hit.category, language, where),
        )

    def _distress_said(self, earlier: Sequence[str]) -> bool:
        """Whether the trained layers that read earlier turns (the classifier, the distress head) all
        find hopelessness in one of them.

        The rules catch the phrasings they know in every turn; distress said in other words
        ("i won't need anything after tonight") is found by the trained layers that judge the newest
        turn too. The nearest-example layer is left out here: one close exemplar is too weak a
        reason to give a whole conversation crisis lines.
        """
        with self._distress_lock:
            known = {turn: self._distress_verdicts.get(turn) for turn in earlier}
        unseen = [turn for turn, verdict in known.items() if verdict is None]
        if unseen:
            vectors = self.semantic[0].embedder.embed(unseen)
            readers = [layer for layer in self.semantic if getattr(layer, "reads_earlier_turns", False)]
            for turn, vector in zip(unseen, vectors, strict=True):
                hits = (layer.run(vector, turn) for layer in readers or self.semantic[-1:])
                # Every reader must agree: crisis lines for a whole conversation need a surer reason
                # than one layer's reading of one turn ("my psychiatrist said no to it for me").
                known[turn] = not exempt_from_semantic("self_harm", turn) and all(
                    hit is not None and hit.category == "self_harm" and hit.score >= EARLIER_DISTRESS_SCORE
                    for hit in hits
                )
            with self._distress_lock:
                for turn in unseen:
                    self._distress_verdicts[turn] = bool(known[turn])
                while len(self._distress_verdicts) > DISTRESS_MEMORY:
                    self._distress_verdicts.popitem(last=False)
        return any(known.values())

    def forget(self) -> None:
        """Drop the remembered verdicts on earlier turns (benchmarks time a conversation never seen)."""
        with self._distress_lock:
            self._distress_verdicts.clear()

    def _overruled(self, hit: object, layer: SemanticLayer, vector: np.ndarray, text: str) -> bool:
        """A nearest-example hit that a later layer confidently calls everyday (the one-nearest example
        misreads other languages' idioms: "subidón de adrenalina", "una sacrée dose de patience")."""
        later = self.semantic[self.semantic.index(layer) + 1 :]
        return any(getattr(other, "confidently_allowed", lambda *_: False)(vector, text) for other in later)

    def numbers(self, language: str = "en", where: LocalHelp | None = None) -> list[EmergencyNumber]:
        """Emergency numbers for a reply in `language`, the country's own first when `where` is known."""
        configured = self.emergency_numbers_by_language.get(language) or self.emergency_numbers
        return messages.with_local_number(configured, where)

    def lines(self, language: str = "en", where: LocalHelp | None = None) -> list[str]:
        """Crisis lines for a reply in `language`, the country's own first when `where` is known."""
        configured = self.crisis_lines_by_language.get(language) or self.crisis_lines
        return messages.with_local_line(configured, where, language)

    def contacts(
        self, category: str, language: str = "en", where: LocalHelp | None = None
    ) -> tuple[str, ...]:
        """Numbers to call, in the order the reply gives them."""
        numbers = [n.number for n in self.numbers(language, where)]
        if category == "self_harm":
            lines = self.lines(language, where)
            in_lines = [m.group().strip() for line in lines for m in messages.PHONE_NUMBER.finditer(line)]
            return tuple(dict.fromkeys([*in_lines, *numbers]))
        if self.categories.action(category) == "escalate":
            return tuple(numbers)
        return ()

    def message(
        self, category: str, language: str, where: LocalHelp | None = None, someone_else: bool = False
    ) -> str:
        if category == "self_harm":
            lines = self.lines(language, where)
            return messages.self_harm(language, self.numbers(language, where), lines, someone_else)
        if category == "unsafe":
            return messages.unsafe(language, self.numbers(language, where))
        if self.categories.action(category) == "escalate":  # the emergency reply: numbers first
            return messages.emergency(language, self.numbers(language, where))
        return self.categories.refusal(category, language)


def reply_language(language: str | None) -> str | None:
    """The reply language an interface's language tag ("es", "es-MX", "pt_BR") names, if the guard writes it."""
    base = (language or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def _since_safe(earlier: Sequence[str]) -> list[str]:
    """The turns after the last one that says the person is safe now (all of them if none does)."""
    said = [i for i, turn in enumerate(earlier) if distress_over(normalize(turn).views[0])]
    return list(earlier[said[-1] + 1 :]) if said else list(earlier)


def _is_fragment(text: str) -> bool:
    return len(_WORD.findall(text)) <= FRAGMENT_WORDS


# "ok how about in london then" after a question about finding a clinic: the same request, elsewhere.
_HOW_ABOUT = re.compile(r"^\W*(?:(?:ok(?:ay)?|and|so|right)\W+)?(?:how|what)\s+about\b", re.IGNORECASE)


# "which ones though? any in Ireland?" after asking about support groups for families: which of the
# services just asked about (a twelfth new-user trial, session 38).
_WHICH_ONES = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|so|right|but)\W+)?(?:(?:which|what)\s+ones?|"
    r"(?:any|anything|anyone|anywhere)\s+(?:in|near|around|close\s+to))\b",
    re.IGNORECASE,
)


def _continues(question: str) -> bool:
    """A turn that carries on the request before it: a fragment, or "how about ..." or "which ones ..."
    with no buying in it."""
    return _is_fragment(question) or bool(
        (_HOW_ABOUT.search(question) or _WHICH_ONES.search(question)) and not mentions_buying(question)
    )
