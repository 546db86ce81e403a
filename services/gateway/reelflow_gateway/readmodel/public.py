"""View documents -> the JSON bodies of the API (pure functions, no I/O).

States that depend on events of more than one kind are derived here, at read time, rather than
stored by one projection and overwritten by another: so they read the same whatever order the
events were projected in.
"""

from __future__ import annotations

SCRIPT_FIELDS = ("title", "content", "status", "origin", "aspect", "premise",
                 "created_at", "updated_at", "approved_at", "version")
SCENE_FIELDS = ("script_id", "order", "heading", "text", "status", "created_at", "updated_at", "approved_at",
                "version")
SHOT_FIELDS = ("scene_id", "script_id", "scene_order", "order", "shot_count", "description", "image_prompt",
               "duration_s", "narration", "planned_at")
_STYLE_FIELDS = ("aspect", "style_suffix", "setting", "time_of_day", "characters")


def segmentation_of(doc: dict) -> dict:
    """`none` (a draft), `pending` (approved, scenes not known yet), `done` or `failed` (with the error)."""
    recorded = doc.get("segmentation")
    if recorded:
        return {"state": recorded["state"], "method": recorded.get("method"),
                "fell_back": bool(recorded.get("fell_back")), "note": recorded.get("note") or "",
                "code": recorded.get("code"), "error": recorded.get("error")}
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
