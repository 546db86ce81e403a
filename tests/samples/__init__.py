"""Sample scripts in different formats, including long and hostile ones, and real texts.

Small samples are files in this folder; the large and hostile ones are built here, so the
repository stays small and the bytes (control characters, 200 KB) are exact. The short ones were
written for this repository (`german_prose.txt`: an original short story in German, so prose in
a language that capitalises its nouns is read too). The real texts are public domain or openly
licensed, each with its source and licence in SOURCES.md: two Fountain screenplays
(`gift_of_the_magi.fountain`, adapted from O. Henry for this repository, CC0;
`ascent_to_guru_peak.fountain`, CC BY 4.0), English prose (Poe), German prose (Kafka), a
Markdown book (two chapters of Alice) and a play (two scenes of Romeo and Juliet), the last four
from Project Gutenberg.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Sample:
    method: str
    min_scenes: int
    max_scenes: int
    build: Callable[[], str] | None = None


def _long_screenplay() -> str:
    places = ["KITCHEN", "HARBOR", "ROOFTOP", "SUBWAY CAR", "LIBRARY", "FOREST ROAD", "HOSPITAL HALL"]
    times = ["DAY", "NIGHT", "DAWN", "DUSK"]
    scenes = []
    for n in range(60):
        where = "INT." if n % 2 else "EXT."
        scenes.append(
            f"{where} {places[n % len(places)]} - {times[n % len(times)]}\n\n"
            f"Scene {n + 1}: ADA checks the map again while rain taps the glass.\n\n"
            f"                      ADA\n          We have {60 - n} stops left.\n"
        )
    return "FADE IN:\n\n" + "\n".join(scenes) + "\nFADE OUT.\n"


def _max_size() -> str:
    paragraph = "The crowd waits by the pier as the ferry horn sounds twice across the water. " * 6
    text = "\n\n".join(paragraph for _ in range(10_000))
    return text.encode()[:200_000].decode("utf-8", "ignore")


def _control_characters() -> str:
    return (
        "INT. SERVER ROOM - NIGHT\n\nFans hum.\x00 Lights\x07 blink.\x1b[31m red\x1b[0m.\r\n\r\n"
        "EXT. PARKING LOT - NIGHT\n\nA car\x0b starts.\x0c\n"
    )


SAMPLES: dict[str, Sample] = {
    "screenplay.txt": Sample("sluglines", 4, 4),
    "markdown.md": Sample("headings", 3, 3),
    "prose.txt": Sample("paragraphs", 2, 6),
    "german_prose.txt": Sample("paragraphs", 1, 4),
    "scene_numbers.txt": Sample("headings", 3, 3),
    "non_latin.txt": Sample("sluglines", 3, 3),
    "gift_of_the_magi.fountain": Sample("sluglines", 5, 5),  # the boneyard's slugline starts no scene
    "ascent_to_guru_peak.fountain": Sample("sluglines", 6, 6),
    "cask_of_amontillado.txt": Sample("paragraphs", 10, 30),
    "die_verwandlung.txt": Sample("paragraphs", 10, 30),
    "alice_in_wonderland.md": Sample("headings", 6, 24),  # two chapters, each cut at its breaks
    "romeo_and_juliet.txt": Sample("headings", 3, 10),  # two scenes, the longer one cut at its speeches
    "long_screenplay (60 scenes)": Sample("sluglines", 60, 60, _long_screenplay),
    "one_giant_paragraph": Sample("paragraphs", 20, 200, lambda: "Rain falls on the city. " * 6000),
    "empty_lines_around_one_line": Sample("paragraphs", 1, 1, lambda: "\n\n\n   \n" + "Just one line." + "\n\n\n"),
    "max_size_200KB": Sample("paragraphs", 50, 400, _max_size),
    "control_characters": Sample("sluglines", 2, 2, _control_characters),
}


def load(name: str) -> str:
    sample = SAMPLES[name]
    return sample.build() if sample.build else (HERE / name).read_text(encoding="utf-8")
