"""Safe HTML for the Markdown in bot answers (knowledge-base articles are written in Markdown).

Only bot messages are rendered; what customers and agents type is always shown as text. The
renderer is markdown-it-py in CommonMark mode with raw HTML turned off (any ``<tag>`` in an
article is shown as text), its link validator (no ``javascript:``/``vbscript:``/``data:`` links),
no images (an article must not make the widget load from other hosts), and links that open in a
new tab without handing the page to it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")


def _link_open(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
               env: EnvType) -> str:
    tokens[idx].attrSet("target", "_blank")
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return renderer.renderToken(tokens, idx, options, env)


_renderer.add_render_rule("link_open", _link_open)


@functools.lru_cache(maxsize=1024)  # the same articles are sent again and again
def markdown_to_html(text: str) -> str:
    """The HTML for ``text``; safe to insert into a page (nothing in ``text`` becomes markup
    except Markdown's own: paragraphs, emphasis, lists, code, headings, quotes and links)."""
    return str(_renderer.render(text)).strip()


_BLOCK_ENDS = {"paragraph_close", "heading_close", "blockquote_close", "bullet_list_close", "ordered_list_close"}


def markdown_to_text(text: str) -> str:
    """``text`` as plain text a person could have typed: the agent's reply box takes an article's
    answer this way (agents' replies are shown as text, so ``**Firmware**`` would show its stars).
    Emphasis marks go, list items keep "- " or "1. ", a link keeps its address in brackets."""
    lines: list[str] = []
    prefix, lists = "", 0
    for token in _renderer.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        if token.type == "list_item_open":
            prefix = "  " * (lists - 1) + (f"{token.info}. " if token.info else "- ")
        elif token.type == "inline":
            lines.append(prefix + _inline_text(token.children or []))
            prefix = ""
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        if token.type in _BLOCK_ENDS and lists == 0:
            lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    href = ""
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
        elif child.type == "link_close" and href:
            parts.append(f" ({href})" if not href.startswith("mailto:") else "")
            href = ""
    return "".join(parts)
