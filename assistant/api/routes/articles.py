"""The vetted articles, so a client can show a quoted passage in context."""

from __future__ import annotations

from fastapi import APIRouter, Path

from assistant.api.deps import PipelineDep, StateDep
from assistant.api.problems import Problem, problem_responses
from assistant.api.routes import API_PREFIX
from assistant.api.schemas import ArticleDetail, ArticleSummary, PassageOut
from corpus.models import Article

router = APIRouter(prefix=API_PREFIX, tags=["articles"])


def _summary(article: Article) -> dict[str, object]:
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "reviewed_on": article.reviewed_on.isoformat() if article.reviewed_on else None,
        "topics": article.topics,
    }


@router.get(
    "/articles",
    response_model=list[ArticleSummary],
    summary="Every article the assistant may quote",
    responses=problem_responses(503),
)
def list_articles(state: StateDep, _pipeline: PipelineDep) -> list[dict[str, object]]:
    return [_summary(a) for a in sorted(state.articles.values(), key=lambda a: a.id)]


@router.get(
    "/articles/{article_id}",
    response_model=ArticleDetail,
    summary="One article with its passages and offsets",
    responses=problem_responses(
        404, 422, 503, descriptions={404: "No such article", 422: "Not an article id (a-z, 0-9 and -)"}
    ),
)
def get_article(
    state: StateDep, pipeline: PipelineDep, article_id: str = Path(..., pattern=r"^[a-z0-9-]{1,120}$")
) -> dict[str, object]:
    article = state.articles.get(article_id)
    if article is None:
        raise Problem(404, f"no article with id {article_id!r}")
    passages = sorted(
        (p for p in pipeline.index.passages.values() if p.article_id == article_id), key=lambda p: p.n
    )
    return {
        **_summary(article),
        "summary": article.summary,
        "license": article.license,
        "see": article.see,
        "sources": [{"name": s.name, "url": s.url} for s in article.sources],
        "body": article.body,
        "passages": [
            PassageOut(id=p.id, n=p.n, section=p.section, start=p.start, end=p.end, text=p.text)
            for p in passages
        ],
    }
