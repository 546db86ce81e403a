"""The statuses every route shares, documented on every operation they apply to.

- 400 `malformed_json` on every operation with a JSON body (errors.py), 413 on every operation
  that takes a body (middleware.BodySizeLimit answers it before any route runs);
- 422 with the error model actually sent (FastAPI documents its own model);
- 429 on every write counted against the per-user write rate (api/guards.py);
- the error model on every 4xx/5xx that declares no body of its own.
"""

from __future__ import annotations

from typing import Any

from reelflow_gateway.errors import RETRY_AFTER_HEADER
from reelflow_gateway.limits.limiter import is_limited_write

ERROR_MODEL = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
BODY_METHODS = frozenset({"post", "put", "patch"})

MALFORMED_JSON = "The body is not valid JSON (`malformed_json`; `detail` says where)"
TOO_LARGE = "The request body is larger than `body_bytes` (`GET /api/limits`): refused before it is read"
INVALID = "A field is missing or invalid; `errors` lists each one"
WRITE_RATE = (
    "Too many writes by this user (`writes_per_user` in `GET /api/limits`), or another limit of this "
    "route (`detail` says which): retry after `Retry-After` seconds"
)


def document_statuses(schema: dict) -> None:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                _add(responses, "400", MALFORMED_JSON)
            if content or method in BODY_METHODS:
                _add(responses, "413", TOO_LARGE)
            if "422" in responses and nothing_to_validate(operation):
                del responses["422"]  # FastAPI documents it for any parameter, even a free path segment
            if "422" in responses:  # FastAPI's own entry names its model, not the one sent
                responses["422"].update(description=INVALID, content=ERROR_MODEL)
            if is_limited_write(method, path):
                _add(responses, "429", WRITE_RATE, headers=RETRY_AFTER_HEADER)
            for status, response in responses.items():
                if status[0] in "45" and "content" not in response:
                    response["content"] = ERROR_MODEL


def nothing_to_validate(operation: dict) -> bool:
    """No body, and no parameter but path segments taken as any string: nothing can be invalid."""
    return "requestBody" not in operation and all(
        parameter["in"] == "path"
        and parameter["schema"].get("type") == "string"
        and set(parameter["schema"]) <= {"type", "title"}
        for parameter in operation.get("parameters", [])
    )


def _add(responses: dict, status: str, description: str, headers: dict[str, Any] | None = None) -> None:
    """Documents `status` unless the route already does (its own description is more precise)."""
    if status not in responses:
        responses[status] = {
            "description": description,
            "content": ERROR_MODEL,
            **({"headers": headers} if headers else {}),
        }
