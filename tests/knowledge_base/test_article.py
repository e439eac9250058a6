"""The Article value: what it accepts, what it refuses, and what its hash covers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge_base import ArticleStatus, InvalidArticle
from tests.knowledge_base.factories import make_article

pytestmark = pytest.mark.unit


def test_yaml_style_values_are_normalised() -> None:
    article = make_article(tags=["hub"], questions=["Reset?"], status="draft")

    assert article.tags == ("hub",)
    assert article.questions == ("Reset?",)
    assert article.status is ArticleStatus.DRAFT


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidArticle) as caught:
        make_article(id="Hub Reset!", title=" ", body="", status="live", questions=("",))

    problems = " | ".join(caught.value.problems)
    for field in ("id must be a slug", "title is empty", "body is empty", "questions", "status must be one of"):
        assert field in problems
    assert str(caught.value).startswith("fix these article problems")


def test_the_content_hash_ignores_status_but_not_content() -> None:
    article = make_article()

    assert replace(article, status=ArticleStatus.RETIRED).content_hash == article.content_hash
    assert replace(article, questions=("Another phrasing?",)).content_hash != article.content_hash
    assert replace(article, product=None).content_hash != article.content_hash
