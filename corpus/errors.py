"""Errors the assistant raises on purpose.

Every error a user can cause derives from `AssistantError`, so the CLI and the API can turn it
into a one-line message or an RFC 9457 problem without catching bare exceptions:

    AssistantError
    ├── CorpusError                                   the corpus cannot be used as it is
    │   ├── ArticleFormatError                        one file is malformed (carries `path` and `line`)
    │   ├── DuplicateArticleError                     two files claim the same id
    │   ├── ArticleNotFoundError                      no article has the requested id
    │   ├── corpus.importer.DocumentImportError       a document cannot become a draft
    │   ├── corpus.importer.DraftExistsError          the draft exists and `force` was not given
    │   ├── corpus.curation.CurationError             a curation command cannot do what was asked
    │   │   └── corpus.curation.ApprovalRefusedError  the article still has `problems`
    │   └── assistant.gaps.GapsInputError             the questions file or report is unreadable
    ├── index.errors.IndexStoreError                  the vector store or the built index cannot be used
    │   ├── index.errors.IndexNotBuiltError           no index has been built yet
    │   └── index.errors.IndexVersionGoneError        the version a reader opened was deleted
    ├── assistant.conversation.ConversationError      the messages are not an answerable conversation
    ├── assistant.feedback.FeedbackStoreError         the feedback database URL or database is unusable
    │   └── assistant.feedback.UnknownAnswerError     a vote names an answer that is not on record
    ├── assistant.model_files.ModelFileError          a split model cannot be fetched or fails its checksum
    ├── evaluation.systems.EvalSystemError            the system under test is unreachable or unusable
    ├── evaluation.compare.ReportError                a file is not a readable evaluation report
    └── evaluation.thresholds.ThresholdFileError      the thresholds file cannot be used

A new subclass anywhere in the project belongs in this tree (tests/test_errors.py checks it).
"""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base of every error raised on purpose by this project."""


class CorpusError(AssistantError):
    """The corpus, or an article in it, cannot be used."""


class ArticleFormatError(CorpusError):
    """An article file is malformed; `path` and `line` say where."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class DuplicateArticleError(CorpusError):
    """Two article files declare the same id."""

    def __init__(self, article_id: str, first: Path, second: Path, line: int) -> None:
        self.article_id = article_id
        self.path = second
        self.line = line
        super().__init__(f"{second}:{line}: duplicate article id {article_id!r} (already used by {first})")


class ArticleNotFoundError(CorpusError):
    """No article carries the requested id."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(f"no article with id {article_id!r}")
