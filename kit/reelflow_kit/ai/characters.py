"""Who is in a script, and what each main character looks like: found with plain rules.

A character is a person of the story, given once, by the fullest name the text uses:

- in a screenplay, a speaker of dialogue (`NORA`; the extension of `NORA (V.O.)` or
  `NORA (CONT'D)`, the caret of dual dialogue and the Fountain marks are not part of the name;
  `MARA & ELI` are two), or a name introduced in capitals in an action line (`ELI (70s) sleeps`,
  or capitals also written as a name elsewhere). Group and placeholder cues (`ALL`, `BOTH`,
  `VOICE`, `NARRATOR`, ...) are no one;
- in prose, a name that recurs: a capitalised word seen at least twice, at least once inside a
  sentence (a sentence-initial `Inside` or `Later` is no name, nor one after a stage direction
  in brackets), never in lower case, seldom right after an article, a number or another
  determiner (`the Amontillado`, `das Fenster`, `sieben Uhr`; a name is there now and then:
  `this Fortunato`, `that Alice had`); not a weekday, a month, an honorific, a language or
  nationality (`English`, `Französisch`), a stage direction (`Exit`) or a placeholder word. In
  a language that capitalises its nouns (German: found from how many words inside sentences are
  capitalised), a word after a determiner and an adjective (`ein englisches Buch`), with a
  noun's ending (`-ung`, `-heit`, `-keit`, `-schaft`, ...), also written with a plural or case
  ending (`Tag` and `Tage`), or seen inside sentences only right after a preposition (`mit
  Mühe`) is no name either; nor, in any language, a word after `in` or `nach` (`in London`) or
  a run of names ending in `Street`, `See`, `Platz`, ...;
- a full name is one person: capitalised name words written together (`Anna Berger`, `Mr.
  Hale`, `JOHN SMITH (40s)`) are one character, and the first name alone (`Anna`), or the last
  name alone where no one else has it, means that character too (`named_in`), unless the full
  name's honorific says another sex than the pronouns used of the single name (`Lady Fortunato`
  is not the `Fortunato` the text calls `he`); an honorific and its abbreviation name one person
  (`Mme. Sofronie` is `Madame Sofronie`);
- names on a title page are no one's: Fountain's title page is never read, and in plain text the
  byline before the story (`by Clara Winter`, `von Franz Kafka`, `Translated by ...`, or a short
  line of names) is left out.

Names are given in title case (`Mrs. Hale`), in order of first appearance, at most
MAX_CHARACTERS. `describe_characters` gives each main character a look to carry in every
prompt they appear in: from the text (`NORA (40s, oilskin coat)`, `Lena, a tall woman with grey
hair,`, `Eli was an old fisherman`), else made up from the name (deterministic: the same
character always looks the same).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from reelflow_kit.ai.local.lexicon import STOPWORDS
from reelflow_kit.ai.script_blocks import BYLINE, NOT_SPEAKERS, STORY_WORDS, Block, is_byline, is_slugline, read_blocks

MAX_CHARACTERS = 50
"""StyleHints.characters holds at most this many."""
MAIN_CHARACTERS = 12
"""How many characters (the most mentioned) get a look carried in their prompts."""
MAX_LOOK_CHARS = 120

_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
_CAPS_RUN = re.compile(r"(?<![^\W\d_])([^\W\d_a-z]{2,}(?:[ '’-][^\W\d_a-z]{2,}){0,2})(?![^\W\d_])(\s*\()?")
_WORD_PART = re.compile(r"[^\W\d_]+")
_CUE_SPLIT = re.compile(r"\s*(?:&|\+|/|,|\bAND\b|\bUND\b|\bET\b|\bY\b)\s*")
SENTENCE_ENDS = frozenset('.!?:;"“”„«»‹›‚‘’([]—–…。！？「『')
HONORIFICS = frozenset(
    """
