"""A server whose index version was deleted under it answers from the live one, in the asker's language."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.api.state import ServerState
from assistant.config import Settings
from assistant.runtime import build_index
from index.passages import LIVENESS_INTERVAL_SECONDS
from tests.helpers import write_article

BODY = "## Bladder\n\nKetamine bladder syndrome is an ulcerative cystitis seen in frequent users."


def test_a_deleted_version_is_replaced_by_the_live_one_for_the_same_request(tmp_path: Path) -> None:
    corpus = tmp_path / "articles"
    write_article(corpus, "bladder", BODY)
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", index_retire_grace_seconds=0)
    state = ServerState(settings)
    state.start()
    assert state.wait_ready(120), state.error
    opened = state.pipeline
    assert opened is not None

    # Two builds later the version the server opened is gone from the store.
    for text in ("Ketamine can scar the bladder wall.", "Ketamine can shrink the bladder."):
        write_article(corpus, "bladder", f"## Bladder\n\n{text}")
        latest = build_index(settings)
    # The server searches in memory and asks whether its version lives at most once a liveness
    # interval; the next question after it finds the version gone.
    time.sleep(LIVENESS_INTERVAL_SECONDS + 0.2)
    asked_in_spanish = opened.in_language("es")
    result = state.run(
        asked_in_spanish, [{"role": "user", "content": "¿Qué le hace la ketamina a la vejiga?"}]
    )
    assert result.index_version == latest.version
    assert state.pipeline is not None and state.pipeline.index.version == latest.version
    assert state.articles["bladder"].body.endswith("Ketamine can shrink the bladder.")

    # A second request still holding the stale copy is switched to the live one without a reload.
    switched = state.pipeline
    again = state.run(asked_in_spanish, [{"role": "user", "content": "¿La ketamina encoge la vejiga?"}])
    assert again.index_version == latest.version and state.pipeline is switched
    assert again.guardrail is None or again.guardrail.language == "es"
