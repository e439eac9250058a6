"""Messages as customers write them, turned into the texts the knowledge base is searched with.

Customers greet before they ask, tell the story before the question, write in lower case, with
typos and in British or American spelling. Retrieval scores the whole message, so a long
message dilutes the question with its context and a greeting adds words no article has. So the
knowledge base is searched with a few *readings* of one message (:func:`readings`): the whole
text without its greeting, and the question-bearing sentence(s) alone; the router keeps each
article's best score over them (:func:`routing.decision.best_per_article`).

Pure text functions, no model: cheap enough to run on every message.
"""

from __future__ import annotations

import re

# A greeting or pleasantry at the start of a message, possibly repeated ("hi there, good morning!").
_GREETING = re.compile(
    r"^\s*(?:(?:(?:hi|hello|hey|dear)\s+(?:there|all|guys|folks|(?:lumen\s+)?(?:support\s+)?team|lumen|support|sir|madam)"
    r"|hiya|hi|hello|hey|heya|howdy|yo|greetings|(?:good\s+)?(?:morning|afternoon|evening)|good\s+day|"
    r"thanks(?:\s+in\s+advance)?|thank\s+you|cheers|please|pls|ok(?:ay)?|so|um+|uh+)\b[\s,.!:;-]*)+",
    re.IGNORECASE,
)
# "How are you?" and similar small talk that customers put before the real question.
_SMALL_TALK = re.compile(
    r"^\s*(?:how\s+are\s+you(?:\s+doing)?(?:\s+today)?|how'?s\s+it\s+going|(?:i\s+)?hope\s+you(?:'?re|\s+are)\s+"
    r"(?:well|ok|okay|good|doing\s+well)|"
    r"i\s+hope\s+you\s+can\s+help(?:\s+me)?|(?:can|could)\s+you\s+help\s+me|i\s+need\s+(?:some\s+)?help|"
    r"quick\s+question)\b[\s,.!?:;-]*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_QUESTION_START = re.compile(
    r"^\s*(?:how|what|why|where|when|which|who|can|could|do|does|did|is|are|was|will|would|should|"
    r"may|has|have|any\s+idea|is\s+there|tell\s+me|i\s+(?:want|need|would\s+like)\s+to|help)\b",
    re.IGNORECASE,
)
# Complaints about a delivery, which read like product questions because they name the product.
# Each kind has a plain reading: the complaint in the words anyone would use, searched beside the
# customer's own, so the order articles score as well as the product the customer names.
_NOT = r"(?:was\s*n[o']?t|was\s+not|is\s*n[o']?t|is\s+not|were\s*n[o']?t|were\s+not|not)"
_BOX = r"(?:box|package|parcel|order|delivery|shipment)"
_BROKEN = r"(?:broken|damaged|cracked|smashed|dented|crushed|shattered)"
_ORDER_PROBLEMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reading, re.compile(pattern, re.IGNORECASE))
    for reading, pattern in (
        ("something is missing from my order", (
            rf"\bmissing\s+from\s+(?:the|my|our)\s+{_BOX}"
            rf"|\b{_NOT}\s+in\s+(?:the|my)\s+{_BOX}"
            r"|\b(?:did\s*n[o']?t|did\s+not|does\s*n[o']?t)\s+(?:come\s+with|include)"
            r"|\b(?:only|just)\s+(?:got|received|had|contained|came\s+with)\s+(?:\d+|one|two|three|half|part)\b"
            rf"|\b{_BOX}\s+only\s+(?:had|contained|came\s+with)\s+(?:\d+|one|two|three|half|part)\b"
            r"|\b(?:only\s+)?(?:half|part)\s+(?:of\s+)?(?:my|the)\s+order"
            rf"|\b(?:arrived|came|turned\s+up)\s+without\b"
            r"|\bmissing\s+from\s+(?:the|my|our)\s+(?:pack|kit|set|starter\s+kit)\b|\bincomplete\s+(?:order|kit|set|pack|delivery)\b|\b(?:order|kit|set|pack)\s+(?:is|was)\s+incomplete\b"
            rf"|\bthere\s+(?:was|were)\s+no\b[^.?!]{{0,40}}?\b(?:in|inside)\s+(?:the|my)\s+{_BOX}"
            rf"|\b{_BOX}\s+(?:was|is)\s+missing\b"
            r"|\b(?:came|arrived)\s+with\s+no\b"
            r"|\bonly\s+(?:got|received)\s+(?:\d+|one|two|three)\s+(?:of|out\s+of)\b")),
        ("my order arrived damaged", (
            rf"\b(?:arrived|came|turned\s+up|was\s+delivered|got\s+delivered)\s+(?:all\s+)?"
            rf"(?:{_BROKEN}|in\s+pieces|dead\s+on\s+arrival)"
            r"|\b(?:box|package|parcel)\s+(?:was|came|arrived)\s+(?:damaged|crushed|open|opened|empty|ripped|torn)"
            rf"|\barrived\s+with\s+(?:a\s+)?{_BROKEN}"
            rf"|\b{_BROKEN}\s+in\s+(?:the\s+)?(?:box|package|parcel|post|delivery|transit)"
            rf"|\b(?:was|were|is|are)\s+(?:already\s+)?{_BROKEN}\s+when\s+(?:it|they|i|we)\s+(?:arrived|came|opened|unboxed)"
            r"|\bdead\s+on\s+arrival\b|\bdoa\b")),
        ("I received the wrong item in my order", (
            r"\b(?:sent|received|got|delivered|shipped)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+)?wrong\s+"
            r"(?:item|product|thing|one|colou?r|model|size|bulb|version)"
            r"|\bordered\b[^.?!]{1,60}?\bbut\s+(?:you\s+|they\s+)?(?:sent|shipped|delivered)\b"
            r"|\bordered\b[^.?!]{1,60}?\bbut\s+(?:i\s+|we\s+)?(?:got|received)\b[^.?!]{1,40}?\binstead\b"
            r"|\bnot\s+what\s+(?:i|we)\s+ordered\b|\b(?:is|was)\s*n[o']?t\s+what\s+(?:i|we)\s+ordered\b"
            r"|\b(?:got|received|sent\s+me|delivered)\b[^.?!]{1,40}?\binstead\s+of\s+(?:the|a|an|my)\b"
            r"|\bsomeone\s+else'?s\s+order\b")),
        ("my order never arrived", (
            r"\bnever\s+(?:arrived|came|showed\s+up|got\s+delivered)"
            rf"|\b{_BOX}\s+(?:has|have)\s*(?:n[o']?t|not)\s+(?:arrived|come|turned\s+up|been\s+delivered)"
            rf"|\b(?:still|yet)\s+(?:not|hasn'?t|has\s+not)\s+(?:arrived|come|turned\s+up)"
            rf"|\bstill\s+waiting\s+(?:for|on)\s+(?:my|the|our)\s+{_BOX}"
            r"|\blost\s+in\s+(?:the\s+)?(?:post|mail|transit)"
            r"|\b(?:did\s*n[o']?t|did\s+not|never)\s+(?:get|receive)\s+(?:my|the|our)\s+(?:order|parcel|package|delivery)"
            r"|\b(?:says|said|shows|marked\s+as)\s+delivered\s+but\b")),
    )
)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")

