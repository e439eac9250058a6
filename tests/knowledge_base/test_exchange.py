"""Articles in and out of CSV, JSON and Markdown folders: what curators write, and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge_base import ArticleStatus, InvalidArticle, UnsupportedFormat
from knowledge_base.articles import MAX_ID_LENGTH, slug_for
from knowledge_base.exchange import parse, read_articles, write_articles
from tests.knowledge_base.factories import hand_written_articles

pytestmark = pytest.mark.unit

FAQ_CSV = """question,answer,tags,questions,status
How long does shipping take?,"Orders ship in 3-5 business days.","orders, shipping","When will my order arrive?
Is delivery free?",published
"Can I return a bulb?","Yes, within 30 days.",,,
"""


def test_a_csv_of_questions_and_answers_becomes_articles_with_stable_ids() -> None:
    shipping, returns = parse(FAQ_CSV, "faq.csv")

    assert shipping.id == "how-long-does-shipping-take"
    assert (shipping.title, shipping.body) == ("How long does shipping take?", "Orders ship in 3-5 business days.")
    assert shipping.tags == ("orders", "shipping")
    assert shipping.questions == ("When will my order arrive?", "Is delivery free?")
    assert shipping.status is ArticleStatus.PUBLISHED
    assert (returns.id, returns.status) == ("can-i-return-a-bulb", ArticleStatus.DRAFT)
    assert parse(FAQ_CSV, "faq.csv") == [shipping, returns]  # same file, same articles


def test_json_accepts_a_list_or_an_articles_object_and_question_answer_names() -> None:
    items = [{"question": "Can I cut the strip?", "answer": "Every 33 cm.", "questions": ["Shorten the strip?"]}]

    listed = parse(json.dumps(items), "a.json")
    wrapped = parse(json.dumps({"articles": items}), "b.json")

    assert listed == wrapped
    assert (listed[0].id, listed[0].questions) == ("can-i-cut-the-strip", ("Shorten the strip?",))


@pytest.mark.parametrize("suffix", [".csv", ".json", ""])
def test_an_export_imports_back_to_the_same_articles(tmp_path: Path, suffix: str) -> None:
    articles = hand_written_articles()
    path = tmp_path / f"export{suffix}"

    write_articles(path, articles)

    assert sorted(read_articles(path), key=lambda a: a.id) == sorted(articles, key=lambda a: a.id)


def test_every_problem_in_a_file_is_reported_with_its_row() -> None:
    text = "question,answer,colour\nFine?,Yes.,red\n,No title here.,\nDuplicate,One.,\nDuplicate,Two.,\n"

    with pytest.raises(InvalidArticle) as caught:
        parse(text, "bad.csv")

    problems = "\n".join(caught.value.problems)
    assert "bad.csv row 2: unknown field 'colour'" in problems
    assert "bad.csv row 3: article 'untitled': title is empty" in problems
    assert "bad.csv row 5: id 'duplicate' appears twice" in problems


def test_a_csv_without_the_answer_column_is_refused_before_reading_rows() -> None:
    with pytest.raises(InvalidArticle, match=r"lacks the column answer \(or body\)"):
        parse("question\nWhat?\n", "faq.csv")


def test_unknown_formats_are_refused_with_the_formats_we_read(tmp_path: Path) -> None:
    (tmp_path / "faq.xlsx").write_bytes(b"PK")

    with pytest.raises(UnsupportedFormat, match=r"\.csv"):
        read_articles(tmp_path / "faq.xlsx")
    with pytest.raises(InvalidArticle, match="not valid JSON"):
        parse("{", "broken.json")


def test_ids_from_titles_are_slugs_that_fit() -> None:
    assert slug_for("Wi-Fi: how do I connect the Hub (LH-2)?") == "wi-fi-how-do-i-connect-the-hub-lh-2"
    long_id = slug_for("word " * 60)
    assert len(long_id) <= MAX_ID_LENGTH and long_id != slug_for("word " * 61)
    assert slug_for("配送にかかる時間は？").startswith("article-")
