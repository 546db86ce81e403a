"""The narration track and the subtitles, laid out on the timeline."""

from __future__ import annotations

import io
import re
import wave
from dataclasses import dataclass

SAMPLE_RATE = 24_000
"""Every narration clip is WAV, 24 kHz, mono, 16-bit (the narration capability's fixed format)."""


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def narration_track(clips: list[tuple[float, bytes]], duration_s: float) -> bytes:
    """One WAV of `duration_s` with each clip (start time, WAV bytes) placed at its start; silence elsewhere."""
    total = round(duration_s * SAMPLE_RATE)
    pcm = bytearray(2 * total)
    for start_s, clip in clips:
        with wave.open(io.BytesIO(clip)) as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
                raise ValueError(
                    f"narration must be {SAMPLE_RATE} Hz mono 16-bit, got "
                    f"{w.getframerate()} Hz x{w.getnchannels()} {8 * w.getsampwidth()}-bit"
                )
            samples = w.readframes(w.getnframes())
        at = 2 * round(start_s * SAMPLE_RATE)
        samples = samples[: max(0, len(pcm) - at)]
        pcm[at : at + len(samples)] = samples
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(pcm))
    return out.getvalue()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def subtitle_text(text: str) -> str:
    """User text made safe for a subtitle cue: no control characters, no blank lines (they end a
    cue in SRT), and no markup (`<i>`, `{\\an8}` would be obeyed by players)."""
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " "))
    text = text.replace("<", "‹").replace(">", "›").replace("{", "(").replace("}", ")")
    return re.sub(r"\s+", " ", text).strip()


def srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate((c for c in cues if subtitle_text(c.text)), start=1):
        blocks.append(f"{number}\n{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}\n{subtitle_text(cue.text)}\n")
    return "\n".join(blocks)


def _timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"
