"""Input and output rails: classify a conversation, refuse or redirect, scrub answers."""

from guardrails.classifier import IntentClassifier
from guardrails.decisions import Decision, InputGuard, OutputGuard, SentenceVerdict
from guardrails.distress import DistressHead
from guardrails.input_rail import DEFAULT_CRISIS_LINES, DEFAULT_EMERGENCY_NUMBERS, InputRail
from guardrails.messages import EmergencyNumber, detect_language
from guardrails.normalize import normalize
from guardrails.output_rail import OutputRail
from guardrails.semantic import ExemplarClassifier, SemanticHit, SemanticLayer

__all__ = [
    "DEFAULT_CRISIS_LINES",
    "DEFAULT_EMERGENCY_NUMBERS",
    "Decision",
    "DistressHead",
    "EmergencyNumber",
    "ExemplarClassifier",
    "InputGuard",
    "InputRail",
    "IntentClassifier",
    "OutputGuard",
    "OutputRail",
    "SemanticHit",
    "SemanticLayer",
    "SentenceVerdict",
    "detect_language",
    "normalize",
]
