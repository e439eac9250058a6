"""The `product` and `brand` lookup tables that the entities come from: `brand` in training_data/nlu.yml,
`product` in training_data/vocabulary.yml (generated from the knowledge base's customers' vocabulary)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parents[2]


def lookup(name: str) -> list[str]:
    blocks = [block for file in ("nlu.yml", "vocabulary.yml")
              for block in yaml.safe_load((ROOT / "training_data" / file).read_text())["nlu"]]
    table = next(block for block in blocks if block.get("lookup") == name)
    return [line[2:].strip() for line in table["examples"].splitlines() if line.startswith("- ")]


def catalogue_products() -> set[str]:
    """The Lumen products the demo knowledge base files its articles under."""
    found = set()
    for article in (ROOT / "knowledge_base" / "demo" / "articles").glob("*.md"):
        match = re.search(r"^product: (Lumen .+)$", article.read_text(), re.MULTILINE)
        if match:
            found.add(match.group(1).strip())
    return found


def test_every_product_of_the_knowledge_base_catalogue_is_in_the_product_table() -> None:
    assert catalogue_products()
    assert catalogue_products() <= set(lookup("product"))


@pytest.mark.parametrize("name", ["product", "brand"])
def test_longer_names_come_first_so_the_regex_matches_them_whole(name: str) -> None:
    entries = lookup(name)
    for index, entry in enumerate(entries):
        later = entries[index + 1:]
        assert not [longer for longer in later if re.search(rf"\b{re.escape(entry)}\b", longer, re.IGNORECASE)
                    and longer != entry], f"{entry!r} comes before a longer name containing it"


def test_no_name_is_both_our_product_and_another_brand() -> None:
    assert not {n.lower() for n in lookup("product")} & {n.lower() for n in lookup("brand")}
