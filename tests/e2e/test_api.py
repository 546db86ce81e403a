"""Health, OpenAPI, CORS."""

from __future__ import annotations

import httpx

from tests.e2e.helpers import CORS_ORIGIN, User


def test_healthz(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["checks"]["kafka"]["ok"] and report["checks"]["mongodb"]["ok"]
    assert report["read_model"]["group"] == "gateway-read-model"


def test_openapi_describes_every_path_body_and_error(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        ("/api/auth/register", "post"): {"201", "409", "422"},
        ("/api/auth/token", "post"): {"200", "401", "422"},
        ("/api/scripts", "post"): {"201", "202", "401", "409", "413", "422", "502"},
        ("/api/scripts", "get"): {"200", "401", "422"},
        ("/api/scripts/{script_id}", "get"): {"200", "401", "404"},
        ("/api/scripts/{script_id}", "put"): {"200", "202", "401", "404", "409", "422"},
        ("/api/scripts/{script_id}/approve", "post"): {"200", "202", "401", "404", "409"},
        ("/api/scripts/{script_id}/usage", "get"): {"200", "401", "404"},
        ("/api/scripts/{script_id}/scenes", "get"): {"200", "304", "401", "404", "422"},
        ("/api/scenes/{scene_id}", "get"): {"200", "401", "404"},
        ("/api/scenes/{scene_id}", "put"): {"200", "202", "401", "404", "409", "413", "422"},
        ("/api/scenes/{scene_id}/approve", "post"): {"200", "202", "401", "404", "409"},
        ("/api/scenes/{scene_id}/shots", "get"): {"200", "304", "401", "404", "422"},
        ("/api/scenes/{scene_id}/images", "get"): {"200", "304", "401", "404", "422"},
        ("/api/images/{image_id}", "get"): {"200", "401", "404"},
        ("/api/images/{image_id}/content", "get"): {"200", "304", "401", "404"},
        ("/api/images/{image_id}/approve", "post"): {"200", "202", "401", "404", "409"},
        ("/api/images/{image_id}/reject", "post"): {"200", "202", "401", "404", "409", "422"},
        ("/api/scripts/{script_id}/create-video", "post"): {"202", "401", "404", "409", "422"},
        ("/api/scripts/{script_id}/video", "get"): {"200", "401", "404"},
        ("/api/videos/{video_id}", "get"): {"200", "401", "404"},
        ("/api/videos/{video_id}/content", "get"): {"200", "206", "304", "401", "404", "416"},
        ("/api/webhooks/secret", "post"): {"200", "401"},
        ("/healthz", "get"): {"200", "503"},
    }
    special_errors = {("/api/scripts/{script_id}/create-video", "post", "409"): "VideoRefusedOut"}
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert statuses <= set(operation["responses"]), (path, method, sorted(operation["responses"]))
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) and path != "/healthz":
                schema = response["content"]["application/json"]["schema"]
                model = special_errors.get((path, method, status), "ErrorOut")
                assert schema == {"$ref": f"#/components/schemas/{model}"}, (path, method, status)
    for path, media_type in (
        ("/api/images/{image_id}/content", "image/png"),
        ("/api/videos/{video_id}/content", "video/mp4"),
    ):
        for status in ("200", "206") if "video" in path else ("200",):
            content = paths[path]["get"]["responses"][status]["content"]
            assert list(content) == [media_type], (path, status)
            assert content[media_type]["schema"] == {"type": "string", "format": "binary"}
    assert "location" in {
        h.lower() for h in paths["/api/scripts/{script_id}/create-video"]["post"]["responses"]["202"]["headers"]
    }
    assert "requestBody" in paths["/api/images/{image_id}/reject"]["post"]
    assert "requestBody" in paths["/api/scripts/{script_id}/create-video"]["post"]
    assert "requestBody" in paths["/api/scripts"]["post"]
    assert "requestBody" in paths["/api/scripts/{script_id}"]["put"]
    assert "requestBody" in paths["/api/scenes/{scene_id}"]["put"]
    for path, method in (
        ("/api/scripts", "post"),
        ("/api/scenes/{scene_id}", "put"),
        ("/api/scenes/{scene_id}/approve", "post"),
    ):
        assert "location" in {h.lower() for h in paths[path][method]["responses"]["202"]["headers"]}
    assert "application/x-www-form-urlencoded" in paths["/api/auth/token"]["post"]["requestBody"]["content"]
    schemas = spec["components"]["schemas"]
    assert {
        "ScriptOut",
        "ScriptPage",
        "ScriptCreateIn",
        "ScriptUpdateIn",
        "ErrorOut",
        "PendingOut",
        "SceneOut",
        "ScenePage",
        "SceneUpdateIn",
        "ShotOut",
        "ShotPage",
    } <= set(schemas)
    assert {"id", "title", "content", "status", "origin", "created_at", "updated_at", "segmentation"} <= set(
        schemas["ScriptOut"]["required"]
    )
    assert {"scene_count", "approved_scene_count"} <= set(schemas["ScriptOut"]["properties"])
    assert {"id", "script_id", "order", "text", "status", "shot_planning"} <= set(schemas["SceneOut"]["required"])
    assert {"id", "scene_id", "order", "description", "image_prompt", "duration_s"} <= set(
        schemas["ShotOut"]["required"]
    )
    assert {
        "ImageOut",
        "ImagePage",
        "ImageRejectIn",
        "VideoCreateIn",
        "VideoOut",
        "VideoAcceptedOut",
        "VideoRefusedOut",
    } <= set(schemas)
    assert {"id", "shot_id", "scene_id", "status", "attempt", "selected"} <= set(schemas["ImageOut"]["required"])
    assert {"width", "height", "prompt", "content_url", "feedback", "error"} <= set(schemas["ImageOut"]["properties"])
    assert {"id", "script_id", "status", "options", "requested_at"} <= set(schemas["VideoOut"]["required"])
    assert {
        "duration_s",
        "width",
        "height",
        "error",
        "content_url",
        "size_bytes",
        "has_audio",
        "render_s",
        "reused_segments",
    } <= set(schemas["VideoOut"]["properties"])
    assert set(schemas["VideoCreateIn"]["properties"]) == {
        "aspect",
        "resolution",
        "transition",
        "transition_s",
        "motion",
        "narration",
        "subtitles",
        "fps",
    }
    assert {"missing_shots", "unplanned_scene_ids", "detail", "code"} <= set(schemas["VideoRefusedOut"]["properties"])
    for name in ("ScriptPage", "ScenePage", "ShotPage", "ImagePage"):
        assert set(schemas[name]["properties"]) == {"items", "total", "limit", "offset"}
    assert (
        spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"]
        == "/api/auth/token"
    )

    docs = http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


