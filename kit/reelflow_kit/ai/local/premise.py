"""Reading a premise with plain heuristics: who it is about, where it happens, what matters.

`read_premise("A retired lighthouse keeper named Mara finds a message in a bottle.")` gives
names (Mara), the roles they play ("retired lighthouse keeper"), places (lighthouse), things
(message, bottle), and the premise's predicate ("finds a message in a bottle") to use as an
action line. No network and no model: the same premise always reads the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reelflow_kit.ai.local.lexicon import (
    ARTICLES,
    COMMON_VERBS,
    DETERMINERS,
    MODALS,
    PLACE_PREPOSITIONS,
    PLACES,
    ROLES,
    STOPWORDS,
)

_TOKEN = re.compile(r"[^\W\d_](?:[^\W_]|['’-](?=[^\W_]))*|[.!?;:,]")
_SENTENCE_END = frozenset(".!?;:")
_MAX_PHRASE_WORDS = 4
_MAX_WORD_CHARS = 30
_MAX_PREDICATE_WORDS = 40


@dataclass(frozen=True)
class Phrase:
    """A noun phrase as written (`retired lighthouse keeper`) and its head noun (`keeper`)."""

    words: tuple[str, ...]
    article: str
    start: int
    end: int

    @property
    def head(self) -> str:
        return self.words[-1].lower()

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class PremiseReading:
    names: tuple[str, ...]
    roles: tuple[Phrase, ...]
    places: tuple[tuple[str, str], ...]
    """(place as written, INT or EXT) in order of appearance."""
    things: tuple[Phrase, ...]
    keywords: tuple[str, ...]
    predicate: str
    """What the protagonist does, as written ("finds a message in a bottle"), or ""."""


def read_premise(premise: str) -> PremiseReading:
    tokens = [t for t in _TOKEN.findall(_sentence_case(premise)) if len(t) <= _MAX_WORD_CHARS]
    words = [t for t in tokens if t not in _SENTENCE_END and t != ","]
    phrases = _noun_phrases(tokens)
    place_names = _place_names(tokens)
    names = _person_names(tokens, exclude={n.lower() for n in place_names})
    roles = tuple(p for p in phrases if is_role(p.head))
    places = _places(phrases, place_names)
    place_heads = {p.lower() for p, _ in places}
    things = tuple(
        p
        for p in phrases
        if not is_role(p.head) and p.text.lower() not in place_heads and p.head not in PLACES and p.article in ARTICLES
    )
    keywords = tuple(dict.fromkeys(w.lower() for w in words if len(w) > 3 and w.lower() not in STOPWORDS))
    return PremiseReading(
        names=names,
        roles=roles,
        places=places,
        things=things,
        keywords=keywords,
        predicate=_predicate(tokens, names, roles),
    )


def _sentence_case(premise: str) -> str:
    """`THE LAST TRAIN` or `The Last Train Home` -> `The last train home`: capitals mark names only
    when the premise is written as a sentence."""
    words = [w for w in re.findall(r"[^\W\d_]+", premise) if len(w) > 3]
    capitalised = sum(1 for w in words if w[0].isupper())
    if words and capitalised / len(words) > 0.6:
        lowered = premise.lower()
        return lowered[:1].upper() + lowered[1:]
    return premise


def _noun_phrases(tokens: list[str]) -> list[Phrase]:
    """Runs of words after a determiner, cut at a stopword, verb, role or place noun."""
    phrases: list[Phrase] = []
    i = 0
    while i < len(tokens):
        if tokens[i].lower() not in DETERMINERS:
            i += 1
            continue
        j = i + 1
        taken: list[str] = []
        while j < len(tokens) and len(taken) < _MAX_PHRASE_WORDS:
            word = tokens[j]
            low = word.lower()
            if low in STOPWORDS or low in COMMON_VERBS or low in MODALS or not word[0].isalpha():
                break
            if taken and low.endswith(("ing", "ed")) and low not in ROLES and low not in PLACES:
                break
            taken.append(word)
            j += 1
            if _is_noun(low) and not (j < len(tokens) and _is_noun(tokens[j].lower())):
                break
        if taken:
            phrases.append(Phrase(tuple(taken), tokens[i].lower(), i, j))
        i = max(j, i + 1)
    return phrases


def is_role(word: str) -> bool:
    """`keeper`, and plurals such as `chefs`."""
    return word in ROLES or (word.endswith("s") and word[:-1] in ROLES)


def _is_noun(word: str) -> bool:
    return is_role(word) or word in PLACES


def _sentence_starts(tokens: list[str]) -> set[int]:
    starts = {0}
    for i, tok in enumerate(tokens):
        if tok in _SENTENCE_END:
            starts.add(i + 1)
    return starts


def _place_names(tokens: list[str]) -> list[str]:
    """Capitalised words right after `in`, `at`, `to`, `from`...: `in Lisbon` -> Lisbon."""
    found = []
    for i in range(1, len(tokens)):
        word = tokens[i]
        if tokens[i - 1].lower() in PLACE_PREPOSITIONS and word[0].isupper() and word.lower() not in STOPWORDS:
            found.append(word)
    return found


def _person_names(tokens: list[str], exclude: set[str]) -> tuple[str, ...]:
    starts = _sentence_starts(tokens)
    names: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        after_naming = i > 0 and tokens[i - 1].lower() in ("named", "called")
        capitalised = tok[0].isupper() and i not in starts and low not in STOPWORDS
        if (after_naming and tok[0].isalpha()) or capitalised:
            if low not in exclude and not is_role(low) and low not in PLACES and tok[0].isalpha():
                names.append(tok[0].upper() + tok[1:])
    return tuple(dict.fromkeys(names))


def _places(phrases: list[Phrase], place_names: list[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for phrase in phrases:
        if phrase.head in PLACES:  # "abandoned space station"
            found.append((phrase.text, PLACES[phrase.head]))
            continue
        for word in phrase.words:  # "lighthouse" in "retired lighthouse keeper"
            if word.lower() in PLACES:
                found.append((word, PLACES[word.lower()]))
                break
    found.extend((name, "EXT") for name in place_names)
    seen: dict[str, tuple[str, str]] = {}
    for written, inside in found:
        seen.setdefault(written.lower(), (written, inside))
    return tuple(seen.values())


def _predicate(tokens: list[str], names: tuple[str, ...], roles: tuple[Phrase, ...]) -> str:
    """The words after the protagonist's mention, when they start with a verb."""
    first_sentence_end = next((i for i, t in enumerate(tokens) if t in _SENTENCE_END), len(tokens))
    hero = protagonist_role(roles)
    after = None
    if hero and hero.start < first_sentence_end:
        after = hero.end
    elif names:
        lowered = [t.lower() for t in tokens]
        if names[0].lower() in lowered:
            after = lowered.index(names[0].lower()) + 1
    if after is None:
        return ""
    if after + 1 < len(tokens) and tokens[after].lower() in ("named", "called"):
        after += 2
    if after < len(tokens) and tokens[after] == ",":
        return ""
    rest = tokens[after:first_sentence_end]
    if rest and rest[0].lower() in PLACE_PREPOSITIONS:  # "chefs in Lisbon must cook" -> "must cook"
        rest = rest[next((k for k, w in enumerate(rest[:5]) if _is_verb(w)), len(rest)) :]
    if not rest or not _is_verb(rest[0]) or len(rest) > _MAX_PREDICATE_WORDS:
        return ""
    return _join(rest)


def protagonist_role(roles: tuple[Phrase, ...]) -> Phrase | None:
    """The first role introduced with an article ("a young detective", not "her brother")."""
    return next((r for r in roles if r.article in ARTICLES), roles[0] if roles else None)


def _is_verb(word: str) -> bool:
    low = word.lower()
    if low in COMMON_VERBS or low in MODALS:
        return True
    return (
        low.endswith("s")
        and not low.endswith("ss")
        and low not in STOPWORDS
        and not is_role(low)
        and low not in PLACES
        and word[0].islower()
    )


def _join(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return re.sub(r"\s+([,;:])", r"\1", text)
