"""From a premise reading to a story plan: a hero, a friend, what is at stake, and where."""

from __future__ import annotations

import random
from dataclasses import dataclass

from reelflow_kit.ai.local.lexicon import (
    FALLBACK_PLACES,
    GIVEN_NAMES,
    OLD_WORDS,
    PLACES,
    ROLES,
    SIDEKICK_ROLES,
    YOUNG_WORDS,
)
from reelflow_kit.ai.local.premise import Phrase, PremiseReading, is_role, protagonist_role

_ADULT_AGES = ("20s", "30s", "40s", "50s")
_NOT_AGED = frozenset("robot android ghost dragon alien cat dog vampire".split())
_CITY_SPOTS = ("STREETS", "WATERFRONT", "OLD TOWN", "TRAIN STATION", "MARKET")
_HOMES = ("APARTMENT", "KITCHEN", "HOUSE", "WORKSHOP")


@dataclass(frozen=True)
class Character:
    name: str
    description: str
    age: str

    @property
    def cue(self) -> str:
        return self.name.upper()

    @property
    def introduction(self) -> str:
        """`MARA (60s), a retired lighthouse keeper,` as an action line introduces a character."""
        intro = self.cue + (f" ({self.age})" if self.age else "")
        return f"{intro}, {self.description}," if self.description else intro


@dataclass(frozen=True)
class Location:
    slug: str
    """As in a slugline: `LIGHTHOUSE`, `LISBON WATERFRONT`."""
    prose: str
    """As in an action line: `the lighthouse`, `the Lisbon waterfront`."""
    inside: str
    """INT or EXT."""


@dataclass(frozen=True)
class Story:
    hero: Character
    friend: Character
    stake: str
    incident: str
    home: Location
    elsewhere: tuple[Location, ...]
    """Other locations, the premise's own first."""
    climax: Location


def plan_story(reading: PremiseReading, rng: random.Random) -> Story:
    hero = _hero(reading, rng)
    friend = _friend(reading, hero, rng)
    stake = _stake(reading)
    places = [_location(written, inside, rng) for written, inside in reading.places]
    home = places[0] if places else _home_of(hero, rng)
    pool = [Location(slug, f"the {slug.lower()}", inside) for slug, inside in FALLBACK_PLACES]
    rng.shuffle(pool)
    elsewhere = tuple(p for p in [*places[1:], *pool] if p.slug != home.slug)
    climax = places[-1] if len(places) > 1 else elsewhere[0]
    return Story(
        hero=hero,
        friend=friend,
        stake=stake,
        incident=_incident(reading, hero, friend, stake),
        home=home,
        elsewhere=tuple(p for p in elsewhere if p != climax),
        climax=climax,
    )


def _hero(reading: PremiseReading, rng: random.Random) -> Character:
    role = protagonist_role(reading.roles)
    name = reading.names[0] if reading.names else rng.choice(GIVEN_NAMES)
    return Character(name=name, description=_described(role) if role else "", age=_age(role, rng))


def _friend(reading: PremiseReading, hero: Character, rng: random.Random) -> Character:
    hero_role = protagonist_role(reading.roles)
    others = [r for r in reading.roles if r is not hero_role]
    names = [n for n in reading.names[1:] if n != hero.name]
    name = names[0] if names else rng.choice([n for n in GIVEN_NAMES if n != hero.name])
    if hero_role is not None and _plural(hero_role.head):
        return Character(name=name, description=hero.description, age=_age(hero_role, rng))
    if others:
        return Character(name=name, description=_described(others[0]), age=_age(others[0], rng))
    return Character(
        name=name, description=rng.choice(SIDEKICK_ROLES).format(hero=hero.name), age=rng.choice(_ADULT_AGES)
    )


def _described(role: Phrase) -> str:
    words = list(role.words)
    if _plural(role.head):
        words[-1] = words[-1][:-1]
    text = " ".join(w.lower() if w.lower() in ROLES or w.lower() in PLACES else w for w in words)
    article = role.article if role.article in ("the",) else ("an" if text[0].lower() in "aeiou" else "a")
    return f"{article} {text}"


def _plural(head: str) -> bool:
    return head not in ROLES and is_role(head)


def _age(role: Phrase | None, rng: random.Random) -> str:
    if role is None:
        return rng.choice(_ADULT_AGES)
    words = {w.lower() for w in role.words}
    head = role.head.rstrip("s") if _plural(role.head) else role.head
    if head in _NOT_AGED:
        return ""
    if words & OLD_WORDS:
        return rng.choice(("60s", "70s"))
    if ROLES.get(head):
        return ROLES[head]
    if words & YOUNG_WORDS:
        return rng.choice(("teens", "20s"))
    return rng.choice(_ADULT_AGES)


def _stake(reading: PremiseReading) -> str:
    if reading.things:
        return "the " + reading.things[0].text
    described_places = [p for p, _ in reading.places if " " in p and not p[0].isupper()]
    if described_places:  # "a failing restaurant" says more than any single word
        return "the " + described_places[0]
    used = {n.lower() for n in reading.names} | {p.lower() for p, _ in reading.places}
    for word in reading.keywords:
        if word not in used and not is_role(word) and word not in PLACES and not word.endswith(("s", "ing", "ed")):
            return "the " + word
    if reading.places:
        return "the " + reading.places[0][0]
    return "the secret"


def _incident(reading: PremiseReading, hero: Character, friend: Character, stake: str) -> str:
    if reading.predicate:
        role = protagonist_role(reading.roles)
        subject = f"{hero.name} and {friend.name}" if role and _plural(role.head) else hero.name
        return _sentence(f"{subject} {reading.predicate}")
    return f"And then {hero.name} sees it: {stake}. After this, nothing will be ordinary again."


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;:")
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _location(written: str, inside: str, rng: random.Random) -> Location:
    if written[0].isupper():  # a named place: Lisbon -> LISBON WATERFRONT
        spot = rng.choice(_CITY_SPOTS)
        return Location(f"{written.upper()} {spot}", f"the {written} {spot.lower()}", "EXT")
    return Location(written.upper(), f"the {written.lower()}", inside)


def _home_of(hero: Character, rng: random.Random) -> Location:
    kind = rng.choice(_HOMES)
    return Location(f"{hero.cue}'S {kind}", f"{hero.name}'s {kind.lower()}", "INT")
