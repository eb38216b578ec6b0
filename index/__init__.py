"""Embeddings, the vector store, lexical search and hybrid retrieval over vetted passages."""

from index.builder import BuildReport, IndexBuilder, staleness
from index.embedder import Embedder, SentenceTransformerEmbedder
from index.errors import IndexNotBuiltError, IndexStoreError, IndexVersionGoneError
from index.lexical import LexicalIndex, tokenize
from index.passages import IndexedPassage, PassageIndex
from index.retrieval import HybridRetriever, RetrievedPassage, Retriever
from index.store import ChromaStore, VectorStore

__all__ = [
    "BuildReport",
    "ChromaStore",
    "Embedder",
    "HybridRetriever",
    "IndexBuilder",
    "IndexNotBuiltError",
    "IndexStoreError",
    "IndexVersionGoneError",
    "IndexedPassage",
    "LexicalIndex",
    "PassageIndex",
    "RetrievedPassage",
    "Retriever",
    "SentenceTransformerEmbedder",
    "VectorStore",
    "staleness",
    "tokenize",
]
