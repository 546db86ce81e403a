"""Capability: speak a narration, with the time of every sentence so subtitles can follow it.

    narrator = make_narrator(settings)       # reelflow_kit.ai.factory; AISettings (+ NarrationSettings)
    speech = await narrator.speak(text, voice="", language="")   # raises AIProviderError
    speech.wav              # WAV, 24 000 Hz, mono, signed 16-bit PCM, whatever the provider
    speech.duration_s       # exact: samples / 24 000
    speech.sentences        # (SpokenSentence(text, start_s, end_s), ...): in order, back to back,
                            # from 0 to duration_s
    speech.usage            # Usage(provider, model, audio_seconds)

Providers (`REELFLOW_AI_PROVIDER`): `local` speaks offline with eSpeak NG (`local.espeak`);
`openai` uses the speech API (`openai_compat.speech`).

Input: any text, up to hundreds of kilobytes. Terminal escapes and control characters are
dropped (a blank line separates sentences; tabs are spaces), and so are lone surrogates and
bidi/format controls (`speakable_text`); markup is read as text, never interpreted. Text with
nothing left to say (empty, whitespace, only control characters) is not an error: it gives a
Speech of zero duration (a valid WAV with no samples) and no sentences, so a caller can always
take `max(shot_duration, speech.duration_s)`.

Sentences: cut after sentence-final punctuation of any script (`. ! ? … ؟ ۔ । ॥ ። ။ ។ ։` and
the Greek `;` when a space follows, `。！？` anywhere), and at blank lines; a `.` after an
abbreviation or an initial, or followed by a lower-case word, does not end a sentence. A
sentence over MAX_SENTENCE_CHARS is cut at a clause mark, else a space, else anywhere, so every
subtitle stays readable and every piece fits one provider request.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Protocol, runtime_checkable

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.audio_format import SAMPLE_RATE, encode_wav

MAX_SENTENCE_CHARS = 300
"""A longer sentence is cut (at a clause mark, else a space) into pieces of at most this many characters."""


@dataclass(frozen=True)
class SpokenSentence:
    text: str
    start_s: float
    end_s: float
    """start_s of the next sentence; the last one ends at the end of the audio."""


@dataclass(frozen=True)
class Speech:
    wav: bytes
    """A WAV file: SAMPLE_RATE (24 000 Hz), mono, signed 16-bit little-endian PCM."""
    duration_s: float
    sample_rate: int = SAMPLE_RATE
    usage: Usage = field(default_factory=Usage)
    sentences: tuple[SpokenSentence, ...] = ()
    """In order, back to back: the first starts at 0, each ends where the next starts, the last ends
    at duration_s. A sentence's span includes the pause after it. Exact for the local provider
    (each sentence is synthesized on its own); an estimate for openai (see openai_compat.speech)."""


@runtime_checkable
class Narrator(Protocol):
    async def speak(self, text: str, *, voice: str = "", language: str = "") -> Speech:
        """`text` read aloud. `voice`: the provider's voice name (eSpeak NG voice such as `en-us` or
        `en+f3`; OpenAI voice such as `alloy`), empty for the configured one. `language`: a BCP 47
        tag such as `fr` or `pt-BR`, empty to guess from the script of the text (local provider;
        openai models read the language from the text). Raises AIProviderError when the provider
        gives up; never for the text itself."""
        ...


class NarrationSettings(BaseSettings):
    """Narration settings not (yet) in AISettings, read from REELFLOW_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="REELFLOW_", env_file=None, extra="ignore")

    openai_tts_model: str = Field(default="gpt-4o-mini-tts", min_length=1, description="first speech model tried")
    openai_tts_fallback_models: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="comma-separated; tried in order once the previous speech model gave up"
    )
    openai_tts_voice: str = Field(
        default="alloy", min_length=1, max_length=100, description="used when speak() is given no voice"
    )
    openai_tts_concurrency: int = Field(
        default=3, ge=1, le=16, description="requests in flight at once for a text over one request"
    )
    local_tts_voice: str = Field(
        default="",
        max_length=100,
        description="eSpeak NG voice (`en-us`, `en+f3`, `de`); empty: from the language "
        "asked for, else guessed from the script of the text",
    )
    local_tts_rate_wpm: int = Field(default=160, ge=80, le=450, description="eSpeak NG speaking rate, words a minute")

    @field_validator("openai_tts_fallback_models", mode="before")
    @classmethod
    def _split_tts_models(cls, value: object) -> object:
        # not AISettings' name (`_split_comma_list`): in a class mixing both, the one would hide the other
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def openai_tts_models(self) -> tuple[str, ...]:
        """The primary speech model, then its fallbacks, without repeats."""
        return tuple(dict.fromkeys((self.openai_tts_model, *self.openai_tts_fallback_models)))