mr mrs ms miss mx dr prof sir dame lady lord madam madame monsieur mademoiselle mme mlle herr frau
fräulein señor señora señorita don doña signor signora signorina capt captain inspector sergeant
father mother sister brother uncle aunt tante onkel doktor professor mister doctor
""".split()
)
"""Words that may stand before a name (`Mr. Hale`, `Herr Samsa`): part of the name, never one alone."""
NOT_NAMES = frozenset(
    """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december montag dienstag mittwoch donnerstag freitag samstag
sonntag januar februar märz juni juli oktober dezember ok okay yes no hey oh god gott lord christmas
easter weihnachten ostern exit exeunt enter enters re-enter aside within manet
""".split()
)
NATIONALITIES = frozenset(
    """
english british irish scottish welsh american canadian mexican brazilian argentinian french german
dutch flemish belgian swiss austrian italian spanish portuguese greek turkish russian ukrainian polish
czech slovak hungarian romanian bulgarian serbian croatian swedish norwegian danish finnish icelandic
estonian latvian lithuanian chinese japanese korean vietnamese thai indian pakistani persian iranian
iraqi arab arabic hebrew israeli egyptian moroccan african european asian australian latin roman
jewish christian muslim catholic protestant englishman englishmen frenchman frenchmen englishwoman
frenchwoman americans germans italians russians europeans
englisch deutsch französisch italienisch spanisch russisch polnisch chinesisch japanisch türkisch
griechisch lateinisch hebräisch arabisch niederländisch schwedisch dänisch norwegisch
engländer engländerin deutsche deutscher franzose französin italiener italienerin russe russin
amerikaner amerikanerin europäer
""".split()
)
"""Capitalised in English (and as nouns in German) but no one's name."""
PLACEHOLDERS = frozenset(
    """
all both everyone everybody someone somebody anyone anybody nobody others other another crowd chorus
voice voices narrator narration unknown stranger's man's woman's name character characters
lorem ipsum dolor tbd tba todo fixme xxx placeholder insert
""".split()
)
"""Group cues and placeholder words: no one in particular."""
DETERMINERS = frozenset(
    """
a an the this that these those my your his her its our their every each no some any another what which whose
der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner keines
mein meine meinen meinem meiner meines dein deine deinen deinem deiner deines sein seine seinen
seinem seiner seines ihr ihre ihren ihrem ihrer ihres unser unsere unseren unserem unserer euer
eure euren eurem eurer dieser diese dieses diesen diesem jener jene jenes jenen jenem jeder jede
jedes jeden jedem welcher welche welches welchen welchem manche mancher manchen alle allen aller
viele vielen einige einigen beide beiden solche solchen im am zum zur vom beim ins ans aufs ums
le la les un une des du au aux el los las una il lo gli uno het een
""".split()
)
"""Articles, possessives and demonstratives (English, German, French, Spanish, Italian, Dutch):
a capitalised word often right after one is a noun (`the Captain`, `das Fenster`), not a name."""
NUMBERS = frozenset(
    """
two three four five six seven eight nine ten eleven twelve twenty hundred thousand half
zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig hundert tausend halb
""".split()
)
"""A capitalised word right after a number is counted as after a determiner (`sieben Uhr`)."""
NOUN_AFTER_DETERMINER_SHARE = 0.25
"""A word written right after a determiner in at least this share of its uses is a noun (`the
Amontillado`); a name is there only now and then (`this Fortunato`, `that` as a conjunction)."""
NOUN_INFLECTIONS = ("e", "en", "n", "es", "er", "ern")
"""In a language that capitalises nouns, a word also written with one of these endings (`Tag`,
`Tage`) is a noun: a name takes no ending but the genitive `s`."""
NOUN_ENDINGS = (
    "ung",
    "ungen",
    "heit",
    "heiten",
    "keit",
    "keiten",
    "schaft",
    "schaften",
    "tion",
    "tionen",
    "tät",
    "täten",
    "nis",
    "nisse",
    "tum",
    "chen",
    "lein",
    "ismus",
    "ment",
    "mente",
)
"""German noun endings: a capitalised word with one is a noun in a language that capitalises nouns."""
PREPOSITIONS = frozenset(
    """
mit ohne vor nach aus zu bei von für durch gegen um unter über auf an in hinter neben zwischen seit
wegen trotz während with without for of by from out
""".split()
)
"""In a language that capitalises nouns, a word seen inside sentences only right after one of these
(`mit Mühe`, `vor Angst`) is a noun; a name is also the subject or object of a verb somewhere."""
PLACE_WORDS = frozenset("in into nach across through toward towards via".split())
"""A capitalised word right after one of these is a place (`in London`, `nach Berlin`), not a name."""
PLACE_NOUNS = frozenset(
    """
street road avenue lane square park river lake island mountain mountains bay harbor harbour station
church cathedral hotel castle bridge hill valley forest sea ocean city town village county state
straße strasse platz gasse weg berg see fluss insel bahnhof kirche schloss brücke wald stadt dorf
""".split()
)
"""The last word of a place's name (`Baker Street`, `Lake Geneva` aside): a run ending in one is no person."""
NOUN_CAPITALISING_SHARE = 0.15
"""A text whose words inside sentences are capitalised at least this often capitalises its nouns
(German prose: a quarter to a third; English prose: a few in a hundred, the names)."""
MAX_TITLE_PAGE_WORDS = 6
SCREEN_TERMS = NOT_SPEAKERS | {
    "V.O",
    "O.S",
    "O.C",
    "CONT'D",
    "CONT’D",
    "CU",
    "ECU",
    "TV",
    "OK",
    "DAY",
    "NIGHT",
    "DAWN",
    "DUSK",
    "MORNING",
    "EVENING",
}


