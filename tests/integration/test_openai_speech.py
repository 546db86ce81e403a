"""The openai narrator against a local fake OpenAI server, over real HTTP: the speech request,
the answer converted to the fixed format (24 kHz mono 16-bit WAV) whatever the server sends,
retries honouring Retry-After, fallback models, long text in several requests, usage, and
AIProviderError when it gives up."""

from __future__ import annotations

import io
import subprocess
import wave

import imageio_ffmpeg
import pytest

from reelflow_kit.ai import AIProviderError, AISettings
from reelflow_kit.ai.factory import make_narrator
from reelflow_kit.ai.narration import NarrationSettings, Speech, speakable_text, split_sentences
from reelflow_kit.ai.openai_compat.speech import MAX_INPUT_CHARS
from tests.support.fake_openai import SPEECH, FakeOpenAI, error, speech_result, wav

TEXT = "The lighthouse keeper climbs the stairs. The storm has reached the harbor! Who will warn the boats?"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def narrator_for(fake: FakeOpenAI, narration: NarrationSettings | None = None, **overrides):
    settings = {
        "ai_provider": "openai",
        "openai_base_url": fake.url,
        "openai_max_retries": 2,
        "openai_backoff_s": 0.01,
        **overrides,
    }
    return make_narrator(AISettings(**settings), narration or NarrationSettings())


def read(speech: Speech) -> wave._wave_params:
    with wave.open(io.BytesIO(speech.wav)) as audio:
        return audio.getparams()


def assert_timed_over_the_audio(speech: Speech) -> None:
    sentences = speech.sentences
    assert sentences[0].start_s == 0
    assert all(s.start_s < s.end_s for s in sentences)
    assert all(a.end_s == b.start_s for a, b in zip(sentences, sentences[1:], strict=False))
    assert sentences[-1].end_s == speech.duration_s


async def test_a_wav_answer_becomes_24khz_mono_16bit_with_sentences_and_usage(fake):
    # what OpenAI sends: 24 kHz mono 16-bit, streamed (chunk sizes 0xFFFFFFFF)
    fake.speech.reply(speech_result(wav(2.5, streamed=True)))
    speech = await narrator_for(fake).speak(TEXT)

    params = read(speech)
    assert (params.framerate, params.nchannels, params.sampwidth, params.nframes) == (24_000, 1, 2, 60_000)
    assert (speech.duration_s, speech.sample_rate) == (2.5, 24_000)
    usage = speech.usage
    assert (usage.provider, usage.model, usage.audio_seconds, usage.input_tokens) == (
        "openai",
        "gpt-4o-mini-tts",
        2.5,
        0,
    )
    [request] = fake.requests_to(SPEECH)
    assert request.body == {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": TEXT, "response_format": "wav"}
    # the sentences share the audio in proportion to their characters
    assert [s.text for s in speech.sentences] == [
        "The lighthouse keeper climbs the stairs.",
        "The storm has reached the harbor!",
        "Who will warn the boats?",
    ]
    assert_timed_over_the_audio(speech)
    first, second, _ = speech.sentences
    assert first.end_s - first.start_s > second.end_s - second.start_s


@pytest.mark.parametrize(
    ("audio", "seconds"),
    [
        (wav(1.5, 44_100, 2, 16), 1.5),
        (wav(1.5, 22_050, 1, 32, float_samples=True), 1.5),
        (wav(1.5, 48_000, 2, 24, streamed=True), 1.5),
        (wav(1.5, 16_000, 1, 8), 1.5),
    ],
)
async def test_other_wav_layouts_are_converted_to_the_fixed_format(fake, audio, seconds):
    fake.speech.reply(speech_result(audio))
    speech = await narrator_for(fake).speak(TEXT)
    params = read(speech)
    assert (params.framerate, params.nchannels, params.sampwidth) == (24_000, 1, 2)
    assert params.nframes == round(seconds * 24_000) and speech.duration_s == seconds


async def test_a_server_that_ignores_response_format_is_decoded_with_ffmpeg(fake):
    flac = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "wav",
            "-i",
            "pipe:0",
            "-f",
            "flac",
            "pipe:1",
        ],
        input=wav(2.0, 32_000),
        capture_output=True,
        check=True,
    ).stdout
    fake.speech.reply(speech_result(flac, "audio/flac"))
    speech = await narrator_for(fake).speak(TEXT)
    params = read(speech)
    assert (params.framerate, params.nchannels, params.sampwidth, params.nframes) == (24_000, 1, 2, 48_000)


async def test_a_429_is_retried_after_the_servers_retry_after(fake):
    fake.speech.reply(error(429, "slow down", retry_after="0.3"), speech_result(wav(1.0)))
    speech = await narrator_for(fake).speak(TEXT)
    assert speech.duration_s == 1.0
    first, second = fake.requests_to(SPEECH)
    assert second.received_at - first.received_at >= 0.3
    assert first.body == second.body


