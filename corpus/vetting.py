"""Vetting: find text that must never reach users, before an article can be indexed.

Each rule has an id, a default action and a finder. `block` keeps the whole article out of the
index until a person fixes it; `strip` removes the offending span (or its whole line, for page
debris) and records what was removed. Actions can be overridden per rule id or rule family
(`spam`, `links`, `injection`, `dose`, `debris`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from corpus.models import Article, Span
from corpus.normalize import article_view

Action = Literal["block", "strip"]
ACTIONS: tuple[str, ...] = ("block", "strip")

DEFAULT_ALLOWED_DOMAINS: tuple[str, ...] = (
    "fda.gov",
    "nih.gov",
    "cdc.gov",
    "samhsa.gov",
    "dea.gov",
    "medlineplus.gov",
    "justice.gov",
    "who.int",
    "europa.eu",
    "nhs.uk",
    "gov.uk",
    "nice.org.uk",
    "mhra.gov.uk",
    "tga.gov.au",
    "canada.ca",
    "doi.org",
    "cochranelibrary.com",
    "talktofrank.com",
)

# Words that turn a buying phrase into a warning about buying ("never buy medicines online").
_WARNING_CONTEXT = re.compile(
    r"\b(?:not|never|don'?t|avoid(?:s|ing)?|warn(?:s|ed|ing)?|risk(?:s|y)?|danger(?:s|ous)?|unsafe|"
    r"illegal(?:ly)?|why|who|people|patients|cannot|can't|against)\b[^.!?\n]{0,40}$",
    re.IGNORECASE,
)
_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\"'\]]+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|shop|store|biz|info|io|co|to|cc|ru|su|top|xyz|onion|me|ws|pw|online|site)\b(?:/[^\s<>()\"']*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """One vetting rule: an id like `spam.buy-online`, what it is about, and how to find it."""

    id: str
    description: str
    action: Action
    finder: Callable[[str], Iterable[Span]]
    extent: Literal["span", "line"] = "span"

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


def _regex_finder(*patterns: str, unless_warning: bool = False) -> Callable[[str], list[Span]]:
    compiled = [re.compile(pattern, re.IGNORECASE) for pattern in patterns]

    def find(text: str) -> list[Span]:
        spans = []
        for pattern in compiled:
            for match in pattern.finditer(text):
                if unless_warning:
                    sentence_start = (
                        max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
                    )
                    preceding = text[sentence_start : match.start()]
                    if _WARNING_CONTEXT.search(preceding) and not match.group().isupper():
                        continue
                spans.append(Span(match.start(), match.end()))
        return spans

    return find


def _link_finder(allowed_domains: tuple[str, ...]) -> Callable[[str], list[Span]]:
    def find(text: str) -> list[Span]:
        spans = []
        for match in _URL.finditer(text):
            raw = match.group().rstrip(".,;:")
            host = urlsplit(raw if "://" in raw else f"http://{raw}").hostname or ""
            if host.endswith(".onion") or not any(
                host == d or host.endswith("." + d) for d in allowed_domains
            ):
                spans.append(Span(match.start(), match.start() + len(raw)))
        return spans

    return find


_UNIT = r"(?:mgs|mg|mcg|µg|μg|ug|g|gr|grams?|milligrams?|micrograms?|ml|mL|millilit(?:er|re)s?|cc|iu)"


def default_rules(allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS) -> list[Rule]:
    """The rule set, with links judged against `allowed_domains` (suffix match)."""
    domains = tuple(d.lower().lstrip(".") for d in allowed_domains)
    return [
        Rule(
            "spam.buy-online",
            'a solicitation to buy or order ("buy ketamine online", "order now")',
            "block",
            _regex_finder(
                r"\b(?:buy|order|purchase|shop|get)\s+(?:[\w-]+\s+){0,3}?(?:online|now|today|here|cheap(?:ly)?|"
                r"without\s+(?:a\s+)?(?:prescription|rx))\b",
                r"\b(?:order|buy|shop)\s+now\b",
                unless_warning=True,
            ),
        ),
        Rule(
            "spam.vendor-pitch",
            'a pharmacy or vendor pitch ("trusted vendor", "discreet shipping", "no prescription needed")',
            "block",
            _regex_finder(
                r"\b(?:best|cheap(?:est)?|trusted|reliable|legit|verified|top)\s+(?:online\s+)?(?:vendor|supplier|seller|pharmacy|shop|plug|dealer)s?\b",
                r"\b(?:discreet|fast|express|worldwide|overnight|stealth|free)\s+(?:shipping|delivery|packaging)\b",
                r"\bno\s+(?:prescription|rx)\s+(?:needed|required)\b",
                r"\b(?:(?:now|all|available|items?)\s+in\s+stock|in\s+stock\s+(?:now|today)|for\s+sale|wholesale\s+prices?|money[- ]back\s+guarantee|bulk\s+discounts?)\b",
                # a source recommended in other words
                r"\b(?:recommend|try|use|found)\s+(?:a|the|this|that|my|one)\s+(?:vendor|seller|dealer|supplier|plug|shop)\b",
                r"\bships?\s+discreetly\b|\bdiscreetly\s+(?:shipped|posted|delivered)\b|\bask\s+around\b",
                r"\bbest\s+place\s+to\s+(?:buy|get|score)\b|\bon\s+the\s+\w+\s+(?:board|forum|market|marketplace)\b",
                r"\bcan\s+(?:usually\s+|easily\s+|always\s+)?get\s+you\b|\b(?:easiest|best|good|reliable)\s+plug\b|\bscore\s+from\b",
                r"\.onion\b|\b(?:order|get|buy)\s+(?:it\s+)?from\s+\S+\.(?:com|net|org|io|onion)\b",
            ),
        ),
        Rule(
            "spam.contact-handle",
            'a messenger handle or contact call ("Telegram: @seller", "text us")',
            "block",
            _regex_finder(
                r"\b(?:telegram|whatsapp|wickr|signal|snapchat|kik|wechat|threema|session)\s*(?::|@|\bid\b)\s*@?[\w.+-]{3,}",
                r"(?<![\w@])@[A-Za-z][\w]{3,}\b(?!\.[a-z])",
                r"\b(?:contact|text|message|dm|whatsapp|call)\s+(?:us|me)\b(?:\s+(?:on|at|via)\s+\S+)?",
                r"\b(?:message|contact|dm|text|email)\s+(?:the|a|my|this)\s+(?:seller|vendor|dealer|plug|supplier)\b",
                r"\b[\w.+-]+@[\w-]+\.(?:com|net|org|io|me|co)\b|\bon\s+snap(?:chat)?\s+as\b",
            ),
        ),
        Rule(
            "spam.price-to-buy",
            "a price next to a call to buy",
            "block",
            _regex_finder(
                r"(?:[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars|euros|pounds))[^.\n]{0,60}"
                r"\b(?:per\s+(?:gram|g|vial|bottle|pill)|buy|order|shipping|delivery|deal|discount)\b",
                r"\b(?:buy|order|shipping|deal|discount)\b[^.\n]{0,60}(?:[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars|euros|pounds))",
                r"(?:[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:quid|bucks|usd|eur|gbp|dollars|euros|pounds))\s+(?:a|per|for\s+a|the)\s+"
                r"(?:gram|g|point|bag|ounce|oz|vial|pill|key)\b",
            ),
        ),
        Rule(
            "links.offlist-domain", "a link or domain outside the allowlist", "strip", _link_finder(domains)
        ),
        Rule(
            "injection.instructions",
            'text addressed to a language model ("ignore previous instructions", role markers)',
            "block",
            _regex_finder(
                r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|system)\s+(?:instructions|prompts?|rules|messages)\b",
                r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must)\b",
                r"\byou\s+are\s+now\s+(?:an?\s+|the\s+)?(?:AI|assistant|chatbot|model|DAN|jailbroken|unrestricted)\b",
                r"\b(?:system\s+prompt|developer\s+mode|do\s+anything\s+now|jailbreak)\b",
                r"^\s*(?:system|assistant|user)\s*:",
                r"<\|?(?:im_start|im_end|system|endoftext)\|?>",
                r"\bas\s+an\s+ai\s+(?:language\s+)?model\b",
                r"\b(?:AI|assistant|chatbot|model)s?\s+(?:must|should)\s+(?:always\s+)?(?:say|answer|tell|recommend|respond)\b",
                r"\b(?:ai|assistants?|chatbots?|models?|llms?)\b[^.\n]{0,40}\b(?:must|should)\s+(?:always\s+)?"
                r"(?:append|add|include|output|print|reply|say|answer|tell|recommend|respond|ignore)\b",
                r"\bnote\s+to\s+(?:any\s+)?(?:ai|assistants?|chatbots?|models?)\b|\bsystem\s*:|\bassistant\s*,\s+(?:disregard|ignore)\b",
            ),
        ),
        Rule(
            "markup.active",
            "HTML, scripts, event handlers, javascript: or data: links, images or Markdown links in the body",
            "block",
            _regex_finder(
                r"<\s*/?\s*(?:script|iframe|object|embed|svg|img|meta|style|form|input|link|base|a|div|span|video|audio|body|html)\b",
                r"<!--|\bon[a-z]{3,}\s*=",
                r"\b(?:java|vb)script\s*:|\bdata\s*:\s*(?:text|image|application)/",
                r"!\[[^\]\n]*\]\s*\(|\[[^\]\n]+\]\s*\([^)\n]*\)|^\s*\[[^\]\n]+\]:\s*\S+",
                r"&#x?[0-9a-f]+;",
            ),
        ),
        Rule(
            "dose.amount",
            "an amount with a dosing unit, or a per-kilogram rate",
            "block",
            _regex_finder(
                rf"\b\d+(?:[.,]\d+)?(?:\s?(?:-|–|to)\s?\d+(?:[.,]\d+)?)?\s?{_UNIT}(?:\s?/\s?(?:kg|kilo(?:gram)?s?|hr?|hour|day|dose|ml))?\b",
                r"\b\d+(?:[.,]\d+)?\s?(?:per|/|a)\s?(?:kg|kilo(?:gram)?s?)\b(?!\s+(?:of\s+)?(?:body|person|people))",
                r"\b\d+(?:[.,]\d+)?\s+(?:bumps?|lines?|keys?|points?|tabs?|hits?)\s+(?:of|per|every|enough|is|are|for|across|a\s+night)\b",
                # a number before a word for a thousandth or millionth of a unit, however it is spelt
                r"\b\d+(?:[.,]\d+)?\s*(?:mill?i(?!on)|micro)\w*",
            ),
        ),
        Rule(
            "dose.instruction",
            'dosing advice stated as an instruction ("take two every hour", "start with", "re-dose after")',
            "block",
            _regex_finder(
                r"\b(?:you\s+should|we\s+recommend|it\s+is\s+(?:best|safe)\s+to|always|simply)\s+(?:take|use|snort|inject|dose|redose|re-dose)\b",
                r"\b(?:start|begin)\s+(?:with|at)\s+(?:a\s+)?(?:low|small|\d)",
                r"\b(?:re-?dose|top\s+up)\s+(?:after|every|each)\b",
                r"\b(?:take|snort|inject|use)\s+(?:one|two|three|four|a\s+few|\d+)\s+(?:\w+\s+)?(?:every|each|per)\b",
                r"\b(?:is|are|works?)\s+(?:about\s+|usually\s+|generally\s+)?(?:right|enough|plenty|well|a\s+good\s+amount)\s+for\s+"
                r"(?:someone|a\s+beginner|beginners|first[-\s]timers?|most\s+(?:people|adults|users))\b",
                r"\b(?:second|another|next|extra)\s+bump\b|\bwait\s+\d+\s+(?:minutes|mins|hours)\s+before\b",
                r"\b(?:is\s+the\s+usual\s+amount|(?:usual|standard|starting)\s+(?:dose|amount)\s+is)\b",
            ),
        ),
        Rule(
            "debris.comment-form",
            "page debris: comment forms, share buttons, newsletter boxes",
            "strip",
            _regex_finder(
                r"\bleave\s+a\s+(?:reply|comment)\b",
                r"\byour\s+email\s+address\s+will\s+not\s+be\s+published\b",
                r"\brequired\s+fields\s+are\s+marked\b",
                r"\b(?:post|submit)\s+comment\b",
                r"\bsave\s+my\s+name,\s+email\b",
                r"\bnotify\s+me\s+of\s+(?:follow-up|new)\b",
                r"\b(?:share\s+(?:this|on)\s*(?::|facebook|twitter|x\b|linkedin|pinterest)|click\s+to\s+share|tweet\s+this)",
                r"\bsubscribe\s+to\s+(?:our|the)\s+newsletter\b",
                r"^\s*(?:related\s+posts|you\s+may\s+also\s+like|cookie\s+settings|accept\s+cookies)\s*:?\s*$",
            ),
            extent="line",
        ),
    ]


@dataclass(frozen=True)
class Finding:
    """One match of a rule in an article, located by file line and column."""

    rule: str
    action: Action
    line: int
    column: int
    start: int
    end: int
    text: str
    description: str
    field: str = "body"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "action": self.action,
            "line": self.line,
            "column": self.column,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "field": self.field,
            "description": self.description,
        }


@dataclass
class VettingReport:
    """What the vetting scan found in one article and the body left once strippable spans are removed."""

    article: Article
    findings: list[Finding] = field(default_factory=list)
    cleaned_body: str = ""

    @property
    def blocked(self) -> bool:
        return any(f.action == "block" for f in self.findings)

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def stripped(self) -> list[Finding]:
        return [f for f in self.findings if f.action == "strip"]

    def as_dict(self) -> dict[str, object]:
        return {
            "article_id": self.article.id,
            "path": str(self.article.path) if self.article.path else None,
            "status": self.article.status,
            "blocked": self.blocked,
            "findings": [f.as_dict() for f in self.findings],
        }


# Texts whose scan a vetter remembers: a corpus's titles, summaries and bodies several times over.
SCAN_MEMORY = 4096


class Vetter:
    """Runs the rules over an article's title, summary and body."""

    def __init__(
        self,
        allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS,
        actions: Mapping[str, str] | None = None,
        rules: list[Rule] | None = None,
    ) -> None:
        self.rules = rules if rules is not None else default_rules(allowed_domains)
        known = {r.id for r in self.rules} | {r.family for r in self.rules}
        for key, action in (actions or {}).items():
            if key not in known:
                raise ValueError(f"unknown vetting rule {key!r}; known: {', '.join(sorted(known))}")
            if action not in ACTIONS:
                raise ValueError(f"vetting action for {key!r} must be 'block' or 'strip', got {action!r}")
        self.actions = dict(actions or {})
        # Every process start and rebuild vets the whole corpus again; most texts have not changed.
        self._scanned: dict[str, list[tuple[Rule, Span]]] = {}

    def action_for(self, rule: Rule) -> Action:
        chosen = self.actions.get(rule.id) or self.actions.get(rule.family) or rule.action
        return chosen  # type: ignore[return-value]

    def scan_text(self, text: str) -> list[tuple[Rule, Span]]:
        if (known := self._scanned.get(text)) is not None:
            return list(known)
        found = self._scan(text)
        if len(self._scanned) < SCAN_MEMORY:
            self._scanned[text] = found
        return list(found)

    def _scan(self, text: str) -> list[tuple[Rule, Span]]:
        """Every rule match in a piece of text, in order of position.

        The rules read the text as written and as `article_view` normalises it (zero-width
        characters, look-alike letters, number words, unit spellings, entities, defanged links); a
        match found only in the normalised view is reported over its whole line of the original.
        """
        # Two patterns of one rule may match the same text; report it once.
        hits = {
            (rule.id, span.start, span.end): (rule, span) for rule in self.rules for span in rule.finder(text)
        }
        view = article_view(text)
        if view != text:
            raw_lines = text.split("\n")
            starts = [0]
            for line in raw_lines[:-1]:
                starts.append(starts[-1] + len(line) + 1)
            for number, line in enumerate(view.split("\n")):
                line_span = Span(starts[number], starts[number] + len(raw_lines[number]))
                for rule in self.rules:
                    already = any(
                        r.id == rule.id
                        and line_span.start <= sp.start < max(line_span.end, line_span.start + 1)
                        for r, sp in hits.values()
                    )
                    if not already and rule.finder(line):
                        hits[(rule.id, line_span.start, line_span.end)] = (rule, line_span)
        return sorted(hits.values(), key=lambda hit: (hit[1].start, hit[0].id))

    def vet(self, article: Article) -> VettingReport:
        findings: list[Finding] = []
        for field_name in ("title", "summary"):
            value = getattr(article, field_name) or ""
            for rule, span in self.scan_text(value):
                findings.append(
                    Finding(
                        rule.id,
                        self.action_for(rule),
                        article.field_lines.get(field_name, 1),
                        span.start + 1,
                        span.start,
                        span.end,
                        value[span.start : span.end],
                        rule.description,
                        field_name,
                    )
                )
        body = article.body
        removals: list[Span] = []
        for rule, span in self.scan_text(body):
            action = self.action_for(rule)
            line_start = body.rfind("\n", 0, span.start) + 1
            findings.append(
                Finding(
                    rule.id,
                    action,
                    article.file_line(span.start),
                    span.start - line_start + 1,
                    span.start,
                    span.end,
                    body[span.start : span.end],
                    rule.description,
                )
            )
            if action == "strip":
                if rule.extent == "line":
                    line_end = body.find("\n", span.end)
                    removals.append(Span(line_start, len(body) if line_end == -1 else line_end + 1))
                else:
                    removals.append(span)
        return VettingReport(article=article, findings=findings, cleaned_body=remove_spans(body, removals))


def remove_spans(text: str, spans: list[Span]) -> str:
    """`text` without the given spans, tidying the spaces and blank lines the cuts leave behind."""
    if not spans:
        return text
    pieces = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start > cursor:
            pieces.append(text[cursor : span.start])
        cursor = max(cursor, span.end)
    pieces.append(text[cursor:])
    joined = "".join(pieces)
    joined = re.sub(r"[ \t]{2,}", " ", joined)
    joined = re.sub(r" +([.,;:!?])", r"\1", joined)
    joined = re.sub(r"[ \t]+\n", "\n", joined)
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    return joined.strip()


def vetted_for_index(
    articles: Iterable[Article], vetter: Vetter
) -> tuple[list[Article], list[VettingReport]]:
    """Approved articles with no blocking finding, their bodies cleaned; plus every report."""
    indexable: list[Article] = []
    reports: list[VettingReport] = []
    for article in articles:
        if article.status != "approved":
            continue
        report = vetter.vet(article)
        reports.append(report)
        if report.blocked:
            continue
        if report.cleaned_body != article.body:
            article = _with_body(article, report.cleaned_body)
        indexable.append(article)
    return indexable, reports


def _with_body(article: Article, body: str) -> Article:
    from dataclasses import replace

    return replace(article, body=body)
