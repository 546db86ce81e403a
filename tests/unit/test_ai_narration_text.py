"""Narration, provider-neutral: what text is spoken, how it is cut into sentences (and provider
requests), which language a text is guessed to be, how sentences are timed, and which narrator
the settings choose."""

from __future__ import annotations

import pytest

from reelflow_kit.ai import AISettings
from reelflow_kit.ai.factory import make_narrator
from reelflow_kit.ai.local.espeak import EspeakNarrator
from reelflow_kit.ai.narration import (
    MAX_SENTENCE_CHARS,
    NarrationSettings,
    Narrator,
    SpokenSentence,
    guess_language,
    speakable_text,
    split_sentences,
    timed_sentences,
)
from reelflow_kit.ai.openai_compat.speech import MAX_INPUT_CHARS, OpenAINarrator, request_groups


def test_speakable_text_drops_controls_escapes_and_invisible_marks_but_keeps_the_words():
    raw = "\x1b[1;31mALERT\x1b[0m:\x00 the\x07 door\u202e opens\u200b.\r\nNext\tline\ud800 \ue000here."
    assert speakable_text(raw) == "ALERT: the door opens.\nNext line here."


def test_speakable_text_keeps_joiners_that_spell_words_and_composes_accents():
    assert speakable_text("می\u200cخواهم") == "می\u200cخواهم"
    assert speakable_text("Cafe\u0301") == "Café"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x01\x1b[0m\x7f", "\u200b\u202e"])
def test_nothing_to_say_gives_no_sentence(text):
    assert split_sentences(speakable_text(text)) == []


def test_sentences_end_at_the_final_marks_of_any_script():
    text = "Hello there. Is it you? Yes! 你好。世界！ Привет. Как дела? مرحبا؟ نعم. नमस्ते। Ναι; ሰላም። Բարեւ։"
    assert split_sentences(text) == [
        "Hello there.",
        "Is it you?",
        "Yes!",
        "你好。",
        "世界！",
        "Привет.",
        "Как дела?",
        "مرحبا؟",
        "نعم.",
        "नमस्ते।",
        "Ναι;",
        "ሰላም።",
        "Բարեւ։",
    ]


def test_a_full_stop_after_an_abbreviation_an_initial_or_before_lower_case_does_not_end_a_sentence():
    text = 'Mr. Smith met J. R. R. Tolkien at 3.15 p.m. on the pier, e.g. near St. Ives. "Go," he said. "Now."'
    assert split_sentences(text) == [
        "Mr. Smith met J. R. R. Tolkien at 3.15 p.m. on the pier, e.g. near St. Ives.",
        '"Go," he said.',
        '"Now."',
    ]


def test_blank_lines_end_a_sentence_and_single_line_breaks_are_spaces():
    assert split_sentences("FADE IN\n\nThe harbor\nat night\n\n\nRain") == ["FADE IN", "The harbor at night", "Rain"]


def test_a_long_sentence_is_cut_at_clauses_then_spaces_then_anywhere_and_nothing_is_lost():
    clauses = ", ".join(f"the wave number {i} rolls in" for i in range(60)) + "."
    spaced = " ".join(["word"] * 400)
    unbroken = "x" * 1000
    for text in (clauses, spaced, unbroken):
        pieces = split_sentences(text)
        assert len(pieces) > 1
        assert all(0 < len(piece) <= MAX_SENTENCE_CHARS for piece in pieces)
        assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(piece.endswith((",", ".")) for piece in split_sentences(clauses))


def test_splitting_200_kb_of_text_is_linear_enough_to_be_instant():
    text = speakable_text("Waves rise. The keeper climbs, step by step, e.g. slowly. " * 3600)
    assert len(text) > 200_000
    assert len(split_sentences(text)) == 7200


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The tide is high.", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
        ("Привет, как дела?", "ru"),
        ("مرحبا بالعالم", "ar"),
        ("שלום עולם", "he"),
        ("Καλημέρα κόσμε", "el"),
        ("नमस्ते दुनिया", "hi"),
        ("你好，世界", "cmn"),
        ("こんにちは、世界。東京へ行く", "ja"),
        ("안녕하세요 세계", "ko"),
        ("สวัสดีชาวโลก", "th"),
        ("Hello and Привет, mostly English words here", "en"),
        ("Anna wachte früh auf. Der Regen schlug gegen das Fenster, und sie blieb im Bett.", "de"),
        ("Elle ouvre la porte et regarde dans le jardin, mais il ne pleut pas.", "fr"),
        ("La mujer abre la puerta y mira el jardín, pero no llueve.", "es"),
        ("The rain falls on the city and the bakery opens its doors.", "en"),
        ("Nora. Eli. Harbor.", "en"),
    ],
)
def test_the_language_is_guessed_from_the_script_most_letters_are_in(text, language):
    assert guess_language(text) == language


