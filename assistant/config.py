"""Settings: one pydantic-settings object read from `ASSISTANT_*` environment variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from corpus.loader import PACKAGE_ARTICLES
from corpus.vetting import DEFAULT_ALLOWED_DOMAINS
from guardrails.input_rail import DEFAULT_CRISIS_LINES, DEFAULT_EMERGENCY_NUMBERS

# Chosen on the shipped question sets; see docs/abstention.md for how and the curve behind it.
DEFAULT_ABSTAIN_THRESHOLD = 0.44


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
        description="Least cosine similarity between the question and its best sentence for an answer.",
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
    guard_semantic: bool = Field(True, description="Use the nearest-exemplar layer after the rules.")
    guard_semantic_threshold: float = Field(
        0.55, gt=0.0, lt=1.0, description="Least similarity for an exemplar match."
    )

    @field_validator("data_dir", "corpus_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def artifacts_path(self) -> Path:
        return self.data_dir / "artifacts"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