Position = tuple[int, int]
"""(block index, offset in the block) where something is first seen."""


@dataclass
class _Person:
    name: str
    first_seen: Position
    mentions: int = 0
    forms: set[str] = field(default_factory=set)


@dataclass
class _Words:
    """What the prose rules know of each capitalised word of a text."""

    count: Counter[str] = field(default_factory=Counter)
    mid_sentence: set[str] = field(default_factory=set)
    free_mid_sentence: set[str] = field(default_factory=set)
    """Seen inside a sentence not right after a preposition (`sagte Anna`, not only `mit Mühe`)."""
    lower: set[str] = field(default_factory=set)
    after_determiner: Counter[str] = field(default_factory=Counter)
    after_adjective: set[str] = field(default_factory=set)
    after_place_word: set[str] = field(default_factory=set)
    first_seen: dict[str, Position] = field(default_factory=dict)
    runs: Counter[tuple[str, ...]] = field(default_factory=Counter)
    run_seen: dict[tuple[str, ...], Position] = field(default_factory=dict)
    runs_inside: set[tuple[str, ...]] = field(default_factory=set)
    inside_words: int = 0
    inside_capitalised: int = 0

    @property
    def capitalises_nouns(self) -> bool:
        return self.inside_words >= 30 and self.inside_capitalised / self.inside_words >= NOUN_CAPITALISING_SHARE


def find_characters(script: str) -> tuple[str, ...]:
    """The script's characters in title case, in order of first appearance (at most MAX_CHARACTERS)."""
    return tuple(person.name for person in _cast(script))[:MAX_CHARACTERS]


