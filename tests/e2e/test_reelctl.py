"""reelctl against the running services on the embedded stack: topics, tail, trace, dead letters
with a real poison message, replaying each service's group with no second side effect anywhere,
and rebuilding the read model to the same bytes.

reelctl runs as operators run it: its own process, configured by the services' REELFLOW_* variables.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS
from pymongo import MongoClient

from tests.e2e.conftest import Reelflow, s3_client
from tests.e2e.helpers import (
    HARBOR,
    KITCHEN,
    User,
    approve_scene,
    approve_script,
    create_script,
    first_images,
    register,
    wait_attempt,
    wait_for,
)
from tests.support.processes import free_port

FAST = {"resolution": "720p", "fps": 24, "motion": False, "narration": False, "subtitles": False}
SERVICE_GROUPS = (
    "script-service",
    "scene-service",
    "image-service",
    "video-service",
    "video-storyboard",
    "gateway-operations",
)


def reelctl(reelflow: Reelflow, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "reelflow_ops", *args],
        env=reelctl_env(reelflow),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"reelctl {' '.join(args)}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def reelctl_env(reelflow: Reelflow) -> dict[str, str]:
    return {
        **os.environ,
        **reelflow.gateway_env(),
        "REELFLOW_GATEWAY_PORT": str(reelflow.gateway_port),
        "COLUMNS": "200",
    }


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- a realistic workload: several users, reviews, a rejection, videos, operations with a webhook ----


class Hooks(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802
        Hooks.received.append(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Workload:
    operation_ids: list[str]
    reviewed_script_id: str
    hooks: type[Hooks]


def operation_done(user: User, operation_id: str) -> dict:
    def over() -> dict | None:
        op = user.get(f"/api/operations/{operation_id}").json()
        return op if op["status"] in ("completed", "failed") else None

    done = wait_for(over, timeout=300, interval=0.5, what=f"operation {operation_id}")
    assert done["status"] == "completed", done
    return done


def reviewed_by_hand(user: User) -> str:
    """Created, edited, approved; one image rejected with feedback and its second attempt approved; rendered."""
    script = create_script(user, KITCHEN, title="Kitchen, reviewed")
    response = user.put(f"/api/scripts/{script['id']}", json={"title": "Kitchen, reviewed twice"})
    assert response.status_code == 200, response.text
    [scene] = approve_script(user, script["id"])
    shots = approve_scene(user, scene["id"])
    images = first_images(user, scene["id"], shots)
    rejected = images[0]
    response = user.post(f"/api/images/{rejected['id']}/reject", json={"feedback": "warmer light, closer on the mug"})
    assert response.status_code == 200, response.text
    second = wait_attempt(user, scene["id"], rejected["shot_id"], 2)
    for image in [second, *images[1:]]:
        response = user.post(f"/api/images/{image['id']}/approve")
        assert response.status_code == 200, response.text
    response = user.post(f"/api/scripts/{script['id']}/create-video", json=FAST)
    assert response.status_code in (200, 201, 202), response.text
    video_id = response.json()["id"]
    wait_for(
        lambda: user.get(f"/api/videos/{video_id}").json()["status"] in ("approved", "rejected"),
        timeout=300,
        what="the reviewed script's video",
    )
    assert user.get(f"/api/videos/{video_id}").json()["status"] == "approved"
    return script["id"]


@pytest.fixture(scope="module")
def workload(reelflow: Reelflow) -> Iterator[Workload]:
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx.Client(base_url=reelflow.base_url, timeout=30) as client:
            users = [User(*register(client), client) for _ in range(3)]
            alice, bob, carol = users
            operation_ids = []
            for user, content in ((alice, KITCHEN + "\n" + HARBOR), (carol, HARBOR)):
                response = user.post(
                    "/api/operations",
                    json={"content": content, "options": FAST, "webhook_url": f"http://127.0.0.1:{port}/hook"},
                )
                assert response.status_code == 202, response.text
                operation_ids.append(response.json()["id"])
            reviewed = reviewed_by_hand(bob)
            draft = create_script(carol, HARBOR, title="left as a draft")
            assert carol.put(f"/api/scripts/{draft['id']}", json={"content": HARBOR + "\nMore.\n"}).status_code == 200
            for user, operation_id in zip((alice, carol), operation_ids, strict=True):
                operation_done(user, operation_id)
            wait_for(lambda: len(Hooks.received) >= 2, timeout=60, what="both webhook deliveries")
            yield Workload(operation_ids, reviewed, Hooks)
    finally:
        server.shutdown()


# -- what a side effect would change ----------------------------------------------------------------


def database_snapshot(reelflow: Reelflow) -> dict[str, str]:
    """Every document of every service's database, canonical, but the bookkeeping that a consumer
    may touch when it reads a record again without applying it (its inbox and job leases are not
    side effects; the documents they guard are)."""
    snapshot = {}
    with MongoClient(reelflow.infra.mongo_uri, serverSelectionTimeoutMS=5000) as mongo:
        for name in reelflow.databases:
            db = mongo[name]
            for collection in sorted(db.list_collection_names()):
                if collection.startswith("system."):
                    continue
                docs = sorted(
                    json_util.dumps(doc, json_options=CANONICAL_JSON_OPTIONS, sort_keys=True)
                    for doc in db[collection].find()
                )
                snapshot[f"{name}.{collection}"] = "\n".join(docs)
    return snapshot


def objects(reelflow: Reelflow) -> set[str]:
    s3 = s3_client(reelflow.infra)
    found = set()
    for bucket in reelflow.buckets:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            found |= {f"{bucket}/{item['Key']}" for item in page.get("Contents", [])}
    return found


def topic_ends(reelflow: Reelflow) -> dict[str, int]:
    report = json.loads(reelctl(reelflow, "topics", "--json").stdout)
    return {t["topic"]: sum(p["end_offset"] for p in t["partitions"]) for t in report["topics"]}


def group_lag(reelflow: Reelflow, group: str) -> int | None:
    report = json.loads(reelctl(reelflow, "topics", "--json").stdout)
    lags = [g["lag"] for t in report["topics"] for g in t["groups"] if g["group"] == group]
    return sum(lags) if lags else None


def wait_quiet(reelflow: Reelflow, seconds: float = 3.0, timeout: float = 120.0) -> dict[str, int]:
    """The topic ends once nothing has been written for `seconds` (outbox relays and jobs done)."""
    deadline = time.monotonic() + timeout
    last = topic_ends(reelflow)
    while True:
        time.sleep(seconds)
        now = topic_ends(reelflow)
        if now == last:
            return now
        assert time.monotonic() < deadline, "the topics never went quiet"
        last = now


STOP_START = {
    "script-service": ("script", "start_script"),
    "scene-service": ("scene", "start_scene"),
    "image-service": ("image", "start_image"),
    "video-service": ("video", "start_video"),
    "video-storyboard": ("video", "start_video"),
    "gateway-operations": ("gateway", "start_gateway"),
}


@pytest.mark.parametrize("group", SERVICE_GROUPS)
def test_replaying_a_services_group_from_the_start_has_no_second_side_effect(
    reelflow: Reelflow, workload: Workload, group: str
) -> None:
    ends, documents, stored, hooks = (
        wait_quiet(reelflow),
        database_snapshot(reelflow),
        objects(reelflow),
        len(workload.hooks.received),
    )
    refused = reelctl(reelflow, "replay", "--group", group, "--to-earliest", check=False)
    assert refused.returncode == 1 and "active member" in refused.stderr, refused.stderr

    attribute, start = STOP_START[group]
    getattr(reelflow, attribute).stop()
    try:
        unread = group_lag(reelflow, f"e2e.{group}") or 0  # what it had not committed when it stopped
        plan = json.loads(reelctl(reelflow, "replay", "--group", group, "--to-earliest", "--json").stdout)
        assert not plan["executed"] and sum(m["rereads"] for m in plan["moves"]) > 0, plan
        done = json.loads(reelctl(reelflow, "replay", "--group", group, "--to-earliest", "--execute", "--json").stdout)
        assert done["executed"] and all(m["target"] == 0 for m in done["moves"]), done
        assert group_lag(reelflow, f"e2e.{group}") == unread + sum(m["rereads"] for m in plan["moves"])
    finally:
        getattr(reelflow, start)()
    wait_for(lambda: group_lag(reelflow, f"e2e.{group}") == 0, timeout=180, interval=1, what=f"{group} to read again")

    assert wait_quiet(reelflow) == ends, "a replay wrote new messages"
    assert objects(reelflow) == stored, "a replay stored new media"
    assert len(workload.hooks.received) == hooks, "a replay delivered a webhook again"
    after = database_snapshot(reelflow)
    changed = [name for name in documents.keys() | after.keys() if documents.get(name) != after.get(name)]
    assert all(bookkeeping(name) for name in changed), f"a replay changed {changed}"


def bookkeeping(collection: str) -> bool:
    """Collections a consumer may write while passing over what it already applied, and the
    registry of live processes (their heartbeats, and the restarted service's new instance) and the
    gateway's rate-limit counters (the test's own reads)."""
    name = collection.split(".", 1)[1]
    return name in ("inbox", "jobs", "job_leases", "leases", "outbox", "instances", "rate_counters") or name.endswith(
        ".leases"
    )


# -- rebuild-views ------------------------------------------------------------------------------------


def views_dump(reelflow: Reelflow) -> bytes:
    with MongoClient(reelflow.infra.mongo_uri, serverSelectionTimeoutMS=5000) as mongo:
        db = mongo[reelflow.gateway_db]
        parts = []
        for collection in sorted(n for n in db.list_collection_names() if n.startswith("views.")):
            docs = sorted(
                json_util.dumps(doc, json_options=CANONICAL_JSON_OPTIONS, sort_keys=True)
                for doc in db[collection].find()
            )
            parts.append(f"== {collection} ({len(docs)})\n" + "\n".join(docs))
        return "\n".join(parts).encode()


def test_rebuilding_the_views_gives_the_same_bytes(reelflow: Reelflow, workload: Workload) -> None:
    wait_quiet(reelflow)
    time.sleep(2)  # the read model commits its last batch
    before = views_dump(reelflow)
    assert before.count(b"\n== views.") >= 3
    refused = reelctl(reelflow, "rebuild-views", check=False)
    assert refused.returncode == 1 and "gateway is running" in refused.stderr, refused.stderr

    assert reelflow.gateway
    reelflow.gateway.stop()
    rebuilding = subprocess.Popen(
        [sys.executable, "-m", "reelflow_ops", "rebuild-views", "--wait", "--timeout", "300", "--json"],
        env=reelctl_env(reelflow),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = False
    try:
        # the views are dropped once reelctl knows the group has no member (on Tansu it joins the
        # group to find out, which waits out the stopped gateway's session: tens of seconds)
        wait_for(
            lambda: views_dump(reelflow) == b"" or rebuilding.poll() is not None,
            timeout=180,
            what="the views dropped",
        )
        reelflow.start_gateway()
        started = True
        out, err = rebuilding.communicate(timeout=320)
    finally:
        if rebuilding.poll() is None:
            rebuilding.kill()
        if not started:  # the next tests need the gateway, whatever happened here
            reelflow.start_gateway()
    assert rebuilding.returncode == 0, err
    assert json.loads(out)["replayed_events"] > 0
    time.sleep(1)
    after = views_dump(reelflow)
    assert after == before


# -- topics, tail, trace ----------------------------------------------------------------------------------


def test_topics_tail_and_trace_tell_what_happened(reelflow: Reelflow, workload: Workload) -> None:
    report = json.loads(reelctl(reelflow, "topics", "--json").stdout)
    assert report["broker"] == {"tansu": "tansu", "apache": "kafka"}[reelflow.infra.kafka_broker]
    by_name = {t["topic"]: t for t in report["topics"]}
    events = by_name["e2e.script.events"]
    assert events["records"] > 0 and len(events["partitions"]) >= 1
    assert "e2e.gateway-read-model" in {g["group"] for g in events["groups"]}
    table = reelctl(reelflow, "topics").stdout
    assert "e2e.script.events" in table and "e2e.gateway-read-model" in table

    script_id = workload.reviewed_script_id
    approved = json_lines(
        reelctl(reelflow, "tail", "script.events", "--type", "ScriptApproved", "--subject", script_id, "--json").stdout
    )
    assert [e["type"] for e in approved] == ["reelflow.script.approved.v1"]
    assert approved[0]["payload"]["script_id"] == script_id and approved[0]["causationid"]
    by_time = json_lines(reelctl(reelflow, "tail", "script.events", "--from", approved[0]["time"], "--json").stdout)
    assert approved[0]["id"] in {e["id"] for e in by_time}
    line = reelctl(reelflow, "tail", "script.events", "--subject", script_id).stdout
    assert "reelflow.script.created.v1" in line and "reelflow.script.updated.v1" in line

    operation_id = workload.operation_ids[0]
    traced = json_lines(reelctl(reelflow, "trace", operation_id, "--json").stdout)
    types = [e["type"] for e in traced]
    assert types[0] == "reelflow.operation.started.v1" and types[-1] == "reelflow.operation.completed.v1", types
    assert {"reelflow.script.approve_script.v1", "reelflow.scene.shot_planned.v1", "reelflow.video.rendered.v1"} <= set(
        types
    )
    assert [e["time"] for e in traced] == sorted(e["time"] for e in traced)


def test_a_poison_message_is_dead_lettered_shown_and_redriven(reelflow: Reelflow) -> None:
    ce_id, script_id = str(uuid.uuid4()), f"poison-{uuid.uuid4().hex[:8]}"

    async def send_poison() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=reelflow.infra.kafka_bootstrap)
        await producer.start()
        try:
            headers = {
                "ce_specversion": "1.0",
                "ce_id": ce_id,
                "ce_type": "reelflow.script.create_script.v1",
                "ce_source": "gateway",
                "ce_subject": script_id,
                "ce_correlationid": ce_id,
                "content-type": "application/json",
            }
            await producer.send_and_wait(
                "e2e.script.commands",
                b'{"script_id": "' + script_id.encode() + b'", "title": 42}',
                key=script_id.encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        finally:
            await producer.stop()

    asyncio.run(send_poison())

    def letters() -> list[dict]:
        shown = json_lines(reelctl(reelflow, "dlq", "show", "script-service", "--json").stdout)
        return [d for d in shown if d["id"] == ce_id]

    [letter] = wait_for(letters, timeout=60, what="the poison message in the script service's dead letters")
    assert letter["group"] == "e2e.script-service" and letter["source_topic"] == "e2e.script.commands"
    assert "reelflow.script.create_script.v1" in letter["error"] and letter["key"] == script_id
    listed = json.loads(reelctl(reelflow, "dlq", "list", "--json").stdout)
    assert {"group": "script-service", "topic": "e2e.script-service.dlq"}.items() <= next(
        d for d in listed if d["group"] == "script-service"
    ).items()
    where = f"{letter['partition']}:{letter['offset']}"

    dry = json.loads(reelctl(reelflow, "dlq", "redrive", "script-service", "--offset", where, "--json").stdout)
    assert not dry["executed"] and dry["sent"] == [] and [d["id"] for d in dry["letters"]] == [ce_id]
    sent = json.loads(
        reelctl(reelflow, "dlq", "redrive", "script-service", "--offset", where, "--execute", "--json").stdout
    )["sent"]
    assert [s["topic"] for s in sent] == ["e2e.script.commands"]

    redriven = json_lines(
        reelctl(reelflow, "tail", "script.commands", "--from", str(sent[0]["offset"]), "--json").stdout
    )
    again = next(e for e in redriven if e["id"] == ce_id and e["partition"] == sent[0]["partition"])
    assert again["key"] == script_id and again["type"] == "reelflow.script.create_script.v1"
    assert again["headers"]["x-redriven-from"] == f"e2e.script-service.dlq/{letter['partition']}/{letter['offset']}"
    assert not any(h.startswith("x-dlq-") for h in again["headers"])
    # Not fixed, so the script service sets it aside again, now marked as redriven.
    second = wait_for(
        lambda: len(letters()) == 2 and letters(), timeout=60, what="the redriven record dead-lettered again"
    )
    assert second[1]["redriven_from"] == again["headers"]["x-redriven-from"]
