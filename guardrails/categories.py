"""Guard categories, declared once: the input rail, the semantic layers and the replies read them here.

A `Category` names what a message can be (`dosing`, `self_harm`, …): the action it takes, its
priority (rules of a lower number are tried first, so self-harm outranks dosing), its refusal in
every supported language (escalations compose theirs from the deployment's numbers instead),
whether a role-play, fiction or authority wrapper around it makes it a jailbreak, and its intent
rules: data, like the vetting rules — an `IntentRule` is an id, a pattern, the conditions that must
hold and those that must not (another pattern, or a check of the conversation or of what was
matched), and an `Exempt` ends a category's search early ("how many sessions" is a course of
treatment, not an amount). The patterns themselves live in `rules.py`.

Adding a category or a language is an entry here plus data: examples labelled with the category's
id for the semantic layers, and a refusal in each of `LANGUAGES` (a test checks every one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from guardrails import rules
from guardrails.decisions import Action
from guardrails.messages import LANGUAGES, REFUSALS
from guardrails.rules import Context, Exempt, IntentRule, RuleHit


@dataclass(frozen=True)
class Category:
    id: str
    action: Action
    priority: int = 100
    refusals: Mapping[str, str] = field(default_factory=dict)
    wrapper_makes_jailbreak: bool = False
    rules: tuple[IntentRule | Exempt, ...] = ()

    def detect(self, text: str, context: Context) -> RuleHit | None:
        """The first of this category's rules that fires on one normalised view of a message, in
        order; an exemption that applies ends the search."""
        for rule in self.rules:
            if isinstance(rule, Exempt):
                if rule.applies(text, context):
                    return None
            elif (matched := rule.match(text, context)) is not None:
                return RuleHit(self.id, rule.id, matched)
        return None


class CategoryRegistry:
    """The categories in priority order, checked when built so that a gap fails at start, not in a reply."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self._categories = sorted(categories, key=lambda c: c.priority)
        ids = [c.id for c in self._categories]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"categories declared twice: {', '.join(duplicated)}")
        if "allowed" not in ids:
            raise ValueError("the registry needs the `allowed` category")
        for category in self._categories:
            missing = [
                lang for lang in LANGUAGES if category.action == "refuse" and lang not in category.refusals
            ]
            if missing:
                raise ValueError(
                    f"category {category.id!r} refuses but has no message in {', '.join(missing)}"
                )
        self._by_id = {c.id: c for c in self._categories}

    def __iter__(self) -> Iterator[Category]:
        return iter(self._categories)

    def __getitem__(self, category_id: str) -> Category:
        try:
            return self._by_id[category_id]
        except KeyError:
            raise KeyError(
                f"unknown guard category {category_id!r}; known: {', '.join(self._by_id)}"
            ) from None

    def __contains__(self, category_id: object) -> bool:
        return category_id in self._by_id

    def action(self, category_id: str) -> Action:
        return self[category_id].action

    def unsafe(self) -> tuple[str, ...]:
        return tuple(c.id for c in self._categories if c.action != "allow")

    def crises(self) -> tuple[str, ...]:
        return tuple(c.id for c in self._categories if c.action == "escalate")

    def refusal(self, category_id: str, language: str) -> str:
        refusals = self[category_id].refusals
        return refusals.get(language) or refusals["en"]

    def with_category(self, category: Category) -> CategoryRegistry:
        """A registry with one more category (or one replaced)."""
        return CategoryRegistry([*(c for c in self._categories if c.id != category.id), category])


def _distress_said_before(_text: str, context: Context, _matched: str) -> bool:
    return context.distress_before


CATEGORIES = CategoryRegistry(
    [
        Category(
            "self_harm",
            "escalate",
            priority=10,
            rules=(
                IntentRule("self_harm.intent", rules.SELF_HARM),
                IntentRule("self_harm.distress", rules.DISTRESS),
                IntentRule(
                    "self_harm.someone-else", rules.SOMEONE_ELSE_AT_RISK, unless=(rules.HYPOTHETICAL,)
                ),
                IntentRule(
                    "self_harm.said-of-someone",
                    rules.THIRD_PERSON,
                    requires=(rules.despair_said_of_someone,),
                    unless=(rules.HYPOTHETICAL,),
                ),
                # after distress, a question about lethality or a large amount reads as asking for a means
                IntentRule(
                    "self_harm.means-after-distress", rules.LETHALITY, requires=(_distress_said_before,)
                ),
            ),
        ),
        Category("emergency", "escalate", priority=20, rules=rules.EMERGENCY_RULES),
        Category("unsafe", "escalate", priority=25, rules=rules.UNSAFE_RULES),
        Category(
            "jailbreak",
            "refuse",
            priority=30,
            refusals=REFUSALS["jailbreak"],
            rules=(
                IntentRule("jailbreak.switch-off-rules", rules.SWITCH_OFF),
                IntentRule("jailbreak.unrestricted-mode", rules.MODES),
            ),
        ),
        Category(
            "sourcing",
            "refuse",
            priority=40,
            refusals=REFUSALS["sourcing"],
            wrapper_makes_jailbreak=True,
            rules=rules.SOURCING_RULES,
        ),
        Category(
            "dosing",
            "refuse",
            priority=50,
            refusals=REFUSALS["dosing"],
            wrapper_makes_jailbreak=True,
            rules=rules.DOSING_RULES,
        ),
        Category("allowed", "allow", priority=1000),
    ]
)
