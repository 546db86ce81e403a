"""The narration audio format: any provider's WAV (or other audio, through FFmpeg) read, mixed to
mono and resampled to 24 kHz 16-bit, and written as a WAV that the stdlib `wave` module reads."""

from __future__ import annotations

import io
import math
import random
import struct
import subprocess
import wave
from array import array

import imageio_ffmpeg
import pytest

from reelflow_kit.ai.audio_format import (
    SAMPLE_RATE,
    Resampler,
    WavWriter,
    decode_wav,
    encode_wav,
    resample,
    to_narration_pcm,
)
from tests.support.fake_openai import wav


def samples_of(pcm: bytes) -> array:
    values = array("h")
    values.frombytes(pcm)
    return values


def zero_crossings(values) -> int:
    return sum(1 for a, b in zip(values, values[1:], strict=False) if (a < 0) != (b < 0))


def sine(seconds: float, rate: int, frequency: float = 440.0, amplitude: int = 16000) -> bytes:
    return array(
        "h", [round(amplitude * math.sin(2 * math.pi * frequency * i / rate)) for i in range(round(seconds * rate))]
    ).tobytes()


@pytest.mark.parametrize(
    ("rate", "channels", "bits", "float_samples"),
    [
        (24_000, 1, 16, False),
        (44_100, 2, 16, False),
        (22_050, 1, 32, True),
        (48_000, 2, 24, False),
        (16_000, 1, 8, False),
        (32_000, 1, 32, False),
        (8_000, 3, 64, True),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
def test_any_pcm_or_float_wav_becomes_24khz_mono_16bit_of_the_same_length_and_pitch(
    rate, channels, bits, float_samples, streamed
):
    source = wav(1.0, rate, channels, bits, float_samples=float_samples, streamed=streamed)
    pcm = to_narration_pcm(source)
    values = samples_of(pcm)
    assert len(values) == SAMPLE_RATE
    assert abs(zero_crossings(values) - 880) <= 2  # still 440 Hz
    peak = max(abs(v) for v in values)
    assert 15_000 <= peak <= 16_500  # half of full scale, whatever the source width


def test_channels_are_averaged():
    left, right = sine(0.1, 24_000, amplitude=10_000), bytes(2 * 2400)
    stereo = bytearray(4 * 2400)
    stereo[0::4], stereo[1::4] = left[0::2], left[1::2]
    stereo[2::4], stereo[3::4] = right[0::2], right[1::2]
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(stereo),
        b"WAVE",
        b"fmt ",
        16,
        1,
        2,
        24_000,
        96_000,
        4,
        16,
        b"data",
        len(stereo),
    )
    pcm, rate = decode_wav(header + stereo)
    assert rate == 24_000
    assert list(samples_of(pcm)) == [v // 2 for v in samples_of(left)]


def test_wave_format_extensible_and_extra_chunks_are_read():
    frames = sine(0.05, 24_000)
    fmt = struct.pack(
        "<HHIIHHHHI16s", 0xFFFE, 1, 24_000, 48_000, 2, 16, 22, 16, 4, bytes.fromhex("0100000000001000800000aa00389b71")
    )
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"LIST"
        + struct.pack("<I", 5)
        + b"INFO!\x00"
        + b"data"
        + struct.pack("<I", len(frames))
        + frames
    )
    assert decode_wav(b"RIFF" + struct.pack("<I", len(body)) + body) == (frames, 24_000)


@pytest.mark.parametrize(
    "data",
    [b"", b"RIFF", b"RIFF\x00\x00\x00\x00WAVE", b"\x00" * 100, b"RIFF\x10\x00\x00\x00WAVEfmt \x04\x00\x00\x00abcd"],
)
def test_what_is_not_a_wav_is_a_value_error(data):
    with pytest.raises(ValueError):
        decode_wav(data)


def test_a_compressed_wav_codec_is_refused_by_the_reader():
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + 4, b"WAVE", b"fmt ", 16, 0x0055, 1, 24_000, 4000, 1, 0, b"data", 4
    )
    with pytest.raises(ValueError, match="neither PCM nor float"):
        decode_wav(header + b"\x00" * 4)


