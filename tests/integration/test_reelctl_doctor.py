"""`reelctl doctor` against the real embedded servers: what answers is ok, what does not is said in
words with its fix; the AI provider checked by real calls (local output, or the fake OpenAI server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.fake_openai import FakeOpenAI, completion, error, image_result, png, speech_result, wav
from tests.support.infra import Infra
from tests.support.processes import free_port

SCREENPLAY = {
    "title": "Salt Letters",
    "scenes": [
        {
            "slugline": "INT. LIGHTHOUSE - NIGHT",
            "beats": [{"kind": "action", "character": "", "parenthetical": "", "text": "Mara uncorks a bottle."}],
        }
    ],
}


def doctor(infra: Infra, **env: str) -> tuple[int, dict]:
    nobody = {f"REELFLOW_{s.upper()}_HEALTH_PORT": str(free_port()) for s in ("script", "scene", "image", "video")}
    result = subprocess.run(
        [sys.executable, "-m", "reelflow_ops", "doctor", "--json"],
        env={**os.environ, **infra.env(), **nobody, "REELFLOW_GATEWAY_PORT": str(free_port()), **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    return result.returncode, json.loads(result.stdout)


def by_area(report: dict, area: str) -> list[dict]:
    return [f for f in report["findings"] if f["area"] == area]


def test_the_servers_answer_and_stopped_services_are_named_with_their_fix(infra: Infra) -> None:
    code, report = doctor(infra, REELFLOW_AI_PROVIDER="local")
    assert code == 1 and not report["ok"]  # no service runs in this test
    [broker, *notes] = by_area(report, "kafka")
    assert broker["ok"] and broker["detail"].startswith("tansu")
    assert notes and "REELFLOW_STACK_KAFKA=apache" in notes[0]["fix"]
    [mongo] = by_area(report, "mongodb")
    assert mongo["ok"] and "transaction committed" in mongo["detail"]
    assert by_area(report, "s3")[0]["ok"]
    services = by_area(report, "service")
    assert {s["name"] for s in services} == {"script", "scene", "image", "video", "gateway"}
    assert all(not s["ok"] and "start it" in s["fix"] for s in services)
    ai = by_area(report, "ai")
    assert [a["name"] for a in ai] == ["local chat", "local image", "local speech"] and all(a["ok"] for a in ai)
    assert "PNG" in ai[1]["detail"] and "speech" in ai[2]["detail"]
    assert by_area(report, "ffmpeg")[0]["ok"]


def test_wrong_s3_credentials_are_told_with_their_fix(infra: Infra) -> None:
    _, report = doctor(infra, REELFLOW_S3_SECRET_KEY="not-the-secret", REELFLOW_AI_PROVIDER="local")
    [s3] = by_area(report, "s3")
    assert not s3["ok"] and "REELFLOW_S3_SECRET_KEY" in s3["fix"]


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def openai_env(fake: FakeOpenAI) -> dict[str, str]:
    return {
        "REELFLOW_AI_PROVIDER": "openai",
        "REELFLOW_OPENAI_BASE_URL": fake.url,
        "REELFLOW_OPENAI_API_KEY": "sk-fake",
        "REELFLOW_OPENAI_MODEL": "writer-large",
        "REELFLOW_OPENAI_MAX_RETRIES": "1",
        "REELFLOW_OPENAI_BACKOFF_S": "0.01",
    }


def test_an_openai_compatible_provider_is_checked_by_real_calls(infra: Infra, fake: FakeOpenAI) -> None:
    fake.chat.always(completion(SCREENPLAY))
    fake.images.always(image_result(png(1024, 1024)))
    fake.speech.always(speech_result(wav(1.0)))
    _, report = doctor(infra, **openai_env(fake))
    ai = by_area(report, "ai")
    assert [a["ok"] for a in ai] == [True, True, True], ai
    assert ai[0]["name"] == f"openai chat at {fake.url}" and "writer-large" in ai[0]["detail"]
    assert fake.requests_to("/v1/chat/completions") and fake.requests_to("/v1/images/generations")
    assert fake.requests_to("/v1/audio/speech")


def test_a_refused_key_and_a_missing_model_are_told_with_their_fix(infra: Infra, fake: FakeOpenAI) -> None:
    fake.chat.always(error(401, "Incorrect API key provided", error_type="invalid_request_error"))
    fake.images.always(error(404, "The model does not exist", error_type="invalid_request_error"))
    fake.speech.always(speech_result(wav(1.0)))
    code, report = doctor(infra, **openai_env(fake))
    chat, image, speech = by_area(report, "ai")
    assert code == 1
    assert not chat["ok"] and "REELFLOW_OPENAI_API_KEY" in chat["fix"], chat
    assert not image["ok"] and "REELFLOW_OPENAI_IMAGE_MODEL" in image["fix"], image
    assert speech["ok"]
