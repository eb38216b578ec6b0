"""Errors of the index layer (see `corpus.errors` for the whole tree)."""

from corpus.errors import AssistantError


class IndexStoreError(AssistantError):
    """The vector store cannot be reached or used."""


class IndexNotBuiltError(IndexStoreError):
    """No finished index exists yet: run `assistant index build`."""

    def __init__(self, detail: str = "no index has been built yet; run `assistant index build`") -> None:
        super().__init__(detail)
