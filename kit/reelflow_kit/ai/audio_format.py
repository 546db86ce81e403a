"""The one audio format of narration, and getting any provider's audio into it.

Every narrator answers with WAV, 24 000 Hz, mono, signed 16-bit little-endian PCM
(`SAMPLE_RATE`, `CHANNELS`, `SAMPLE_WIDTH`). What a provider gives is converted here:

- a PCM WAV of any common layout (8-, 16-, 24- or 32-bit integer, 32- or 64-bit float,
  WAVE_FORMAT_EXTENSIBLE, any number of channels, any rate) is read by `decode_wav`, mixed down
  to mono and resampled by linear interpolation (`resample`), without numpy or `audioop` (gone
  in Python 3.13); the chunk sizes of a streamed WAV (OpenAI sends 0xFFFFFFFF) are forgiven;
- anything else (MP3, FLAC, Opus, a compressed WAV from a server that ignored
  `response_format`) is decoded by the FFmpeg binary of `imageio-ffmpeg`, run with an argument
  list (no shell), when that package is installed (`transcode`).

Pure functions on bytes; the slow ones (resampling long audio, FFmpeg) belong in a worker
thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from array import array
from math import gcd

SAMPLE_RATE = 24_000
CHANNELS = 1
SAMPLE_WIDTH = 2
"""Bytes per sample (signed 16-bit)."""
BYTES_PER_SECOND = SAMPLE_RATE * CHANNELS * SAMPLE_WIDTH
HEADER_BYTES = 44

_PCM = 0x0001
_IEEE_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE
_LITTLE_ENDIAN = sys.byteorder == "little"
_FLIP_SIGN = bytes((i ^ 0x80) for i in range(256))
"""Unsigned 8-bit samples to the high byte of signed 16-bit ones (and back)."""
_ROUNDING = (0x8000).to_bytes(4, "little")
"""One half in 16.16 fixed point, as a 32-bit field: a blend is rounded, not truncated."""
FFMPEG_TIMEOUT_S = 120.0


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The 44-byte header of a mono 16-bit PCM WAV holding `data_bytes` of samples."""
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        _PCM,
        CHANNELS,
        sample_rate,
        sample_rate * CHANNELS * SAMPLE_WIDTH,
        CHANNELS * SAMPLE_WIDTH,
        8 * SAMPLE_WIDTH,
        b"data",
        data_bytes,
    )


