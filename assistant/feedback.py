"""Answer feedback: every answer the server gives and the votes people cast on it.

Stored through SQLAlchemy, in an SQLite file in the data folder by default or in PostgreSQL
(`postgresql+psycopg://…`) when several machines serve. An answer is kept with its kind, index
version and citations; its question text only when `feedback_store_text` is on. Everything older
than `feedback_retention_days` is deleted, so the privacy line the widget shows holds.

The chat path never waits for the database: `AnswerWriter` takes answers on a queue and one
background thread writes them in batches (see its docstring for why).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    ForeignKey,
    Insert,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from assistant.results import AnswerResult, Status
from corpus.errors import AssistantError

if TYPE_CHECKING:
    from assistant.config import Settings

log = logging.getLogger("assistant.feedback")

Kind = Literal["answered", "abstained", "refused", "emergency"]
Rating = Literal["up", "down"]
Reason = Literal["wrong", "not_what_i_asked", "unsupported", "other"]
REASONS: tuple[str, ...] = get_args(Reason)

# The feedback vocabulary says "emergency" for what the pipeline calls an escalation.
KIND_OF_STATUS: dict[Status, Kind] = {
    "answered": "answered",
    "abstained": "abstained",
    "refused": "refused",
    "escalated": "emergency",
}

DEFAULT_DATABASE_FILE = "feedback.sqlite3"


class FeedbackStoreError(AssistantError):
    """The feedback database cannot be used: a malformed URL, or a database that cannot be reached."""


class UnknownAnswerError(FeedbackStoreError):
    """A vote names an answer this server never recorded (or one already purged)."""

    def __init__(self, answer_id: str) -> None:
        self.answer_id = answer_id
        super().__init__(
            f"no answer with id {answer_id!r} is on record (unknown, or older than the retention)"
        )


# --- tables ---------------------------------------------------------------------------------------


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC, read back as aware UTC: SQLite keeps no time zone, and comparisons must agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("feedback times must be time-zone aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class AnswerRow(Base):
    __tablename__ = "feedback_answers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    index_version: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str | None] = mapped_column(Text)


class CitationRow(Base):
    __tablename__ = "feedback_citations"

    answer_id: Mapped[str] = mapped_column(
        ForeignKey("feedback_answers.id", ondelete="CASCADE"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200), index=True)
    passage_id: Mapped[str] = mapped_column(String(240))
    start: Mapped[int] = mapped_column("quote_start", Integer)
    end: Mapped[int] = mapped_column("quote_end", Integer)
    # The sentence itself (vetted article text, not the user's): the article may change after the
    # vote, and the curator needs to see what was actually quoted.
    quote: Mapped[str] = mapped_column(Text)


class VoteRow(Base):
    __tablename__ = "feedback_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("feedback_answers.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(32))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- values in and out ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedQuote:
    n: int
    article_id: str
    passage_id: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class AnswerRecord:
    """One answer as the feedback store keeps it."""

    id: str
    created_at: datetime
    kind: Kind
    index_version: str | None
    citations: tuple[CitedQuote, ...] = ()
    question: str | None = None

    @classmethod
    def from_result(
        cls, result: AnswerResult, question: str | None = None, at: datetime | None = None
    ) -> AnswerRecord:
        return cls(
            id=result.id,
            created_at=at or datetime.now(UTC),
            kind=KIND_OF_STATUS[result.status],
            index_version=result.index_version,
            citations=tuple(
                CitedQuote(c.n, c.article_id, c.passage_id, c.start, c.end, c.quote) for c in result.citations
            ),
            question=question,
        )


@dataclass(frozen=True)
class Vote:
    id: int
    answer_id: str
    rating: Rating
    reason: Reason | None
    voted_at: datetime


@dataclass(frozen=True)
class StoredAnswer:
    record: AnswerRecord
    vote: Vote | None


@dataclass(frozen=True)
class Purged:
    answers: int
    texts_cleared: int


@dataclass(frozen=True)
class DownVotedAnswer:
    answer_id: str
    answered_at: datetime
    kind: Kind
    index_version: str | None
    question: str | None
    # Only the quotes from the article the answer is grouped under.
    quotes: list[CitedQuote]


@dataclass(frozen=True)
class ReasonGroup:
    reason: str  # one of REASONS, or "unspecified"
    answers: list[DownVotedAnswer]


@dataclass(frozen=True)
class ArticleGroup:
    """Down-votes on answers citing one article; `article_id` None holds answers that cited nothing."""

    article_id: str | None
    down_votes: int
    reasons: list[ReasonGroup]


@dataclass(frozen=True)
class AbstainedQuestion:
    question: str
    count: int
    last_asked: datetime


@dataclass(frozen=True)
class FeedbackReport:
    generated_at: datetime
    since: datetime
    retention_days: int
    stores_question_text: bool
    answers_by_kind: dict[str, int]
    votes: dict[str, int]
    articles: list[ArticleGroup]
    abstained: list[AbstainedQuestion] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data: dict[str, Any] = plain(asdict(self))
        return data


UNSPECIFIED_REASON = "unspecified"


# --- the store ----------------------------------------------------------------------------------------


def default_database_url(data_dir: Path) -> str:
    return URL.create("sqlite", database=str((data_dir / DEFAULT_DATABASE_FILE).resolve())).render_as_string()


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FeedbackStoreError(
            # Not echoed: a malformed URL may still hold a password.
            "the feedback database URL is not a URL: use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    if parsed.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2, which is not installed; psycopg 3 is.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        shown = parsed.render_as_string(hide_password=True)
        raise FeedbackStoreError(
            f"the feedback database must be SQLite or PostgreSQL, not {parsed.get_backend_name()!r} ({shown}): "
            "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL; None for an in-memory database or another backend."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def _normalised(question: str) -> str:
    return " ".join(question.casefold().split())


class FeedbackStore:
    """Answers and votes in one SQL database; tables are created on first use."""

    def __init__(self, url: str, *, store_text: bool = False, retention_days: int = 30) -> None:
        if retention_days < 1:
            raise FeedbackStoreError(f"the feedback retention must be at least 1 day, got {retention_days}")
        self.url = _parse_url(url)
        self.store_text = store_text
        self.retention_days = retention_days
        self.engine = self._engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.feedback_database_url or default_database_url(settings.data_dir),
            store_text=settings.feedback_store_text,
            retention_days=settings.feedback_retention_days,
        )

    @property
    def shown_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @staticmethod
    def _engine(url: URL) -> Engine:
        try:
            if url.get_backend_name() == "sqlite":
                # Workers in other processes write the same file; wait for their locks.
                options: dict[str, Any] = {"connect_args": {"timeout": 15, "check_same_thread": False}}
                if _sqlite_file(url) is None:
                    options["poolclass"] = StaticPool  # an in-memory database exists once per connection
                engine = create_engine(url, **options)
                event.listen(engine, "connect", _sqlite_pragmas)
                return engine
            return create_engine(url, pool_pre_ping=True, pool_size=4, connect_args={"connect_timeout": 10})
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise FeedbackStoreError(
                f"cannot use the feedback database {url.render_as_string(hide_password=True)}: {error}"
            ) from None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A transaction on a ready schema; database failures become one readable `FeedbackStoreError`."""
        try:
            self._ensure_schema()
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as error:
            raise FeedbackStoreError(self._describe(error)) from error

    def _describe(self, error: SQLAlchemyError) -> str:
        original = getattr(error, "orig", None) or error
        first_line = (
            str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
        )
        return f"feedback database {self.shown_url}: {first_line}"

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            database_file = _sqlite_file(self.url)
            if database_file is not None:
                try:
                    database_file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise FeedbackStoreError(
                        f"cannot create the folder of the feedback database {database_file}: {error.strerror}"
                    ) from None
            try:
                Base.metadata.create_all(self.engine)
            except SQLAlchemyError:
                # Another worker may have created the tables between the check and the create.
                if not set(Base.metadata.tables) <= set(inspect(self.engine).get_table_names()):
                    raise
            self._schema_ready = True

    def check(self) -> None:
        """Connect and create the tables now; raises `FeedbackStoreError` when the database is unusable."""
        with self._session() as session:
            session.execute(select(func.count()).select_from(AnswerRow))

    def close(self) -> None:
        self.engine.dispose()

    # --- writing ---

    def record_answer(self, record: AnswerRecord) -> None:
        self.record_answers([record])

    def record_answers(self, records: Sequence[AnswerRecord]) -> None:
        """Write answers in one transaction; the question text is dropped unless the store keeps text."""
        if not records:
            return
        answers = [
            {
                "id": r.id,
                "created_at": r.created_at,
                "kind": r.kind,
                "index_version": r.index_version,
                # PostgreSQL text cannot hold NUL, and a question must not cost its answer's record.
                "question": r.question.replace("\x00", "") if self.store_text and r.question else None,
            }
            for r in records
        ]
        citations = [{"answer_id": r.id, **asdict(c)} for r in records for c in r.citations]
        with self._session() as session:
            session.execute(insert(AnswerRow), answers)
            if citations:
                session.execute(insert(CitationRow), citations)

    def record_feedback(
        self, answer_id: str, rating: Rating, reason: Reason | None = None, at: datetime | None = None
    ) -> Vote:
        """Store a vote; a later vote on the same answer replaces the earlier one (same vote id)."""
        voted_at = at or datetime.now(UTC)
        values = {"answer_id": answer_id, "rating": rating, "reason": reason, "voted_at": voted_at}
        with self._session() as session:
            if session.get(AnswerRow, answer_id) is None:
                raise UnknownAnswerError(answer_id)
            # One statement, so two votes racing on the same answer cannot both insert.
            replaced = {"rating": rating, "reason": reason, "voted_at": voted_at}
            upsert: Insert
            if self.url.get_backend_name() == "postgresql":
                pg_insert = postgresql.insert(VoteRow).values(**values)
                upsert = pg_insert.on_conflict_do_update(index_elements=[VoteRow.answer_id], set_=replaced)
            else:
                lite_insert = sqlite.insert(VoteRow).values(**values)
                upsert = lite_insert.on_conflict_do_update(index_elements=[VoteRow.answer_id], set_=replaced)
            vote_id = session.execute(upsert.returning(VoteRow.id)).scalar_one()
        return Vote(vote_id, answer_id, rating, reason, voted_at)

    def purge_expired(self, now: datetime | None = None) -> Purged:
        """Delete answers (with their citations and votes) older than the retention; when the store no
        longer keeps text, drop any question text still there (the setting was turned off)."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        expired = select(AnswerRow.id).where(AnswerRow.created_at < cutoff)
        with self._session() as session:
            # Children first: SQLite enforces no cascade unless asked on every connection.
            session.execute(delete(VoteRow).where(VoteRow.answer_id.in_(expired)))
            session.execute(delete(CitationRow).where(CitationRow.answer_id.in_(expired)))
            deleted = session.execute(delete(AnswerRow).where(AnswerRow.created_at < cutoff))
            answers = cast(CursorResult[Any], deleted).rowcount
            cleared = 0
            if not self.store_text:
                updated = session.execute(
                    update(AnswerRow).where(AnswerRow.question.is_not(None)).values(question=None)
                )
                cleared = cast(CursorResult[Any], updated).rowcount
        return Purged(answers=int(answers or 0), texts_cleared=int(cleared or 0))

    # --- reading ---

    def answer(self, answer_id: str) -> StoredAnswer | None:
        with self._session() as session:
            row = session.get(AnswerRow, answer_id)
            if row is None:
                return None
            cited = session.scalars(
                select(CitationRow).where(CitationRow.answer_id == answer_id).order_by(CitationRow.n)
            ).all()
            vote_row = session.scalars(select(VoteRow).where(VoteRow.answer_id == answer_id)).one_or_none()
            return StoredAnswer(self._record(row, cited), self._vote(vote_row) if vote_row else None)

    @staticmethod
    def _record(row: AnswerRow, cited: Iterable[CitationRow]) -> AnswerRecord:
        return AnswerRecord(
            id=row.id,
            created_at=row.created_at,
            kind=row.kind,  # type: ignore[arg-type]  # written from `Kind` only
            index_version=row.index_version,
            citations=tuple(
                CitedQuote(c.n, c.article_id, c.passage_id, c.start, c.end, c.quote) for c in cited
            ),
            question=row.question,
        )

    @staticmethod
    def _vote(row: VoteRow) -> Vote:
        return Vote(row.id, row.answer_id, row.rating, row.reason, row.voted_at)  # type: ignore[arg-type]

    def report(self, now: datetime | None = None) -> FeedbackReport:
        """Down-voted answers of the retention window grouped by cited article and reason (most down-votes
        first), and the abstained questions whose text is kept, most frequent first."""
        now = now or datetime.now(UTC)
        since = now - timedelta(days=self.retention_days)
        in_window = AnswerRow.created_at >= since
        with self._session() as session:
            by_kind = dict(
                session.execute(
                    select(AnswerRow.kind, func.count()).where(in_window).group_by(AnswerRow.kind)
                ).all()
            )
            votes = dict(
                session.execute(
                    select(VoteRow.rating, func.count())
                    .join(AnswerRow, AnswerRow.id == VoteRow.answer_id)
                    .where(in_window)
                    .group_by(VoteRow.rating)
                ).all()
            )
            down = session.execute(
                select(AnswerRow, VoteRow.reason)
                .join(VoteRow, VoteRow.answer_id == AnswerRow.id)
                .where(in_window, VoteRow.rating == "down")
                .order_by(AnswerRow.created_at.desc())
            ).all()
            down_ids = [row.id for row, _ in down]
            cited: dict[str, list[CitationRow]] = defaultdict(list)
            for chunk_start in range(0, len(down_ids), 500):
                for citation in session.scalars(
                    select(CitationRow)
                    .where(CitationRow.answer_id.in_(down_ids[chunk_start : chunk_start + 500]))
                    .order_by(CitationRow.answer_id, CitationRow.n)
                ):
                    cited[citation.answer_id].append(citation)
            abstained_rows = session.execute(
                select(AnswerRow.question, AnswerRow.created_at).where(
                    in_window, AnswerRow.kind == "abstained", AnswerRow.question.is_not(None)
                )
            ).all()

        groups: dict[str | None, dict[str, list[DownVotedAnswer]]] = defaultdict(lambda: defaultdict(list))
        for row, reason in down:
            record = self._record(row, cited[row.id])
            article_ids: list[str | None] = list(dict.fromkeys(c.article_id for c in record.citations)) or [
                None
            ]
            for article_id in article_ids:
                groups[article_id][reason or UNSPECIFIED_REASON].append(
                    DownVotedAnswer(
                        answer_id=record.id,
                        answered_at=record.created_at,
                        kind=record.kind,
                        index_version=record.index_version,
                        question=record.question,
                        quotes=[c for c in record.citations if c.article_id == article_id],
                    )
                )
        reason_order = {reason: i for i, reason in enumerate((*REASONS, UNSPECIFIED_REASON))}
        articles = [
            ArticleGroup(
                article_id=article_id,
                down_votes=sum(len(answers) for answers in reasons.values()),
                reasons=[
                    ReasonGroup(reason, reasons[reason])
                    for reason in sorted(reasons, key=lambda r: (-len(reasons[r]), reason_order.get(r, 99)))
                ],
            )
            for article_id, reasons in groups.items()
        ]
        articles.sort(key=lambda g: (-g.down_votes, g.article_id is None, g.article_id or ""))

        return FeedbackReport(
            generated_at=now,
            since=since,
            retention_days=self.retention_days,
            stores_question_text=self.store_text,
            answers_by_kind={kind: int(by_kind.get(kind, 0)) for kind in get_args(Kind)},
            votes={rating: int(votes.get(rating, 0)) for rating in get_args(Rating)},
            articles=articles,
            abstained=_most_frequent(abstained_rows),
        )


def _most_frequent(rows: Iterable[Any]) -> list[AbstainedQuestion]:
    """The same question asked in different case or spacing counts once, shown as last asked."""
    counts: Counter[str] = Counter()
    latest: dict[str, tuple[datetime, str]] = {}
    for question, asked_at in rows:
        key = _normalised(question)
        if not key:
            continue
        counts[key] += 1
        if key not in latest or asked_at > latest[key][0]:
            latest[key] = (asked_at, question.strip())
    return [
        AbstainedQuestion(question=latest[key][1], count=count, last_asked=latest[key][0])
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], -latest[item[0]][0].timestamp()))
    ]


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets readers and the writer of other workers proceed together; NORMAL sync is safe under WAL
    # and keeps each commit from waiting on a disk flush.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# --- the background writer ---------------------------------------------------------------------------


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class AnswerWriter:
    """Records answers off the request path: `submit` only enqueues; one thread writes in batches.

    Why a thread and not a write per request: an SQLite commit is cheap but, with several workers on
    one file, it can wait seconds for another process's lock, and a PostgreSQL round trip costs a
    network hop; either would land on a chat p50 of ~15 ms. The queue is bounded: when the database
    is down for long, answers are dropped (and logged) rather than stalling chat or growing memory.
    A vote waits for `flush`, so an answer given a moment ago is always on record before it is looked up.
    The same thread applies the retention when it starts and then every `purge_every_s`.
    """

    def __init__(
        self,
        store: FeedbackStore,
        *,
        max_pending: int = 10_000,
        batch: int = 200,
        purge_every_s: float = 3600.0,
    ) -> None:
        self.store = store
        self.batch = batch
        self.purge_every_s = purge_every_s
        self.dropped = 0
        self._queue: queue.Queue[object] = queue.Queue(max_pending)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_purge = float("-inf")

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="feedback-writer", daemon=True)
                self._thread.start()

    def submit(self, record: AnswerRecord) -> bool:
        """Queue an answer for writing; False (and counted in `dropped`) when the queue is full."""
        self.start()
        try:
            self._queue.put_nowait(record)
            return True
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.warning("feedback queue full: %d answer(s) not recorded", self.dropped)
            return False

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued before this call has been written (or failed); False on timeout."""
        self.start()
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the thread and release the database connections."""
        with self._lock:
            thread = self._thread
        if thread is not None and thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                log.warning("feedback writer still busy at shutdown; queued answers are lost")
            thread.join(timeout)
        self.store.close()

    def _run(self) -> None:
        while True:
            wait = max(0.1, self._last_purge + self.purge_every_s - time.monotonic())
            try:
                first = self._queue.get(timeout=wait)
            except queue.Empty:
                first = None
            items = [] if first is None else [first]
            while len(items) < self.batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [item for item in items if isinstance(item, AnswerRecord)]
            self._write(records)
            if time.monotonic() - self._last_purge >= self.purge_every_s:
                self._purge()
            for item in items:
                if isinstance(item, _Flush):
                    item.done.set()
            if any(item is _STOP for item in items):
                self._write(self._drain())
                return

    def _drain(self) -> list[AnswerRecord]:
        records: list[AnswerRecord] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return records
            if isinstance(item, AnswerRecord):
                records.append(item)
            elif isinstance(item, _Flush):
                item.done.set()

    def _write(self, records: list[AnswerRecord]) -> None:
        if not records:
            return
        try:
            self.store.record_answers(records)
        except FeedbackStoreError:
            # One bad record (a duplicate id) must not lose the whole batch: write them one by one.
            failed, last = 0, None
            for record in records:
                try:
                    self.store.record_answer(record)
                except FeedbackStoreError as error:
                    failed += 1
                    last = error
            if failed:
                log.warning("could not record %d answer(s) for feedback: %s", failed, last)
        except Exception:  # the writer must outlive any surprise, or every later answer is lost
            log.exception("could not record %d answer(s) for feedback", len(records))

    def _purge(self) -> None:
        self._last_purge = time.monotonic()
        try:
            purged = self.store.purge_expired()
            if purged.answers or purged.texts_cleared:
                log.info(
                    "feedback retention: %d answer(s) deleted, %d question text(s) cleared",
                    purged.answers,
                    purged.texts_cleared,
                )
        except Exception:
            log.warning("could not apply the feedback retention", exc_info=True)