def describe_characters(script: str, characters: tuple[str, ...] | None = None) -> tuple[tuple[str, str], ...]:
    """(name, look) of the script's main characters (the MAIN_CHARACTERS most mentioned of
    `characters`, found in `script` when not given), in the order of `characters`: the look the
    text gives (`40s, oilskin coat`), else one made up from the name and the pronouns used near it."""
    if characters is None:
        characters = find_characters(script)
    if not characters:
        return ()
    blocks = read_blocks(script)
    texts = [block.text for block in blocks if block.kind in ("action", "dialogue")]
    body = "\n".join(block.text for block in blocks if block.kind == "action")
    mentions = {name: sum(len(_forms_pattern(name, characters).findall(text)) for text in texts) for name in characters}
    main = set(sorted(characters, key=lambda name: -mentions[name])[:MAIN_CHARACTERS])
    looks = []
    for name in characters:
        if name in main:
            kind = _pronouns_near(body, name, characters)
            looks.append((name, _completed(_look_in_text(body, name, characters), name, kind)))
    return tuple(looks)


def display_name(name: str) -> str:
    """`MRS. HALE` -> `Mrs. Hale`; `o'neil` -> `O'Neil`."""
    return " ".join(
        _WORD_PART.sub(lambda m: m.group(0).capitalize(), part) if part.isupper() or part.islower() else part
        for part in name.split()
    )


def named_in(text: str, characters: tuple[str, ...]) -> tuple[str, ...]:
    """The characters named in `text` (as whole words, any case: the full name, the first name, or
    the last name no other character has), in the given order."""
    return tuple(name for name in characters if _forms_pattern(name, characters).search(text))


def known_as(name: str, characters: tuple[str, ...]) -> str:
    """The character `name` means (`JOHN` -> `John Smith`), else `name` in title case."""
    wanted = display_name(name).lower()
    return next(
        (c for c in characters if wanted in (form.lower() for form in name_forms(c, characters))), display_name(name)
    )


def name_forms(name: str, characters: tuple[str, ...] = ()) -> tuple[str, ...]:
    """How a character may be named: `Anna Berger`, `Anna`, and `Berger` unless another character has it."""
    words = name.split()
    forms = [name]
    if len(words) > 1:
        others = [other.split() for other in characters if other != name]
        first, last = words[0], words[-1]
        if first.rstrip(".").lower() not in HONORIFICS and not any(o[0] == first for o in others):
            forms.append(first)
        if not any(last in o for o in others) and last.rstrip(".").lower() not in HONORIFICS:
            forms.append(last)
    return tuple(forms)


def in_display_case(text: str, characters: tuple[str, ...]) -> str:
    """`text` with names written in capitals (`NORA (40s) coils`) given as names (`Nora (40s) coils`)."""
    for name in characters:
        for form in name_forms(name, characters):
            text = re.sub(rf"(?<![^\W_]){re.escape(form.upper())}(?![^\W_])", form, text)
    return text


@lru_cache(maxsize=1024)
def _forms_pattern(name: str, characters: tuple[str, ...]) -> re.Pattern[str]:
    forms = sorted(name_forms(name, characters), key=len, reverse=True)
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, forms))})(?![^\W_])", re.IGNORECASE)


# --- finding the cast ---------------------------------------------------------------------------


def _cast(script: str) -> list[_Person]:
    blocks = read_blocks(script)
    banned = _title_page_names(blocks)
    people: dict[str, _Person] = {}  # lower-case name -> person

    def add(name: str, position: Position) -> None:
        name = display_name(" ".join(name.split()))
        key = name.lower()
        if not key or _no_one(name):
            return
        person = people.setdefault(key, _Person(name, position))
        person.first_seen = min(person.first_seen, position)
        person.mentions += 1

    speakers = [(index, b.speaker) for index, b in enumerate(blocks) if b.kind == "dialogue"]
    cues = {part for _, speaker in speakers for part in _speakers(speaker)}
    actions = [(index, b.text) for index, b in enumerate(blocks) if b.kind == "action"]
    for index, speaker in speakers:
        for part in _speakers(speaker):
            add(part, (index, 0))
    title_cased = {w for _, text in actions for w in _WORD.findall(text) if w[:1].isupper() and w[1:].islower()}
    for index, text in actions:
        for match in _CAPS_RUN.finditer(text):
            caps = match.group(1)
            if caps != caps.upper() or caps in SCREEN_TERMS or caps.rstrip(".") in SCREEN_TERMS:
                continue  # `Où`: the pattern takes any letter but a-z for a capital
            written_as_name = all(display_name(word) in title_cased for word in caps.split())
            if match.group(2) or caps in cues or written_as_name:
                add(caps, (index, match.start()))
    words = _read_words(actions + [(index, b.text) for index, b in enumerate(blocks) if b.kind == "dialogue"])
    for name, position in _prose_names(words, banned):
        add(name, position)
    body = "\n".join(b.text for b in blocks if b.kind == "action")
    return _merged(sorted(people.values(), key=lambda p: p.first_seen), body)


