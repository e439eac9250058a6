"""Reading a folder of Markdown articles with YAML front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base import ArticleStatus, InvalidArticle
from knowledge_base.folder import read_folder

pytestmark = pytest.mark.unit

HUB_RESET = """---
id: hub-reset
title: How do I reset the Lumen Hub?
product: Lumen Hub
tags: [hub, reset]
questions:
  - My hub is stuck, how do I factory reset it?
  - Factory reset hub
status: published
---
Hold the **pinhole button** for 10 seconds.
"""


def write(folder: Path, name: str, content: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content)


def test_front_matter_and_body_become_an_article(tmp_path: Path) -> None:
    write(tmp_path, "hub-reset.md", HUB_RESET)

    [article] = read_folder(tmp_path)

    assert article.id == "hub-reset"
    assert article.product == "Lumen Hub"
    assert article.tags == ("hub", "reset")
    assert article.questions == ("My hub is stuck, how do I factory reset it?", "Factory reset hub")
    assert article.status is ArticleStatus.PUBLISHED
    assert article.body == "Hold the **pinhole button** for 10 seconds."


def test_optional_fields_have_safe_defaults(tmp_path: Path) -> None:
    write(tmp_path, "shipping-times.md", "---\ntitle: How long does shipping take?\n---\n3-5 business days.\n")

    [article] = read_folder(tmp_path)

    assert article.id == "shipping-times"  # from the file name
    assert article.status is ArticleStatus.DRAFT  # nothing goes live by accident
    assert (article.product, article.tags, article.questions, article.language) == (None, (), (), "en")


def test_every_problem_in_every_file_is_listed_before_anything_is_imported(tmp_path: Path) -> None:
    write(tmp_path, "a.md", HUB_RESET)
    write(tmp_path, "b.md", HUB_RESET)  # same id
    write(tmp_path, "c.md", "---\nid: c\ntitel: Typo\n---\nBody\n")
    write(tmp_path, "d.md", "---\nid: d\ntitle: [unclosed\n---\nBody\n")

    with pytest.raises(InvalidArticle) as caught:
        read_folder(tmp_path)

    problems = caught.value.problems
    assert any(p.startswith("b.md: id 'hub-reset' is already used by a.md") for p in problems)
    assert any(p.startswith("c.md: unknown field 'titel'") for p in problems)
    assert any(p.startswith("c.md:") and "title is empty" in p for p in problems)
    assert any(p.startswith("d.md: cannot read it") for p in problems)


def test_a_missing_folder_is_refused_with_advice(tmp_path: Path) -> None:
    with pytest.raises(InvalidArticle, match="is not a folder"):
        read_folder(tmp_path / "nowhere")