async def test_a_persistent_500_is_an_ai_provider_error_after_the_retries(fake):
    fake.speech.always(error(500, "upstream exploded"))
    with pytest.raises(AIProviderError) as failed:
        await narrator_for(fake).speak(TEXT)
    err = failed.value
    assert (err.code, err.attempts) == ("provider_unavailable", 3)
    assert fake.url in str(err) and "gpt-4o-mini-tts" in str(err) and "upstream exploded" in str(err)
    assert (err.usage.provider, err.usage.audio_seconds) == ("openai", 0.0)
    assert len(fake.requests_to(SPEECH)) == 3


async def test_the_fallback_model_takes_over_and_is_named_in_usage(fake):
    fake.speech.for_model("gpt-4o-mini-tts", error(404, "no such model"))
    fake.speech.for_model("tts-1", speech_result(wav(1.0)))
    narration = NarrationSettings(openai_tts_fallback_models=("tts-1",))
    speech = await narrator_for(fake, narration).speak(TEXT)
    assert (speech.usage.model, speech.duration_s) == ("tts-1", 1.0)
    assert [r.model for r in fake.requests_to(SPEECH)] == ["gpt-4o-mini-tts", "tts-1"]


async def test_unreadable_audio_moves_to_the_next_model_then_gives_up_as_invalid_output(fake):
    fake.speech.always(speech_result(b"<html>not audio</html>", "text/html"))
    narration = NarrationSettings(openai_tts_fallback_models=("tts-1",))
    with pytest.raises(AIProviderError) as failed:
        await narrator_for(fake, narration).speak(TEXT)
    assert (failed.value.code, failed.value.attempts) == ("invalid_output", 2)
    assert "gpt-4o-mini-tts" in str(failed.value) and "tts-1" in str(failed.value)


async def test_an_auth_failure_stops_at_once(fake):
    fake.speech.always(error(401, "bad key", error_type="invalid_request_error"))
    narration = NarrationSettings(openai_tts_fallback_models=("tts-1",))
    with pytest.raises(AIProviderError) as failed:
        await narrator_for(fake, narration).speak(TEXT)
    assert (failed.value.code, failed.value.attempts) == ("auth_failed", 1)


async def test_a_retry_after_over_the_limit_is_reported_instead_of_waited_for(fake):
    fake.speech.always(error(429, "quota", retry_after="3600"))
    with pytest.raises(AIProviderError) as failed:
        await narrator_for(fake, openai_retry_after_max_s=5).speak(TEXT)
    assert (failed.value.code, failed.value.retry_after, failed.value.attempts) == ("rate_limited", 3600, 1)


async def test_long_text_is_split_by_sentences_into_requests_within_the_limit_and_joined(fake):
    fake.speech.always(speech_result(wav(2.0)))
    text = " ".join(
        f"Chapter {i} begins at the harbor, where the keeper waits for the boats to come home." for i in range(130)
    )
    assert len(text) > 2.5 * MAX_INPUT_CHARS
    speech = await narrator_for(fake).speak(text)

    requests = fake.requests_to(SPEECH)
    assert len(requests) == 3
    inputs = sorted((r.body["input"] for r in requests), key=text.index)  # they run concurrently
    assert all(len(i) <= MAX_INPUT_CHARS for i in inputs)
    assert " ".join(inputs) == " ".join(split_sentences(speakable_text(text)))
    assert speech.duration_s == 6.0 and read(speech).nframes == 144_000
    assert speech.usage.audio_seconds == 6.0
    assert len(speech.sentences) == 130
    assert_timed_over_the_audio(speech)
    # each request's sentences fill exactly its own audio
    boundaries = {s.start_s for s in speech.sentences}
    assert {2.0, 4.0} <= boundaries


async def test_the_voice_comes_from_the_call_else_the_settings(fake):
    fake.speech.always(speech_result(wav(0.5)))
    narrator = narrator_for(fake, NarrationSettings(openai_tts_voice="nova", openai_tts_model="tts-1-hd"))
    await narrator.speak(TEXT)
    await narrator.speak(TEXT, voice="shimmer", language="en")
    assert [(r.body["voice"], r.body["model"]) for r in fake.requests_to(SPEECH)] == [
        ("nova", "tts-1-hd"),
        ("shimmer", "tts-1-hd"),
    ]


async def test_nothing_to_say_sends_no_request(fake):
    speech = await narrator_for(fake).speak(" \x00\n\t\x1b[0m ")
    assert (speech.duration_s, speech.sentences, read(speech).nframes) == (0.0, (), 0)
    assert fake.requests_to(SPEECH) == []


async def test_control_characters_never_reach_the_api(fake):
    fake.speech.always(speech_result(wav(0.5)))
    await narrator_for(fake).speak("Red\x1b[31m alert\x00!\u202e Now.")
    [request] = fake.requests_to(SPEECH)
    assert request.body["input"] == "Red alert! Now."
