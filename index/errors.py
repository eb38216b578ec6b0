"""Errors of the index layer (see `corpus.errors` for the whole tree)."""

from corpus.errors import AssistantError


class IndexStoreError(AssistantError):
    """The vector store cannot be reached or used."""


class IndexNotBuiltError(IndexStoreError):
    """No finished index exists yet: run `assistant index build`."""

    def __init__(self, detail: str = "no index has been built yet; run `assistant index build`") -> None:
        super().__init__(detail)


class IndexVersionGoneError(IndexStoreError):
    """The index version a reader opened has been deleted from the store; reopen the live one."""

    def __init__(self, collection: str) -> None:
        super().__init__(f"collection {collection!r} no longer exists; the live index has moved on")
        self.collection = collection