def test_sentences_are_timed_back_to_back_to_the_end_of_the_audio():
    # 2400 samples shared 4:6 by characters; a sentence given no audio is left out
    sentences = timed_sentences([(["One.", "Three."], 2400), (["Gone."], 0), (["Last one."], 4800)])
    assert sentences == (
        SpokenSentence("One.", 0.0, 0.04),
        SpokenSentence("Three.", 0.04, 0.1),
        SpokenSentence("Last one.", 0.1, 0.3),
    )
    assert timed_sentences([]) == ()


def test_requests_group_sentences_in_order_within_the_api_limit():
    sentences = [f"Sentence number {i} is about the sea and the sky above it." for i in range(300)]
    groups = request_groups(sentences)
    assert len(groups) > 1
    assert [s for group in groups for s in group] == sentences
    assert all(len(" ".join(group)) <= MAX_INPUT_CHARS for group in groups)
    assert all(
        len(" ".join(group + [nxt[0]])) > MAX_INPUT_CHARS for group, nxt in zip(groups, groups[1:], strict=False)
    )


def test_request_size_counts_utf16_units_like_the_api():
    emoji = ["🎬" * 100] * 30  # 200 units each
    groups = request_groups(emoji)
    assert all(
        sum(len(s.encode("utf-16-le")) // 2 for s in group) + len(group) - 1 <= MAX_INPUT_CHARS for group in groups
    )
    assert len(groups) == 2


def test_narration_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("REELFLOW_OPENAI_TTS_MODEL", "tts-1-hd")
    monkeypatch.setenv("REELFLOW_OPENAI_TTS_FALLBACK_MODELS", "tts-1, gpt-4o-mini-tts ,tts-1-hd")
    monkeypatch.setenv("REELFLOW_OPENAI_TTS_VOICE", "nova")
    monkeypatch.setenv("REELFLOW_LOCAL_TTS_VOICE", "en-us")
    monkeypatch.setenv("REELFLOW_LOCAL_TTS_RATE_WPM", "200")
    settings = NarrationSettings()
    assert settings.openai_tts_models == ("tts-1-hd", "tts-1", "gpt-4o-mini-tts")
    assert (settings.openai_tts_voice, settings.local_tts_voice, settings.local_tts_rate_wpm) == ("nova", "en-us", 200)


def test_narration_settings_defaults():
    settings = NarrationSettings()
    assert (settings.openai_tts_model, settings.openai_tts_voice, settings.openai_tts_fallback_models) == (
        "gpt-4o-mini-tts",
        "alloy",
        (),
    )


def test_the_provider_setting_chooses_the_narrator():
    local = make_narrator(
        AISettings(ai_provider="local"), NarrationSettings(local_tts_voice="de", local_tts_rate_wpm=120)
    )
    assert isinstance(local, EspeakNarrator) and isinstance(local, Narrator)
    assert (local.voice, local.rate_wpm) == ("de", 120)
    remote = make_narrator(
        AISettings(ai_provider="openai", openai_base_url="http://127.0.0.1:9/v1"),
        NarrationSettings(openai_tts_model="tts-1", openai_tts_fallback_models=("tts-1-hd",)),
    )
    assert isinstance(remote, OpenAINarrator) and isinstance(remote, Narrator)
    assert (remote.models, remote.voice, remote.base_url) == (("tts-1", "tts-1-hd"), "alloy", "http://127.0.0.1:9/v1")


def test_a_service_settings_class_mixing_both_in_is_used_for_narration_too():
    class Settings(AISettings, NarrationSettings):
        pass

    narrator = make_narrator(Settings(ai_provider="openai", openai_tts_voice="shimmer"))
    assert isinstance(narrator, OpenAINarrator) and narrator.voice == "shimmer"