# British -> American (and one-spelling) forms: the readings use one spelling whichever the customer wrote.
SPELLINGS = {
    "colour": "color", "colours": "colors", "coloured": "colored", "favourite": "favorite",
    "favourites": "favorites", "cancelled": "canceled", "cancelling": "canceling", "centre": "center",
    "organise": "organize", "organised": "organized", "customise": "customize", "customised": "customized",
    "behaviour": "behavior", "licence": "license", "programme": "program", "programmed": "programmed",
    "recognise": "recognize", "recognised": "recognized", "authorise": "authorize", "synchronise": "synchronize",
    "sync'd": "synced", "e-mail": "email", "e-mails": "emails", "emailaddress": "email address",
    "wi-fi": "wifi", "wlan": "wifi", "holiday": "vacation", "holidays": "vacation", "postage": "shipping",
    "parcel": "package", "cheque": "check", "neighbour": "neighbor",
    "metre": "meter", "metres": "meters", "aluminium": "aluminum", "dialling": "dialing",
    "pwd": "password", "passwd": "password", "pw": "password", "pls": "please", "plz": "please",
    "u": "you", "ur": "your", "thx": "thanks", "wont": "won't", "doesnt": "doesn't", "cant": "can't",
    "isnt": "isn't", "dont": "don't", "didnt": "didn't",
    # Common misspellings of the words our articles are found by.
    "instal": "install", "instll": "install", "intall": "install", "firmwear": "firmware", "frimware": "firmware",
    "flickring": "flickering", "flikering": "flickering", "flickerring": "flickering",
    "recieve": "receive", "recieved": "received", "adress": "address", "adresses": "addresses",
    "pasword": "password", "passwrod": "password", "emial": "email", "emal": "email", "acount": "account",
    "accout": "account", "wify": "wifi", "wiif": "wifi", "conect": "connect", "conected": "connected",
    "connnect": "connect", "dimer": "dimmer", "dimmmer": "dimmer", "sensr": "sensor", "sencor": "sensor",
    "senser": "sensor", "bulp": "bulb", "blub": "bulb", "buld": "bulb", "stip": "strip", "hubb": "hub",
    "batery": "battery", "battry": "battery", "baterry": "battery", "warrenty": "warranty", "waranty": "warranty",
    "garantee": "guarantee", "guarentee": "guarantee", "subscribtion": "subscription", "subcription": "subscription",
    "cancle": "cancel", "cancell": "cancel", "reciept": "receipt", "shiping": "shipping",
    "delivary": "delivery", "delievery": "delivery", "schedual": "schedule", "shedule": "schedule",
    "notifcation": "notification", "notfication": "notification", "realy": "really", "wierd": "weird",
    "colur": "color", "collor": "color", "brightnes": "brightness", "setings": "settings", "settigns": "settings",
}


