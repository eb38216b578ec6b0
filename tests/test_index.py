from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpus import Vetter, load_corpus, vetted_for_index
from index import (
    ChromaStore,
    HybridRetriever,
    IndexBuilder,
    IndexNotBuiltError,
    IndexVersionGoneError,
    PassageIndex,
)
from index.builder import FILES_PREFIX
from tests.helpers import write_article

ARTICLES = {
    "bladder": "## Bladder\n\nKetamine bladder syndrome is an ulcerative cystitis seen in frequent users, with pain and urgency.",
    "spray": "## Spray\n\nEsketamine is a nasal spray approved for treatment-resistant depression and given under supervision.",
    "vets": "## Vets\n\nVeterinarians use ketamine to anaesthetise cats, dogs and horses, often combined with sedatives.",
}


class ExplodingEmbedder:
    """Wraps the real embedder and fails on the n-th call, to interrupt a build midway."""

    def __init__(self, inner, fail_on_call: int) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("power cut")
        return self.inner.embed(texts)


def _build(corpus: Path, store: ChromaStore, embedder, artifacts: Path):  # type: ignore[no-untyped-def]
    articles, _ = vetted_for_index(load_corpus(corpus), Vetter())
    return IndexBuilder(store, embedder, artifacts).build(articles)


def _contents(store: ChromaStore, embedder, artifacts: Path) -> tuple[set[str], set[str], set[str], set[str]]:  # type: ignore[no-untyped-def]
    index = PassageIndex.open(store, embedder, artifacts)
    chroma_ids = {r.id for r in store.records(index.collection)}
    lexical_ids = set(index.lexical.passage_ids)
    sentence_ids = {row.passage_id for pid in index.passages for row in index.sentences(pid)}
    texts = {r.document for r in store.records(index.collection)}
    return chroma_ids, lexical_ids, sentence_ids, texts


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    for article_id, body in ARTICLES.items():
        write_article(folder, article_id, body)
    return folder


def test_open_before_build_says_so(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IndexNotBuiltError, match="assistant index build"):
        PassageIndex.open(ChromaStore.persistent(tmp_path / "db"), embedder, tmp_path / "art")


