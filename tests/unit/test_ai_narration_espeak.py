"""The local narrator: eSpeak NG (from the espeakng-loader wheel) through ctypes, for real.

Checked with the stdlib `wave` reader: the format is always 24 kHz mono 16-bit, sentences are
timed back to back over the whole audio, output is deterministic, odd or huge text does not
break it, and synthesis runs off the event loop (other tasks keep running; a cancelled call
stops and leaves the engine usable)."""

from __future__ import annotations

import asyncio
import io
import wave
from array import array

import pytest

from reelflow_kit.ai import AIProviderError, AISettings
from reelflow_kit.ai.factory import make_narrator
from reelflow_kit.ai.local.espeak import EspeakNarrator
from reelflow_kit.ai.narration import Speech

STORY = (
    "The keeper climbed the stairs again. The storm had reached the harbor, and the lamp was out! "
    "Who would warn the fishing boats now?"
)
LONG_STORY = " ".join(
    f"Night {i}: the keeper climbed the one hundred and twelve stairs, counting each step, while the sea "
    f"threw itself against the rocks below."
    for i in range(140)
)


@pytest.fixture(scope="module")
def narrator() -> EspeakNarrator:
    return make_narrator(AISettings(ai_provider="local"))


def read(speech: Speech) -> tuple[wave._wave_params, array]:
    with wave.open(io.BytesIO(speech.wav)) as audio:
        params = audio.getparams()
        samples = array("h")
        samples.frombytes(audio.readframes(params.nframes))
    return params, samples


def assert_well_formed(speech: Speech) -> array:
    params, samples = read(speech)
    assert (params.framerate, params.nchannels, params.sampwidth, params.comptype) == (24_000, 1, 2, "NONE")
    assert speech.sample_rate == 24_000
    assert speech.duration_s == params.nframes / 24_000 == len(samples) / 24_000
    assert (speech.usage.provider, speech.usage.model, speech.usage.audio_seconds) == (
        "local",
        "espeak-ng",
        speech.duration_s,
    )
    assert_timed_over_the_audio(speech)
    return samples


def assert_timed_over_the_audio(speech: Speech) -> None:
    sentences = speech.sentences
    if not sentences:
        assert speech.duration_s == 0
        return
    assert sentences[0].start_s == 0
    assert all(s.start_s < s.end_s for s in sentences)
    assert all(a.end_s == b.start_s for a, b in zip(sentences, sentences[1:], strict=False))
    assert sentences[-1].end_s == speech.duration_s


async def test_a_story_is_a_24khz_mono_16bit_wav_with_each_sentence_timed(narrator):
    speech = await narrator.speak(STORY)
    samples = assert_well_formed(speech)
    assert [s.text for s in speech.sentences] == [
        "The keeper climbed the stairs again.",
        "The storm had reached the harbor, and the lamp was out!",
        "Who would warn the fishing boats now?",
    ]
    assert speech.duration_s > 4  # 20 words at 160 a minute
    assert max(abs(v) for v in samples) > 3000  # speech, not silence
    # each sentence is spoken within its span: there is sound in the middle of every one
    for sentence in speech.sentences:
        middle = samples[int(sentence.start_s * 24_000) : int(sentence.end_s * 24_000)]
        assert max(abs(v) for v in middle) > 1000


async def test_a_sentence_lasts_as_long_as_when_spoken_alone(narrator):
    story = await narrator.speak(STORY)
    alone = await narrator.speak(story.sentences[1].text)
    timed = story.sentences[1]
    # the same samples; resampled in the stream or alone, the length may round one sample apart
    assert abs(round((timed.end_s - timed.start_s) * 24_000) - round(alone.duration_s * 24_000)) <= 1


async def test_duration_grows_with_the_text(narrator):
    one = await narrator.speak("The sea is calm.")
    two = await narrator.speak("The sea is calm. The boats are home.")
    three = await narrator.speak("The sea is calm. The boats are home. The keeper sleeps until the morning bell.")
    assert 0 < one.duration_s < two.duration_s < three.duration_s
    assert (len(one.sentences), len(two.sentences), len(three.sentences)) == (1, 2, 3)


async def test_the_same_text_gives_the_same_bytes_even_with_other_voices_in_between(narrator):
    first = await narrator.speak(STORY)
    await narrator.speak("Привет, мир.")
    await narrator.speak("Ein Satz.", language="de")
    again = await narrator.speak(STORY)
    assert first.wav == again.wav and first.sentences == again.sentences


async def test_concurrent_narrations_give_what_each_gives_alone(narrator):
    english, russian = STORY, "Смотритель снова поднялся по лестнице. Шторм дошёл до гавани."
    alone = [await narrator.speak(english), await narrator.speak(russian)]
    together = await asyncio.gather(narrator.speak(english), narrator.speak(russian), narrator.speak(english))
    assert [s.wav for s in together] == [alone[0].wav, alone[1].wav, alone[0].wav]


