"""View documents -> the JSON bodies of the API (pure functions, no I/O).

States that depend on events of more than one kind are derived here, at read time, rather than
stored by one projection and overwritten by another: so they read the same whatever order the
events were projected in.
"""

from __future__ import annotations

SCRIPT_FIELDS = (
    "title",
    "content",
    "title_page",
    "status",
    "origin",
    "aspect",
    "premise",
    "created_at",
    "updated_at",
    "approved_at",
    "version",
)
SCENE_FIELDS = ("script_id", "order", "heading", "text", "status", "created_at", "updated_at", "approved_at", "version")
SHOT_FIELDS = (
    "scene_id",
    "script_id",
    "scene_order",
    "order",
    "shot_count",
    "description",
    "image_prompt",
    "duration_s",
    "narration",
    "planned_at",
)
_STYLE_FIELDS = ("aspect", "style_suffix", "setting", "time_of_day", "characters")


def segmentation_of(doc: dict) -> dict:
    """`none` (a draft), `pending` (approved, scenes not known yet), `done` or `failed` (with the error)."""
    recorded = doc.get("segmentation")
    if recorded:
        return {
            "state": recorded["state"],
            "method": recorded.get("method"),
            "fell_back": bool(recorded.get("fell_back")),
            "note": recorded.get("note") or "",
            "code": recorded.get("code"),
            "error": recorded.get("error"),
        }
    state = "pending" if doc.get("status") == "approved" else "none"
    return {"state": state, "method": None, "fell_back": False, "note": "", "code": None, "error": None}


def script_body(doc: dict) -> dict:
    body = {"id": doc["_id"]}
    for name in SCRIPT_FIELDS:
        body[name] = doc.get(name)
    body["scene_count"] = doc.get("scene_count", 0)
    body["approved_scene_count"] = doc.get("approved_scene_count", 0)
    body["segmentation"] = segmentation_of(doc)
    return body


def shot_planning_of(doc: dict) -> dict:
    """`none` (pending scene), `planning` (approved), `planned` (every shot known) or `failed` (with the error).

    A complete plan wins over an earlier failure (a retry that succeeded); an approved scene
    whose shots are not all known yet is still `planning`.
    """
    expected = doc.get("shot_count") or 0
    known = doc.get("shots_planned") or 0
    failure = doc.get("shot_planning_failure")
    if expected and known >= expected:
        return {"state": "planned", "shot_count": expected, "code": None, "error": None}
    if failure:
        return {"state": "failed", "shot_count": known, "code": failure.get("code"), "error": failure.get("error")}
    state = "planning" if doc.get("status") == "approved" or known else "none"
    return {"state": state, "shot_count": known, "code": None, "error": None}


def scene_body(doc: dict) -> dict:
    body = {"id": doc["_id"]}
    for name in SCENE_FIELDS:
        body[name] = doc.get(name)
    body["shot_planning"] = shot_planning_of(doc)
    return body


def shot_body(doc: dict) -> dict:
    body = {"id": doc["_id"]}
    for name in SHOT_FIELDS:
        body[name] = doc.get(name)
    style = doc.get("style") or {}
    body["style"] = {name: style.get(name) for name in _STYLE_FIELDS}
    return body


def page(items: list[dict], total: int, limit: int, offset: int) -> dict:
    """The one list shape of the API."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# -- images and videos ---------------------------------------------------------------------------

MAX_ATTEMPTS_CODE = "max_attempts"


def image_status(doc: dict) -> str:
    """`pending`, `approved`, `rejected` or `failed`, from which events were seen (in any order).

    `failed`: the attempt could not be drawn or stored (rejecting it asks for the next attempt),
    or the shot has used all its attempts (`code` `max_attempts`: the last attempt was rejected
    and no further image will be drawn; this one is final, even though it was rejected).
    """
    failure = doc.get("failure")
    if failure and failure.get("code") == MAX_ATTEMPTS_CODE:
        return "failed"
    if doc.get("rejected_at"):
        return "rejected"
    if doc.get("approved_at"):
        return "approved"
    if failure:
        return "failed"
    return "pending"


def image_content_url(image_id: str) -> str:
    return f"/api/images/{image_id}/content"


def image_body(doc: dict) -> dict:
    failure = doc.get("failure") or {}
    status = image_status(doc)
    return {
        "id": doc["_id"],
        "shot_id": doc.get("shot_id"),
        "scene_id": doc.get("scene_id"),
        "script_id": doc.get("script_id"),
        "shot_order": doc.get("shot_order"),
        "status": status,
        "attempt": doc.get("attempt"),
        "width": doc.get("width"),
        "height": doc.get("height"),
        "prompt": doc.get("prompt"),
        "content_url": image_content_url(doc["_id"]) if doc.get("media_key") else None,
        "size_bytes": doc.get("size_bytes"),
        "selected": bool(doc.get("approved_at")) and not doc.get("replaced_by"),
        "replaced_by": doc.get("replaced_by"),
        "previous_image_id": doc.get("previous_image_id"),
        "feedback": doc.get("feedback") if doc.get("rejected_at") else None,
        "code": failure.get("code"),
        "error": failure.get("error"),
        "generated_at": doc.get("generated_at"),
        "approved_at": doc.get("approved_at"),
        "rejected_at": doc.get("rejected_at"),
        "failed_at": failure.get("at"),
        "updated_at": doc.get("updated_at"),
    }


def video_status(doc: dict) -> str:
    """`pending` (accepted, rendering), `approved` (the MP4 exists) or `rejected` (rendering failed)."""
    if doc.get("rendered"):
        return "approved"
    if doc.get("failure"):
        return "rejected"
    return "pending"


def _render_progress(progress: dict | None) -> dict:
    if not progress:
        return {"step": "queued", "fraction": 0.0, "frames_done": 0, "frames_total": 0, "attempt": 1, "at": None}
    return {k: progress.get(k) for k in ("step", "fraction", "frames_done", "frames_total", "attempt", "at")}


def video_content_url(video_id: str) -> str:
    return f"/api/videos/{video_id}/content"


def video_body(doc: dict) -> dict:
    rendered = doc.get("rendered") or {}
    failure = doc.get("failure") or {}
    options = doc.get("options") or {}
    status = video_status(doc)
    return {
        "id": doc["_id"],
        "script_id": doc.get("script_id"),
        "status": status,
        "progress": _render_progress(doc.get("progress")) if status == "pending" else None,
        "duration_s": rendered.get("duration_s"),
        "width": rendered.get("width"),
        "height": rendered.get("height"),
        "fps": rendered.get("fps", options.get("fps")),
        "size_bytes": rendered.get("size_bytes"),
        "has_audio": rendered.get("has_audio"),
        "render_s": rendered.get("render_s"),
        "reused_segments": rendered.get("reused_segments"),
        "content_url": video_content_url(doc["_id"]) if rendered else None,
        "code": failure.get("code"),
        "error": failure.get("error"),
        "options": options,
        "image_ids": doc.get("image_ids") or [],
        "requested_at": doc.get("requested_at"),
        "rendered_at": rendered.get("at"),
        "failed_at": failure.get("at"),
        "updated_at": doc.get("updated_at"),
    }