def _speakers(cue: str) -> list[str]:
    """The people of a cue: `MARA & ELI` -> MARA, ELI; group and placeholder cues give no one."""
    return [part for part in _CUE_SPLIT.split(cue.strip()) if part and not _no_one(part)]


def _no_one(name: str) -> bool:
    words = [w.rstrip(".").lower() for w in name.split()]
    return (
        not words
        or all(w in HONORIFICS for w in words)
        or any(w in PLACEHOLDERS or w in NATIONALITIES for w in words)
        or " ".join(words) in NOT_NAMES
        or name.upper().rstrip(".") in NOT_SPEAKERS
    )


def _title_page_names(blocks: list[Block]) -> set[str]:
    """The capitalised words of a plain title page's bylines (`by Clara Winter`, or a short line
    of names), before the story starts (a slugline, dialogue, or a paragraph of STORY_WORDS)."""
    banned: set[str] = set()
    for block in blocks:
        if block.kind == "dialogue" or (block.kind == "action" and len(block.text.split()) >= STORY_WORDS):
            break
        if block.kind == "heading" and is_slugline(block.text):
            break
        text = block.text
        names_only = (
            len(text.split()) <= MAX_TITLE_PAGE_WORDS
            and not text.endswith((".", "!", "?"))
            and all(w[:1].isupper() for w in _WORD.findall(text))
        )
        if is_byline(text) or (block.kind == "action" and (BYLINE.match(text) or names_only)):
            banned.update(w for w in _WORD.findall(text) if w[:1].isupper())
    return banned


def _read_words(texts: list[tuple[int, str]]) -> _Words:
    seen = _Words()
    for index, text in texts:
        previous: list[tuple[str, int]] = []  # (word, end) of the words before in this text
        for match in _WORD.finditer(text):
            word, start = match.group(0), match.start()
            gap = text[previous[-1][1] : start] if previous else ""
            adjacent = bool(previous) and gap.strip() == ""
            before = text[max(0, start - 16) : start].rstrip()
            inside = bool(before) and not _ends_sentence(before)
            if inside:
                seen.inside_words += 1
            if word.islower():
                seen.lower.add(word)
            elif _title_cased(word):
                seen.count[word] += 1
                seen.first_seen.setdefault(word, (index, start))
                if inside:
                    seen.inside_capitalised += 1
                    seen.mid_sentence.add(word)
                    if not (adjacent and previous[-1][0].lower() in PREPOSITIONS):
                        seen.free_mid_sentence.add(word)
                if adjacent and previous[-1][0].lower() in PLACE_WORDS:
                    seen.after_place_word.add(word)
                if adjacent and (previous[-1][0].lower() in DETERMINERS or previous[-1][0].lower() in NUMBERS):
                    seen.after_determiner[word] += 1
                elif (
                    adjacent
                    and len(previous) > 1
                    and previous[-1][0].islower()
                    and previous[-2][0].lower() in DETERMINERS
                    and text[previous[-2][1] : match.start()].count(" ") <= 2
                ):
                    seen.after_adjective.add(word)
            previous.append((word, match.end()))
        for run, start in _runs(text):
            seen.runs[run] += 1
            seen.run_seen.setdefault(run, (index, start))
            before = text[max(0, start - 16) : start].rstrip()
            if before and not _ends_sentence(before):
                seen.runs_inside.add(run)
    return seen


