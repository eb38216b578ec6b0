"""Coverage gaps: the questions the assistant abstained on, grouped by theme, so curators know what to write.

Questions come from an evaluation report (`report.json`: the cases whose status was `abstained`)
or from a list of questions (JSONL with a `question` or `turns` field, or plain text, one per
line), which are then asked. Questions are grouped greedily by meaning (cosine similarity of their
embeddings to a group's first question); each group is named by its most common content words and
the article that came closest, which is where a new section may belong.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.pipeline import AnswerPipeline
from corpus.errors import CorpusError
from index.lexical import tokenize

# Two questions this close in meaning ask about the same missing thing.
SAME_THEME = 0.68


class GapsInputError(CorpusError):
    """The questions file or report cannot be read."""


@dataclass
class Gap:
    """A theme no article answers: its questions, most common words and the closest article."""

    words: list[str]
    closest_article: str | None
    questions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def abstained_questions(path: Path, pipeline: AnswerPipeline | None) -> list[str]:
    """The questions of `path` the assistant abstained on (asking them when `path` is a question list)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GapsInputError(f"cannot read {path}: {error}") from error
    if path.suffix == ".json":
        try:
            report = json.loads(text)
            return [
                case["case"].get("question") or case["case"]["turns"][-1]
                for case in report["cases"]
                if case.get("status") == "abstained"
            ]
        except (json.JSONDecodeError, KeyError, TypeError, IndexError) as error:
            raise GapsInputError(f"{path} is not an evaluation report (report.json): {error}") from error
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
                questions.append(row.get("question") or row["turns"][-1])
            except (json.JSONDecodeError, KeyError, TypeError, IndexError) as error:
                raise GapsInputError(
                    f"{path}:{number}: needs a 'question' or 'turns' field: {error}"
                ) from error
        else:
            questions.append(line.strip())
    if pipeline is None:
        return questions
    return [q for q in questions if pipeline.run(q).status == "abstained"]


def group_gaps(questions: Sequence[str], pipeline: AnswerPipeline) -> list[Gap]:
    """Questions grouped by theme, largest group first."""
    if not questions:
        return []
    vectors = pipeline.embedder.embed(list(questions))
    groups: list[tuple[np.ndarray, list[int]]] = []
    for i, vector in enumerate(vectors):
        home = next(
            (members for first, members in groups if float(np.dot(first, vector)) >= SAME_THEME), None
        )
        if home is None:
            groups.append((vector, [i]))
        else:
            home.append(i)
    gaps = []
    for _, members in sorted(groups, key=lambda g: -len(g[1])):
        asked = [questions[i] for i in members]
        words = Counter(w for q in asked for w in set(tokenize(q)))
        hits = pipeline.retriever.run(asked[0], k=1, query_vector=vectors[members[0]])
        gaps.append(
            Gap(
                [w for w, _ in words.most_common(4)],
                hits[0].passage.article_id if hits else None,
                asked,
            )
        )
    return gaps
