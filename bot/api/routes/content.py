"""The content API: curate knowledge-base articles and try what the bot would answer.

Every route needs a staff token with the ``content`` role (``admin`` includes it). Changes are
recorded with the caller's username in each article's history and the audit trail, and reach
every gateway process within a second (see knowledge_base/service.py).
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, UploadFile, status
from pydantic import BaseModel, Field, model_validator

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from bot.services import Services
from knowledge_base import Article, ArticleStatus, Candidate, ImportReport, Revision, UnsupportedFormat
from knowledge_base.exchange import article_fields, article_from, parse, read_articles, to_csv, to_json
from knowledge_base.folder import markdown_file
from knowledge_base.service import Consultation as KbConsultation
from knowledge_base.vocabulary import Term, TermKind, Vocabulary, write_rasa_nlu
from rasa_bridge import RasaUnavailable
from routing import Route, Step, route, signals_of

router = APIRouter(prefix="/api/content", tags=["content"],
                   responses={401: {"description": "No or invalid token"},
                              403: {"description": "The token's role does not include content"}})
Curator = Annotated[Principal, Depends(require_role(StaffRole.CONTENT))]
MAX_IMPORT_BYTES = 20 * 2**20


class ArticleFields(BaseModel):
    """What a curator writes; ``status`` defaults to draft (publish to make it answerable)."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, description="The answer, in Markdown")
    product: str | None = None
    tags: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list, description="Other ways customers ask this question")
    language: str = "en"
    status: ArticleStatus = ArticleStatus.DRAFT


class NewArticle(ArticleFields):
    id: str = Field(min_length=1, max_length=100, description="A slug such as 'hub-reset'")


class ArticleOut(NewArticle):
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    has_draft: bool = Field(False, description="Whether edits wait as a draft (GET .../draft), not live yet")
    last_editor: str | None = Field(None, description="Who saved the article last (in lists)")


class ArticleList(BaseModel):
    articles: list[ArticleOut]


class RevisionOut(BaseModel):
    seq: int
    article_id: str
    version: int
    action: str
    actor: str
    at: datetime
    note: str
    title: str
    status: ArticleStatus
    body: str | None = Field(None, description="The article's body at this version (history only)")


class RevisionList(BaseModel):
    revisions: list[RevisionOut]


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=2000)


class CandidateOut(BaseModel):
    article_id: str
    title: str
    score: float = Field(description="The fused score the decision compares with the thresholds")
    signals: dict[str, float] = Field(description="paraphrase, question, body (cosines) and lexical (BM25)")
    offered: bool = Field(description="Whether the decision answers with or offers this article")


class DecisionOut(BaseModel):
    action: str = Field(description="What the live bot would do: answer, clarify, escalate (hand over to a "
                        "person), small_talk or rephrase (ask to say it in other words)")
    reason: str = Field(description="The escalation reason when it hands over, else the knowledge base's reason")
    article_ids: list[str]
    answer: str | None = Field(None, description="The answer's text, when the action is answer")
    decided_by: str = Field("knowledge_base", description="The routing rule that decided (routing/decision.py, "
                            "e.g. confident_article, classifier_veto, other_brand), or knowledge_base when the "
                            "classifier could not be asked (then only the knowledge base's decision is shown)")
    signals: dict[str, Any] = Field(default_factory=dict, description="The signals the decision used: the best "
                                    "score and its lead, and with the classifier its intents, the entities and "
                                    "the candidates (as the agent console shows them)")


class SynonymOut(BaseModel):
    phrase: str = Field(description="The words found in the question")
    term: str = Field(description="The canonical name retrieval also searched for")


class Consultation(BaseModel):
    decision: DecisionOut
    candidates: list[CandidateOut]
    thresholds: dict[str, float]
    synonyms: list[SynonymOut] = Field(default_factory=list, description="Customers' words read as our names")


class DraftOut(BaseModel):
    article_id: str
    rank: int | None = Field(description="Where the draft lands among the candidates (1 = best), None if not in them")
    score: float | None
    offered: bool = Field(description="Whether the decision would answer with or offer the draft")


class Preview(Consultation):
    draft: DraftOut


class PreviewRequest(BaseModel):
    """A question, and the draft to rank with the published articles: unsaved fields, or a saved article's id."""

    question: str = Field(min_length=1, max_length=2000)
    article_id: str | None = Field(None, min_length=1, max_length=100,
                                   description="A saved article (any status) to preview as it is saved")
    article: NewArticle | None = Field(None, description="Unsaved fields; wins over article_id")

    @model_validator(mode="after")
    def _names_a_draft(self) -> PreviewRequest:
        if self.article is None and self.article_id is None:
            raise ValueError("give the draft to preview: its fields (article) or a saved article's id (article_id)")
        return self


