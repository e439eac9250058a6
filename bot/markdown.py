"""Safe HTML for the Markdown in bot answers (knowledge-base articles are written in Markdown).

Only bot messages are rendered; what customers and agents type is always shown as text. The
renderer is markdown-it-py in CommonMark mode with raw HTML turned off (any ``<tag>`` in an
article is shown as text), its link validator (no ``javascript:``/``vbscript:``/``data:`` links),
no images (an article must not make the widget load from other hosts), and links that open in a
new tab without handing the page to it.
"""

from __future__ import annotations

import functools
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