def test_incremental_rebuild_leaves_nothing_stale(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    artifacts = tmp_path / "art"
    first = _build(corpus, store, embedder, artifacts)
    assert first.embedded_passages == 3 and first.passages == 3
    assert _build(corpus, store, embedder, artifacts).embedded_passages == 0

    # change one article, delete one, unapprove one
    write_article(
        corpus,
        "bladder",
        "## Bladder\n\nKetamine uropathy can shrink the bladder permanently in heavy users.",
    )
    (corpus / "vets.md").unlink()
    write_article(corpus, "spray", ARTICLES["spray"], status="draft")
    write_article(corpus, "new", "## New\n\nKetamine was first synthesised in 1962 at Parke-Davis.")
    report = _build(corpus, store, embedder, artifacts)
    assert report.updated == ["bladder"] and report.added == ["new"]
    assert sorted(report.removed) == ["spray", "vets"]
    assert report.embedded_passages == 2

    chroma_ids, lexical_ids, sentence_ids, texts = _contents(store, embedder, artifacts)
    assert chroma_ids == lexical_ids == sentence_ids == {"bladder#1", "new#1"}
    assert not any("ulcerative" in t or "nasal spray" in t or "Veterinarians" in t for t in texts)
    index = PassageIndex.open(store, embedder, artifacts)
    assert [pid for pid, _ in index.lexical.search("veterinarians cats horses", 5)] == []
    retriever = HybridRetriever(index, embedder, k=2, candidates=2)
    assert retriever.run("Can ketamine damage the bladder permanently?")[0].passage.id == "bladder#1"
    # old versions beyond the previous one are garbage collected
    assert len([n for n in store.collection_names() if n.startswith("passages_")]) <= 2


def test_interrupted_build_keeps_the_previous_index_serving(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    artifacts = tmp_path / "art"
    first = _build(corpus, store, embedder, artifacts)
    write_article(
        corpus, "bladder", "## Bladder\n\nA rewritten paragraph about ketamine and the urinary tract."
    )
    with pytest.raises(RuntimeError, match="power cut"):
        _build(corpus, store, ExplodingEmbedder(embedder, fail_on_call=1), artifacts)
    index = PassageIndex.open(store, embedder, artifacts)
    assert index.version == first.version
    assert "ulcerative cystitis" in index.passages["bladder#1"].text
    # the next build recovers and replaces the orphan
    report = _build(corpus, store, embedder, artifacts)
    assert report.updated == ["bladder"]
    assert "urinary tract" in PassageIndex.open(store, embedder, artifacts).passages["bladder#1"].text


def test_a_new_instance_fetches_its_version_instead_of_embedding(
    tmp_path: Path, corpus: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    """Another instance sharing the store, with an empty data folder, embeds nothing: the version holds
    its sentence vectors, lexical index and articles."""
    store = ChromaStore.persistent(tmp_path / "db")
    _build(corpus, store, embedder, tmp_path / "art")
    never_embeds = ExplodingEmbedder(embedder, fail_on_call=1)
    index = PassageIndex.open(store, never_embeds, tmp_path / "elsewhere")
    assert never_embeds.calls == 0
    assert set(index.lexical.passage_ids) == {"bladder#1", "spray#1", "vets#1"}
    original = PassageIndex.open(store, embedder, tmp_path / "art")
    assert np.array_equal(index.sentence_vectors, original.sentence_vectors)
    served = {record["id"]: record for record in index.served_articles or []}
    assert served["bladder"]["body"].startswith("## Bladder") and served["spray"]["sources"][0]["name"]


def test_versions_built_without_stored_files_are_derived(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    report = _build(corpus, store, embedder, tmp_path / "art")
    store.delete_collection(FILES_PREFIX + report.version)
    index = PassageIndex.open(store, embedder, tmp_path / "elsewhere")
    assert set(index.lexical.passage_ids) == {"bladder#1", "spray#1", "vets#1"}
    original = PassageIndex.open(store, embedder, tmp_path / "art")
    assert np.allclose(index.sentence_vectors, original.sentence_vectors, atol=1e-5)


def test_what_an_article_shows_is_part_of_its_version(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """A new source changes what is served, so it is a new version, but nothing is embedded again."""
    store = ChromaStore.persistent(tmp_path / "db")
    first = _build(corpus, store, embedder, tmp_path / "art")
    path = corpus / "vets.md"
    path.write_text(path.read_text().replace("name: Test source", "name: Another source"))
    second = _build(corpus, store, embedder, tmp_path / "art")
    assert second.version != first.version and second.embedded_passages == 0
    served = {r["id"]: r for r in PassageIndex.open(store, embedder, tmp_path / "new").served_articles or []}
    assert served["vets"]["sources"][0]["name"] == "Another source"


def _versions(store: ChromaStore) -> set[str]:
    return {n.removeprefix("passages_") for n in store.collection_names() if n.startswith("passages_")}


def test_a_retired_version_outlives_its_grace_period_only(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    articles, _ = vetted_for_index(load_corpus(corpus), Vetter())
    patient = IndexBuilder(store, embedder, tmp_path / "art", retire_grace_seconds=3600)
    versions = [patient.build(articles[:n]).version for n in (1, 2, 3)]
    # Instances that opened either older version and have not refreshed yet can still query it.
    assert _versions(store) == set(versions)
    assert set(store.read_pointer()["retired"]) == set(versions[:2])  # type: ignore[index]

    prompt = IndexBuilder(store, embedder, tmp_path / "art", retire_grace_seconds=0)
    last = prompt.build(articles[:2]).version
    assert _versions(store) == {last}
    assert {n for n in store.collection_names() if n.startswith("files_")} == {"files_" + last}
    assert {f.name for f in (tmp_path / "art").iterdir()} == {last}
    with pytest.raises(ValueError, match="retire_grace_seconds"):
        IndexBuilder(store, embedder, tmp_path / "art", retire_grace_seconds=-1)


def test_a_reader_of_a_deleted_version_is_told_so(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    articles, _ = vetted_for_index(load_corpus(corpus), Vetter())
    builder = IndexBuilder(store, embedder, tmp_path / "art", retire_grace_seconds=0)
    builder.build(articles[:2])
    reader = PassageIndex.open(store, embedder, tmp_path / "reader")
    query = embedder.embed(["bladder"])[0]
    assert reader.dense(query, 2)
    builder.build(articles)
    # Searched in memory, the reader asks whether its version lives at most once a liveness interval:
    # within it the deleted version still answers, from memory; after it, the reader is told.
    reader.liveness_interval = 3600.0
    assert reader.dense(query, 2)
    reader.liveness_interval = 0.0
    with pytest.raises(IndexVersionGoneError):
        reader.dense(query, 2)
    assert PassageIndex.open(store, embedder, tmp_path / "reader").dense(query, 2)


def test_small_indexes_are_searched_exactly_in_memory(
    tmp_path: Path, corpus: Path, embedder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    articles, _ = vetted_for_index(load_corpus(corpus), Vetter())
    IndexBuilder(store, embedder, tmp_path / "art").build(articles)
    in_memory = PassageIndex.open(store, embedder, tmp_path / "reader")
    monkeypatch.setattr("index.passages.EXACT_SEARCH_MAX_PASSAGES", 0)
    through_store = PassageIndex.open(store, embedder, tmp_path / "reader")
    assert in_memory._passage_vectors is not None and through_store._passage_vectors is None
    for question in ("bladder damage", "is esketamine a nasal spray", "legal status in the UK"):
        query = embedder.embed([question])[0]
        exact, stored = in_memory.dense(query, 4), through_store.dense(query, 4)
        assert [pid for pid, _ in exact] == [pid for pid, _ in stored], question
        assert [score for _, score in exact] == pytest.approx([score for _, score in stored], abs=1e-4)
    assert len(in_memory.dense(query, 1000)) == len(in_memory.passages)

    def unreachable() -> list[str]:
        raise ConnectionError("the vector store is away")

    in_memory.liveness_interval = 0.0
    monkeypatch.setattr(in_memory.store, "collection_names", unreachable)
    assert in_memory.dense(query, 2) == exact[:2]  # answers from memory while the store is away


def test_model_mismatch_is_refused(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    _build(corpus, store, embedder, tmp_path / "art")
    manifest = store.read_pointer()
    assert manifest is not None
    store.write_pointer({**manifest, "model": "another-model"})
    with pytest.raises(Exception, match="built with 'another-model'"):
        PassageIndex.open(store, embedder, tmp_path / "art")


def test_hybrid_results_carry_scores_and_metadata(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    _build(corpus, store, embedder, tmp_path / "art")
    retriever = HybridRetriever(PassageIndex.open(store, embedder, tmp_path / "art"), embedder, k=3)
    hits = retriever.run("nasal spray for depression")
    assert hits[0].passage.article_id == "spray"
    assert hits[0].dense_rank == 1 and hits[0].lexical_rank == 1
    assert hits[0].score == pytest.approx(2 / 61)
    assert hits[0].passage.url == "https://www.who.int/"
    docs = retriever.as_langchain().invoke("cats and horses")
    assert docs[0].metadata["article_id"] == "vets"
    assert json.dumps(docs[0].metadata)


def test_retriever_validates_arguments(tmp_path: Path, corpus: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore.persistent(tmp_path / "db")
    _build(corpus, store, embedder, tmp_path / "art")
    index = PassageIndex.open(store, embedder, tmp_path / "art")
    with pytest.raises(ValueError, match="1 <= k <= candidates"):
        HybridRetriever(index, embedder, k=10, candidates=5)
