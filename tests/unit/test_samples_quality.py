"""The real texts of tests/samples (SOURCES.md) through the local pipeline: every scene covers
the text, nothing that is no story is read aloud or drawn, every shot is within the pacing's
limits, and the characters are the story's people, not its nouns or its author. Then the quality
bench itself, over the whole corpus."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from reelflow_kit.ai import describe_script
from reelflow_kit.ai.fountain import read_title_page
from reelflow_kit.ai.local.segmenter import segment_text
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.ai.segmentation import covers
from reelflow_kit.ai.timing import MAX_SHOT_S, MIN_SHOT_S
from tests.samples import SAMPLES, load
from tests.support.non_story_text import leaks, non_story_text

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "quality.py"

CAST = {  # sample: (people who must be found, words that must not be characters)
    "gift_of_the_magi.fountain": (
        {"Della Dillingham Young", "Madame Sofronie", "Jim"},
        {"Mme. Sofronie", "O. Henry", "Henry", "Reelflow Test Corpus", "Hair Goods"},
    ),
    "ascent_to_guru_peak.fountain": ({"Yorblef", "Guru"}, {"Richard Alexander Hall", "Richard", "Hall"}),
    "cask_of_amontillado.txt": (
        {"Fortunato", "Luchesi"},
        {"Amontillado", "Medoc", "Montresors", "Italians", "Paris"},
    ),
    "die_verwandlung.txt": (
        {"Gregor Samsa"},
        {"Gregor", "Franz Kafka", "Kafka", "Tag", "Uhr", "Prokurist", "Vater", "Mutter", "Schwester", "Gott"},
    ),
    "alice_in_wonderland.md": ({"Alice", "Dinah"}, {"Lewis Carroll", "Latitude", "Rabbit", "White Rabbit", "Où"}),
    "romeo_and_juliet.txt": (
        {"Romeo", "Capulet", "Lady Capulet", "Benvolio", "Nurse", "Juliet"},
        {"Romeo.", "Capulet.", "William Shakespeare", "Exeunt", "Exit", "Exeunt Capulet", "Whither", "Verona"},
    ),
}


def plans(name: str):
    text = load(name)
    context = describe_script(title=read_title_page(text).title or name, owner_id="user-1", content=text)
    segmentation = segment_text(text)
    return text, context, segmentation, [plan_scene(scene, context) for scene in segmentation.scenes]


@pytest.mark.parametrize("name", sorted(CAST))
def test_a_real_text_is_covered_in_the_scenes_its_kind_gives(name):
    text, _, segmentation, _ = plans(name)
    assert covers(text, segmentation.scenes)
    assert segmentation.method == SAMPLES[name].method
    assert SAMPLES[name].min_scenes <= len(segmentation.scenes) <= SAMPLES[name].max_scenes


@pytest.mark.parametrize("name", sorted(CAST))
def test_no_narration_or_prompt_of_a_real_text_holds_what_is_no_story(name):
    text, _, _, scene_plans = plans(name)
    found = non_story_text(text)
    assert found.phrases or name == "cask_of_amontillado.txt"  # the detector knows what to look for
    for plan in scene_plans:
        for shot in plan.shots:
            assert leaks(found, shot.narration, narration=True) == [], shot.narration
            assert leaks(found, shot.image_prompt, narration=False) == [], shot.image_prompt


@pytest.mark.parametrize("name", sorted(CAST))
def test_every_shot_of_a_real_text_is_within_the_pacings_limits(name):
    *_, scene_plans = plans(name)
    durations = [shot.duration_s for plan in scene_plans for shot in plan.shots]
    assert durations and all(MIN_SHOT_S <= d <= MAX_SHOT_S for d in durations)


@pytest.mark.parametrize("name", sorted(CAST))
def test_the_characters_of_a_real_text_are_its_people(name):
    _, context, _, _ = plans(name)
    people, no_one = CAST[name]
    assert people <= set(context.characters), context.characters
    assert not no_one & set(context.characters), context.characters


def test_the_quality_bench_passes_over_the_whole_corpus():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json"], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["passed"] and [text["name"] for text in report["texts"]] == list(SAMPLES)
    assert all(text["covers"] and not text["leaks"] for text in report["texts"])


def bench_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_quality_bench_fails_when_a_narration_reads_the_title_page(monkeypatch, capsys):
    bench = bench_module(monkeypatch)
    real_plan_scene = bench.plan_scene

    def reading_the_author(scene, context):
        plan = real_plan_scene(scene, context)
        plan.shots[0] = replace(plan.shots[0], narration="Richard Alexander Hall")
        return plan

    monkeypatch.setattr(bench, "plan_scene", reading_the_author)
    assert bench.main(["--sample", "ascent_to_guru_peak.fountain"]) == 1
    assert "title page 'Richard Alexander Hall'" in capsys.readouterr().out
