"""The script aggregate and its rules: pure code, no I/O.

A script is a `draft` until approved, then `approved` for good. Only a draft can be edited;
approving twice or editing an approved script raises a RuleBroken with a machine code
(`already_approved`, `not_draft`) and a human reason, which the handler turns into a
ScriptCommandRejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import Aspect, Origin
from reelflow_kit.domain import RuleBroken


class Status(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


class NotDraft(RuleBroken):
    code = "not_draft"


class AlreadyApproved(RuleBroken):
    code = "already_approved"


@dataclass(frozen=True)
class Script:
    id: str
    owner_id: str
    title: str
    content: str
    aspect: Aspect
    origin: Origin
    created_at: datetime
    updated_at: datetime
    status: Status = Status.DRAFT
    premise: str | None = None
    usage: Usage = field(default_factory=Usage)
    approved_at: datetime | None = None

    @classmethod
    def written_by_user(cls, id: str, owner_id: str, title: str, content: str, aspect: Aspect, at: datetime) -> Script:
        return cls(
            id=id,
            owner_id=owner_id,
            title=title,
            content=content,
            aspect=aspect,
            origin="user",
            created_at=at,
            updated_at=at,
        )

    @classmethod
    def written_by_ai(
        cls, id: str, owner_id: str, title: str, content: str, aspect: Aspect, premise: str, usage: Usage, at: datetime
    ) -> Script:
        return cls(
            id=id,
            owner_id=owner_id,
            title=title,
            content=content,
            aspect=aspect,
            origin="ai",
            premise=premise,
            usage=usage,
            created_at=at,
            updated_at=at,
        )

    def edited(self, *, title: str | None, content: str | None, aspect: Aspect | None, at: datetime) -> Script:
        """This draft with the given fields changed (None: unchanged)."""
        if self.status is not Status.DRAFT:
            raise NotDraft(f"script {self.id} is {self.status.value}; only a draft can be edited")
        return replace(
            self,
            title=self.title if title is None else title,
            content=self.content if content is None else content,
            aspect=self.aspect if aspect is None else aspect,
            updated_at=at,
        )

    def approved(self, at: datetime) -> Script:
        if self.status is Status.APPROVED:
            raise AlreadyApproved(f"script {self.id} was already approved")
        return replace(self, status=Status.APPROVED, approved_at=at, updated_at=at)