def _ends_sentence(before: str) -> bool:
    if before[-1] not in SENTENCE_ENDS:
        return False
    if before[-1] == "." and (last := re.search(r"([^\W\d_]+)\.$", before)):
        return last.group(1).lower() not in HONORIFICS  # `Mr. Hale`: no sentence ends at `Mr.`
    return True


def _runs(text: str) -> list[tuple[tuple[str, ...], int]]:
    """(words, where) of each two or three capitalised words written together (`Anna Berger`,
    `Mr. Hale`): separated by one space, only an honorific followed by its full stop."""
    out: list[tuple[tuple[str, ...], int]] = []
    run: list[str] = []
    start = end = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        joined = (
            bool(run)
            and text[end : match.start()] in (" ", ". ")
            and (text[end : match.start()] == " " or run[-1].lower() in HONORIFICS)
        )
        if not _title_cased(word) or (run and not joined):
            if 2 <= len(run) <= 3:
                out.append((_with_stops(run, text, start), start))
            run = []
        if _title_cased(word):
            if not run:
                start = match.start()
            run.append(word)
        end = match.end()
    if 2 <= len(run) <= 3:
        out.append((_with_stops(run, text, start), start))
    return out


def _with_stops(run: list[str], text: str, start: int) -> tuple[str, ...]:
    """The run's words, an honorific with its full stop (`Mr.`) as written."""
    words, at = [], start
    for word in run:
        at = text.index(word, at) + len(word)
        words.append(word + "." if text[at : at + 1] == "." and word.lower() in HONORIFICS else word)
    return tuple(words)


def _title_cased(word: str) -> bool:
    parts = re.split(r"['’-]", word)
    return len(word) >= 2 and word[0].isupper() and all(p and p[1:].islower() for p in parts if len(p) > 1)


def _prose_names(seen: _Words, banned: set[str]) -> list[tuple[str, Position]]:
    """(name, index of the first block it is in) of each recurring name, full names as one."""

    def name_like(word: str) -> bool:
        bare = word.rstrip(".")
        return (
            bare not in banned
            and bare.lower() not in seen.lower
            and bare.lower() not in STOPWORDS
            and bare.lower() not in NOT_NAMES
            and bare.lower() not in NATIONALITIES
            and bare.lower() not in PLACEHOLDERS
            and seen.after_determiner[bare] < NOUN_AFTER_DETERMINER_SHARE * seen.count[bare]
            and bare not in seen.after_place_word
            and not (
                seen.capitalises_nouns
                and (
                    bare in seen.after_adjective
                    or bare.lower().endswith(NOUN_ENDINGS)
                    or (bare in seen.mid_sentence and bare not in seen.free_mid_sentence)
                    or _inflected(bare, seen.count)
                )
            )
        )

    recurring = {
        word
        for word, count in seen.count.items()
        if count >= 2 and word in seen.mid_sentence and name_like(word) and word.lower() not in HONORIFICS
    }
    found: list[tuple[str, Position]] = []
    for written, index in seen.run_seen.items():
        run = written
        first = run[0].rstrip(".")
        if first.lower() not in HONORIFICS and (
            not name_like(first) or (written not in seen.runs_inside and first not in recurring)
        ):
            run = run[1:]  # `Als Gregor Samsa`: a sentence's first word is capitalised anyway
        if len(run) < 2:
            continue
        bare = [w.rstrip(".") for w in run]
        honorific = bare[0].lower() in HONORIFICS
        names = bare[1:] if honorific else bare
        if any(w.lower() in HONORIFICS for w in names) or not all(name_like(w) for w in names):
            continue
        if names[-1].lower() in PLACE_NOUNS:
            continue
        # in a language that capitalises nouns, `Anna Tee` is a name and a noun: every word must recur
        named = all if seen.capitalises_nouns else any
        inside = written in seen.runs_inside or run != written
        if (names[0] in recurring or inside or honorific) and (
            named(w in recurring for w in names) or seen.runs[written] >= 2
        ):
            found.append((" ".join(run), index))
    # a word of a full name is found alone too: `_merged` makes it that person, or keeps it apart
    return found + [(word, seen.first_seen[word]) for word in recurring]


