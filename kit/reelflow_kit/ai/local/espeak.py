"""Offline narration with eSpeak NG, through the library and voice data that the
`espeakng-loader` wheel ships (no system package needed), called with ctypes.

The library is one per process and not thread-safe: one engine is initialised on first use
(AUDIO_OUTPUT_SYNCHRONOUS, its audio handed to a callback), and every call into it holds
`_ENGINE_LOCK`. Synthesis runs in a worker thread (`asyncio.to_thread`), so the event loop is
never blocked; the lock is taken sentence by sentence, so concurrent narrations interleave
instead of waiting for a long one to finish, and a cancelled narration stops at the next audio
buffer.

Each sentence (see `narration.split_sentences`) is synthesized on its own, with the pause that
ends a sentence, so its time in the narration is exact. eSpeak NG speaks at 22 050 Hz; the audio
is resampled to the narration format (24 kHz mono 16-bit) as it comes (`audio_format.Resampler`).

Deterministic: the same text, voice and rate give the same bytes, whatever was spoken before or
alongside. Left alone, eSpeak NG is not: its pitch flutter, roughness modulation and the tail of
the previous sentence keep state (function statics, which no API resets) from one synthesis to
the next, so the same sentence comes out a few samples longer or shorter each time. So every
voice is spoken with a variant of ours, `reelflow-steady` (flutter and roughness modulation
off), added to a private copy of the voice directory made of links to the wheel's data
(`_data_home`); a fixed vowel is synthesized (and dropped) before every sentence, and the random
generator seeded. A voice that names its own variant (`en+f3`) is used as it is, and may not be
repeatable to the byte.

Voice: the `voice` argument, else the configured `local_tts_voice`, else the language asked
for (`pt-BR` -> `pt-br`, then `pt`), else the one guessed from the script of the text
(`narration.guess_language`); a name eSpeak NG does not know falls back to the next of these,
finally to `en`. Text is never an error: control characters are dropped before it gets here,
markup is read as text (SSML is off), and what cannot be pronounced is skipped or spelled.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import logging
import re
import shutil
import sys
import tempfile
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.audio_format import SAMPLE_RATE, SAMPLE_WIDTH, Resampler, WavWriter
from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.narration import Speech, guess_language, silence, speakable_text, split_sentences, timed_sentences

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en"
STEADY_VARIANT = "reelflow-steady"
"""The voice variant every voice is spoken with (unless the voice names a variant of its own):
no pitch flutter and no roughness modulation, the two effects whose state eSpeak NG carries from
one synthesis to the next, so the same sentence always gives the same samples."""
_RAND_SEED = 20_250_101
_STEADY_VARIANT_FILE = "language variant\nname reelflow steady\nflutter 0\nroughness 8\n"
"""`roughness 8` is past the table of roughness levels (0-7), which turns the cycle-counting amplitude
modulation off altogether (roughness 0 still modulates trills)."""
LOCAL_MODEL = "espeak-ng"
DEFAULT_RATE_WPM = 160
_LANGUAGE_VOICES = {
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-hans": "cmn",
    "zh-sg": "cmn",
    "zh-tw": "cmn",
    "zh-hant": "cmn",
    "zh-hk": "yue",
    "zh-mo": "yue",
    "no": "nb",
    "nn": "nb",
    "iw": "he",
    "in": "id",
    "fil": "tl",
    "en-us": "en-us",
    "en-gb": "en",
    "en-uk": "en",
}

_VOICE_NAME = re.compile(r"[\w+\-() ]{1,60}")
"""What is passed to espeak_SetVoiceByName: a voice (`en-us`, `Alex`), optionally `+variant`."""

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_PHONEMES = _CHARS_UTF8 | 0x100
_PRIMER = b"[[a]]"
"""Spoken (and dropped) before every sentence: a vowel given as a phoneme, the same in every
language, that overwrites what the previous sentence left in the synthesizer (a sentence ending
in a voiced fricative changes the start of the next one otherwise)."""
_RATE = 1
_EE_OK = 0
_BUFFER_MS = 200


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """The process's eSpeak NG. Every method must be called with `_ENGINE_LOCK` held."""

    def __init__(self) -> None:
        import espeakng_loader

        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self._lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int
        self._seed = getattr(lib, "espeak_ng_SetRandSeed", None)  # eSpeak NG 1.51+
        if self._seed is not None:
            self._seed.argtypes = [ctypes.c_long]
            self._seed.restype = None
        data_path, self.steady = _data_home(Path(espeakng_loader.get_data_path()))
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path.encode(), _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise OSError(f"espeak_Initialize failed ({rate}) with the voice data at {data_path}")
        self.sample_rate = rate
        self.steady = self.steady and lib.espeak_SetVoiceByName(f"{DEFAULT_VOICE}+{STEADY_VARIANT}".encode()) == _EE_OK
        self._callback = _SynthCallback(self._on_audio)  # kept referenced: the library holds on to it
        lib.espeak_SetSynthCallback(self._callback)
        self._audio = bytearray()
        self._stop: threading.Event | None = None
        self._voice: str | None = None
        self._rate: int | None = None
        self._known: dict[str, bool] = {}

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], samples: int, events: ctypes._Pointer[_Event]) -> int:
        if wav and samples > 0:  # type: ignore[truthy-bool]  # typeshed's ctypes._Pointer lacks __bool__ (NULL is false)
            self._audio += ctypes.string_at(wav, samples * SAMPLE_WIDTH)
        return 1 if self._stop is not None and self._stop.is_set() else 0

    def knows(self, voice: str) -> bool:
        """Whether eSpeak NG has this voice (`en`, `pt-br`, `en+f3`, ...)."""
        if not _VOICE_NAME.fullmatch(voice):
            return False
        if voice not in self._known:
            self._known[voice] = self._lib.espeak_SetVoiceByName(voice.encode()) == _EE_OK
            self._voice = None  # whatever is set now, set it again before speaking
        return self._known[voice]

    def synthesize(self, sentence: str, voice: str, rate_wpm: int, stop: threading.Event) -> bytes:
        """The sentence at the engine's rate, mono signed 16-bit (native byte order), with the pause
        that ends a sentence. The voice is spoken with the steady variant unless it names its own."""
        if self.steady and "+" not in voice:
            voice = f"{voice}+{STEADY_VARIANT}"
        if voice != self._voice:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise OSError(f"eSpeak NG cannot set voice {voice!r}")
            self._voice, self._rate = voice, None
        if rate_wpm != self._rate:
            self._lib.espeak_SetParameter(_RATE, rate_wpm, 0)
            self._rate = rate_wpm
        self._speak(_PRIMER, _PHONEMES, stop)  # leaves the same state behind, whatever was spoken before
        if self._seed is not None:
            self._seed(_RAND_SEED)  # the noise of breathy and Klatt voices, the same every time
        return self._speak(sentence.encode("utf-8", "replace"), _CHARS_UTF8 | _ENDPAUSE, stop)

    def _speak(self, text: bytes, flags: int, stop: threading.Event) -> bytes:
        self._audio = bytearray()
        self._stop = stop
        try:
            status = self._lib.espeak_Synth(text, len(text) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
            self._lib.espeak_Synchronize()
        finally:
            self._stop = None
        if status != _EE_OK and not stop.is_set():
            raise OSError(f"espeak_Synth failed ({status})")
        audio, self._audio = bytes(self._audio), bytearray()
        return audio


def _data_home(wheel_data: Path) -> tuple[str, bool]:
    """The directory to initialise eSpeak NG with (the one holding `espeak-ng-data`), and whether
    it has the steady variant: a private directory for this process, linking to the wheel's data
    with the variant added to its voices (the wheel's own directory is left untouched, and may be
    read-only). Where links cannot be made, the wheel's data as it is."""
    home = Path(tempfile.mkdtemp(prefix="reelflow-espeak-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    try:
        data = home / "espeak-ng-data"
        data.mkdir()
        for entry in wheel_data.iterdir():
            if entry.name != "voices":
                (data / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        (data / "voices").mkdir()
        for entry in (wheel_data / "voices").iterdir():
            if entry.name != "!v":
                (data / "voices" / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        variants = data / "voices" / "!v"
        variants.mkdir()
        for entry in (wheel_data / "voices" / "!v").iterdir():
            (variants / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        (variants / STEADY_VARIANT).write_text(_STEADY_VARIANT_FILE, encoding="ascii")
    except OSError as exc:
        log.warning(
            "cannot add the steady voice variant; narration may differ slightly from run to run",
            extra={"error": f"{type(exc).__name__}: {exc}"},
        )
        shutil.rmtree(home, ignore_errors=True)
        return str(wheel_data), False
    return str(home), True


_ENGINE_LOCK = threading.Lock()
_engine: _Engine | None = None
_engine_error: str | None = None


def _the_engine() -> _Engine:
    """The process's engine, initialised on first use. Call with `_ENGINE_LOCK` held."""
    global _engine, _engine_error
    if _engine is None:
        if _engine_error is not None:
            raise AIProviderError("provider_unavailable", _engine_error)
        try:
            _engine = _Engine()
        except (ImportError, OSError, AttributeError, RuntimeError) as exc:
            _engine_error = (
                f"eSpeak NG is not available (install espeakng-loader, the `ai` extra of "
                f"reelflow-kit): {type(exc).__name__}: {exc}"
            )
            raise AIProviderError("provider_unavailable", _engine_error) from None
    return _engine


@dataclass(frozen=True)
class _Spoken:
    wav: bytes
    samples: int
    pieces: list[tuple[list[str], int]]
    """Each sentence with its samples in the narration."""


class _Stopped(Exception):
    """The narration was cancelled while the worker thread was speaking it."""


class EspeakNarrator:
    """The `local` narrator."""

    def __init__(self, *, voice: str = "", rate_wpm: int = DEFAULT_RATE_WPM) -> None:
        if not 80 <= rate_wpm <= 450:
            raise ValueError(f"rate_wpm must be 80-450 (eSpeak NG's range), not {rate_wpm}")
        self.voice = voice
        self.rate_wpm = rate_wpm

    async def speak(self, text: str, *, voice: str = "", language: str = "") -> Speech:
        usage = Usage(provider="local", model=LOCAL_MODEL)
        sentences = split_sentences(speakable_text(text))
        if not sentences:
            return silence(usage)
        stop = threading.Event()
        try:
            spoken = await asyncio.to_thread(self._speak_all, sentences, voice, language, stop)
        except OSError as exc:
            raise AIProviderError("provider_error", f"eSpeak NG failed: {exc}", usage=usage) from None
        except BaseException:
            stop.set()  # a cancelled call: the worker thread stops at its next audio buffer
            raise
        duration = spoken.samples / SAMPLE_RATE
        return Speech(
            wav=spoken.wav,
            duration_s=duration,
            sample_rate=SAMPLE_RATE,
            usage=usage.model_copy(update={"audio_seconds": duration}),
            sentences=timed_sentences(spoken.pieces),
        )

    def _speak_all(self, sentences: list[str], voice: str, language: str, stop: threading.Event) -> _Spoken:
        with _ENGINE_LOCK:
            engine = _the_engine()
            chosen = self._voice_for(engine, voice, language, " ".join(sentences[:50]))
            source_rate = engine.sample_rate
        writer = WavWriter()
        resampler = Resampler(source_rate, SAMPLE_RATE)
        pieces: list[tuple[list[str], int]] = []
        for sentence in sentences:
            if stop.is_set():
                raise _Stopped
            start = resampler.position(resampler.fed)
            with _ENGINE_LOCK:
                audio = _the_engine().synthesize(sentence, chosen, self.rate_wpm, stop)
            writer.append(resampler.feed(_little_endian(audio)))
            pieces.append(([sentence], resampler.position(resampler.fed) - start))
        writer.append(resampler.flush())
        samples = writer.samples
        return _Spoken(wav=writer.finish(), samples=samples, pieces=pieces)

    def _voice_for(self, engine: _Engine, voice: str, language: str, text: str) -> str:
        for name, given_by in ((voice, "caller"), (self.voice, "settings")):
            if name:
                if engine.knows(name):
                    return name
                log.warning(
                    "eSpeak NG has no such voice, choosing one by language", extra={"voice": name, "given_by": given_by}
                )
        for candidate in _language_voices(language):
            if engine.knows(candidate):
                return candidate
        if language:
            log.warning(
                "eSpeak NG has no voice for the language, guessing it from the text", extra={"language": language}
            )
        for candidate in (*_language_voices(guess_language(text)), DEFAULT_VOICE):
            if engine.knows(candidate):
                return candidate
        raise AIProviderError("provider_unavailable", f"eSpeak NG has not even its {DEFAULT_VOICE!r} voice")


def _language_voices(language: str) -> tuple[str, ...]:
    """eSpeak NG voice names to try for a BCP 47 tag, most specific first."""
    tag = language.strip().replace("_", "-").lower()
    if not tag:
        return ()
    primary = tag.split("-")[0]
    names = (_LANGUAGE_VOICES.get(tag, tag), _LANGUAGE_VOICES.get(primary, primary))
    return tuple(dict.fromkeys(name for name in names if name))


def _little_endian(audio: bytes) -> bytes:
    if sys.byteorder == "little":
        return audio
    samples = array("h")
    samples.frombytes(audio)
    samples.byteswap()
    return samples.tobytes()
