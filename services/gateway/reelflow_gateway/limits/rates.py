"""A rate setting: at most `count` events per `per_s` seconds (`"10/60s"`, `"10/min"`, `"500/hour"`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86_400,
    "day": 86_400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    per_s: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_s < 1:
            raise ValueError("a rate needs at least 1 event per at least 1 second")

    def __str__(self) -> str:
        return f"{self.count}/{self.per_s}s"

    @classmethod
    def parse(cls, text: str | Rate) -> Rate:
        """`N/<seconds>s`, `N/min`, `N/5min`, `N/hour`, `N/day`."""
        if isinstance(text, Rate):
            return text
        match = _RATE.match(str(text).lower())
        unit = _UNITS.get(match.group(3)) or _UNITS.get(match.group(3).removesuffix("s")) if match else None
        if match is None or unit is None:
            raise ValueError(f"{text!r} is not a rate: write it as N/60s, N/min or N/hour")
        return cls(count=int(match.group(1)), per_s=int(match.group(2) or 1) * unit)
