"""Each request body's JSON schema (what /openapi.json states) accepts exactly what its model
accepts: the rules the validators enforce (one of content or premise, at least one field, not
blank) are in the schema, and the model takes JSON types as the schema has them."""

from __future__ import annotations

import jsonschema_rs
import pytest
from pydantic import BaseModel, ValidationError

from reelflow_gateway.api.operations import OperationIn
from reelflow_gateway.schemas import RegisterIn, SceneUpdateIn, ScriptCreateIn, ScriptUpdateIn, VideoCreateIn

SCRIPT = "INT. ROOM - DAY\n\nHello."


def model_accepts(model: type[BaseModel], body: object) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def schema_accepts(model: type[BaseModel], body: object) -> bool:
    return jsonschema_rs.validator_for(model.model_json_schema(ref_template="#/$defs/{model}")).is_valid(body)


CASES = [
    (ScriptCreateIn, {"content": SCRIPT}, True),
    (ScriptCreateIn, {"premise": "a lighthouse", "target_scenes": 3}, True),
    (ScriptCreateIn, {"premise": "a lighthouse", "target_scenes": 3.0}, True),
    (ScriptCreateIn, {"content": SCRIPT, "premise": None}, True),
    (ScriptCreateIn, {}, False),
    (ScriptCreateIn, {"content": SCRIPT, "premise": "a lighthouse"}, False),
    (ScriptCreateIn, {"content": None, "premise": None}, False),
    (ScriptCreateIn, {"content": SCRIPT, "target_scenes": 3}, False),
    (ScriptCreateIn, {"content": " \n\t"}, False),
    (ScriptCreateIn, {"premise": "   "}, False),
    (ScriptCreateIn, {"premise": "a lighthouse", "target_scenes": "3"}, False),
    (ScriptCreateIn, {"premise": "a lighthouse", "target_scenes": True}, False),
    (ScriptCreateIn, {"premise": "a lighthouse", "target_scenes": 3.5}, False),
    (ScriptUpdateIn, {"title": "New"}, True),
    (ScriptUpdateIn, {"aspect": "1:1", "content": None}, True),
    (ScriptUpdateIn, {}, False),
    (ScriptUpdateIn, {"title": None}, False),
    (ScriptUpdateIn, {"title": None, "content": None, "aspect": None}, False),
    (ScriptUpdateIn, {"title": "New", "content": "  "}, False),
    (SceneUpdateIn, {"text": SCRIPT}, True),
    (SceneUpdateIn, {"text": "\n"}, False),
    (OperationIn, {"premise": "a lighthouse", "options": {"fps": 24.0}}, True),
    (OperationIn, {"content": SCRIPT, "auto_approve": False, "webhook_url": ""}, True),
    (OperationIn, {"content": SCRIPT, "webhook_url": "https://hooks.example.com/reelflow?x=1"}, True),
    (OperationIn, {"premise": "a lighthouse", "content": SCRIPT}, False),
    (OperationIn, {"content": SCRIPT, "auto_approve": 0}, False),
    (OperationIn, {"content": SCRIPT, "options": {"motion": "yes"}}, False),
    (OperationIn, {"content": SCRIPT, "options": {"fps": "24"}}, False),
    (VideoCreateIn, {}, True),
    (VideoCreateIn, {"fps": 24, "transition_s": 1}, True),
    (VideoCreateIn, {"subtitles": 1}, False),
    (VideoCreateIn, {"transition_s": "0.5"}, False),
    (RegisterIn, {"email": "ada@example.com", "password": "correct horse"}, True),
    (RegisterIn, {"email": "ada@example.test", "password": "correct horse"}, False),
    (RegisterIn, {"email": "ada@mail.LOCALHOST", "password": "correct horse"}, False),
]


@pytest.mark.parametrize(("model", "body", "valid"), CASES)
def test_schema_and_model_agree(model: type[BaseModel], body: dict, valid: bool) -> None:
    assert model_accepts(model, body) is valid
    assert schema_accepts(model, body) is valid


@pytest.mark.parametrize(
    "model", [ScriptCreateIn, ScriptUpdateIn, SceneUpdateIn, OperationIn, VideoCreateIn, RegisterIn]
)
def test_every_example_of_a_body_is_valid(model: type[BaseModel]) -> None:
    examples = model.model_json_schema()["examples"]
    assert examples
    for example in examples:
        assert model_accepts(model, example) and schema_accepts(model, example), example


def test_a_refused_integer_names_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        ScriptCreateIn.model_validate({"premise": "a lighthouse", "target_scenes": "3"})
    assert refused.value.errors()[0]["loc"] == ("target_scenes",)
