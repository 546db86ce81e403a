#!/usr/bin/env python3
"""`make demo`: the main job end to end on the running stack, with live progress bars.

Creates (or logs in) a demo user, submits two operations through the REST API (the bundled
sample script, and a premise for the AI to write), shows per-stage progress until both end,
then saves the MP4s under out/, prints what was made, and where to open the web studio (with
the demo user's email and password: both demo scripts are in it). Offline by default; with
OPENAI_API_KEY set when the services started, the AI steps go to OpenAI.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = os.environ.get("REELFLOW_DEMO_API", f"http://127.0.0.1:{os.environ.get('REELFLOW_GATEWAY_PORT', '8080')}")
EMAIL, PASSWORD = "demo@reelflow.example.com", "reelflow-demo-password"
PREMISE = "A retired lighthouse keeper finds a message in a bottle written by her younger self"
OPTIONS = {"resolution": "720p", "fps": 24, "transition": "fade", "narration": True, "subtitles": True}
BAR = 24


def call(method: str, path: str, body: dict | None = None, token: str | None = None, form: bool = False):
    data, headers = None, {}
    if body is not None:
        if form:
            data, headers["content-type"] = urllib.parse.urlencode(body).encode(), "application/x-www-form-urlencoded"
        else:
            data, headers["content-type"] = json.dumps(body).encode(), "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(API + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (
                json.loads(raw) if response.headers.get_content_type() == "application/json" else raw
            )
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def login() -> str:
    status, answer = call("POST", "/api/auth/register", {"email": EMAIL, "password": PASSWORD})
    if status not in (201, 409):  # 409: the demo user exists from an earlier run
        sys.exit(f"cannot register the demo user: {status} {answer}")
    status, answer = call("POST", "/api/auth/token", {"username": EMAIL, "password": PASSWORD}, form=True)
    if status != 200:
        sys.exit(f"cannot log in the demo user: {status} {answer}")
    return answer["access_token"]


def bar(done: int, total: int) -> str:
    filled = BAR * done // total if total else 0
    return f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}" if total else f"[{'.' * BAR}] -"


def show(names: list[str], states: dict[str, dict], first: bool) -> None:
    lines = []
    for name in names:
        op = states[name]
        p = op.get("progress", {})
        scenes = p.get("scenes_segmented", 0)
        shots = p.get("shots_total", 0) or p.get("shots_planned", 0)
        lines += [
            f"{name}: {op.get('status', '?')} at {op.get('stage', '?')}"
            + (f", waiting for {op['waiting_for']}" if op.get("waiting_for") else ""),
            f"  scenes approved  {bar(p.get('scenes_approved', 0), scenes)}",
            f"  shots planned    {bar(p.get('shots_planned', 0), shots)}",
            f"  images approved  {bar(p.get('images_approved', 0), shots)}",
            f"  render           {p.get('render', 'waiting')}",
        ]
    if not first and sys.stdout.isatty():
        sys.stdout.write(f"\x1b[{len(lines)}F")
    for line in lines:
        sys.stdout.write(line.ljust(78) + "\n")
    sys.stdout.flush()


def main() -> int:
    token = login()
    sample = (ROOT / "deploy/demo/sample_script.txt").read_text()
    jobs = {"sample script": {"content": sample, "title": "The Last Ferry"}, "from a premise": {"premise": PREMISE}}
    ids = {}
    for name, job in jobs.items():
        status, answer = call("POST", "/api/operations", {**job, "options": OPTIONS}, token)
        if status != 202:
            sys.exit(f"cannot start the {name} operation: {status} {answer}")
        ids[name] = answer["id"]
    print(f"operations started: {', '.join(f'{n} = {i}' for n, i in ids.items())}\n")
    states: dict[str, dict] = {name: {} for name in ids}
    started, first = time.monotonic(), True
    while True:
        for name, op_id in ids.items():
            states[name] = call("GET", f"/api/operations/{op_id}", token=token)[1]
        show(list(ids), states, first)
        first = False
        if all(s.get("status") in ("completed", "failed", "cancelled") for s in states.values()):
            break
        if time.monotonic() - started > 1800:
            sys.exit("the demo did not finish within 30 minutes; see var/log/*.log")
        time.sleep(0.5)

    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    print()
    failed = False
    for name, op in states.items():
        if op["status"] != "completed":
            failed = True
            print(f"{name}: {op['status']}: {op.get('errors', [])[-1:]}")
            continue
        result = op["result"]
        status, data = call("GET", result["content_url"], token=token)
        path = out / f"{name.replace(' ', '-')}-{result['video_id'][:8]}.mp4"
        path.write_bytes(data)
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in op["stage_seconds"].items())
        print(
            f"{name}: {path.relative_to(ROOT)}  {result['duration_s']:.1f} s  {result['width']}x{result['height']}"
            f"  ({stages})"
        )
    print(f"\nAPI docs: {API}/docs   The stack keeps running for you to explore; stop it with `make down`.")
    print(f"\nWeb studio: {API}/\n  sign in as {EMAIL}\n  password   {PASSWORD}\n  (the two demo scripts are in it)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