def silence(usage: Usage) -> Speech:
    """The Speech of a text with nothing to say."""
    return Speech(wav=encode_wav(b""), duration_s=0.0, sample_rate=SAMPLE_RATE, usage=usage, sentences=())


def timed_sentences(groups: list[tuple[list[str], int]], sample_rate: int = SAMPLE_RATE) -> tuple[SpokenSentence, ...]:
    """Back-to-back sentence times from audio pieces in order: each piece is (its sentences, its
    samples). A piece's samples are shared among its sentences in proportion to their characters
    (exact when a piece is one sentence); the boundaries are whole samples, so the spans meet
    exactly and the last ends at the total. Sentences given no sample are left out."""
    timed: list[SpokenSentence] = []
    offset = reached = 0
    for sentences, samples in groups:
        weights = [max(1, len(sentence)) for sentence in sentences]
        total, done = sum(weights), 0
        for sentence, weight in zip(sentences, weights, strict=True):
            done += weight
            end = offset + samples * done // total
            if end > reached:
                timed.append(SpokenSentence(sentence, reached / sample_rate, end / sample_rate))
                reached = end
        offset += samples
    if timed and reached < offset:  # audio after the last sentence given any (a piece without sentences)
        timed[-1] = SpokenSentence(timed[-1].text, timed[-1].start_s, offset / sample_rate)
    return tuple(timed)


# --- text --------------------------------------------------------------------------------------

_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_KEEP_FORMAT = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners spell words in Persian and Indic scripts."""
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINE = re.compile(r"\n\s*\n")

_FINAL_SPACED = ".!?…‼⁇⁈⁉;؟۔।॥።፧။၊៕។։჻܀"
"""Sentence-final marks followed by a space (Latin, Greek question mark, Arabic, Urdu, Devanagari,
Ethiopic, Myanmar, Khmer, Armenian, Georgian, Syriac)."""
_FINAL_UNSPACED = "。！？｡．"
"""Sentence-final marks of scripts written without spaces (CJK): a sentence ends right after them."""
_CLOSERS = "\"'”’»›)]}」』）】〕〉》"
_SENTENCE_END = re.compile(
    rf"(?P<mark>[{re.escape(_FINAL_UNSPACED)}]+)[{re.escape(_CLOSERS)}]*"
    rf"|(?P<spaced>[{re.escape(_FINAL_SPACED)}]+)[{re.escape(_CLOSERS)}]*(?=\s|$)"
)
_LETTERS = re.compile(r"[^\W\d_]+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof rev gen col capt lt sgt cmdr gov sen rep hon mt ft vs etc eg ie no nos vol "
    "fig approx dept est inc ltd co corp av ave blvd rd jan feb mar apr jun jul aug sep sept oct nov dec "
    "mme mlle hr fr sra srta".split()
)
_CLAUSE_BREAK = re.compile(r"[,;:、，；：—–](?=\s)|[、，；：]|\s[-—–]\s")


def speakable_text(text: str) -> str:
    """`text` as it is handed to a provider: terminal escapes, control characters (line breaks
    kept, tabs and form feeds made spaces), lone surrogates, private-use, unassigned and bidi/format
    characters dropped (zero-width joiners kept), NFC, runs of spaces collapsed, lines trimmed."""
    text = _ANSI_ESCAPE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.isprintable():
        text = "".join(_kept(ch) for ch in text)
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def _kept(ch: str) -> str:
    if ch == "\n":
        return ch
    category = unicodedata.category(ch)
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Cc":
        return " " if ch.isspace() else ""  # tabs and form feeds separate words; NUL, BEL, DEL go
    if category in ("Cs", "Co", "Cn") or (category == "Cf" and ch not in _KEEP_FORMAT):
        return ""
    return ch


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of already speakable text (see `speakable_text`), in order, each at most
    `max_chars` characters, none blank. Joined with spaces they give the text back, its line
    breaks aside."""
    sentences: list[str] = []
    for paragraph in _BLANK_LINE.split(text):
        paragraph = " ".join(paragraph.split())
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            if match.group("spaced") and not _ends_sentence(paragraph, match):
                continue
            sentences.extend(_bounded(paragraph[start : match.end()].strip(), max_chars))
            start = match.end()
        sentences.extend(_bounded(paragraph[start:].strip(), max_chars))
    return [s for s in sentences if s]


