"""Line diffs between two versions of an article, as a reviewer reads them.

Both versions are rendered as their Markdown file (front matter, then the body: what an export
writes), so a change of title, tags or questions shows up like a change of the answer. The diff is
difflib's unified format with the whole article as context: a short article reads in full, with
``+``/``-`` on the lines that changed.
"""

from __future__ import annotations

import difflib

from knowledge_base.articles import Article
from knowledge_base.folder import markdown_file


def article_diff(old: Article, new: Article, old_label: str, new_label: str) -> list[str]:
    """The unified diff from ``old`` to ``new`` (``---``/``+++`` headers, ``@@`` hunks, ``+``/``-``/`` `` lines)."""
    before, after = markdown_file(old).splitlines(), markdown_file(new).splitlines()
    context = max(len(before), len(after))
    return list(difflib.unified_diff(before, after, old_label, new_label, n=context, lineterm=""))