def test_audio_that_is_not_wav_goes_through_ffmpeg():
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
        input=wav(1.0, 44_100, 2),
        capture_output=True,
        check=True,
    ).stdout
    assert flac[:4] == b"fLaC"
    values = samples_of(to_narration_pcm(flac))
    assert len(values) == SAMPLE_RATE
    assert abs(zero_crossings(values) - 880) <= 2


def test_garbage_is_a_value_error_even_through_ffmpeg():
    with pytest.raises(ValueError, match="FFmpeg cannot decode"):
        to_narration_pcm(b"definitely not audio" * 50)


@pytest.mark.parametrize(
    ("source", "target"),
    [(22_050, 24_000), (44_100, 24_000), (16_000, 24_000), (48_000, 24_000), (24_001, 24_000), (11_025, 24_000)],
)
def test_resampling_keeps_duration_to_a_sample_and_pitch(source, target):
    pcm = sine(1.3, source)
    out = samples_of(resample(pcm, source, target))
    count_in = len(pcm) // 2
    assert len(out) == (count_in * target * 2 + source) // (2 * source)  # round(count_in * target / source)
    assert abs(zero_crossings(out) - zero_crossings(samples_of(pcm))) <= 2


def test_resampling_interpolates_linearly_and_rounds():
    # 3 -> 7 Hz: output sample i sits at input position 3i/7
    values = [-32768, 32767, -32768, 32767]
    out = samples_of(resample(array("h", values).tobytes(), 3, 7))
    padded = values + [values[-1], values[-1]]
    expected = []
    for i in range(len(out)):
        j, frac = divmod(3 * i, 7)
        expected.append(padded[j] + (padded[j + 1] - padded[j]) * frac / 7)
    assert len(out) == 9
    assert all(abs(a - b) <= 1 for a, b in zip(out, expected, strict=False))
    assert out[0] == -32768 and max(out) <= 32767


def test_resampling_edge_cases():
    assert resample(b"", 22_050) == b""
    assert resample(b"\x01", 22_050) == b""  # no whole sample
    assert resample(b"\x05\x00", 22_050) == b"\x05\x00"
    assert resample(b"\x05\x00\x07", 24_000) == b"\x05\x00"
    with pytest.raises(ValueError):
        resample(b"\x00\x00", 0)


def test_streaming_resampler_gives_what_resampling_the_whole_gives():
    rng = random.Random(7)
    pcm = array("h", [rng.randrange(-20_000, 20_000) for _ in range(22_050 * 3 + 101)]).tobytes()
    streaming = Resampler(22_050, 24_000, block_s=0.25)
    out, fed = [], 0
    while fed < len(pcm):
        size = 2 * rng.randrange(1, 4000)
        out.append(streaming.feed(pcm[fed : fed + size]))
        fed += size
    out.append(streaming.flush())
    joined = b"".join(out)
    assert joined == resample(pcm, 22_050, 24_000)
    assert len(joined) // 2 == streaming.position(streaming.fed)


def test_the_wav_writer_and_encoder_write_24khz_mono_16bit_that_wave_reads():
    writer = WavWriter()
    assert writer.append(sine(0.5, SAMPLE_RATE)) == 12_000
    assert writer.append(b"\x01\x00\x02") == 1  # the odd byte is dropped
    data = writer.finish()
    with wave.open(io.BytesIO(data)) as read:
        assert (read.getframerate(), read.getnchannels(), read.getsampwidth(), read.getnframes()) == (
            24_000,
            1,
            2,
            12_001,
        )
    with wave.open(io.BytesIO(encode_wav(b""))) as empty:
        assert empty.getnframes() == 0
