"""Bot answers' Markdown becomes safe HTML: formatting yes, markup and scripts never."""

from __future__ import annotations

import pytest

from bot.markdown import markdown_to_html, markdown_to_text

pytestmark = pytest.mark.unit


def test_article_formatting_is_rendered() -> None:
    html = markdown_to_html("1. Open the **Alexa app**\n2. Tap `Skills` > *Lumen*")
    assert html == ("<ol>\n<li>Open the <strong>Alexa app</strong></li>\n"
                    "<li>Tap <code>Skills</code> &gt; <em>Lumen</em></li>\n</ol>")


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil></iframe>",
])
def test_html_in_an_article_is_shown_as_text(payload: str) -> None:
    html = markdown_to_html(payload)
    assert "<" + payload[1:] not in html and "&lt;" in html


@pytest.mark.parametrize("link", ["javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4="])
def test_dangerous_links_are_not_links(link: str) -> None:
    assert "<a " not in markdown_to_html(f"[click]({link})")


def test_links_open_apart_and_images_are_not_loaded() -> None:
    html = markdown_to_html("[help](https://lumen.example/help) ![pixel](https://tracker.example/p.png)")
    assert '<a href="https://lumen.example/help" target="_blank" rel="noopener noreferrer nofollow">' in html
    assert "<img" not in html


def test_an_answer_for_the_reply_box_is_plain_text() -> None:
    article = ("**Firmware** updates:\n\n1. Open the [Lumen app](https://lumen.example/app).\n2. Tap `Update`.\n\n"
               "- nightly\n- automatic\n\n> Keep the hub <b>online</b>.")
    assert markdown_to_text(article) == ("Firmware updates:\n\n1. Open the Lumen app (https://lumen.example/app).\n"
                                         "2. Tap Update.\n\n- nightly\n- automatic\n\nKeep the hub <b>online</b>.")
