import json
import logging

from reelflow_kit.logging import JsonFormatter, message_context


def format_line(**extra) -> dict:
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "msg": "hello %s", "args": ("x",), **extra})
    return json.loads(JsonFormatter("script").format(record))


def test_log_lines_are_json_with_service_and_message():
    line = format_line()
    assert line["service"] == "script" and line["message"] == "hello x" and line["level"] == "INFO"
    assert "correlation_id" not in line


def test_log_lines_carry_the_ids_of_the_message_being_handled():
    with message_context("corr-1", "cause-1"):
        line = format_line(ce_type="reelflow.script.approved.v1")
    assert line["correlation_id"] == "corr-1" and line["causation_id"] == "cause-1"
    assert line["ce_type"] == "reelflow.script.approved.v1"
    assert "correlation_id" not in format_line()