WRITE_METHODS = {"post", "put", "patch", "delete"}


def test_openapi_lists_the_statuses_every_route_shares(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                assert "400" in statuses, (method, path)  # malformed JSON
            if body or method in WRITE_METHODS:
                assert "413" in statuses, (method, path)
            if method in WRITE_METHODS and not path.startswith("/api/auth/"):
                assert "429" in statuses and "retry-after" in {
                    h.lower() for h in operation["responses"]["429"]["headers"]
                }, (method, path)
            if path.startswith("/api/") and path not in ("/api/limits", "/api/auth/register", "/api/auth/token"):
                assert {"401", "503"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
    # 422 only where something can be invalid: not on a GET whose only parameter is a free path segment
    assert "422" not in paths["/api/scripts/{script_id}"]["get"]["responses"]
    assert "422" in paths["/api/scripts"]["get"]["responses"]
    events = paths["/api/operations/{operation_id}/events"]["get"]["responses"]["200"]["content"]
    assert list(events) == ["text/event-stream"]


def test_openapi_request_bodies_state_their_rules(http: httpx.Client) -> None:
    schemas = http.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ScriptCreateIn", "OperationIn"):
        one_of = schemas[name]["oneOf"]
        assert sorted(tuple(choice["required"]) for choice in one_of) == [("content",), ("premise",)], name
    update = schemas["ScriptUpdateIn"]
    assert update["minProperties"] == 1
    assert sorted(tuple(choice["required"]) for choice in update["anyOf"]) == [("aspect",), ("content",), ("title",)]
    assert schemas["SceneUpdateIn"]["properties"]["text"]["pattern"] == r"\S"
    for name in ("ScriptCreateIn", "ScriptUpdateIn", "SceneUpdateIn", "OperationIn", "VideoCreateIn", "RegisterIn"):
        assert schemas[name]["examples"], name


def test_openapi_links_lead_from_created_resources_to_their_operations(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    operation_ids = [operation["operationId"] for operations in paths.values() for operation in operations.values()]
    assert len(operation_ids) == len(set(operation_ids))
    parameters = {
        operation["operationId"]: {p["name"] for p in operation.get("parameters", [])}
        for operations in paths.values()
        for operation in operations.values()
    }

    def links(method: str, path: str, status: str) -> dict[str, tuple[str, dict]]:
        found = paths[path][method]["responses"][status]["links"]
        return {link["operationId"]: link["parameters"] for link in found.values()}

    created = links("post", "/api/scripts", "201")
    assert {"getScript", "approveScript", "listScenes", "updateScript"} <= set(created)
    assert created["getScript"] == {"script_id": "$response.body#/id"}
    assert links("post", "/api/scripts", "202")["getCommand"] == {"command_id": "$response.body#/command_id"}
    started = links("post", "/api/operations", "202")
    assert set(started) == {"getOperation", "cancelOperation", "operationEvents"}
    assert started["getOperation"] == {"operation_id": "$response.body#/id"}
    assert links("post", "/api/scripts/{script_id}/create-video", "202")["getVideo"] == {
        "video_id": "$response.body#/id"
    }
    for operations in paths.values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    assert set(link["parameters"]) <= parameters[link["operationId"]], link


def test_method_not_allowed_names_every_method_of_the_path(http: httpx.Client) -> None:
    response = http.request("OPTIONS", "/api/scripts")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["code"] == "method_not_allowed"
    assert http.delete("/api/scripts/some-id").headers["allow"] == "GET, PUT"


def test_cors_allows_the_configured_origin_only(http: httpx.Client) -> None:
    preflight = http.options(
        "/api/scripts",
        headers={
            "Origin": CORS_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()

    response = http.get("/api/scripts", headers={"Origin": CORS_ORIGIN})
    assert response.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "location" in response.headers["access-control-expose-headers"].lower()

    other = http.options(
        "/api/scripts", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in other.headers
    assert other.status_code == 400 and other.json()["code"] == "cors_refused"


def test_bodies_take_json_types_as_documented(alice: User) -> None:
    """Found by schemathesis: `"3"` for an integer and `0` for a boolean used to be accepted."""
    response = alice.post("/api/scripts", json={"premise": "a lighthouse", "target_scenes": "3"})
    assert response.status_code == 422 and "target_scenes" in response.json()["detail"], response.text
    response = alice.post("/api/operations", json={"content": "INT. ROOM - DAY\n\nHi.", "auto_approve": 0})
    assert response.status_code == 422 and "auto_approve" in response.json()["detail"], response.text
    response = alice.post("/api/operations", json={"content": "INT. ROOM - DAY\n\nHi.", "options": {"fps": "24"}})
    assert response.status_code == 422 and "options.fps" in response.json()["detail"], response.text
