"""Every collection of the gateway's database, named once.

The `views.*` collections are the read model's: built from events only, so
`readmodel/rebuild.py` may drop them all and replay. The others are the gateway's own data and
survive a rebuild. The kit names its own collections (inbox, outbox, jobs).
"""

from __future__ import annotations

VIEW_PREFIX = "views."

# -- the read model (readmodel/)
SCRIPTS = "views.scripts"
SCRIPT_FAILURES = "views.script_failures"
SCRIPT_USAGE = "views.script_usage"
SCENES = "views.scenes"
SHOTS = "views.shots"
IMAGES = "views.images"
VIDEOS = "views.videos"
OUTCOMES = "views.command_outcomes"

# -- the gateway's own data
OPERATIONS = "operations"
"""The process manager's state, one document per operation (operations/repository.py)."""
COMMANDS = "commands"
"""What the gateway asked, per owner (commands.py): tells a pending resource from an unknown one."""
USERS = "users"
SECRETS = "secrets"
"""The JWT signing key (auth/secret.py)."""
IDEMPOTENCY_KEYS = "idempotency_keys"
RATE_COUNTERS = "rate_counters"
WEBHOOK_SECRETS = "webhook_secrets"

VIEWS = (SCRIPTS, SCRIPT_FAILURES, SCRIPT_USAGE, SCENES, SHOTS, IMAGES, VIDEOS, OUTCOMES)
OWN_DATA = (OPERATIONS, COMMANDS, USERS, SECRETS, IDEMPOTENCY_KEYS, RATE_COUNTERS, WEBHOOK_SECRETS)
