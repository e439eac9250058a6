"""The learning loop: what agents answer becomes proposals for the content team, and failures become gaps.

Called by the gateway when a conversation closes, is rated, or an admin marks a review item as a
knowledge-base gap; and by the content API when a curator decides on a proposal or gap. The rules
(docs/learning.md):

- A conversation an agent resolved after a handover for ``low_confidence``, ``repeated_fallback`` or
  ``not_helpful`` (or for ``third_party``/``out_of_scope`` when the agent marked it "actually ours", or
  after "None of these" in a "Did you mean…?" menu) becomes a proposal: add the question to the
  article the agent's answer used, or, without one, a new article with the question as title and the
  agent's replies as body.
- Every failed question is a gap signal (learning/gaps.py lists the signals).
- Accepting publishes (re-indexed at once, other gateways follow within a second) and marks the
  gaps it answers; when the classifier vetoed the knowledge base for a question, that question goes
  to the NLU review queue labelled as a product question.

Every text kept is redacted here (the recorder's copy is redacted already; this is the second
door, so no proposal or gap can hold a card number, IBAN, e-mail address or phone number).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from handoff import Role, TranscriptEntry
from knowledge_base import Article, ArticleNotFound, ArticleStatus, KnowledgeBase
from knowledge_base.articles import MAX_TITLE_LENGTH, slug_for
from learning import audit, kept
from learning.errors import AlreadyDecided, InvalidDecision, LearningError, PendingDraft
from learning.gaps import Gap, GapBook, Signal
from learning.grouping import THRESHOLD, Embed
from learning.models import GapSignal, GapState, ProposalKind, ProposalState
from learning.proposals import Proposal, ProposalBook, Resolution, distinct
from outcomes.models import ConversationRecord, EscalationReason, Outcome, StoredMessage
from retraining.review import Observation, ReviewItem, ReviewQueue

logger = logging.getLogger(__name__)
Redact = Callable[[str], str]
PROPOSAL_REASONS = frozenset({EscalationReason.LOW_CONFIDENCE, EscalationReason.REPEATED_FALLBACK,
                              EscalationReason.NOT_HELPFUL})
OURS_REASONS = frozenset({EscalationReason.THIRD_PARTY, EscalationReason.OUT_OF_SCOPE})
VETO_RULES = frozenset({"classifier_veto", "classifier_reason", "other_brand"})  # routing/decision.py
PRODUCT_INTENT = "product_question"
CHOOSE_PREFIX = "/choose_article"
LOW_RATING = 2
MIN_QUESTION_WORDS = 2


@dataclass(frozen=True)
class ArticleEdits:
    """What a curator changed before publishing (None: keep the proposal's)."""

    id: str | None = None
    title: str | None = None
    body: str | None = None
    questions: tuple[str, ...] | None = None
    product: str | None = None
    tags: tuple[str, ...] = ()


class Learning:
    """Proposals and gaps, and the curation verbs on them; receives every collaborator it uses."""

    def __init__(self, engine: Engine, knowledge_base: KnowledgeBase, embed: Embed, redact: Redact,
                 review: ReviewQueue | None = None, threshold: float = THRESHOLD) -> None:
        self._engine = engine
        self._kb = knowledge_base
        self._embed = embed
        self._redact = redact
        self._review = review
        self.proposals = ProposalBook(engine, threshold)
        self.gaps = GapBook(engine, threshold)
        self._threshold = threshold
        self._retired: dict[str, tuple[str, np.ndarray]] = {}  # id -> (content hash, vectors)
        self._retired_lock = threading.Lock()

    # --- signals from conversations -------------------------------------------------------------

    def conversation_closed(self, record: ConversationRecord, transcript: Sequence[TranscriptEntry],
                            ours: bool = False) -> Proposal | None:
        """File what a finished conversation teaches: gap signals, and a proposal when an agent resolved it."""
        reason = record.escalation_reason or ""
        question = self._clean(record.escalation_question or "")
        menus = [self._clean(q) for q in unanswered_menus(transcript)]
        if question and reason in PROPOSAL_REASONS:
            self._signal(GapSignal.ESCALATION, question, record.session_id)
        if question and ours and reason in OURS_REASONS:
            self._signal(GapSignal.MISROUTED, question, record.session_id)
        for unanswered in menus:
            self._signal(GapSignal.UNANSWERED_MENU, unanswered, record.session_id)
        if reason == EscalationReason.CUSTOMER_REQUEST and menus:  # "None of these": the menu lacked it
            question, reason = menus[-1], EscalationReason.LOW_CONFIDENCE
        if not question or record.outcome != Outcome.AGENT_RESOLVED.value:
            return None
        if reason not in PROPOSAL_REASONS and not (ours and reason in OURS_REASONS):
            return None
        answers = distinct([self._clean(e.text) for e in transcript if e.role == Role.AGENT and not e.internal])
        article_ids = [a for a in (record.agent_article_ids or []) if self._exists(a)]
        return self.proposals.add(Resolution(record.session_id, (question,), tuple(a for a in answers if a),
                                             article_ids[-1] if article_ids else None, self._vector(question)))

    def conversation_rated(self, session_id: str) -> None:
        """A rating of 1-2 with a comment: the conversation's question is a gap signal."""
        with SqlSession(self._engine) as db:
            record = db.get(ConversationRecord, session_id)
            if record is None or record.csat is None or record.csat > LOW_RATING or not record.csat_comment:
                return
            question = record.escalation_question or _first_question(db, session_id)
        if question:
            self._signal(GapSignal.LOW_RATING, self._clean(question), session_id)

    def marked_as_gap(self, text: str, session_id: str) -> Gap | None:
        """An admin marked a review-queue message as a knowledge-base gap: it shows on the content page."""
        question = self._clean(text)
        return self._signal(GapSignal.ADMIN_MARK, question, session_id) if question else None

    def mark_review_item_as_gap(self, item_id: int, by: str) -> ReviewItem:
        """The admin's "KB gap" on an NLU review-queue message (admin page or ``python -m bot nlu review gap``):
        marked in the queue, and a gap on the content page, so no entry point can do one without the other."""
        if self._review is None:
            raise LearningError("the learning loop was built without the NLU review queue (Learning(review=...))")
        item = self._review.mark_kb_gap(item_id, by)
        self.marked_as_gap(item.text, item.session_id)
        return item

    def _signal(self, kind: GapSignal, question: str, session_id: str) -> Gap | None:
        if not question:
            return None
        vector = self._vector(question)
        retired = self._retired_near(vector)
        if retired and kind is GapSignal.ESCALATION:
            kind = GapSignal.RETIRED_ARTICLE
        return self.gaps.add(Signal(kind, question, session_id, vector, retired))

    # --- the content team's decisions ------------------------------------------------------------

    def accept(self, proposal_id: int, by: str, edits: ArticleEdits | None = None) -> tuple[Proposal, Article]:
        """Publish the proposal (as it is, or with ``edits``): a new article, or phrasings added to its article."""
        proposal = self.open_proposal(proposal_id)
        if proposal.kind == ProposalKind.PHRASING.value and not (edits and edits.id):
            questions = edits.questions if edits and edits.questions is not None else tuple(proposal.questions)
            return self._settle(proposal, ProposalState.ACCEPTED, by, edited=edits is not None,
                                publish=lambda: self._add_phrasings(str(proposal.article_id), questions, by))
        article = self._new_article(proposal, edits or ArticleEdits())
        return self._settle(proposal, ProposalState.ACCEPTED, by, edited=edits is not None,
                            publish=lambda: self._kb.create_article(article, by), article_id=article.id)

    def merge(self, proposal_id: int, article_id: str, by: str,
              questions: Sequence[str] | None = None) -> tuple[Proposal, Article]:
        """Add the proposal's questions to another (existing) article, and publish it."""
        proposal = self.open_proposal(proposal_id)
        self._kb.get_article(article_id)  # ArticleNotFound before anything changes
        chosen = tuple(questions) if questions is not None else tuple(proposal.questions)
        return self._settle(proposal, ProposalState.MERGED, by, edited=questions is not None,
                            publish=lambda: self._add_phrasings(article_id, chosen, by), article_id=article_id)

    def reject(self, proposal_id: int, by: str, reason: str) -> Proposal:
        """Close the proposal without changing any article; the reason is kept and audited."""
        why = " ".join(reason.split())
        if not why:
            raise InvalidDecision("say why the proposal is rejected (reason), e.g. 'answered by billing-refunds'")
        return self.proposals.decide(proposal_id, ProposalState.REJECTED, by, note=why[:500])

    def vetoed(self, proposal: Proposal, verdicts: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Queue the questions the classifier kept from the knowledge base (``verdicts``: question and the
        routing's ``why``) as labelled examples for the NLU review; how many were queued."""
        if self._review is None:
            return 0
        queued = 0
        for question, why in verdicts:
            if why.get("rule") not in VETO_RULES:
                continue
            intents = why.get("intents") or [["", 0.0]]
            self._review.add(Observation(
                session_id=f"proposal-{proposal.id}", message_key=f"proposal:{proposal.id}:{slug_for(question)}",
                text=question, intent=str(intents[0][0]), confidence=float(intents[0][1]), reason="proposal_veto",
                why={**why, "label": PRODUCT_INTENT, "proposal_id": proposal.id, "article_id": proposal.article_id}))
            queued += 1
        return queued

    def dismiss_gap(self, gap_id: int, by: str, note: str = "") -> Gap:
        return self.gaps.set_state(gap_id, GapState.DISMISSED, by, note=" ".join(note.split())[:500] or None)

    def reopen_gap(self, gap_id: int, by: str) -> Gap:
        return self.gaps.set_state(gap_id, GapState.OPEN, by)

    def draft_from_gap(self, gap_id: int, by: str) -> Article:
        """"Create article from this": a draft titled with the gap's question, its examples as phrasings."""
        gap = self.gaps.get(gap_id)
        title = gap.label[:MAX_TITLE_LENGTH]
        article = Article(id=self._free_id(slug_for(title)), title=title,
                          body="(Write the answer here, then publish.)",
                          questions=tuple(q for q in distinct(gap.examples) if q != gap.label))
        saved = self._kb.create_article(article, by)
        self.gaps.link_article(gap_id, saved.id, by)
        return saved

    def list_gaps(self, state: GapState | None) -> list[Gap]:
        """Gaps by state, after settling those whose drafted article was published meanwhile."""
        self.gaps.settle_linked(self._published)
        return self.gaps.list(state)

    def forget_session(self, session_id: str) -> int:
        """An erasure request: the conversation's texts leave the proposals and gaps (learning/kept.py)."""
        return kept.forget_session(self._engine, session_id, datetime.now(UTC), self._recentre)

    def purge_before(self, cutoff: datetime) -> int:
        """The retention job: texts of conversations older than ``cutoff`` leave the proposals and gaps."""
        return kept.forget_before(self._engine, cutoff, datetime.now(UTC), self._recentre)

    def held_about(self, session_id: str) -> dict[str, int]:
        """How many proposals and gaps name the conversation, and how many of its texts they hold."""
        return kept.held_about(self._engine, session_id)

    def audit(self, limit: int = 100, subject: str | None = None, subject_id: int | None = None) -> list[audit.Step]:
        return audit.trail(self._engine, limit, subject, subject_id)

    # --- helpers ---------------------------------------------------------------------------------

    def open_proposal(self, proposal_id: int) -> Proposal:
        """The proposal, if it is still open (AlreadyDecided otherwise)."""
        proposal = self.proposals.get(proposal_id)
        if proposal.state != ProposalState.OPEN.value:
            raise AlreadyDecided(proposal_id, proposal.state, proposal.decided_by)
        return proposal

    def _settle(self, proposal: Proposal, state: ProposalState, by: str, edited: bool,
                publish: Callable[[], Article], article_id: str | None = None) -> tuple[Proposal, Article]:
        """Publish, then close the proposal and mark the gaps its questions answer."""
        article = publish()
        decided = self.proposals.decide(proposal.id, state, by, article_id=article_id or article.id,
                                        edited=edited, version=article.version)
        self.gaps.answered_by(article.id, [self.proposals.centre(proposal.id)], by)
        return decided, article

    def _add_phrasings(self, article_id: str, questions: Sequence[str], by: str) -> Article:
        """The article with the questions it lacks among its phrasings, published."""
        live = self._kb.get_article(article_id)
        draft = self._kb.draft(article_id)
        if draft is not None:
            raise PendingDraft(article_id, draft.actor)
        known = {_key(q) for q in (live.title, *live.questions)}
        new = [q for q in distinct([self._clean(q) for q in questions]) if q and _key(q) not in known]
        if new:
            self._kb.update_article(replace(live, questions=(*live.questions, *new)), by)
        if self._kb.draft(article_id) is not None or live.status is not ArticleStatus.PUBLISHED:
            return self._kb.publish(article_id, by)
        return self._kb.get_article(article_id)

    def _new_article(self, proposal: Proposal, edits: ArticleEdits) -> Article:
        questions = [self._clean(q) for q in proposal.questions]
        title = self._clean(edits.title or questions[0])[:MAX_TITLE_LENGTH]
        body = self._clean(edits.body) if edits.body else "\n\n".join(proposal.answers)
        phrasings = [self._clean(q) for q in edits.questions] if edits.questions is not None else questions
        if not body.strip():
            raise InvalidDecision("the proposal has no agent answer; edit it and write the answer (body)")
        return Article(id=edits.id or self._free_id(slug_for(title)), title=title, body=body,
                       product=edits.product or None, tags=edits.tags,
                       questions=tuple(q for q in distinct(phrasings) if q and _key(q) != _key(title)),
                       status=ArticleStatus.PUBLISHED)

    def _free_id(self, base: str) -> str:
        candidate, n = base, 2
        while self._exists(candidate):
            candidate, n = f"{base[:90]}-{n}", n + 1
        return candidate

    def _exists(self, article_id: str) -> bool:
        try:
            self._kb.get_article(article_id)
        except ArticleNotFound:
            return False
        return True

    def _published(self, article_id: str) -> bool:
        try:
            return self._kb.get_article(article_id).status is ArticleStatus.PUBLISHED
        except ArticleNotFound:
            return False

    def _clean(self, text: str) -> str:
        return " ".join(self._redact(text).split()) if text and text.strip() else ""

    def _recentre(self, texts: Sequence[str]) -> list[float]:
        """The vector sum of the texts a row keeps, after others were forgotten."""
        return [round(float(x), 6) for x in np.asarray(self._embed(list(texts)), dtype=np.float32).sum(axis=0)]

    def _vector(self, text: str) -> np.ndarray:
        return np.asarray(self._embed([text])[0], dtype=np.float32)

    def _retired_near(self, vector: np.ndarray) -> str | None:
        """The retired article whose title or phrasings are nearest the question, if near enough."""
        best, best_score = None, self._threshold
        for article_id, vectors in self._retired_vectors().items():
            score = float(np.max(vectors @ vector)) if len(vectors) else -1.0
            if score >= best_score:
                best, best_score = article_id, score
        return best

    def _retired_vectors(self) -> dict[str, np.ndarray]:
        """Each retired article's title and phrasing vectors, embedded once per content."""
        retired = self._kb.list_articles(ArticleStatus.RETIRED)
        with self._retired_lock:
            for article in retired:
                cached = self._retired.get(article.id)
                if cached is None or cached[0] != article.content_hash:
                    self._retired[article.id] = (article.content_hash,
                                                 self._embed([article.title, *article.questions]))
            ids = {a.id for a in retired}
            return {i: v for i, (_, v) in self._retired.items() if i in ids}


def unanswered_menus(transcript: Sequence[TranscriptEntry]) -> list[str]:
    """The questions whose "Did you mean…?" menu held no answer for the customer: no article chosen before
    they wrote again or left, or "None of these" pressed (which hands over as a request for a person)."""
    found = []
    for n, entry in enumerate(transcript):
        buttons = entry.extra.get("buttons") or [] if entry.role == Role.BOT else []
        articles = {b.get("title") for b in buttons if str(b.get("payload", "")).startswith(CHOOSE_PREFIX)}
        if not articles:
            continue
        after = [e for e in transcript[n + 1:] if e.role == Role.CUSTOMER]
        if after and after[0].text in articles:
            continue
        before = [e.text for e in transcript[:n] if e.role == Role.CUSTOMER]
        if before:
            found.append(before[-1])
    return found


def _first_question(db: SqlSession, session_id: str) -> str | None:
    query = select(StoredMessage.text).where(StoredMessage.session_id == session_id,
                                             StoredMessage.role == Role.CUSTOMER.value).order_by(StoredMessage.id)
    return next((t for t in db.scalars(query) if len(t.split()) >= MIN_QUESTION_WORDS), None)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())