class TermIn(BaseModel):
    synonyms: list[str] = Field(min_length=1, max_length=50, description="What customers call it instead")
    kind: TermKind = TermKind.PRODUCT


class TermOut(TermIn):
    name: str = Field(description="The canonical name, as the articles write it")


class VocabularyOut(BaseModel):
    terms: list[TermOut]


class VocabularyIn(BaseModel):
    terms: list[TermOut] = Field(max_length=2000)


class ImportOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class ArticleOrder(StrEnum):
    ID = "id"
    LAST_EDIT = "last_edit"


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


@router.get("/articles")
async def list_articles(
    services: ServicesDep, _: Curator,
    q: Annotated[str, Query(max_length=500, description="Words the article contains, in any order")] = "",
    status_: Annotated[ArticleStatus | None, Query(alias="status")] = None,
    product: Annotated[str | None, Query(max_length=100, description="Only this product's articles")] = None,
    tag: Annotated[str | None, Query(max_length=100, description="Only articles with this tag (any case)")] = None,
    sort: ArticleOrder = ArticleOrder.ID,
) -> ArticleList:
    """Articles of any status, optionally only those with ``status``, ``product`` or ``tag`` and containing every
    word of ``q``; by id, or the last edited first (``sort=last_edit``), each with who saved it last."""
    kb = services.knowledge_base
    articles = await asyncio.to_thread(kb.list_articles, status_, q)
    drafts, edits = await asyncio.to_thread(kb.draft_ids), await asyncio.to_thread(kb.last_edits)
    if product:
        articles = [a for a in articles if (a.product or "").casefold() == product.casefold()]
    if tag:
        articles = [a for a in articles if tag.casefold() in {t.casefold() for t in a.tags}]
    if sort is ArticleOrder.LAST_EDIT:
        articles.sort(key=lambda a: a.updated_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return ArticleList(articles=[article_out(a, a.id in drafts).model_copy(
        update={"last_editor": edits.get(a.id, (None, None))[0]}) for a in articles])


@router.post("/articles", status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "An article with this id exists"}})
async def create_article(new: NewArticle, services: ServicesDep, curator: Curator) -> ArticleOut:
    """Create an article (draft unless ``status`` says otherwise)."""
    article = article_from(new.model_dump())
    saved = await asyncio.to_thread(services.knowledge_base.create_article, article, curator.username)
    return article_out(saved)


@router.get("/articles/{article_id}", responses={404: {"description": "No such article"}})
async def get_article(article_id: str, services: ServicesDep, _: Curator) -> ArticleOut:
    """The article as it is live (or saved, when not published); its pending draft is at .../draft."""
    return await asyncio.to_thread(_article_with_draft_flag, services, article_id)


@router.put("/articles/{article_id}", responses={404: {"description": "No such article"}})
async def edit_article(article_id: str, fields: ArticleFields, services: ServicesDep, curator: Curator) -> ArticleOut:
    """Replace an article's content (and status); the previous version stays in its history.

    New content for a published article is kept as its draft instead (``has_draft``), and the live
    article is answered as it was until ``POST .../publish``; see bot/api/routes/drafts.py.
    """
    article = article_from({**fields.model_dump(), "id": article_id})
    await asyncio.to_thread(services.knowledge_base.update_article, article, curator.username)
    return await asyncio.to_thread(_article_with_draft_flag, services, article_id)


@router.post("/articles/{article_id}/publish", responses={404: {"description": "No such article"}})
async def publish_article(article_id: str, services: ServicesDep, curator: Curator) -> ArticleOut:
    """Make an article answerable (with its pending draft's content, when it has one)."""
    return article_out(await asyncio.to_thread(services.knowledge_base.publish, article_id, curator.username))


@router.post("/articles/{article_id}/retire", responses={404: {"description": "No such article"}})
async def retire_article(article_id: str, services: ServicesDep, curator: Curator) -> ArticleOut:
    """Stop answering with an article; it stays, with its history."""
    return article_out(await asyncio.to_thread(services.knowledge_base.retire, article_id, curator.username))


@router.get("/articles/{article_id}/history", responses={404: {"description": "No such article"}})
async def article_history(article_id: str, services: ServicesDep, _: Curator) -> RevisionList:
    """Every version of an article, oldest first, with who saved it and when."""
    revisions = await asyncio.to_thread(services.knowledge_base.history, article_id)
    return RevisionList(revisions=[_revision_out(r, with_body=True) for r in revisions])


