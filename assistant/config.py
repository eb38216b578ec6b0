"""Settings: one pydantic-settings object read from `ASSISTANT_*` environment variables and `.env`."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from corpus.loader import PACKAGE_ARTICLES
from corpus.vetting import DEFAULT_ALLOWED_DOMAINS
from guardrails.input_rail import DEFAULT_CRISIS_LINES, DEFAULT_EMERGENCY_NUMBERS

# Chosen on the shipped question sets; see docs/abstention.md for how and the curve behind it.
DEFAULT_ABSTAIN_THRESHOLD = 0.44
# Both calibrated together on the development half of the blind user questions (docs/abstention.md):
# the selector's least probability, and the least similarity its answers need (the similarity
# ranking's 0.44 gate, kept under the selector, turned away answers it had right). 0.14 since
# session 29: the four blind sets' development halves hold 11 more correct abstentions for one lost
# first sentence, and their held-out halves 6 more for one (docs/abstention.md).
DEFAULT_ANSWER_THRESHOLD = 0.14
DEFAULT_ANSWER_SIMILARITY_FLOOR = 0.40
# The base MiniLM cannot read ketamine's street names ("doing k"), which the selector's question
# encoder learned: for a question that uses one, the similarity floor does not apply when the selector
# is this sure. 0.3 and 0.5 measure the same on the development halves; 0.3 answers the question that
# showed the problem, which leads at 0.42 (docs/abstention.md, session 21).
DEFAULT_ANSWER_FLOOR_WAIVED_AT = 0.3
# A further sentence must itself read as an answer this surely (and reach half the lead's
# probability); chosen on the same development half for answer precision.
DEFAULT_ANSWER_KEEP_FLOOR = 0.2
# The selector scores each sentence, so a question no article answers can still lead with a sentence
# that reads like an answer. The memory knows better when the training question nearest to it had no
# answer: then the best sentence must be this sure. Chosen on the four blind sets' development
# halves (docs/abstention.md, session 31): 18 more correct abstentions for 4 answerable questions
# abstained on, where raising the threshold for every question trades about one for one.
DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED = 0.3


class EmergencyNumberSetting(BaseModel):
    region: str
    number: str


class Settings(BaseSettings):
    """Everything configurable, with the embedded defaults that `make run` uses."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path(".assistant-data"), description="Where the embedded index and its artifacts live."
    )
    corpus_dir: Path = Field(PACKAGE_ARTICLES, description="Folder of article files to index.")
    store: Literal["embedded", "http"] = Field(
        "embedded", description="embedded chromadb on disk, or a `chroma run` server."
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host when store=http.")
    chroma_port: int = Field(8001, ge=1, le=65535, description="Chroma server port when store=http.")

    retrieval_k: int = Field(6, ge=1, le=50, description="Passages handed to the answerer.")
    max_answer_sentences: int = Field(5, ge=1, le=12, description="Most sentences in an extractive answer.")
    abstain_threshold: float = Field(
        DEFAULT_ABSTAIN_THRESHOLD,
        ge=0.0,
        le=1.0,
        description="Least cosine similarity between the question and its best sentence for an answer (similarity ranking).",
    )
    answer_selection: Literal["learned", "similarity"] = Field(
        "learned",
        description="How answer sentences are chosen: the learned selector (default) or plain similarity.",
    )
    answer_threshold: float = Field(
        DEFAULT_ANSWER_THRESHOLD,
        gt=0.0,
        lt=1.0,
        description="Least probability, from the learned selector, that the best sentence answers; below it the reply abstains.",
    )
    answer_threshold_near_unanswered: float = Field(
        DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED,
        gt=0.0,
        lt=1.0,
        description="The least probability instead, when the training question nearest to this one had no answer (never below answer_threshold).",
    )
    answer_similarity_floor: float = Field(
        DEFAULT_ANSWER_SIMILARITY_FLOOR,
        ge=0.0,
        le=1.0,
        description="Least cosine similarity between the question and its closest candidate for the learned selector to answer.",
    )
    answer_floor_waived_at: float = Field(
        DEFAULT_ANSWER_FLOOR_WAIVED_AT,
        gt=0.0,
        le=1.0,
        description="Probability, from the learned selector, at which its best sentence answers a question calling ketamine 'k' or 'ket' even below the similarity floor (1 never).",
    )
    answer_keep_floor: float = Field(
        DEFAULT_ANSWER_KEEP_FLOOR,
        gt=0.0,
        lt=1.0,
        description="Least probability that a further sentence answers too, for it to join the lead in the answer.",
    )
    torch_threads: int = Field(
        1, ge=1, le=64, description="Intra-op threads for embedding (1 keeps query latency steady)."
    )
    onnx_dir: Path | None = Field(
        None,
        description="Where ONNX exports are kept (default: `onnx` in the data folder); exports are named "
        "by the hash of their weights, so instances and data folders can share one.",
    )
    embedder_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="What embeds questions when serving: onnxruntime on an export made at index build "
        "(no torch in the serving process), or sentence-transformers on torch.",
    )
    onnx_precision: Literal["fp32", "int8"] = Field(
        "int8",
        description="Weights the onnx backend runs: int8 (quantised at build time: twice as fast, blind-set "
        "metrics within fp32's intervals; fp32 where this CPU's int8 strays) or fp32 (torch's vectors).",
    )
    onnx_optimization: Literal["disabled", "basic", "extended", "all"] = Field(
        "all", description="How far onnxruntime optimises the exported graph when it opens it."
    )
    answer_cache_size: int = Field(
        256, ge=0, description="Answers kept for repeated questions (0 turns the cache off)."
    )
    embedding_cache_size: int = Field(
        1024,
        ge=0,
        description="Question vectors kept, so a conversation's earlier turns are not embedded again with "
        "every request (0 turns it off).",
    )
    embedding_workers: int = Field(
        3,
        ge=0,
        description="Threads that start a question's other model passes (the answer selector's encoder, a "
        "follow-up's second reading) while the guard embeds it, when they are idle (a busy server's "
        "requests do that work in their own thread instead of queueing; 0 always does).",
    )
    allowed_domains: list[str] = Field(
        list(DEFAULT_ALLOWED_DOMAINS), description="Link domains vetting lets through."
    )
    vetting_actions: dict[str, Literal["block", "strip"]] = Field(
        default_factory=dict, description="Per rule or rule family: block the article or strip the span."
    )

    emergency_numbers: list[EmergencyNumberSetting] = Field(
        default_factory=lambda: [
            EmergencyNumberSetting(region=n.region, number=n.number) for n in DEFAULT_EMERGENCY_NUMBERS
        ],
        description="Numbers an emergency reply lists first, e.g. 911 (US), 112 (EU), 999 (UK).",
    )
    crisis_lines: list[str] = Field(
        list(DEFAULT_CRISIS_LINES), description="Crisis-line sentences for self-harm replies."
    )
    emergency_numbers_by_language: dict[str, list[EmergencyNumberSetting]] = Field(
        default_factory=dict,
        description="Numbers for replies in one language (e.g. es), in place of emergency_numbers.",
    )
    crisis_lines_by_language: dict[str, list[str]] | None = Field(
        None,
        description="Crisis-line sentences for replies in one language; unset: Spanish ones while "
        "crisis_lines is the default.",
    )
    guard_semantic: bool = Field(True, description="Use the nearest-exemplar layer after the rules.")
    guard_semantic_threshold: float = Field(
        0.55, gt=0.0, lt=1.0, description="Least similarity for an exemplar match."
    )
    guard_distress_head: bool = Field(
        True, description="Read distress from letter n-grams first, in any of the six languages."
    )
    guard_distress_threshold: float = Field(
        0.8, gt=0.0, lt=1.0, description="Least probability for the distress head to escalate."
    )
    guard_classifier: bool = Field(
        True, description="Use the trained intent classifier after the exemplar layer."
    )
    guard_classifier_threshold: float = Field(
        0.7, gt=0.0, lt=1.0, description="Least probability for the classifier to refuse."
    )

    host: str = Field("127.0.0.1", description="Where `assistant serve` listens.")
    port: int = Field(8000, ge=1, le=65535, description="Port of `assistant serve`.")
    workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Worker processes of `assistant serve` (default: one per available core).",
    )
    rate_limit_per_minute: int = Field(
        60, ge=1, description="Chat requests per client and minute, across workers."
    )
    rate_limit_db: Path | None = Field(
        None, description="SQLite file the workers share for rate limiting (default in data_dir)."
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; none means closed."
    )
    api_keys: list[str] = Field(default_factory=list, description="Bearer keys for server-to-server callers.")
    admin_key: str | None = Field(None, description="Bearer key for /v1/admin/*; unset removes those routes.")
    max_message_chars: int = Field(2000, ge=1, description="Longest message accepted.")
    max_messages: int = Field(40, ge=1, description="Most messages in one request.")
    max_body_bytes: int = Field(65536, ge=1024, description="Largest request body accepted (413 above).")
    audit_log: bool = Field(False, description="Log question text (off: logs never contain it).")
    stream_delay_ms: int = Field(
        0, ge=0, le=2000, description="Pause between streamed sentences, for a typing effect."
    )
    answerer: Literal["extractive", "llm"] = Field(
        "extractive",
        description="extractive quotes only; llm writes answers that are verified sentence by sentence.",
    )
    llm_provider: Literal["openai", "llamacpp"] = Field(
        "openai", description="An OpenAI-compatible endpoint, or a local GGUF file through llama-cpp-python."
    )
    llm_base_url: str | None = Field(
        None, description="Base URL of the OpenAI-compatible endpoint (Ollama, vLLM…); unset means OpenAI."
    )
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the endpoint.")
    llm_api_key: str | None = Field(None, description="Key for the endpoint (local servers accept any).")
    llm_gguf_path: Path | None = Field(None, description="GGUF model file when llm_provider=llamacpp.")
    llm_context_tokens: int = Field(
        4096,
        ge=512,
        le=131072,
        description="Context window of a local GGUF model (prompt plus answer); never more than it was "
        "trained with.",
    )
    llm_threads: int | None = Field(
        None, ge=1, description="Threads of a local GGUF model; unset means every core this process may use."
    )
    llm_batch_tokens: int = Field(
        512, ge=8, le=8192, description="Prompt tokens a local model reads per step."
    )
    llm_extra_buffers: bool | None = Field(
        None,
        description="llama.cpp's extra buffer types for a local model; unset means on, except on CPUs with "
        "AMX, where they crash.",
    )
    llm_max_tokens: int = Field(400, ge=16, le=4096, description="Longest answer the model may write.")
    llm_timeout_seconds: float = Field(
        20.0, gt=0, le=600, description="Longest wait for the model before the extractive answer is used."
    )
    llm_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed or timed-out model call.")
    llm_breaker_failures: int = Field(
        3, ge=1, description="Consecutive failed model calls that open the circuit breaker."
    )
    llm_breaker_reset_seconds: float = Field(
        30.0, gt=0, description="How long an open breaker skips the model before trying it again."
    )
    index_refresh_seconds: float = Field(
        30.0, ge=0, description="How often a server checks for a newer index."
    )
    index_retire_grace_seconds: float = Field(
        600.0,
        ge=0,
        description="How long a build keeps a version the pointer has left, so instances that have not "
        "refreshed yet keep answering from it; make it several refresh intervals.",
    )
    trust_forwarded_for: bool = Field(
        False,
        description="Replaced by forwarded_allow_ips: true without that list is an error, because it "
        "trusted the X-Forwarded-For entry the client writes itself.",
    )
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or CIDR networks of your reverse proxies, comma-separated; the client is "
        "the rightmost X-Forwarded-For address that is not one of them (none: the peer address).",
    )
    redis_url: str | None = Field(
        None,
        description="Redis (redis://, rediss://, redis+unix://) that every instance shares rate limits "
        "through; unset: limits are per machine.",
    )
    widget_public: bool = Field(
        False,
        description="With API keys set, let browsers on an allowed origin chat without a key, at the "
        "widget rate limit (the Origin header is not proof: this makes chat public at that rate).",
    )
    widget_rate_limit_per_minute: int = Field(
        10, ge=1, description="Chat requests per client address and minute on the key-less widget path."
    )
    feedback_database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the answer-feedback database, e.g. postgresql+psycopg://user:pw@host/db "
        "(default: feedback.sqlite3 in data_dir).",
    )
    feedback_store_text: bool = Field(
        False,
        description="Keep the question text with each answer for the curator's report (off: never stored).",
    )
    feedback_retention_days: int = Field(
        30, ge=1, description="Days answers and votes are kept; older ones are deleted."
    )

    @field_validator("data_dir", "corpus_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        # Comma-separated like uvicorn's FORWARDED_ALLOW_IPS; a JSON list like the other list settings.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry == "*":
                raise ValueError(
                    "forwarded_allow_ips: '*' would let every client name its own address; "
                    "list your proxies' addresses or networks"
                )
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"forwarded_allow_ips: {entry!r} is not an IP address or CIDR network "
                    "(e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)"
                ) from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "redis+unix"):
            raise ValueError(f"redis_url must start with redis://, rediss:// or redis+unix://, got {value!r}")
        return value or None

    @model_validator(mode="after")
    def _check_client_identity(self) -> Settings:
        if self.trust_forwarded_for and not self.forwarded_allow_ips:
            raise ValueError(
                "ASSISTANT_TRUST_FORWARDED_FOR=true is replaced by ASSISTANT_FORWARDED_ALLOW_IPS: it took the "
                "client from the leftmost X-Forwarded-For entry, which any client can write. List your "
                "proxies' addresses or networks (e.g. ASSISTANT_FORWARDED_ALLOW_IPS=10.0.0.0/8) and drop it."
            )
        if self.widget_public and not self.allowed_origins:
            raise ValueError(
                "ASSISTANT_WIDGET_PUBLIC=true needs the pages' origins in ASSISTANT_ALLOWED_ORIGINS"
            )
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def onnx_path(self) -> Path:
        return self.onnx_dir or self.data_dir / "onnx"

    @property
    def artifacts_path(self) -> Path:
        return self.data_dir / "artifacts"
