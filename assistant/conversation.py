"""Conversation helpers: validate messages and resolve follow-up questions against earlier turns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from corpus.errors import AssistantError
from guardrails.rules import mentions_substance
from index.lexical import tokenize

_FOLLOW_UP = re.compile(
    r"\b(?:it|its|it's|itself|this|that|these|those|they|them|their|theirs|he|she|the\s+(?:drug|medicine|medication|"
    r"treatment|spray|substance|condition|same))\b|^\s*(?:and|also|what\s+about|how\s+about|why|so)\b",
    re.IGNORECASE,
)


class ConversationError(AssistantError):
    """The messages do not form a conversation the pipeline can answer."""


def user_turns(conversation: str | Sequence[Mapping[str, Any] | Any]) -> list[str]:
    """The user's turns, oldest first; the last one is the question to answer."""
    if isinstance(conversation, str):
        turns = [conversation]
    else:
        if not conversation:
            raise ConversationError("the conversation has no messages")
        turns = []
        for message in conversation:
            role = message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)
            content = (
                message.get("content") if isinstance(message, Mapping) else getattr(message, "content", None)
            )
            if role not in ("user", "assistant"):
                raise ConversationError(f"unknown message role {role!r}; use 'user' or 'assistant'")
            if not isinstance(content, str):
                raise ConversationError("every message needs text content")
            if role == "user":
                turns.append(content)
        last = conversation[-1]
        last_role = last.get("role") if isinstance(last, Mapping) else getattr(last, "role", None)
        if last_role != "user":
            raise ConversationError("the last message must be the user's question")
    if not turns[-1].strip():
        raise ConversationError("the question is empty")
    return turns


def is_follow_up(question: str) -> bool:
    """A question that leans on an earlier turn: a pronoun for the subject, or too short to stand alone."""
    # A short question that names its own subject ("What are the risks of ketamine?") stands alone.
    short = len(tokenize(question)) <= 2 and not mentions_substance(question)
    return bool(_FOLLOW_UP.search(question)) or short


def retrieval_query(turns: Sequence[str]) -> str:
    """The text to search with: the question, prefixed by the turn it follows up when it is a follow-up."""
    question = turns[-1].strip()
    if len(turns) < 2 or not is_follow_up(question):
        return question
    previous = retrieval_query(turns[:-1]) if len(turns) > 2 else turns[-2].strip()
    # Only the most recent standalone subject matters; older context would dilute the query.
    previous_words = previous.split()
    return " ".join(previous_words[-40:]) + " " + question
