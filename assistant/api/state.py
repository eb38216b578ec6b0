"""What a running server holds: the pipeline, the articles it quotes, and whether it is ready."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from assistant.config import Settings
from assistant.pipeline import AnswerPipeline
from corpus.models import Article

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
        from assistant.runtime import build_index, indexable_articles, load_pipeline, open_store

        try:
            store = open_store(self.settings)
            if store.read_pointer() is None:
                log.info("no index yet: building it")
                build_index(self.settings, store=store)
            pipeline = load_pipeline(self.settings, store=store)
            # Cached guard data means nothing above needed the model; without this the first
            # question would wait seconds for it while /readyz already said ready.
            pipeline.warm_up()
            articles, _ = indexable_articles(self.settings)
            with self._lock:
                self.pipeline = pipeline
                self.articles = {a.id: a for a in articles}
            self._ready.set()
            log.info("ready: index %s", pipeline.index.version)
        except Exception as exc:  # readiness reports it; the process stays up for /healthz
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("could not load the pipeline")

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
        from assistant.runtime import indexable_articles, load_pipeline

        try:
            pipeline = load_pipeline(self.settings)
            pipeline.warm_up()
            articles, _ = indexable_articles(self.settings)
            with self._lock:
                self.pipeline = pipeline
                self.articles = {a.id: a for a in articles}
            log.info("switched to index %s", pipeline.index.version)
        except Exception:
            log.exception("could not switch to the new index; still serving the previous one")
        finally:
            self._refreshing = False

    def reindex(self) -> dict[str, Any]:
        """Rebuild from the corpus and switch to the result (admin)."""
        from assistant.runtime import build_index

        report = build_index(self.settings)
        self._reload()
        return report.as_dict()