def encode_wav(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A WAV file of mono signed 16-bit little-endian samples."""
    return wav_header(len(pcm), sample_rate) + pcm


class WavWriter:
    """Builds a narration WAV from PCM pieces (mono s16le at SAMPLE_RATE) in one buffer, so
    hours of audio are not copied piece by piece, nor twice at the end."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._buffer.write(bytes(HEADER_BYTES))
        self.samples = 0

    def append(self, pcm: bytes) -> int:
        """Adds whole samples (a trailing odd byte is dropped); returns how many were added."""
        usable = len(pcm) - len(pcm) % SAMPLE_WIDTH
        self._buffer.write(memoryview(pcm)[:usable])
        added = usable // SAMPLE_WIDTH
        self.samples += added
        return added

    def finish(self) -> bytes:
        """The WAV file. The writer must not be used afterwards."""
        self._buffer.seek(0)
        self._buffer.write(wav_header(self.samples * SAMPLE_WIDTH))
        return self._buffer.getvalue()


def decode_wav(data: bytes) -> tuple[bytes, int]:
    """(mono signed 16-bit little-endian samples, sample rate) of a PCM or float WAV file.

    Raises ValueError when `data` is not a RIFF/WAVE file or its encoding is not PCM/float."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    fmt: tuple[int, int, int, int, int] | None = None
    samples: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        start = pos + 8
        end = min(start + size, len(data))
        if chunk_id == b"fmt ":
            fmt = _read_format(data[start:end])
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError("the WAV data comes before its format")
            samples = data[start:end]
            break  # a streamed WAV says 0xFFFFFFFF: its data runs to the end of the file
        pos = start + size + (size & 1)
    if fmt is None:
        raise ValueError("the WAV file has no format chunk")
    if samples is None:
        raise ValueError("the WAV file has no data chunk")
    encoding, channels, rate, bits, block = fmt
    samples = samples[: len(samples) - len(samples) % block]
    pcm16 = _to_int16(samples, encoding, bits)
    return _to_mono(pcm16, channels), rate


def _read_format(chunk: bytes) -> tuple[int, int, int, int, int]:
    if len(chunk) < 16:
        raise ValueError("the WAV format chunk is too short")
    encoding, channels, rate, _, block, bits = struct.unpack("<HHIIHH", chunk[:16])
    if encoding == _EXTENSIBLE:
        if len(chunk) < 26:
            raise ValueError("the WAVE_FORMAT_EXTENSIBLE chunk is too short")
        encoding = int.from_bytes(chunk[24:26], "little")  # the first two bytes of the subformat GUID
    if encoding not in (_PCM, _IEEE_FLOAT):
        raise ValueError(f"WAV encoding 0x{encoding:04x} is neither PCM nor float")
    if channels < 1 or rate < 1 or rate > 1_000_000:
        raise ValueError(f"WAV with {channels} channels at {rate} Hz")
    width = bits // 8
    widths = (1, 2, 3, 4) if encoding == _PCM else (4, 8)
    if bits % 8 or width not in widths:
        raise ValueError(f"unsupported WAV sample size: {bits} bits")
    # the block size is what the samples make (some writers get the field wrong)
    return encoding, channels, rate, bits, channels * width


def _to_int16(samples: bytes, encoding: int, bits: int) -> bytes:
    """Interleaved samples as signed 16-bit little-endian (channels untouched)."""
    if encoding == _IEEE_FLOAT:
        values = array("f" if bits == 32 else "d")
        values.frombytes(samples)
        if not _LITTLE_ENDIAN:
            values.byteswap()
        return _native_to_le(array("h", [_float_sample(v) for v in values]))
    width = bits // 8
    if width == 2:
        return samples
    count = len(samples) // width
    out = bytearray(2 * count)
    if width == 1:  # unsigned: 128 is silence
        out[1::2] = samples.translate(_FLIP_SIGN)
    else:  # keep the two most significant bytes
        out[0::2] = samples[width - 2 :: width]
        out[1::2] = samples[width - 1 :: width]
    return bytes(out)


def _float_sample(value: float) -> int:
    if value != value:  # NaN
        return 0
    return int(max(-1.0, min(1.0, value)) * 32767)


def _to_mono(pcm16: bytes, channels: int) -> bytes:
    """The channels' average, computed like `resample` blends: every frame a 32-bit field of one
    big integer, the channels' fields added (at most 65 535 channels of 16 bits: no carry out of a
    field) and scaled by 1/channels in 16.16 fixed point."""
    if channels == 1:
        return pcm16
    frames = len(pcm16) // (SAMPLE_WIDTH * channels)
    if frames == 0:
        return b""
    total = sum(_fields(_strided(pcm16, channel, channels, frames), frames) for channel in range(channels))
    mixed = (total * (65536 // channels)).to_bytes(4 * frames, "little")
    mono = bytearray(SAMPLE_WIDTH * frames)
    mono[0::2] = mixed[2::4]
    mono[1::2] = mixed[3::4].translate(_FLIP_SIGN)
    return bytes(mono)


def resample(pcm: bytes, from_rate: int, to_rate: int = SAMPLE_RATE, *, following: bytes = b"") -> bytes:
    """Mono signed 16-bit little-endian samples at `from_rate` resampled to `to_rate` by linear
    interpolation: round(n * to_rate / from_rate) samples, so the duration is kept to a sample.
    `following`: the sample after the last (when `pcm` is a block of a longer stream; else the
    last sample is held).

    Speech-grade, and fast without numpy or `audioop`: with the rate ratio reduced to L/M, the
    output has L phases, each a fixed blend of two input samples taken with a stride of M. A
    phase is computed all at once with big-integer arithmetic (every sample an unsigned 32-bit
    field of one integer, so `left * (1 - w) + right * w` in 16.16 fixed point is two
    multiplications by small numbers with no carry between fields), and bytes are moved with
    strided slices: no Python-level work per sample (about 50 ns a sample)."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, not {from_rate} and {to_rate}")
    pcm = pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH]
    if from_rate == to_rate or not pcm:
        return pcm
    count_in = len(pcm) // SAMPLE_WIDTH
    common = gcd(from_rate, to_rate)
    step, phases = from_rate // common, to_rate // common
    count_out = (count_in * phases + step // 2) // step
    if count_out == 0:
        return b""
    after = following[:SAMPLE_WIDTH] if len(following) >= SAMPLE_WIDTH else pcm[-SAMPLE_WIDTH:]
    source = pcm + after * 2  # what interpolation just past the last sample reads
    out = bytearray(SAMPLE_WIDTH * count_out)
    stride = SAMPLE_WIDTH * phases
    for phase in range(min(phases, count_out)):
        first, remainder = divmod(phase * step, phases)
        count = (count_out - phase + phases - 1) // phases
        left: bytes | bytearray = _strided(source, first, step, count)
        if remainder:
            weight = (remainder << 16) // phases
            right = _strided(source, first + 1, step, count)
            blend = (
                _fields(left, count) * (65536 - weight)
                + _fields(right, count) * weight
                + int.from_bytes(_ROUNDING * count, "little")
            ).to_bytes(4 * count, "little")
            mixed = bytearray(SAMPLE_WIDTH * count)
            mixed[0::2] = blend[2::4]
            mixed[1::2] = blend[3::4].translate(_FLIP_SIGN)
            left = mixed
        out[SAMPLE_WIDTH * phase :: stride] = left[0::2]
        out[SAMPLE_WIDTH * phase + 1 :: stride] = left[1::2]
    return bytes(out)


class Resampler:
    """`resample` for a stream fed piece by piece: the output is that of resampling the whole at
    once (block ends aside, where the next block's first sample is used as it would be), and it is
    computed in blocks of about `block_s` seconds, so short pieces do not pay the per-call cost."""

    def __init__(self, from_rate: int, to_rate: int = SAMPLE_RATE, *, block_s: float = 20.0) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"sample rates must be positive, not {from_rate} and {to_rate}")
        self.from_rate, self.to_rate = from_rate, to_rate
        common = gcd(from_rate, to_rate)
        self._step, self._phases = from_rate // common, to_rate // common
        # whole periods of the rate ratio, so every block starts on the same interpolation phase
        self._block = max(1, round(block_s * from_rate) // self._step) * self._step
        self._pending = bytearray()
        self.fed = 0
        """Input samples so far."""

    def position(self, samples_in: int) -> int:
        """Where input sample number `samples_in` lands in the output (the output's length once
        that many samples have been fed and flushed)."""
        return (samples_in * self._phases + self._step // 2) // self._step

    def feed(self, pcm: bytes) -> bytes:
        """The output that is ready (possibly nothing yet)."""
        usable = len(pcm) - len(pcm) % SAMPLE_WIDTH
        self._pending += memoryview(pcm)[:usable]
        self.fed += usable // SAMPLE_WIDTH
        if self._step == self._phases:
            ready = bytes(self._pending)
            self._pending.clear()
            return ready
        size = SAMPLE_WIDTH * self._block
        outputs: list[bytes] = []
        while len(self._pending) > size:  # a following sample is there
            block = bytes(self._pending[:size])
            following = bytes(self._pending[size : size + SAMPLE_WIDTH])
            outputs.append(resample(block, self.from_rate, self.to_rate, following=following))
            del self._pending[:size]
        return b"".join(outputs)

    def flush(self) -> bytes:
        """The rest of the output."""
        rest = resample(bytes(self._pending), self.from_rate, self.to_rate)
        self._pending.clear()
        return rest


def _strided(pcm: bytes, first: int, step: int, count: int) -> bytes:
    """`count` samples of `pcm` from sample `first`, every `step`-th."""
    start, stride = SAMPLE_WIDTH * first, SAMPLE_WIDTH * step
    stop = start + stride * (count - 1) + 1
    picked = bytearray(SAMPLE_WIDTH * count)
    picked[0::2] = pcm[start:stop:stride]
    picked[1::2] = pcm[start + 1 : stop + 1 : stride]
    return bytes(picked)


def _fields(samples: bytes | bytearray, count: int) -> int:
    """Signed 16-bit little-endian samples as one integer of unsigned 32-bit fields (x + 32768 each)."""
    fields = bytearray(4 * count)
    fields[0::4] = samples[0::2]
    fields[1::4] = samples[1::2].translate(_FLIP_SIGN)
    return int.from_bytes(fields, "little")


def to_narration_pcm(audio: bytes) -> bytes:
    """Any audio file (WAV read here, anything else through FFmpeg) as mono signed 16-bit
    little-endian samples at SAMPLE_RATE. Raises ValueError when it cannot be read."""
    if audio[:4] == b"RIFF":
        try:
            pcm, rate = decode_wav(audio)
        except ValueError as not_pcm:
            if b"fmt " not in audio[:64]:
                raise
            try:  # a compressed WAV (mu-law, ADPCM, ...): FFmpeg knows those
                return transcode(audio)
            except ValueError:
                raise not_pcm from None
        return resample(pcm, rate, SAMPLE_RATE)
    return transcode(audio)


def transcode(audio: bytes, timeout_s: float = FFMPEG_TIMEOUT_S) -> bytes:
    """Any audio FFmpeg can read, as mono signed 16-bit little-endian samples at SAMPLE_RATE.
    Raises ValueError when FFmpeg is not installed, cannot read it, or finds no audio."""
    try:
        import imageio_ffmpeg

        executable = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise ValueError(
            f"the audio is not WAV, and FFmpeg (imageio-ffmpeg) is not available to decode it: {exc}"
        ) from None
    command = [
        executable,
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        "pipe:0",
        "-vn",
        "-map",
        "0:a:0",
        "-f",
        "s16le",
        "-acodec",
        "pcm_s16le",
        "-ac",
        str(CHANNELS),
        "-ar",
        str(SAMPLE_RATE),
        "pipe:1",
    ]
    try:
        done = subprocess.run(command, input=audio, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise ValueError(f"FFmpeg took over {timeout_s:g}s to decode the audio") from None
    except OSError as exc:
        raise ValueError(f"cannot run FFmpeg ({executable}): {exc}") from None
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:] or "no audio in it"
        raise ValueError(f"FFmpeg cannot decode the audio ({len(audio)} bytes, starting {audio[:8]!r}): {detail}")
    return done.stdout[: len(done.stdout) - len(done.stdout) % SAMPLE_WIDTH]


def _native_to_le(values: array[int]) -> bytes:
    if not _LITTLE_ENDIAN:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()
