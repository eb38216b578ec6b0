"""The plain-RAG baseline: a LangChain retrieval chain over the same Chroma collection, without our pipeline.

Dense top-4 from the live collection, embedded by the same MiniLM model through
`HuggingFaceEmbeddings`; the answer is the top passage, cited once; no guardrails, no abstention,
no follow-up handling (it sees only the last user message). The report sets it beside ours to
show what the guardrails, hybrid retrieval and sentence extraction add.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.config import Settings
from assistant.results import AnswerResult, Citation
from corpus.errors import AssistantError
from evaluation.systems import Messages
from index.store import ChromaStore

BASELINES = ("plain-rag",)
NO_PASSAGE = "No passage was retrieved."


class PlainRagBaseline:
    """`Chroma(...).as_retriever(k=4) | top passage`: what a minimal LangChain RAG tutorial builds."""

    name = "plain-rag"
    concurrent = False

    def __init__(self, store: ChromaStore, collection: str, embeddings: Any, k: int = 4) -> None:
        from langchain_chroma import Chroma
        from langchain_core.runnables import RunnableLambda

        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if collection not in store.collection_names():
            raise AssistantError(
                f"collection {collection!r} is not in {store.description}; build the index first"
            )
        self.k = k
        self.collection = collection
        vectors = Chroma(
            client=store.client,
            collection_name=collection,
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )
        self.retriever = vectors.as_retriever(search_kwargs={"k": k})
        self.chain = self.retriever | RunnableLambda(top_passage_answer, name="TopPassageAnswer")

    @classmethod
    def from_settings(
        cls, settings: Settings, store: ChromaStore | None = None, k: int = 4
    ) -> PlainRagBaseline:
        """Over the live collection of the configured store, embedding queries with the bundled model."""
        from langchain_huggingface import HuggingFaceEmbeddings
        from transformers.utils import logging as transformers_logging

        from assistant.runtime import open_store
        from index.embedder import bundled_model_path

        store = store or open_store(settings)
        pointer = store.read_pointer()
        if not pointer:
            raise AssistantError("no index yet: run `assistant index build` before the baseline")
        transformers_logging.disable_progress_bar()
        embeddings = HuggingFaceEmbeddings(
            model_name=str(bundled_model_path()),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )
        return cls(store, pointer["collection"], embeddings, k=k)

    def run(self, messages: Messages) -> AnswerResult:
        question = _last_user_message(messages)
        result: AnswerResult = self.chain.invoke(question)
        return result

    def ranked_articles(self, conversations: Sequence[Sequence[str]], k: int) -> list[list[str]] | None:
        batches = self.retriever.batch([turns[-1] for turns in conversations])
        return [[str(d.metadata.get("article_id", "")) for d in documents[:k]] for documents in batches]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "mode": "langchain", "collection": self.collection, "k": self.k}


def top_passage_answer(documents: Sequence[Any]) -> AnswerResult:
    """The first document as the answer, with one citation to it; an empty list abstains."""
    if not documents:
        return AnswerResult(status="abstained", answer=NO_PASSAGE)
    top = documents[0]
    meta = top.metadata
    citation = Citation(
        n=1,
        article_id=str(meta.get("article_id", "")),
        title=str(meta.get("title", "")),
        url=meta.get("url") or None,
        passage_id=str(top.id or ""),
        quote=top.page_content,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
    )
    return AnswerResult(status="answered", answer=f"{top.page_content} [1]", citations=[citation])


def _last_user_message(messages: Messages) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    raise ValueError("the conversation has no user message")