@router.get("/audit")
async def audit_trail(services: ServicesDep, _: Curator,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RevisionList:
    """The latest changes to any article, newest first."""
    revisions = await asyncio.to_thread(services.knowledge_base.audit, limit)
    return RevisionList(revisions=[_revision_out(r, with_body=False) for r in revisions])


@router.post("/ask")
async def what_would_the_bot_answer(question: Question, services: ServicesDep, _: Curator) -> Consultation:
    """The ranked candidates, their scores, and the decision the bot would make for ``question``."""
    kb = services.knowledge_base
    consultation = await asyncio.to_thread(kb.consult, question.question)
    decided = await _route(services, question.question, kb.search)
    return _consultation_out(consultation, services, decided)


@router.post("/preview", responses={404: {"description": "No article has article_id"}})
async def preview_draft(request: PreviewRequest, services: ServicesDep, _: Curator) -> Preview:
    """Where a draft would land for a question if it were published, and the decision; nothing is published."""
    kb = services.knowledge_base
    if request.article is not None:
        draft = article_from(request.article.model_dump())
    else:
        draft = await asyncio.to_thread(kb.get_article, str(request.article_id))
    consultation = await asyncio.to_thread(kb.preview, request.question, draft)
    decided = await _route(services, request.question, lambda reading: kb.preview(reading, draft).candidates)
    out = _consultation_out(consultation, services, decided)
    candidates = _shown_candidates(consultation, decided)
    ranked = [c.article_id for c in candidates]
    rank = ranked.index(draft.id) + 1 if draft.id in ranked else None
    score = candidates[rank - 1].score if rank else None
    offered = any(c.article_id == draft.id and c.offered for c in out.candidates)
    return Preview(**out.model_dump(), draft=DraftOut(article_id=draft.id, rank=rank,
                                                      score=round(score, 4) if score is not None else None,
                                                      offered=offered))


@router.get("/vocabulary")
async def get_vocabulary(services: ServicesDep, _: Curator) -> VocabularyOut:
    """The customers' vocabulary: each canonical name and its synonyms (also the export format)."""
    return _vocabulary_out(services.knowledge_base.vocabulary())


@router.put("/vocabulary", responses={400: {"description": "A term breaks a rule; nothing was saved"}})
async def replace_vocabulary(vocabulary: VocabularyIn, services: ServicesDep, curator: Curator) -> VocabularyOut:
    """Replace the whole vocabulary (an import of what GET returned); all or nothing."""
    terms = Vocabulary(Term(t.name, tuple(t.synonyms), t.kind) for t in vocabulary.terms)
    saved = await asyncio.to_thread(services.knowledge_base.replace_vocabulary, terms, curator.username)
    return await _vocabulary_saved(saved, services)


@router.put("/vocabulary/{name}", responses={400: {"description": "The term breaks a rule; nothing was saved"}})
async def put_term(name: str, term: TermIn, services: ServicesDep, curator: Curator) -> VocabularyOut:
    """Add or replace one term (by its canonical name)."""
    saved = await asyncio.to_thread(services.knowledge_base.put_term, Term(name, tuple(term.synonyms), term.kind),
                                    curator.username)
    return await _vocabulary_saved(saved, services)


@router.delete("/vocabulary/{name}", responses={404: {"description": "No term has this name"}})
async def delete_term(name: str, services: ServicesDep, curator: Curator) -> VocabularyOut:
    """Remove one term."""
    saved = await asyncio.to_thread(services.knowledge_base.remove_term, name, curator.username)
    return await _vocabulary_saved(saved, services)


@router.post("/import", responses={400: {"description": "The file has problems; nothing was imported"}})
async def import_articles(file: UploadFile, services: ServicesDep, curator: Curator) -> ImportOut:
    """Import a ``.csv``, a ``.json`` or a ``.zip`` of Markdown files; importing it again changes nothing."""
    name = Path(file.filename or "upload").name
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise UnsupportedFormat(f"{name} (larger than {MAX_IMPORT_BYTES // 2**20} MiB)")
    articles = await asyncio.to_thread(_read_upload, name, data)
    report = await asyncio.to_thread(services.knowledge_base.import_articles, articles, curator.username,
                                     f"import {name}")
    return _import_out(report)


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/zip": {}}}})
async def export_articles(services: ServicesDep, _: Curator, format: ExportFormat = ExportFormat.JSON,
                          status_: Annotated[ArticleStatus | None, Query(alias="status")] = None) -> Response:
    """All articles (or those with ``status``) as JSON, CSV or a zip of Markdown files, to import back as they are."""
    articles = await asyncio.to_thread(services.knowledge_base.list_articles, status_)
    if format is ExportFormat.CSV:
        return _download(to_csv(articles).encode(), "text/csv; charset=utf-8", "articles.csv")
    if format is ExportFormat.MARKDOWN:
        return _download(_markdown_zip(articles), "application/zip", "articles.zip")
    return _download(to_json(articles).encode(), "application/json", "articles.json")


async def _route(services: Services, question: str, search: Callable[[str], Sequence[Candidate]]) -> Route | None:
    """The live bot's routing decision for ``question``: Rasa's reading of the redacted text (as the bot
    gets it) and the knowledge base's candidates for each reading; None when Rasa cannot be asked."""
    text = await asyncio.to_thread(services.redactor.redact, question)
    try:
        parsed = await services.rasa.parse(text)
    except RasaUnavailable:
        return None
    signals = await asyncio.to_thread(signals_of, parsed.as_rasa(), search)
    return route(signals, services.policy)


def _shown_candidates(consultation: KbConsultation, decided: Route | None) -> Sequence[Candidate]:
    """The candidates the decision chose from: the routing's (best over the readings of the message), or the
    knowledge base's alone."""
    return decided.signals.ranked() if decided is not None else consultation.candidates


def _decision_out(consultation: KbConsultation, decided: Route | None) -> DecisionOut:
    ranked = _shown_candidates(consultation, decided)
    signals: dict[str, Any] = {"best_score": round(ranked[0].score, 4) if ranked else None,
                               "lead": round(ranked[0].score - ranked[1].score, 4) if len(ranked) > 1 else None}
    if decided is None:  # the classifier could not be asked: the knowledge base's decision alone
        decision = consultation.decision
        offered = [c.article_id for c in decision.candidates] if decision.action != "escalate" else []
        answer = decision.candidates[0].body if decision.action == "answer" else None
        return DecisionOut(action=decision.action.value, reason=decision.reason.value, article_ids=offered,
                           answer=answer, decided_by="knowledge_base", signals=signals | {"classifier": None})
    action = "escalate" if decided.step is Step.HAND_OVER else decided.step.value
    answer = decided.candidates[0].body if decided.step is Step.ANSWER else None
    reason = decided.reason.value if decided.reason else consultation.decision.reason.value
    return DecisionOut(action=action, reason=reason, article_ids=[c.article_id for c in decided.candidates],
                       answer=answer, decided_by=decided.rule, signals=signals | decided.why())


def _consultation_out(consultation: KbConsultation, services: Services, decided: Route | None) -> Consultation:
    decision = _decision_out(consultation, decided)
    offered = set(decision.article_ids)
    return Consultation(
        decision=decision,
        candidates=[_candidate_out(c, c.article_id in offered) for c in _shown_candidates(consultation, decided)],
        thresholds={k: float(v) for k, v in services.knowledge_base.thresholds.__dict__.items()},
        synonyms=[SynonymOut(phrase=m.phrase, term=m.term) for m in consultation.vocabulary],
    )


async def _vocabulary_saved(vocabulary: Vocabulary, services: Services) -> VocabularyOut:
    """Rasa's copy follows every change; the next retrain reads it (training_data/vocabulary.yml)."""
    path = services.settings.kb_rasa_vocabulary_file
    if path is not None:
        await asyncio.to_thread(write_rasa_nlu, path, vocabulary)
    return _vocabulary_out(vocabulary)


def _vocabulary_out(vocabulary: Vocabulary) -> VocabularyOut:
    return VocabularyOut(terms=[TermOut(name=t.name, kind=t.kind, synonyms=list(t.synonyms)) for t in vocabulary.terms])


def _read_upload(name: str, data: bytes) -> list[Article]:
    if name.lower().endswith(".zip"):
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    if member.endswith(".md") and "/" not in member.strip("/"):
                        (Path(folder) / member).write_bytes(archive.read(member))
            return read_articles(Path(folder))
    return parse(data.decode("utf-8-sig", errors="replace"), name)


def _markdown_zip(articles: list[Article]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in articles:
            archive.writestr(f"{article.id}.md", markdown_file(article))
    return buffer.getvalue()


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def article_out(article: Article, has_draft: bool = False) -> ArticleOut:
    """The API's view of an article (also used by bot/api/routes/drafts.py)."""
    fields: dict[str, Any] = article_fields(article)
    return ArticleOut(**fields, version=article.version, created_at=article.created_at,
                      updated_at=article.updated_at, has_draft=has_draft)


def _article_with_draft_flag(services: Services, article_id: str) -> ArticleOut:
    kb = services.knowledge_base
    return article_out(kb.get_article(article_id), has_draft=kb.draft(article_id) is not None)


def _revision_out(revision: Revision, with_body: bool) -> RevisionOut:
    article = revision.article
    return RevisionOut(seq=revision.seq, article_id=article.id, version=article.version, action=revision.action.value,
                       actor=revision.actor, at=revision.at, note=revision.note, title=article.title,
                       status=article.status, body=article.body if with_body else None)


def _candidate_out(candidate: Candidate, offered: bool) -> CandidateOut:
    return CandidateOut(article_id=candidate.article_id, title=candidate.title, score=round(candidate.score, 4),
                        signals={k: round(v, 4) for k, v in candidate.signals.items()}, offered=offered)


def _import_out(report: ImportReport) -> ImportOut:
    return ImportOut(created=list(report.created), updated=list(report.updated), unchanged=list(report.unchanged))
