"""Reelflow contracts: topic names, the CloudEvents envelope and every command and event model.

Importing the package registers the whole catalog (`CATALOG`: ce_type -> model class).
"""

from reelflow_contracts import topics
from reelflow_contracts.envelope import (
    CONTENT_TYPE,
    SPECVERSION,
    Envelope,
    KafkaRecord,
    MessageDecodeError,
    UnknownMessageType,
    decode,
    decode_record,
    encode,
    new_envelope,
    to_json_dict,
)
from reelflow_contracts.messages import *  # noqa: F403
from reelflow_contracts.messages import __all__ as _messages_all
from reelflow_contracts.topics import (
    ALL_TOPICS,
    COMMAND_TOPICS,
    EVENT_TOPICS,
    IMAGE_COMMANDS,
    IMAGE_EVENTS,
    OPERATION_EVENTS,
    SCENE_COMMANDS,
    SCENE_EVENTS,
    SCRIPT_COMMANDS,
    SCRIPT_EVENTS,
    VIDEO_COMMANDS,
    VIDEO_EVENTS,
    dead_letter_topic,
)

__all__ = [
    "topics",
    "CONTENT_TYPE",
    "SPECVERSION",
    "Envelope",
    "KafkaRecord",
    "MessageDecodeError",
    "UnknownMessageType",
    "decode",
    "decode_record",
    "encode",
    "new_envelope",
    "to_json_dict",
    "ALL_TOPICS",
    "COMMAND_TOPICS",
    "EVENT_TOPICS",
    "IMAGE_COMMANDS",
    "IMAGE_EVENTS",
    "OPERATION_EVENTS",
    "SCENE_COMMANDS",
    "SCENE_EVENTS",
    "SCRIPT_COMMANDS",
    "SCRIPT_EVENTS",
    "VIDEO_COMMANDS",
    "VIDEO_EVENTS",
    "dead_letter_topic",
    *_messages_all,
]
