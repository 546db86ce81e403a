"""The gateway's read model: `views.*` collections built only from events.

Consumer group `gateway-read-model` (settings.read_model_group) reads every `*.events` topic.
Each handler writes its view change, the command outcome the event answers, and (through the
kit) the event id, in one MongoDB transaction; so a redelivery changes nothing, and dropping
the views and replaying the topics from offset 0 rebuilds them exactly (see rebuild.py).
"""
