"""What every service's domain shares: the refusal of a command its state does not allow."""

from __future__ import annotations


class RuleBroken(Exception):
    """A command the aggregate's state does not allow: a machine `code` (each rule a subclass)
    and a human `reason`; the handler answers the command with both (`uow.refuse`)."""

    code = "rule_broken"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
