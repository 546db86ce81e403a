"""Topic names. One commands/events pair per service, plus operation events and per-group DLQs."""

SCRIPT_COMMANDS = "script.commands"
SCRIPT_EVENTS = "script.events"
SCENE_COMMANDS = "scene.commands"
SCENE_EVENTS = "scene.events"
IMAGE_COMMANDS = "image.commands"
IMAGE_EVENTS = "image.events"
VIDEO_COMMANDS = "video.commands"
VIDEO_EVENTS = "video.events"
OPERATION_EVENTS = "operation.events"

COMMAND_TOPICS = (SCRIPT_COMMANDS, SCENE_COMMANDS, IMAGE_COMMANDS, VIDEO_COMMANDS)
EVENT_TOPICS = (SCRIPT_EVENTS, SCENE_EVENTS, IMAGE_EVENTS, VIDEO_EVENTS, OPERATION_EVENTS)
ALL_TOPICS = COMMAND_TOPICS + EVENT_TOPICS


def dead_letter_topic(group_id: str) -> str:
    return f"{group_id}.dlq"
