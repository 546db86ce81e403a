"""The JSON Schema of a pydantic model in the form OpenAI structured outputs accept (strict mode):
every object closed and every property required; length limits are left to local validation."""

from __future__ import annotations

from typing import Any

from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

_UNSUPPORTED = ("default", "minLength", "maxLength")


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return _tighten_object(model.model_json_schema())


def _tighten(node: object) -> object:
    if isinstance(node, list):
        return [_tighten(item) for item in node]
    if not isinstance(node, dict):
        return node
    return _tighten_object(node)


def _tighten_object(node: dict[str, Any]) -> dict[str, Any]:
    out = {key: _tighten(value) for key, value in node.items() if key not in _UNSUPPORTED}
    for mapping in ("properties", "$defs"):  # names of fields and definitions, not keywords
        if isinstance(node.get(mapping), dict):
            out[mapping] = {name: _tighten(sub) for name, sub in node[mapping].items()}
    if out.get("type") == "object" and isinstance(properties := out.get("properties"), dict):
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def response_format(model: type[BaseModel], name: str) -> ResponseFormatJSONSchema:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": strict_json_schema(model), "strict": True}}
