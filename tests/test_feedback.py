"""Answer feedback: the store on SQLite and on a real PostgreSQL, the API, and the curator's report."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.cli import main
from assistant.feedback import (
    AnswerRecord,
    AnswerWriter,
    CitationRow,
    CitedQuote,
    FeedbackStore,
    FeedbackStoreError,
    Kind,
    UnknownAnswerError,
    VoteRow,
)
from tests.servers import free_port, postgres_server
from tests.test_api import QUESTION, _ask, _client, _events, _is_problem, _settings

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    server_url: str = request.getfixturevalue("postgres_url")
    name = "feedback_" + uuid.uuid4().hex[:12]  # a fresh database per test on the module's server
    with psycopg.connect(server_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def open_store(database_url: str) -> Iterator[Callable[..., FeedbackStore]]:
    """Stores on the test's database (several may share it, with different settings); closed afterwards."""
    opened: list[FeedbackStore] = []

    def make(**options: object) -> FeedbackStore:
        store = FeedbackStore(database_url, **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _answer(
    answer_id: str,
    *cited: str,
    at: datetime = NOW,
    kind: Kind = "answered",
    question: str | None = "why is it supervised?",
) -> AnswerRecord:
    quotes = tuple(
        CitedQuote(n, article, f"{article}#{n}", 10 * n, 10 * n + 8, f"A sentence from {article}.")
        for n, article in enumerate(cited, start=1)
    )
    return AnswerRecord(answer_id, at, kind, "idx-1", quotes, question)


def _count(store: FeedbackStore, table: type) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# --- the store, on SQLite and PostgreSQL ------------------------------------------------------------


def test_a_second_vote_replaces_the_first(open_store: Callable[..., FeedbackStore]) -> None:
    store = open_store()
    store.record_answer(_answer("ans_00000000000000a1", "esketamine"))
    first = store.record_feedback("ans_00000000000000a1", "down", "wrong", at=NOW)
    second = store.record_feedback("ans_00000000000000a1", "up", None, at=NOW + timedelta(minutes=1))
    assert second.id == first.id and (second.rating, second.reason) == ("up", None)
    stored = store.answer("ans_00000000000000a1")
    assert stored is not None and stored.vote is not None
    assert (stored.vote.rating, stored.vote.reason, stored.vote.voted_at) == (
        "up",
        None,
        NOW + timedelta(minutes=1),
    )
    assert _count(store, VoteRow) == 1
    assert store.report(NOW).votes == {"up": 1, "down": 0}


def test_a_vote_needs_an_answer_on_record(open_store: Callable[..., FeedbackStore]) -> None:
    store = open_store()
    with pytest.raises(UnknownAnswerError, match="ans_00000000000000ff"):
        store.record_feedback("ans_00000000000000ff", "down", "other")
    assert _count(store, VoteRow) == 0


def test_answers_keep_their_citations_and_index_version(open_store: Callable[..., FeedbackStore]) -> None:
    store = open_store()
    record = _answer("ans_00000000000000b1", "esketamine", "ketamine-bladder-syndrome", kind="answered")
    store.record_answer(record)
    stored = store.answer(record.id)
    assert stored is not None and stored.vote is None
    assert stored.record.citations == record.citations and stored.record.index_version == "idx-1"
    assert stored.record.created_at == NOW and stored.record.kind == "answered"


def test_question_text_is_kept_only_when_enabled(open_store: Callable[..., FeedbackStore]) -> None:
    without_text, with_text = open_store(store_text=False), open_store(store_text=True)
    without_text.record_answer(_answer("ans_00000000000000c1", question="is it addictive?"))
    with_text.record_answer(_answer("ans_00000000000000c2", question="is it addictive?"))
    first, second = with_text.answer("ans_00000000000000c1"), with_text.answer("ans_00000000000000c2")
    assert first is not None and first.record.question is None
    assert second is not None and second.record.question == "is it addictive?"
    # Turning the setting off drops the text already kept at the next purge.
    purged = without_text.purge_expired(NOW)
    assert purged.texts_cleared == 1 and purged.answers == 0
    second = with_text.answer("ans_00000000000000c2")
    assert second is not None and second.record.question is None


def test_retention_deletes_old_answers_with_their_votes_and_citations(
    open_store: Callable[..., FeedbackStore],
) -> None:
    store = open_store(retention_days=30, store_text=True)
    store.record_answer(_answer("ans_00000000000000d1", "esketamine", at=NOW - timedelta(days=31)))
    store.record_answer(_answer("ans_00000000000000d2", "esketamine", at=NOW - timedelta(days=29)))
    for answer_id in ("ans_00000000000000d1", "ans_00000000000000d2"):
        store.record_feedback(answer_id, "down", "wrong", at=NOW - timedelta(days=29))
    purged = store.purge_expired(NOW)
    assert (purged.answers, purged.texts_cleared) == (1, 0)
    assert store.answer("ans_00000000000000d1") is None
    kept = store.answer("ans_00000000000000d2")
    assert kept is not None and kept.vote is not None and kept.record.question == "why is it supervised?"
    assert (_count(store, VoteRow), _count(store, CitationRow)) == (1, 1)
    with pytest.raises(UnknownAnswerError):
        store.record_feedback("ans_00000000000000d1", "up")
    assert store.purge_expired(NOW).answers == 0


def test_the_report_groups_down_votes_by_article_and_reason(open_store: Callable[..., FeedbackStore]) -> None:
    store = open_store(store_text=True)
    answers = [
        (_answer("ans_0000000000000001", "esketamine", "ketamine-uses"), "down", "wrong"),
        (_answer("ans_0000000000000002", "esketamine"), "down", "unsupported"),
        (_answer("ans_0000000000000003", "esketamine", at=NOW - timedelta(hours=1)), "down", "wrong"),
        (_answer("ans_0000000000000004", "ketamine-uses"), "up", None),
        (_answer("ans_0000000000000005", kind="abstained", question="What is the K-cramps cure?"), "down", "not_what_i_asked"),
        (_answer("ans_0000000000000006", "esketamine"), "down", None),
        # outside the 30-day window: not reported even before a purge
        (_answer("ans_0000000000000007", "old-article", at=NOW - timedelta(days=40)), "down", "wrong"),
    ]  # fmt: skip
    for record, rating, reason in answers:
        store.record_answer(record)
        store.record_feedback(record.id, rating, reason, at=NOW)  # type: ignore[arg-type]
    for n, question in enumerate(["what is  the k-cramps CURE?", "Can I drive after ketamine?"]):
        # asked after the first: the latest wording is the one shown
        later = NOW + timedelta(minutes=n + 1)
        store.record_answer(_answer(f"ans_00000000000000e{n}", kind="abstained", at=later, question=question))
    store.record_answer(_answer("ans_00000000000000f0", kind="refused", question="where to buy it"))

    report = store.report(NOW)
    assert [(g.article_id, g.down_votes) for g in report.articles] == [
        ("esketamine", 4),
        ("ketamine-uses", 1),
        (None, 1),
    ]
    esketamine = report.articles[0]
    assert [(r.reason, [a.answer_id for a in r.answers]) for r in esketamine.reasons] == [
        ("wrong", ["ans_0000000000000001", "ans_0000000000000003"]),
        ("unsupported", ["ans_0000000000000002"]),
        ("unspecified", ["ans_0000000000000006"]),
    ]
    # under each article, only that article's quotes
    uses = report.articles[1].reasons[0].answers[0]
    assert uses.answer_id == "ans_0000000000000001" and [q.article_id for q in uses.quotes] == [
        "ketamine-uses"
    ]
    assert report.articles[2].reasons[0].reason == "not_what_i_asked"
    assert report.votes == {"up": 1, "down": 5}
    assert report.answers_by_kind == {"answered": 5, "abstained": 3, "refused": 1, "emergency": 0}
    assert [(q.question, q.count) for q in report.abstained] == [
        ("what is  the k-cramps CURE?", 2),
        ("Can I drive after ketamine?", 1),
    ]
    data = json.loads(json.dumps(report.as_dict()))
    assert (
        data["articles"][0]["reasons"][0]["answers"][0]["quotes"][0]["quote"] == "A sentence from esketamine."
    )


def test_urls_are_checked_when_the_store_is_made(tmp_path: Path) -> None:
    with pytest.raises(FeedbackStoreError, match="not a URL"):
        FeedbackStore("feedback.sqlite3")
    with pytest.raises(FeedbackStoreError, match="SQLite or PostgreSQL") as raised:
        FeedbackStore("mysql://curator:hunter2@db.example/feedback")
    assert "hunter2" not in str(raised.value)
    # a bare postgresql:// URL uses the installed driver, psycopg 3
    store = FeedbackStore("postgresql://curator@127.0.0.1:5432/feedback")
    assert store.url.drivername == "postgresql+psycopg"
    unreachable = FeedbackStore(f"postgresql+psycopg://curator:hunter2@127.0.0.1:{free_port()}/feedback")
    with pytest.raises(FeedbackStoreError, match="feedback database") as raised:
        unreachable.check()
    assert "hunter2" not in str(raised.value)


# --- the background writer ------------------------------------------------------------------------


def _now() -> datetime:
    # The writer applies the retention against the clock, so its answers must be recent.
    return datetime.now(UTC)


def test_the_writer_records_in_the_background_and_survives_a_bad_record(tmp_path: Path) -> None:
    store = FeedbackStore(f"sqlite:///{tmp_path / 'feedback.sqlite3'}")
    writer = AnswerWriter(store)
    assert writer.submit(_answer("ans_0000000000000a01", "esketamine", at=_now()))
    assert writer.flush() and store.answer("ans_0000000000000a01") is not None
    # a duplicate id fails its batch; the other answer of the batch is still written
    writer.submit(_answer("ans_0000000000000a01", "esketamine", at=_now()))
    writer.submit(_answer("ans_0000000000000a02", "esketamine", at=_now()))
    assert writer.flush() and store.answer("ans_0000000000000a02") is not None
    writer.submit(_answer("ans_0000000000000a03", at=_now()))
    writer.close()  # writes what is still queued
    assert FeedbackStore(str(store.url)).answer("ans_0000000000000a03") is not None


class _StuckStore(FeedbackStore):
    """A database that hangs on writes until released."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.writing, self.release = threading.Event(), threading.Event()

    def record_answers(self, records: Sequence[AnswerRecord]) -> None:
        self.writing.set()
        assert self.release.wait(30)
        super().record_answers(records)


def test_a_stuck_database_drops_answers_instead_of_blocking_chat(tmp_path: Path) -> None:
    store = _StuckStore(f"sqlite:///{tmp_path / 'feedback.sqlite3'}")
    writer = AnswerWriter(store, max_pending=1)
    assert writer.submit(_answer("ans_0000000000000b01", at=_now()))
    assert store.writing.wait(10)  # the thread holds the first answer, stuck in the database
    started = time.perf_counter()
    assert writer.submit(_answer("ans_0000000000000b02", at=_now()))  # fills the queue
    assert writer.submit(_answer("ans_0000000000000b03", at=_now())) is False and writer.dropped == 1
    assert time.perf_counter() - started < 0.5
    store.release.set()
    assert writer.flush()
    assert [store.answer(f"ans_0000000000000b0{n}") is not None for n in (1, 2, 3)] == [True, True, False]
    writer.close()


# --- the API ----------------------------------------------------------------------------------------


def _feedback_client(data_dir: Path, tmp_path: Path, **overrides: object) -> Iterator[TestClient]:
    overrides.setdefault("feedback_database_url", f"sqlite:///{tmp_path / 'feedback.sqlite3'}")
    settings = _settings(data_dir, tmp_path, **overrides)
    yield from _client(settings)


@pytest.fixture
def client(shipped_data_dir: Path, tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    """The API over a feedback database of each kind: votes go through HTTP into SQLite and PostgreSQL."""
    yield from _feedback_client(shipped_data_dir, tmp_path, feedback_database_url=database_url)


def _store(client: TestClient) -> FeedbackStore:
    app = client.app
    app.state.answer_writer.flush()  # type: ignore[attr-defined]
    store: FeedbackStore = app.state.feedback_store  # type: ignore[attr-defined]
    return store


def test_a_vote_is_stored_with_the_answers_citations_and_index_version(client: TestClient) -> None:
    answered = client.post("/v1/chat", json=_ask(QUESTION)).json()
    assert answered["status"] == "answered" and answered["citations"]
    response = client.post(
        "/v1/feedback", json={"answer_id": answered["id"], "rating": "down", "reason": "unsupported"}
    )
    assert response.status_code == 201, response.text
    vote = response.json()
    assert vote == {"id": vote["id"], "answer_id": answered["id"], "rating": "down", "reason": "unsupported"}
    stored = _store(client).answer(answered["id"])
    assert stored is not None and stored.vote is not None and stored.vote.reason == "unsupported"
    assert stored.record.kind == "answered" and stored.record.index_version == answered["index_version"]
    assert [(c.article_id, c.passage_id, c.start, c.end, c.quote) for c in stored.record.citations] == [
        (c["article_id"], c["passage_id"], c["start"], c["end"], c["quote"]) for c in answered["citations"]
    ]
    assert stored.record.question is None  # the default keeps no question text
    again = client.post("/v1/feedback", json={"answer_id": answered["id"], "rating": "up"})
    assert again.status_code == 201 and again.json()["id"] == vote["id"] and again.json()["reason"] is None
    assert client.get("/v1/feedback/policy").json() == {"stores_question_text": False, "retention_days": 30}


def test_streamed_and_openai_answers_are_recorded_too(client: TestClient) -> None:
    events = _events(client.post("/v1/chat", json=_ask(QUESTION, stream=True)).text)
    meta, citations = events[0][1], next(data for name, data in events if name == "citations")
    response = client.post(
        "/v1/feedback", json={"answer_id": meta["id"], "rating": "down", "reason": "wrong"}
    )
    assert response.status_code == 201, response.text
    stored = _store(client).answer(meta["id"])
    assert stored is not None and stored.record.index_version == meta["index_version"]
    assert [c.passage_id for c in stored.record.citations] == [
        c["passage_id"] for c in citations["citations"]
    ]

    escalated = client.post("/v1/chat", json=_ask("my friend took ket and isn't breathing")).json()
    completion = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "where can i buy ket online"}]}
    ).json()
    streamed = client.post(
        "/v1/chat/completions", json={"messages": _ask(QUESTION)["messages"], "stream": True}
    )
    first_chunk = json.loads(streamed.text.split("\n\n")[0].removeprefix("data: "))
    store = _store(client)
    kinds = {
        answer_id: (stored.record.kind if (stored := store.answer(answer_id)) else None)
        for answer_id in (
            escalated["id"],
            "ans_" + completion["id"].removeprefix("chatcmpl-"),
            "ans_" + first_chunk["id"].removeprefix("chatcmpl-"),
        )
    }
    assert list(kinds.values()) == ["emergency", "refused", "answered"]


def test_bad_votes_are_problems(client: TestClient) -> None:
    unknown = _is_problem(
        client.post("/v1/feedback", json={"answer_id": "ans_0123456789abcdef", "rating": "up"}), 404
    )
    assert "ans_0123456789abcdef" in unknown["detail"]
    answer_id = client.post("/v1/chat", json=_ask(QUESTION)).json()["id"]
    for body in (
        {"answer_id": answer_id, "rating": "meh"},
        {"answer_id": answer_id, "rating": "down", "reason": "boring"},
        {"answer_id": "not-an-answer-id", "rating": "up"},
        {"rating": "up"},
    ):
        problem = _is_problem(client.post("/v1/feedback", json=body), 422)
        assert problem["errors"], body
    stored = _store(client).answer(answer_id)
    assert stored is not None and stored.vote is None


def test_question_text_is_stored_only_with_the_setting(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _feedback_client(
        shipped_data_dir, tmp_path, feedback_store_text=True, feedback_retention_days=7
    ):
        assert client.get("/v1/feedback/policy").json() == {"stores_question_text": True, "retention_days": 7}
        answered = client.post("/v1/chat", json=_ask(QUESTION)).json()
        stored = _store(client).answer(answered["id"])
        assert stored is not None and stored.record.question == QUESTION


def test_a_feedback_database_that_is_down_never_fails_chat(shipped_data_dir: Path, tmp_path: Path) -> None:
    down = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/feedback"
    for client in _client(_settings(shipped_data_dir, tmp_path, feedback_database_url=down)):
        answered = client.post("/v1/chat", json=_ask(QUESTION))
        assert answered.status_code == 200 and answered.json()["status"] == "answered"
        vote = client.post("/v1/feedback", json={"answer_id": answered.json()["id"], "rating": "up"})
        assert _is_problem(vote, 503)["detail"].startswith("feedback cannot be stored")


# --- the curator's report ---------------------------------------------------------------------------


@pytest.fixture
def report_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FeedbackStore:
    url = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DATABASE_URL", url)
    store = FeedbackStore(url, store_text=True)
    now = datetime.now(UTC)
    store.record_answer(
        _answer("ans_0000000000000c01", "esketamine", at=now, question="Is <script>x</script> safe?")
    )
    store.record_feedback("ans_0000000000000c01", "down", "not_what_i_asked")
    for question in ("Does ketamine help tinnitus?", "does ketamine help  tinnitus?", "Is it vegan?"):
        store.record_answer(
            _answer(f"ans_{uuid.uuid4().hex[:16]}", kind="abstained", at=now, question=question)
        )
    return store


def test_the_html_report_shows_down_votes_and_abstained_questions(
    report_env: FeedbackStore, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert main(["feedback", "report", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "esketamine" in html and "not what I asked" in html
    assert "A sentence from esketamine." in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html  # escaped, and nothing runs
    assert html.index("help tinnitus") < html.index("Is it vegan?")  # most frequent first
    assert main(["feedback", "report"]) == 0 and (tmp_path / "feedback-report.html").exists()


def test_the_json_report_parses(
    report_env: FeedbackStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feedback", "report", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["articles"][0]["article_id"] == "esketamine"
    assert printed["articles"][0]["reasons"][0]["reason"] == "not_what_i_asked"
    assert [q["count"] for q in printed["abstained"]] == [2, 1]
    assert main(["feedback", "report", "--json", "--out", str(tmp_path / "report.json")]) == 0
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["votes"] == printed["votes"] == {"up": 0, "down": 1}


@pytest.mark.parametrize("case", ["unreachable", "malformed", "unwritable"])
def test_report_errors_are_one_line(
    report_env: FeedbackStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    out = tmp_path / "report.html"
    if case == "unreachable":
        monkeypatch.setenv(
            "ASSISTANT_FEEDBACK_DATABASE_URL", f"postgresql+psycopg://x@127.0.0.1:{free_port()}/db"
        )
    elif case == "malformed":
        monkeypatch.setenv("ASSISTANT_FEEDBACK_DATABASE_URL", "not a url")
    else:
        (tmp_path / "a-file").write_text("")
        out = tmp_path / "a-file" / "report.html"  # its folder is a file: not writable, even for root
    assert main(["feedback", "report", "--out", str(out)]) != 0
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1 and "Traceback" not in error
    assert not out.exists()
