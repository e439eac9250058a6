"""The texts a customer's message is searched with: greetings off, the question found, one spelling."""

from __future__ import annotations

import pytest

from routing import normalise_spelling, order_problem, question_sentences, readings, strip_greeting
from routing.wording import order_problem_reading

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["hi", "Hello there!", "hey, good morning", "Hi, how are you?"])
def test_a_greeting_alone_leaves_nothing_to_search(text: str) -> None:
    assert readings(text) == ()


def test_the_greeting_goes_and_the_question_stays() -> None:
    assert strip_greeting("Hi there! Good morning. How do I reset my hub?") == "How do I reset my hub?"


def test_the_question_sentence_is_found_after_the_context() -> None:
    text = "I moved house last week. Everything was fine until now. I am really annoyed. Can I change the hub's wifi?"
    assert question_sentences(text) == "Can I change the hub's wifi?"
    assert readings(text) == (text, "Can I change the hub's wifi?")


def test_a_short_question_keeps_the_sentence_that_says_what_it_is_about() -> None:
    assert question_sentences("I bought a dimmer. It stopped working. How do I fix it?") == (
        "It stopped working. How do I fix it?")


def test_british_spelling_and_textspeak_become_one_form() -> None:
    assert normalise_spelling("My Colour bulb's e-mail pwd") == "My color bulb's email password"


def test_common_misspellings_are_corrected() -> None:
    assert normalise_spelling("the firmwear wont instal on my dimer") == "the firmware won't install on my dimmer"


@pytest.mark.parametrize("text", ["The dimmer switch was missing from the box", "my hub arrived broken",
                                  "you sent me the wrong colour bulb", "the strip wasn't in the package"])
def test_an_order_problem_is_recognised_and_searched_on_its_own(text: str) -> None:
    assert order_problem(text)
    assert order_problem(text) in readings(text)


@pytest.mark.parametrize(("text", "reading"), [
    ("the box only had 2 bulbs in it but i ordered 3", "something is missing from my order"),
    ("the motion sensor wasnt in the package", "something is missing from my order"),
    ("my hub arrived broken", "my order arrived damaged"),
    ("ordered E27 bulbs but you sent E26 ones", "I received the wrong item in my order"),
    ("my parcel never arrived", "my order never arrived"),
    ("there was no remote in the box", "something is missing from my order"),
    ("a bulb is missing from the pack", "something is missing from my order"),
    ("i only received 2 of the 3 bulbs", "something is missing from my order"),
    ("the bulb was cracked when i opened it", "my order arrived damaged"),
    ("this isn't what i ordered", "I received the wrong item in my order"),
    ("got a white bulb instead of the colour one", "I received the wrong item in my order"),
    ("still waiting for my parcel, ordered 2 weeks ago", "my order never arrived"),
    ("tracking says delivered but nothing here", "my order never arrived"),
    ("i think it got lost in the post", "my order never arrived"),
])
def test_an_order_problem_is_also_searched_in_plain_words(text: str, reading: str) -> None:
    assert order_problem_reading(text) == reading
    assert reading in readings(text)


@pytest.mark.parametrize("text", ["my hub is missing from the app", "how do I break the strip in two",
                                  "I ordered the hub but it won't connect to my wifi",
                                  "I ordered a starter kit but got it yesterday and it won't pair",
                                  "is the app missing a dark mode", "can i use the strip instead of a normal lamp",
                                  "my lights are still not coming on at sunset",
                                  "the hub has not connected since yesterday"])
def test_a_product_question_is_not_an_order_problem(text: str) -> None:
    assert order_problem(text) == ""