def _ends_sentence(paragraph: str, match: re.Match[str]) -> bool:
    if match.group("spaced") != ".":
        return True
    before = paragraph[max(0, match.start() - 40) : match.start()][::-1]
    word = _LETTERS.match(before)  # the letters right before the full stop, reversed
    if word is None:
        return True
    letters = word.group()[::-1]
    if letters.lower() == letters.upper():
        return True  # a script without case (Arabic, Devanagari, ...): none of the rules below apply
    following = paragraph[match.end() : match.end() + 8].lstrip()  # a paragraph has single spaces
    if following and following[0].islower():
        return False  # "e.g. the", "approx. ten"
    if len(letters) == 1 and letters.isupper():
        return False  # an initial: "J. R. R. Tolkien"
    return letters.lower() not in _ABBREVIATIONS


def _bounded(sentence: str, max_chars: int) -> list[str]:
    pieces = []
    while len(sentence) > max_chars:
        cut = _cut_point(sentence, max_chars)
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    pieces.append(sentence)
    return pieces


def _cut_point(sentence: str, max_chars: int) -> int:
    window = sentence[: max_chars + 1]
    clauses = [m.end() for m in _CLAUSE_BREAK.finditer(window) if max_chars // 3 <= m.end() <= max_chars]
    if clauses:
        return clauses[-1]
    space = window.rfind(" ", max_chars // 3)
    if space > 0:
        return space
    cut = max_chars
    while cut > 1 and unicodedata.combining(sentence[cut]):
        cut -= 1  # keep an accent with its letter
    return cut


# --- languages -----------------------------------------------------------------------------------

_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("\u0400-\u052f", "ru"),
    ("\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff", "ar"),
    ("\u0590-\u05ff", "he"),
    ("\u0370-\u03ff\u1f00-\u1fff", "el"),
    ("\u0900-\u097f", "hi"),
    ("\u0980-\u09ff", "bn"),
    ("\u0a00-\u0a7f", "pa"),
    ("\u0a80-\u0aff", "gu"),
    ("\u0b80-\u0bff", "ta"),
    ("\u0c00-\u0c7f", "te"),
    ("\u0c80-\u0cff", "kn"),
    ("\u0d00-\u0d7f", "ml"),
    ("\u0e00-\u0e7f", "th"),
    ("\u0530-\u058f", "hy"),
    ("\u10a0-\u10ff", "ka"),
    ("\u1200-\u137f", "am"),
    ("\u1000-\u109f", "my"),
    ("\uac00-\ud7af\u1100-\u11ff\u3130-\u318f", "ko"),
    ("\u3040-\u30ff\u31f0-\u31ff", "ja"),
    ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", "cmn"),
)
_SCRIPT_PATTERNS = tuple((re.compile(f"[{ranges}]"), language) for ranges, language in _SCRIPTS)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
FUNCTION_WORDS = {
    "en": "the and of to a in is was it that he she with for you his her not but had",
    "de": "der die das und ist nicht ich sie er mit den dem ein eine zu auf sich war aber auch",
    "fr": "le la les et est dans une des que pas il elle qui pour sur avec au du ne",
    "es": "el la los las y que en una por con para del se no es su lo pero como",
    "it": "il la che di e un una non per con del della gli sono ma si è",
    "pt": "o a os as que não um uma com para do da em se mas por é ele ela",
    "nl": "de het een en van is niet dat ik hij zij met op te zijn maar",
}
"""Common short words of Latin-script languages: the one whose words a text uses most is its language."""
_FUNCTION_SETS = {language: frozenset(words.split()) for language, words in FUNCTION_WORDS.items()}


def guess_language(text: str) -> str:
    """A rough language from the script most of the letters are in: Cyrillic -> ru, Arabic -> ar,
    Han -> cmn (ja when there is any kana), Hangul -> ko, Devanagari -> hi, ...; Latin by its
    most used function words (en, de, fr, es, it, pt, nl); nothing -> en."""
    sample = text[:20_000]
    counts = {language: len(pattern.findall(sample)) for pattern, language in _SCRIPT_PATTERNS}
    if counts["ja"] and counts["cmn"]:
        counts["ja"] += counts.pop("cmn")  # kanji among kana is Japanese
    best = max(counts, key=lambda language: counts[language])
    if counts[best] == 0 or counts[best] < len(_LATIN_LETTER.findall(sample)):
        return _latin_language(sample)
    return best


def _latin_language(sample: str) -> str:
    words = [word.lower() for word in _LATIN_WORD.findall(sample)]
    hits = {language: sum(word in common for word in words) for language, common in _FUNCTION_SETS.items()}
    best = max(hits, key=lambda language: hits[language])
    return best if hits[best] > hits["en"] else "en"