@pytest.mark.parametrize(
    "text",
    [
        "Привет, мир. Как у тебя дела?",
        "مرحبا بالعالم. كيف حالك؟",
        "你好，世界。今天天气很好！",
        "こんにちは世界。今日はいい天気です。",
        "नमस्ते दुनिया। आप कैसे हैं?",
        "שלום עולם. מה שלומך?",
        "안녕하세요 세계. 잘 지내요?",
        "🎬🌊 🚢⚓️ ☂",
        "<speak><prosody rate='x-slow'>[[h@'loU]] &amp; &lt;b&gt;</prosody></speak> {{curly}} $PATH `rm -rf /`",
        "\x00\x01\x02 Bell\x07 \x1b[31mred\x1b[0m \x1b]0;title\x07 back\bspace \ud800 \ufeff \u202eevil\u202c\x7f.",
        "http://example.com/a/very/long/url?with=query&and=more#fragment " * 3,
        "3.14159 2,718 1/2 100% $9.99 #1 @user 12:30 2024-01-02",
    ],
)
async def test_odd_and_non_latin_text_is_spoken_without_error(narrator, text):
    speech = await narrator.speak(text)
    assert_well_formed(speech)
    assert speech.duration_s > 0


@pytest.mark.parametrize("text", ["", "    ", "\n\n\t", "\x00\x01\x1b[0m", "\u200b\u202e"])
async def test_nothing_to_say_is_zero_seconds_of_valid_wav(narrator, text):
    speech = await narrator.speak(text)
    params, _ = read(speech)
    assert (params.framerate, params.nchannels, params.sampwidth, params.nframes) == (24_000, 1, 2, 0)
    assert (speech.duration_s, speech.sentences, speech.usage.audio_seconds) == (0.0, (), 0.0)


async def test_the_language_chooses_the_voice_and_is_guessed_from_the_text(narrator):
    text = "Guten Morgen. Das Meer ist ruhig."
    guessed, german, english = (
        await narrator.speak(text),
        await narrator.speak(text, language="de-DE"),
        await narrator.speak(text, language="en"),
    )
    assert guessed.wav == german.wav != english.wav
    cyrillic = "Доброе утро."
    assert (await narrator.speak(cyrillic)).wav == (await narrator.speak(cyrillic, language="ru")).wav
    assert (await narrator.speak(cyrillic)).wav != (await narrator.speak(cyrillic, language="bg")).wav


async def test_an_unknown_voice_or_language_falls_back_instead_of_failing(narrator):
    default = await narrator.speak(STORY)
    assert (await narrator.speak(STORY, voice="no-such-voice", language="xx-YY")).wav == default.wav
    assert (await narrator.speak(STORY, voice="en+f3")).wav != default.wav  # a real variant is used
    configured = EspeakNarrator(voice="also-not-a-voice")
    assert (await configured.speak(STORY)).wav == default.wav


async def test_the_rate_changes_the_duration():
    slow = await EspeakNarrator(rate_wpm=100).speak(STORY)
    fast = await EspeakNarrator(rate_wpm=300).speak(STORY)
    assert slow.duration_s > 2 * fast.duration_s
    with pytest.raises(ValueError):
        EspeakNarrator(rate_wpm=20)


async def test_long_text_is_spoken_whole_off_the_event_loop(narrator):
    assert len(LONG_STORY) > 16_000
    task = asyncio.create_task(narrator.speak(LONG_STORY))
    await asyncio.sleep(0)  # the task's first step: speaking on the loop would finish the task in it
    assert not task.done()
    ticks = 0
    while not task.done():  # and the loop keeps serving other tasks meanwhile
        await asyncio.sleep(0.01)
        ticks += 1
    speech = task.result()
    assert ticks > 0
    assert_well_formed(speech)
    assert len(speech.sentences) == 140
    assert speech.duration_s > 140 * 6  # 20 words a sentence at 160 a minute: over 7 s each


async def test_200_kb_of_control_characters_and_escapes_is_sanitised_to_what_can_be_said(narrator):
    text = "\x00\x1b[2J\x07\u200b\x1b]0;title\x07" * 12_500 + "The end."
    assert len(text.encode()) >= 200_000
    speech = await narrator.speak(text)
    assert_well_formed(speech)
    assert [s.text for s in speech.sentences] == ["The end."]
    assert speech.wav == (await narrator.speak("The end.")).wav


async def test_a_cancelled_narration_stops_and_the_engine_stays_usable(narrator, monkeypatch):
    from reelflow_kit.ai.local import espeak

    expected = await narrator.speak(STORY)
    spoken: list[str] = []
    synthesize = espeak._Engine.synthesize

    def counted(engine, sentence, *args):
        spoken.append(sentence)
        return synthesize(engine, sentence, *args)

    monkeypatch.setattr(espeak._Engine, "synthesize", counted)
    task = asyncio.create_task(narrator.speak(LONG_STORY))
    while not spoken:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await narrator.speak(STORY)).wav == expected.wav  # waits for the worker to let go of the engine
    long_ones = [s for s in spoken if s.startswith("Night")]
    assert 1 <= len(long_ones) < 140  # it stopped instead of speaking the rest


async def test_a_missing_library_is_an_ai_provider_error(monkeypatch):
    from reelflow_kit.ai.local import espeak

    monkeypatch.setattr(espeak, "_engine", None)
    monkeypatch.setattr(espeak, "_engine_error", None)

    def broken() -> None:
        raise OSError("libespeak-ng.so: cannot open shared object file")

    monkeypatch.setattr(espeak, "_Engine", broken)
    with pytest.raises(AIProviderError) as failed:
        await EspeakNarrator().speak(STORY)
    assert failed.value.code == "provider_unavailable"
    assert "espeakng-loader" in str(failed.value) and "cannot open shared object" in str(failed.value)
