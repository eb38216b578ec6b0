"""LangChain adapter: the hybrid retriever as a `BaseRetriever`, so users can compose it in their chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class LangChainHybridRetriever(BaseRetriever):
    """Documents carry the passage text; metadata carries ids, offsets and scores for citations."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: Any
    k: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(page_content=hit.passage.text, metadata=hit.as_dict(), id=hit.passage.id)
            for hit in self.hybrid.run(query, k=self.k)
        ]