def normalise_spelling(text: str) -> str:
    """``text`` with British spellings, textspeak and common variants in one (American) form."""

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        replacement = SPELLINGS.get(word.lower())
        return word if replacement is None else replacement

    return _WORD.sub(one, text)


def strip_greeting(text: str) -> str:
    """``text`` without the greetings and small talk it opens with ("" when that was all)."""
    previous = None
    stripped = text.strip()
    while stripped != previous:
        previous = stripped
        stripped = _SMALL_TALK.sub("", _GREETING.sub("", stripped)).strip()
    return stripped


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, without empty ones."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


SHORT_QUESTION_WORDS = 6
_PRONOUN = re.compile(r"\b(?:it|this|that|these|those|them|they|one)\b", re.IGNORECASE)


def question_sentences(text: str) -> str:
    """The sentence(s) that carry the question: those with "?" or a question opening, else the last one.

    A short question with a pronoun ("How do I fix it?") keeps the sentence before it, which
    says what "it" is.
    """
    parts = [part for part in (strip_greeting(part) for part in sentences(text)) if part]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    asked = [n for n, part in enumerate(parts) if part.endswith("?") or _QUESTION_START.match(part)]
    asked = asked or [len(parts) - 1]
    question = parts[asked[0]]
    if len(asked) == 1 and asked[0] > 0 and len(question.split()) <= SHORT_QUESTION_WORDS and _PRONOUN.search(question):
        asked.insert(0, asked[0] - 1)
    return " ".join(parts[n] for n in asked)


def order_problem(text: str) -> str:
    """The words that make ``text`` a complaint about a delivery ("missing from the box"), or ""."""
    return next((found.group(0) for _, pattern in _ORDER_PROBLEMS if (found := pattern.search(text))), "")


def order_problem_reading(text: str) -> str:
    """The complaint of ``text`` in plain words ("something is missing from my order"), or ""."""
    return next((reading for reading, pattern in _ORDER_PROBLEMS if pattern.search(text)), "")


def readings(text: str) -> tuple[str, ...]:
    """The distinct texts to search the knowledge base with, the whole (greeting-free) message first.

    The complaint words of an order problem, and the complaint in plain words, are readings of
    their own, so the order articles are among the candidates even when the product named
    dominates the whole message. Empty when the message is only a greeting or small talk.
    """
    whole = normalise_spelling(strip_greeting(text))
    if not whole:
        return ()
    found = [whole, normalise_spelling(question_sentences(text)), order_problem(text), order_problem_reading(text)]
    return tuple(dict.fromkeys(reading for reading in found if reading))
