"""Dialogue as it is read aloud: the line in quotation marks, and who says it when that changes.

A reader of a script does not say the character cue (`NORA:`); a listener still has to know
who speaks. So a line gets a short attribution (`Nora says, “…”`) when its speaker is not the
one who spoke last, and none while the same person goes on. The attribution and the quotation
marks follow the text's language; a language without an attribution here gets the quotation
marks only.
"""

from __future__ import annotations

SAYS = {"en": "says", "de": "sagt", "fr": "dit", "es": "dice", "it": "dice", "pt": "diz", "nl": "zegt"}
QUOTES = {"de": ("„", "“"), "fr": ("« ", " »"), "it": ("«", "»")}
DEFAULT_QUOTES = ("“", "”")
_OPENING_QUOTES = frozenset("\"'“‘„‚«‹「『")


def spoken_line(line: str, speaker: str, language: str, attribute: bool) -> str:
    """`line` of `speaker` as read aloud, with an attribution when `attribute`."""
    opening, closing = QUOTES.get(language, DEFAULT_QUOTES)
    quoted = line if line[:1] in _OPENING_QUOTES else f"{opening}{line}{closing}"
    says = SAYS.get(language)
    if not attribute or not speaker or not says:
        return quoted
    return f"{speaker} {says}, {quoted}"
