"""The output rail: every answer sentence is checked before it leaves; offending ones are removed.

It reuses the corpus vetting rules (dose amounts, sourcing spam, off-list links, injected
instructions) and adds street-quantity and vendor cues, so even text that slipped into the corpus
never reaches a user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from corpus.vetting import DEFAULT_ALLOWED_DOMAINS, Vetter
from guardrails.decisions import SentenceVerdict

_FAMILY_CATEGORY = {
    "dose": "dosing",
    "spam": "sourcing",
    "links": "sourcing",
    "injection": "jailbreak",
    "debris": "debris",
}
_EXTRA = [
    (
        "dosing",
        "output.street-quantity",
        re.compile(r"\b(?:\d+|a\s+few|one|two|three|four|five)\s+(?:bumps?|lines?|keys?|points?)\b", re.I),
    ),
    ("dosing", "output.per-weight", re.compile(r"\bper\s+(?:kg|kilo(?:gram)?)\b|\bmg\s*/\s*kg\b", re.I)),
    (
        "sourcing",
        "output.vendor-cue",
        re.compile(
            r"\b(?:vendors?|sellers?|dealers?|shops?|markets?|marketplaces?|sites?|channels?)\s+(?:such\s+as|like|called|named|at)\s+\S"
            # A seller's name or handle ("available from Amazon", "on @ketplug"), in capitals even
            # though the rest ignores case; a health service ("available on the NHS") is not one.
            r"|\bavailable\s+(?:from|at|on)\s+(?!(?:NHS|Medicare|Medicaid)\b)(?-i:[A-Z@])"
            r"|\b(?:price|costs?)\s+(?:is|are|of)\s+[$€£]?\d",
            re.I,
        ),
    ),
]


class OutputRail:
    """Drops answer sentences with a dose amount, a sourcing cue, or anything vetting would block."""

    def __init__(self, allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS) -> None:
        self.vetter = Vetter(allowed_domains=allowed_domains)

    def check(self, sentence: str) -> SentenceVerdict:
        for rule, span in self.vetter.scan_text(sentence):
            category = _FAMILY_CATEGORY.get(rule.family, rule.family)
            return SentenceVerdict(False, category, f"output.{rule.id}", sentence[span.start : span.end])
        for category, rule_id, pattern in _EXTRA:
            match = pattern.search(sentence)
            if match:
                return SentenceVerdict(False, category, rule_id, match.group())
        return SentenceVerdict(True)

    def run(self, sentences: Sequence[str]) -> list[SentenceVerdict]:
        return [self.check(s) for s in sentences]
