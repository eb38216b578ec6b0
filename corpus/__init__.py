"""The vetted corpus: load articles, vet them for text that must never reach users, chunk them."""

from corpus.chunking import ChunkingPolicy, chunk_article
from corpus.errors import (
    ArticleFormatError,
    ArticleNotFoundError,
    AssistantError,
    CorpusError,
    DuplicateArticleError,
)
from corpus.loader import PACKAGE_ARTICLES, load_article, load_corpus, parse_article
from corpus.models import Article, Passage, Source, Span
from corpus.text import sentence_spans
from corpus.vetting import DEFAULT_ALLOWED_DOMAINS, Finding, Vetter, VettingReport, vetted_for_index

__all__ = [
    "DEFAULT_ALLOWED_DOMAINS",
    "PACKAGE_ARTICLES",
    "Article",
    "ArticleFormatError",
    "ArticleNotFoundError",
    "AssistantError",
    "ChunkingPolicy",
    "CorpusError",
    "DuplicateArticleError",
    "Finding",
    "Passage",
    "Source",
    "Span",
    "Vetter",
    "VettingReport",
    "chunk_article",
    "load_article",
    "load_corpus",
    "parse_article",
    "sentence_spans",
    "vetted_for_index",
]
