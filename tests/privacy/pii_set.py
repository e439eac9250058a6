"""A test set of personal data in customer-style sentences: every value must be hidden in storage.

Values are written the ways customers write them (spaced, dashed, dotted, with and without
country codes). Card numbers pass the Luhn check and IBANs their mod-97 check, as real ones do;
the negative cases below fail those checks and must be left alone. Phone numbers are valid for
their country (libphonenumber), as real ones are; reserved "drama" ranges such as +44 7700 900xxx
are not numbers anyone can have.
"""

from __future__ import annotations

EMAILS = [
    "john.smith@example.com", "JANE.DOE@EXAMPLE.ORG", "a.b+support@mail.co.uk", "m_oconnor@sub.domain.ie",
    "li.wei1988@163.com", "x@y.io", "first-last@company-name.de", "user.name@universite.fr",
    "kontakt@beispiel.at", "joe99@gmail.com", "maria.garcia@correo.es", "ops+lumen@startup.dev",
]
PHONES = [
    "+44 20 7946 0958", "+1 (415) 555-0132", "415-555-0187", "(212) 555-0199", "212.555.0143",
    "07700 900123", "020 7946 0018", "+49 30 12345678", "0049 30 1234567", "030 1234567",
    "+33 1 42 68 53 00", "+34 912 345 678", "+39 06 6982 1234", "+31 20 123 4567", "+353 1 234 5678",
    "+61 2 9374 4000", "+91 98765 43210", "+1-202-555-0175", "1-800-555-0199", "+44 7911 123456",
]
CARDS = [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5555 5555 5555 4444",
    "5105-1051-0510-5100", "3782 822463 10005", "371449635398431", "6011 1111 1111 1117",
    "3530 1113 3330 0000", "4012888888881881", "2223 0031 2200 3222", "4000 0566 5566 5556",
]
IBANS = [
    "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000", "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00",
    "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456", "BE68 5390 0754 7034",
    "CH93 0076 2011 6238 5295 7", "AT61 1904 3002 3457 3201", "IE29 AIBK 9311 5212 3456 78",
]
NAMES = ["John Smith", "Maria Garcia", "Emily Clarke", "Sarah O'Connor", "Ahmed Khan", "Laura Schmidt"]

TEMPLATES = [
    "Hi, you can reach me at {value} if the chat drops.",
    "my details: {value}",
    "Please refund to {value}, thanks",
    "{value} is what I used when I ordered the Lumen Hub",
    "Can someone call or write back? ({value})",
]
NAME_TEMPLATES = [
    "Hi, my name is {value} and my hub keeps going offline.",
    "This is {value}, I ordered two bulbs last week.",
]

# Numbers that fail the card or IBAN check are not hidden as cards or IBANs.
NOT_A_CARD = "4111 1111 1111 1112"
NOT_AN_IBAN = "GB00 WEST 1234 5698 7654 32"
# Text without personal data comes back unchanged.
HARMLESS = [
    "How do I factory reset my Lumen Hub?",
    "My Lumen Strip flickers after the firmware update",
    "Can I pair the dimmer switch with Alexa and Google Home?",
    "The status LED blinks blue for 10 seconds",
    "My order number is 4471 and it arrived in 2026",
    "I bought 3 bulbs for 45 euros, firmware 2.14.1003",
]


def cases() -> list[tuple[str, str, str]]:
    """(kind, value, sentence) for every value in every template."""
    kinds = {"email": EMAILS, "phone": PHONES, "card": CARDS, "iban": IBANS}
    found = [(kind, value, template.format(value=value))
             for kind, values in kinds.items() for value in values for template in TEMPLATES]
    found += [("name", value, template.format(value=value)) for value in NAMES for template in NAME_TEMPLATES]
    return found