def _inflected(word: str, count: Counter[str]) -> bool:
    """Whether `word` is also written with a noun's ending (`Tag`, `Tage`), or is one (`Tage`, `Tag`)."""
    return any(
        word + ending in count or (word.endswith(ending) and word[: -len(ending)] in count)
        for ending in NOUN_INFLECTIONS
    )


def _merged(people: list[_Person], body: str) -> list[_Person]:
    """One person per name: a single name that is the first name (or the only-shared last name) of
    exactly one full name is that person, unless the full name's honorific says another sex than
    the pronouns used of the single name; a full name with an abbreviated honorific (`Mme.
    Sofronie`) is the one written out (`Madame Sofronie`)."""
    people = _honorifics_merged(people)
    full = [p for p in people if len(p.name.split()) > 1]
    kept: list[_Person] = []
    for person in people:
        if len(person.name.split()) == 1:
            word = person.name
            owners = [f for f in full if f.name.split()[0] == word]
            if not owners:
                owners = [f for f in full if f.name.split()[-1] == word and _same_sex(f.name, word, body)]
            if len(owners) == 1:
                owners[0].first_seen = min(owners[0].first_seen, person.first_seen)
                owners[0].mentions += person.mentions
                continue
            if len(owners) > 1 and any(f.name.split()[-1] == word for f in owners):
                continue  # a family name several characters share: no one alone
        kept.append(person)
    return sorted(kept, key=lambda p: p.first_seen)


_ABBREVIATED = {"mme": "madame", "mlle": "mademoiselle", "mr": "mister", "dr": "doctor", "prof": "professor"}
_ABBREVIATED |= {"capt": "captain", "sgt": "sergeant", "insp": "inspector", "hr": "herr", "fr": "frau"}


def _honorifics_merged(people: list[_Person]) -> list[_Person]:
    """`Mme. Sofronie` and `Madame Sofronie` as one person, under the name the text uses most."""
    by_key: dict[str, _Person] = {}
    for person in people:
        words = person.name.split()
        title = words[0].rstrip(".").lower()
        key = " ".join([_ABBREVIATED.get(title, title), *words[1:]]).lower()
        if key not in by_key:
            by_key[key] = person
            continue
        other = by_key[key]
        kept = other if other.mentions >= person.mentions else person
        kept.first_seen = min(other.first_seen, person.first_seen)
        kept.mentions = other.mentions + person.mentions
        by_key[key] = kept
    return sorted(by_key.values(), key=lambda p: p.first_seen)


def _same_sex(full_name: str, single: str, body: str) -> bool:
    """False when the full name's honorific says a woman (`Lady`) and the text calls the single name
    `he`, or the other way round."""
    title = full_name.split()[0].rstrip(".").lower()
    said = "man" if title in _MEN else "woman" if title in _WOMEN else "person"
    if said == "person":
        return True
    return _pronouns_near(body, single, ()) in (said, "person")


# --- looks ------------------------------------------------------------------------------------------


