"""The vector store: chromadb, embedded on disk by default or a `chroma run` server for scale-out.

We always pass our own embeddings; chroma's default embedding function would try to download a
model. Besides passage collections the store holds one tiny `assistant_pointer` collection whose
single record names the collection that is live, so switching to a new build is one atomic write
that every API instance sharing the server sees.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import IndexStoreError, IndexVersionGoneError

POINTER_COLLECTION = "assistant_pointer"
POINTER_ID = "current"
_WRITE_BATCH = 2000
# Files travel as base64 pieces small enough for one HTTP request to a chroma server each.
_FILE_PIECE_BYTES = 256 * 1024


@dataclass(frozen=True)
class StoredRecord:
    """One passage as the store keeps it."""

    id: str
    document: str
    metadata: dict[str, Any]
    embedding: np.ndarray | None = None


class VectorStore(Protocol):
    """What the index needs from a vector store."""

    def read_pointer(self) -> dict[str, Any] | None: ...
    def write_pointer(self, manifest: dict[str, Any]) -> None: ...
    def create_collection(self, name: str) -> None: ...
    def delete_collection(self, name: str) -> None: ...
    def collection_names(self) -> list[str]: ...
    def add(self, name: str, records: Sequence[StoredRecord]) -> None: ...
    def records(
        self, name: str, where: dict[str, Any] | None = None, with_embeddings: bool = False
    ) -> Iterator[StoredRecord]: ...
    def query(self, name: str, embedding: np.ndarray, k: int) -> list[tuple[str, float]]: ...
    def count(self, name: str) -> int: ...
    def put_files(self, name: str, folder: Path) -> None: ...
    def get_files(self, name: str, folder: Path) -> bool: ...


class ChromaStore:
    """A `VectorStore` over a chromadb client (embedded `PersistentClient` or `HttpClient`)."""

    def __init__(self, client: Any, description: str) -> None:
        self.client = client
        self.description = description
        self._collections: dict[str, Any] = {}

    @classmethod
    def persistent(cls, path: Path | str) -> ChromaStore:
        """An embedded store on disk under `path`."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
        )
        return cls(client, f"chromadb on disk at {path}")

    @classmethod
    def http(cls, host: str, port: int) -> ChromaStore:
        """A `chroma run` server at host:port."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.HttpClient(
                host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False)
            )
            client.heartbeat()
        except Exception as exc:
            raise IndexStoreError(f"cannot reach the chroma server at {host}:{port}: {exc}") from None
        return cls(client, f"chroma server at {host}:{port}")

    def _collection(self, name: str, create: bool = False) -> Any:
        if name not in self._collections:
            try:
                if create:
                    collection = self.client.create_collection(
                        name=name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                    )
                else:
                    collection = self.client.get_collection(name=name, embedding_function=None)
            except Exception as exc:
                if not create and name not in self.collection_names():
                    raise IndexVersionGoneError(name) from None
                raise IndexStoreError(
                    f"collection {name!r} is not usable in {self.description}: {exc}"
                ) from None
            self._collections[name] = collection
        return self._collections[name]

    def read_pointer(self) -> dict[str, Any] | None:
        try:
            collection = self.client.get_or_create_collection(
                name=POINTER_COLLECTION, embedding_function=None
            )
            got = collection.get(ids=[POINTER_ID], include=["documents"])
        except Exception as exc:
            raise IndexStoreError(f"cannot read the index pointer from {self.description}: {exc}") from None
        documents = got.get("documents") or []
        return json.loads(documents[0]) if documents else None

    def write_pointer(self, manifest: dict[str, Any]) -> None:
        collection = self.client.get_or_create_collection(name=POINTER_COLLECTION, embedding_function=None)
        collection.upsert(ids=[POINTER_ID], documents=[json.dumps(manifest)], embeddings=[[0.0]])

    def create_collection(self, name: str) -> None:
        self._collection(name, create=True)

    def delete_collection(self, name: str) -> None:
        self._collections.pop(name, None)
        # Deleting is idempotent: an absent collection is already what we want.
        with contextlib.suppress(Exception):
            self.client.delete_collection(name=name)

    def collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def add(self, name: str, records: Sequence[StoredRecord]) -> None:
        collection = self._collection(name)
        for start in range(0, len(records), _WRITE_BATCH):
            batch = records[start : start + _WRITE_BATCH]
            collection.add(
                ids=[r.id for r in batch],
                documents=[r.document for r in batch],
                metadatas=[r.metadata for r in batch],
                embeddings=np.stack([np.asarray(r.embedding, dtype=np.float32) for r in batch]),
            )

    def records(
        self, name: str, where: dict[str, Any] | None = None, with_embeddings: bool = False
    ) -> Iterator[StoredRecord]:
        collection = self._collection(name)
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        offset = 0
        while True:
            got = collection.get(where=where, include=include, limit=_WRITE_BATCH, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            embeddings = got.get("embeddings") if with_embeddings else None
            for i, record_id in enumerate(ids):
                yield StoredRecord(
                    id=record_id,
                    document=got["documents"][i],
                    metadata=dict(got["metadatas"][i] or {}),
                    embedding=None if embeddings is None else np.asarray(embeddings[i], dtype=np.float32),
                )
            offset += len(ids)

    def query(self, name: str, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        collection = self._collection(name)
        try:
            got = collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=k, include=["distances"]
            )
        except Exception as exc:
            self._collections.pop(name, None)
            if name not in self.collection_names():
                raise IndexVersionGoneError(name) from None
            raise IndexStoreError(f"querying {name!r} in {self.description} failed: {exc}") from None
        # Cosine distance is 1 - cosine similarity.
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def count(self, name: str) -> int:
        return int(self._collection(name).count())

    def put_files(self, name: str, folder: Path) -> None:
        """Store every file under `folder` in collection `name`, so an instance elsewhere can fetch them."""
        self.delete_collection(name)
        collection = self.client.create_collection(name=name, embedding_function=None)
        records: list[tuple[str, str, dict[str, Any]]] = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            relative = path.relative_to(folder).as_posix()
            digest = hashlib.sha256(data).hexdigest()
            pieces = max(1, -(-len(data) // _FILE_PIECE_BYTES))
            for i in range(pieces):
                piece = data[i * _FILE_PIECE_BYTES : (i + 1) * _FILE_PIECE_BYTES]
                metadata = {"path": relative, "piece": i, "pieces": pieces, "sha256": digest}
                records.append((f"{relative}#{i}", base64.b64encode(piece).decode("ascii"), metadata))
        for start in range(0, len(records), 8):
            batch = records[start : start + 8]
            collection.add(
                ids=[r[0] for r in batch],
                documents=[r[1] for r in batch],
                metadatas=[r[2] for r in batch],
                embeddings=[[0.0] for _ in batch],
            )

    def get_files(self, name: str, folder: Path) -> bool:
        """Write the files stored in collection `name` into `folder` (atomically); False if there are none."""
        try:
            collection = self.client.get_collection(name=name, embedding_function=None)
        except Exception:
            return False
        pieces: dict[str, dict[int, bytes]] = {}
        expected: dict[str, tuple[int, str]] = {}
        offset = 0
        while True:
            got = collection.get(include=["documents", "metadatas"], limit=64, offset=offset)
            if not got["ids"]:
                break
            for document, metadata in zip(got["documents"], got["metadatas"], strict=True):
                path = str(metadata["path"])
                pieces.setdefault(path, {})[int(metadata["piece"])] = base64.b64decode(document)
                expected[path] = (int(metadata["pieces"]), str(metadata["sha256"]))
            offset += len(got["ids"])
        if not pieces:
            return False
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            for path, parts in pieces.items():
                count, digest = expected[path]
                if sorted(parts) != list(range(count)):
                    raise IndexStoreError(f"{name!r} in {self.description} is missing pieces of {path}")
                data = b"".join(parts[i] for i in range(count))
                if hashlib.sha256(data).hexdigest() != digest:
                    raise IndexStoreError(f"{path} in {name!r} does not match its checksum")
                target = staging / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return True
