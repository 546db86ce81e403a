"""HTTP request and response bodies (the OpenAPI document is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from reelflow_contracts.messages.common import Aspect, Origin, Premise, ScriptText, Title

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 hashes any length; the cap only bounds the work per request


class _In(BaseModel):
    """Request bodies reject unknown fields, so a misspelt field is reported, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# -- auth ----------------------------------------------------------------------------------------


class RegisterIn(_In):
    email: EmailStr
    password: str = Field(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS,
                          description=f"at least {MIN_PASSWORD_CHARS} characters")


class UserOut(BaseModel):
    id: str
    email: str
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


# -- scripts -------------------------------------------------------------------------------------


class ScriptCreateIn(_In):
    """Exactly one of `content` (your script) or `premise` (the AI writes the script)."""

    title: Title | None = Field(default=None, description="optional; with a premise, empty lets the AI propose one")
    content: ScriptText | None = Field(default=None, description="the script text, at most 200 000 bytes of UTF-8")
    premise: Premise | None = Field(default=None, description="instead of content: what the AI should write about")
    aspect: Aspect = Field(default="16:9", description="frame shape the script's images are drawn for")
    target_scenes: int | None = Field(default=None, ge=1, le=100, description="with a premise: a hint for the AI")

    @model_validator(mode="after")
    def _content_xor_premise(self) -> "ScriptCreateIn":
        if (self.content is None) == (self.premise is None):
            raise ValueError("give exactly one of `content` (your script) or `premise` (AI writes it)")
        if self.content is not None and not self.content.strip():
            raise ValueError("content must not be blank")
        if self.premise is not None and not self.premise.strip():
            raise ValueError("premise must not be blank")
        if self.target_scenes is not None and self.premise is None:
            raise ValueError("target_scenes only applies with a premise")
        return self


class ScriptUpdateIn(_In):
    """At least one field; only a draft can be edited."""

    title: Title | None = None
    content: ScriptText | None = None
    aspect: Aspect | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "ScriptUpdateIn":
        if self.title is None and self.content is None and self.aspect is None:
            raise ValueError("nothing to update: give title, content or aspect")
        if self.content is not None and not self.content.strip():
            raise ValueError("content must not be blank")
        return self


class ScriptOut(BaseModel):
    id: str
    title: str
    content: str
    status: Literal["draft", "approved"]
    origin: Origin
    aspect: Aspect
    premise: str | None = Field(default=None, description="the premise, when origin is ai")
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None
    version: int = Field(description="number of changes applied; grows with every edit and the approval")


class ScriptPage(BaseModel):
    items: list[ScriptOut] = Field(description="newest first")
    total: int = Field(description="how many scripts the caller has in all")
    limit: int
    offset: int


class PendingOut(BaseModel):
    id: str = Field(description="the script id; GET its Location until it answers 200")
    status: Literal["pending"] = "pending"
    detail: str
    command_id: str = Field(description="ce_id of the command on the bus")


# -- errors --------------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong, naming the field or resource")
    code: str = Field(description="machine-readable snake_case cause, e.g. not_found, not_draft, validation_error")
    errors: list[FieldError] | None = Field(default=None, description="every invalid field (400/422 only)")