_APPOSITIVE = re.compile(
    r"(?:\s*\((?P<paren>[^()]{2,100})\)"
    r"|,\s+(?P<appositive>(?:a|an|the|ein|eine|einer|un|une)\s+[^,.;:!?()]{3,100}?)(?=[,.;])"
    r"|\s+(?:was|is|war|ist)\s+(?P<predicate>(?:a|an|the|ein|eine|der|die)\s+[^,.;:!?()]{3,100}?)(?=[,.;]))",
    re.IGNORECASE,
)
_HAIR = ("short black", "long dark", "cropped grey", "curly red", "straight blond", "wavy brown", "silver", "auburn")
_CLOTHES = (
    "a navy wool coat",
    "a faded green jacket",
    "a rust-coloured sweater",
    "a long grey overcoat",
    "a yellow raincoat",
    "a dark blue cardigan",
    "a brown leather jacket",
    "a white linen shirt",
)
_OLD_HAIR = ("grey", "silver", "white", "thinning grey")
_BUILD = ("slight", "tall", "stocky", "wiry", "broad-shouldered", "small")
_OLD = re.compile(r"\b(?:[6-9]0s|old|elderly|aged|alt|alte|alter)\b", re.IGNORECASE)
_CLOTHING = re.compile(
    r"\b(?:coat|jacket|shirt|dress|sweater|jumper|suit|uniform|hat|cap|scarf|robe|gown|apron|oilskin|"
    r"overalls|jeans|mantel|jacke|hemd|kleid|hut|anzug)",
    re.IGNORECASE,
)
_SHE = re.compile(r"\b(?:she|her|hers|herself|sie|ihr|ihre)\b", re.IGNORECASE)
_HE = re.compile(r"\b(?:he|him|his|himself|er|ihm|ihn|sein|seine)\b", re.IGNORECASE)


def _look_in_text(body: str, name: str, characters: tuple[str, ...]) -> str:
    """What the text says of the character where it first describes them: `(40s, oilskin coat)`
    after a name, `, a tall woman with grey hair,`, `was an old fisherman`."""
    for match in _forms_pattern(name, characters).finditer(body):
        found = _APPOSITIVE.match(body, match.end())
        if found:
            look = found.group("paren") or found.group("appositive") or found.group("predicate") or ""
            look = " ".join(look.split()).strip(" .,;")
            if look and not re.fullmatch(r"(?:V\.?O|O\.?S|O\.?C|CONT[’']?D)\.?", look, re.IGNORECASE):
                return look[:MAX_LOOK_CHARS]
    return ""


_MEN = frozenset("mr mister sir herr monsieur señor signor lord uncle onkel father brother".split())
_WOMEN = frozenset(
    "mrs ms miss lady frau fräulein madame madam mademoiselle señora signora aunt tante mother sister".split()
)


def _pronouns_near(body: str, name: str, characters: tuple[str, ...]) -> str:
    """`woman`, `man` or `person`: from an honorific (`Mrs.`), else from the pronouns in the action
    after each mention (to the end of the next sentence)."""
    title = name.split()[0].rstrip(".").lower()
    if title in _MEN or title in _WOMEN:
        return "man" if title in _MEN else "woman"
    she = he = 0
    for match in _forms_pattern(name, characters).finditer(body):
        around = body[match.end() : match.end() + 240]
        ends = [m.end() for m in re.finditer(r"[.!?…。！？]\s", around)]
        around = around[: ends[1] if len(ends) > 1 else len(around)].split("\n")[0]
        she += len(_SHE.findall(around))
        he += len(_HE.findall(around))
    return "woman" if she > he else "man" if he > she else "person"


def _completed(said: str, name: str, kind: str) -> str:
    """The look the text gives, completed when it says little (`70s`) with what it leaves out,
    chosen by a SHA-256 of the name (the same character always looks the same): build, hair
    (grey for the old), clothes."""
    if len(said.split()) >= 4:
        return said
    digest = hashlib.sha256(name.lower().encode()).digest()
    old = bool(_OLD.search(said))
    hair = (_OLD_HAIR if old else _HAIR)[digest[1] % len(_OLD_HAIR if old else _HAIR)]
    person = f"a {_BUILD[digest[0] % len(_BUILD)]} {kind}"
    if not re.search(r"\bhair|\bbald|\bhaar", said, re.IGNORECASE):
        person += f" with {hair} hair"
    if not _CLOTHING.search(said):
        person += f", wearing {_CLOTHES[digest[2] % len(_CLOTHES)]}"
    return f"{said}; {person}" if said else person
