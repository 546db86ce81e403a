"""OpenAPI links: from an answer that names a resource to the operations that use it.

A client (or a stateful fuzzer) follows them: the 201 of `POST /api/scripts` leads to `getScript`,
`approveScript`, `listScenes`, ... with `script_id` taken from the answer's `id`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Uses:
    """The operations that take `parameter` from `value` (a runtime expression)."""

    parameter: str
    value: str
    operation_ids: tuple[str, ...]


THE_ID = "$response.body#/id"
FIRST_ITEM_ID = "$response.body#/items/0/id"

SCRIPT_OPERATIONS = ("getScript", "updateScript", "approveScript", "getScriptUsage", "listScenes", "createVideo")
"""(Not `latestVideo`: a script's video is another resource, which a new script does not have yet.)"""
SCENE_OPERATIONS = ("getScene", "updateScene", "approveScene", "listShots", "listImages")
IMAGE_OPERATIONS = ("getImage", "approveImage", "rejectImage", "imageContent", "imageContentTicket")
VIDEO_OPERATIONS = ("getVideo", "videoContent", "videoContentTicket")
OPERATION_OPERATIONS = ("getOperation", "operationEvents", "cancelOperation")

PENDING_COMMAND = Uses("command_id", "$response.body#/command_id", ("getCommand",))
"""A 202 of a write names its command: `GET /api/commands/{command_id}` tells what became of it."""

LINKS: dict[tuple[str, str, str], tuple[Uses, ...]] = {
    ("post", "/api/scripts", "201"): (Uses("script_id", THE_ID, SCRIPT_OPERATIONS),),
    ("post", "/api/scripts", "202"): (Uses("script_id", THE_ID, SCRIPT_OPERATIONS), PENDING_COMMAND),
    ("get", "/api/scripts", "200"): (Uses("script_id", FIRST_ITEM_ID, SCRIPT_OPERATIONS),),
    ("get", "/api/scripts/{script_id}", "200"): (Uses("script_id", THE_ID, SCRIPT_OPERATIONS),),
    ("put", "/api/scripts/{script_id}", "200"): (Uses("script_id", THE_ID, SCRIPT_OPERATIONS),),
    ("put", "/api/scripts/{script_id}", "202"): (PENDING_COMMAND,),
    ("post", "/api/scripts/{script_id}/approve", "200"): (Uses("script_id", THE_ID, SCRIPT_OPERATIONS),),
    ("post", "/api/scripts/{script_id}/approve", "202"): (PENDING_COMMAND,),
    ("get", "/api/scripts/{script_id}/scenes", "200"): (Uses("scene_id", FIRST_ITEM_ID, SCENE_OPERATIONS),),
    ("get", "/api/scenes/{scene_id}", "200"): (Uses("scene_id", THE_ID, SCENE_OPERATIONS),),
    ("put", "/api/scenes/{scene_id}", "200"): (Uses("scene_id", THE_ID, SCENE_OPERATIONS),),
    ("put", "/api/scenes/{scene_id}", "202"): (PENDING_COMMAND,),
    ("post", "/api/scenes/{scene_id}/approve", "200"): (Uses("scene_id", THE_ID, SCENE_OPERATIONS),),
    ("post", "/api/scenes/{scene_id}/approve", "202"): (PENDING_COMMAND,),
    ("get", "/api/scenes/{scene_id}/images", "200"): (Uses("image_id", FIRST_ITEM_ID, IMAGE_OPERATIONS),),
    ("get", "/api/images/{image_id}", "200"): (Uses("image_id", THE_ID, IMAGE_OPERATIONS),),
    ("post", "/api/images/{image_id}/approve", "200"): (Uses("image_id", THE_ID, IMAGE_OPERATIONS),),
    ("post", "/api/images/{image_id}/approve", "202"): (PENDING_COMMAND,),
    ("post", "/api/images/{image_id}/reject", "200"): (Uses("image_id", THE_ID, IMAGE_OPERATIONS),),
    ("post", "/api/images/{image_id}/reject", "202"): (PENDING_COMMAND,),
    ("post", "/api/scripts/{script_id}/create-video", "202"): (Uses("video_id", THE_ID, VIDEO_OPERATIONS),),
    ("get", "/api/scripts/{script_id}/video", "200"): (Uses("video_id", THE_ID, VIDEO_OPERATIONS),),
    ("get", "/api/videos/{video_id}", "200"): (Uses("video_id", THE_ID, VIDEO_OPERATIONS),),
    ("post", "/api/operations", "202"): (Uses("operation_id", THE_ID, OPERATION_OPERATIONS),),
    ("get", "/api/operations/{operation_id}", "200"): (
        Uses("operation_id", THE_ID, OPERATION_OPERATIONS),
        Uses("script_id", "$response.body#/script_id", ("getScript", "listScenes")),
    ),
}


def link_name(operation_id: str) -> str:
    return operation_id[0].upper() + operation_id[1:]


def add_links(schema: dict) -> None:
    """Adds every link of LINKS to its response; a link to an unknown operation or parameter is a bug."""
    parameters_of = {
        operation["operationId"]: {p["name"] for p in operation.get("parameters", [])}
        for operations in schema["paths"].values()
        for operation in operations.values()
    }
    for (method, path, status), uses in LINKS.items():
        response = schema["paths"][path][method]["responses"][status]
        links = response.setdefault("links", {})
        for use in uses:
            for target in use.operation_ids:
                if use.parameter not in parameters_of[target]:
                    raise ValueError(f"link to {target}: it has no parameter {use.parameter}")
                name = link_name(target) if use is not PENDING_COMMAND else "GetCommand"
                links[name] = {"operationId": target, "parameters": {use.parameter: use.value}}
