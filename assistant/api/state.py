"""What a running server holds: the pipeline, the articles it quotes, and whether it is ready."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.config import Settings
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult
from corpus.models import Article
from index.errors import IndexVersionGoneError

log = logging.getLogger("assistant.api")


class ServerState:
    """Loads the pipeline in the background so the process answers /healthz at once and /readyz when ready."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pipeline: AnswerPipeline | None = None
        self.articles: dict[str, Article] = {}
        self.error: str | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._last_check = time.monotonic()
        self._refreshing = False

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> None:
        threading.Thread(target=self._load, name="pipeline-loader", daemon=True).start()

    def wait_ready(self, timeout: float = 120.0) -> bool:
        return self._ready.wait(timeout)

    def _load(self) -> None:
        from assistant.runtime import build_index, load_pipeline, open_store

        try:
            store = open_store(self.settings)
            if store.read_pointer() is None:
                if self.settings.store == "http":
                    # A shared store has one writer, `assistant index build`; an instance only reads.
                    self._wait_for_pointer(store)
                else:
                    log.info("no index yet: building it")
                    build_index(self.settings, store=store)
            pipeline = load_pipeline(self.settings, store=store)
            # Cached guard data means nothing above needed the model; without this the first
            # question would wait seconds for it while /readyz already said ready.
            pipeline.warm_up()
            self._switch_to(pipeline)
            self.error = None
            self._ready.set()
            log.info("ready: index %s", pipeline.index.version)
        except Exception as exc:  # readiness reports it; the process stays up for /healthz
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("could not load the pipeline")

    def _wait_for_pointer(self, store: Any) -> None:
        self.error = "waiting for the first index build (`assistant index build`) on the shared store"
        log.info(self.error)
        while store.read_pointer() is None:
            time.sleep(max(0.5, min(self.settings.index_refresh_seconds, 5.0)))

    def _switch_to(self, pipeline: AnswerPipeline) -> None:
        """Serve `pipeline` and the articles of its own index version (never the local corpus folder)."""
        served = pipeline.index.served_articles
        if served is not None:
            articles = [Article.from_served_record(record) for record in served]
        else:  # a version built before articles were stored with it
            from assistant.runtime import indexable_articles

            articles, _ = indexable_articles(self.settings)
        with self._lock:
            self.pipeline = pipeline
            self.articles = {a.id: a for a in articles}
        self._prune_local_versions(pipeline.index.manifest)

    def _prune_local_versions(self, manifest: dict[str, Any]) -> None:
        """Drop this instance's copies of versions the store no longer keeps."""
        keep = {str(manifest["version"]), *manifest.get("retired", {})}
        root = self.settings.artifacts_path
        if root.exists():
            for folder in root.iterdir():
                if folder.is_dir() and not folder.name.startswith(".") and folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)

    def maybe_refresh(self) -> None:
        """Pick up an index built by another process or instance (checked at most every refresh interval)."""
        interval = self.settings.index_refresh_seconds
        if (
            not self.ready
            or interval <= 0
            or self._refreshing
            or time.monotonic() - self._last_check < interval
        ):
            return
        self._last_check = time.monotonic()
        pipeline = self.pipeline
        if pipeline is None:
            return
        try:
            pointer = pipeline.index.store.read_pointer()
        except Exception:  # a store hiccup must not fail the request that noticed it
            log.warning("could not check the index version", exc_info=True)
            return
        if pointer and pointer.get("version") != pipeline.index.version:
            self._refreshing = True
            threading.Thread(target=self._reload, name="pipeline-refresh", daemon=True).start()

    def _reload(self) -> None:
        from assistant.runtime import load_pipeline

        try:
            with self._reload_lock:
                pipeline = load_pipeline(self.settings)
                pipeline.warm_up()
                self._switch_to(pipeline)
            log.info("switched to index %s", pipeline.index.version)
        except Exception:
            log.exception("could not switch to the new index; still serving the previous one")
        finally:
            self._refreshing = False

    def recover(self, failed: AnswerPipeline) -> AnswerPipeline:
        """The pipeline to retry with after `failed` found its index version deleted from the store.

        An instance idle for longer than the grace period still holds the version it opened; the
        request that notices reloads the live pointer at once instead of failing.
        """
        with self._reload_lock:
            current = self.pipeline
            # (`failed` may be a copy in the asker's language: compare the index it read.)
            if current is not None and current.index is not failed.index:
                return current.in_language(failed.reply_language)  # another request already switched
            from assistant.runtime import load_pipeline

            pipeline = load_pipeline(self.settings)
            pipeline.warm_up()
            self._switch_to(pipeline)
            log.warning("index %s was deleted; switched to %s", failed.index.version, pipeline.index.version)
            return pipeline.in_language(failed.reply_language)

    def run(self, pipeline: AnswerPipeline, messages: list[dict[str, str]]) -> AnswerResult:
        """`pipeline.run`, retried once on the live index if its version was deleted meanwhile."""
        try:
            return pipeline.run(messages)
        except IndexVersionGoneError:
            return self.recover(pipeline).run(messages)

    def stream(
        self, pipeline: AnswerPipeline, messages: list[dict[str, str]], answer_id: str
    ) -> Iterator[str | AnswerResult]:
        """`pipeline.stream`, retried like `run` as long as nothing has been sent yet."""
        sent = False
        try:
            for event in pipeline.stream(messages, answer_id=answer_id):
                sent = True
                yield event
        except IndexVersionGoneError:
            if sent:
                raise
            yield from self.recover(pipeline).stream(messages, answer_id=answer_id)

    def reindex(self) -> dict[str, Any]:
        """Rebuild from the corpus and switch to the result (admin)."""
        from assistant.runtime import build_index

        report = build_index(self.settings)
        self._reload()
        return report.as_dict()
