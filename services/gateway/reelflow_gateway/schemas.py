"""HTTP request and response bodies (the OpenAPI document is generated from these)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

import email_validator
from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, Strict, model_validator

from reelflow_contracts.messages.common import (
    MAX_FEEDBACK_CHARS,
    Aspect,
    Feedback,
    Origin,
    Premise,
    Resolution,
    ScriptText,
    Title,
    Transition,
    VideoOptions,
)

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 hashes any length; the cap only bounds the work per request


class _In(BaseModel):
    """Request bodies reject unknown fields, so a misspelt field is reported, not silently ignored,
    and take JSON types as they are (strict: `0` is not `false`, `"5"` is not `5`), as the schema says."""

    model_config = ConfigDict(extra="forbid", strict=True)


def json_integer(value: object) -> object:
    """JSON Schema's `integer`: a number without a fraction (`3` or `3.0`), never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be an integer")
    return value


SceneCount = Annotated[int, Field(ge=1, le=100), Strict(False), BeforeValidator(json_integer)]
Fps = Annotated[int, Field(ge=12, le=60), Strict(False), BeforeValidator(json_integer)]
"""(The constraints come before the validator, or they leave the JSON schema.)"""


class VideoOptionsIn(VideoOptions):
    """VideoOptions as a request body states them: strict JSON types, like every body."""

    model_config = ConfigDict(strict=True)

    fps: Fps = 30


NOT_BLANK = r"\S"
"""JSON Schema pattern of a text that must not be blank (has a character other than whitespace)."""


def not_blank(schema: dict, *fields: str) -> None:
    """States in `schema` that each of `fields` (a string or null) is not blank when a string."""
    for name in fields:
        for choice in schema["properties"][name].get("anyOf", [schema["properties"][name]]):
            if choice.get("type") == "string":
                choice["pattern"] = NOT_BLANK


def content_or_premise(schema: dict, *, premise_not_blank: bool) -> None:
    """States the rule "exactly one of `content` or `premise`, and `target_scenes` only with a
    premise" as JSON Schema `oneOf` (a field given as null counts as absent, like in the model)."""
    premise = {"type": "string", **({"pattern": NOT_BLANK} if premise_not_blank else {})}
    schema["oneOf"] = [
        {
            "title": "your script",
            "required": ["content"],
            "properties": {
                "content": {"type": "string"},
                "premise": {"type": "null"},
                "target_scenes": {"type": "null"},
            },
        },
        {
            "title": "the AI writes it",
            "required": ["premise"],
            "properties": {"premise": premise, "content": {"type": "null"}},
        },
    ]


def at_least_one_of(schema: dict, *fields: str) -> None:
    """States "at least one of `fields`, not null" as JSON Schema (`minProperties` and `anyOf`)."""
    schema["minProperties"] = 1
    schema["anyOf"] = [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in fields]


# -- auth ----------------------------------------------------------------------------------------


def special_use_domains_pattern() -> str:
    """A JSON Schema pattern of the addresses EmailStr refuses for their special-use domain
    (`.test`, `.localhost`, ...: email_validator's list), in any case."""
    names = "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)
        for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
    )
    return rf"[.@]({names})$"


def register_rules(schema: dict) -> None:
    schema["properties"]["email"]["not"] = {"pattern": special_use_domains_pattern()}
    schema["examples"] = [{"email": "ada@example.com", "password": "correct horse battery"}]


class RegisterIn(_In):
    """`email` must look deliverable: special-use domains (`.test`, `.localhost`, `.invalid`, ...) are refused."""

    model_config = ConfigDict(json_schema_extra=register_rules)

    email: EmailStr
    password: str = Field(
        min_length=MIN_PASSWORD_CHARS,
        max_length=MAX_PASSWORD_CHARS,
        description=f"at least {MIN_PASSWORD_CHARS} characters",
    )


class UserOut(BaseModel):
    id: str
    email: str
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


# -- scripts -------------------------------------------------------------------------------------


def script_create_rules(schema: dict) -> None:
    not_blank(schema, "content", "premise")
    content_or_premise(schema, premise_not_blank=True)
    schema["examples"] = [
        {"title": "The Lighthouse", "content": "INT. LIGHTHOUSE - NIGHT\n\nThe keeper climbs the stairs."},
        {"premise": "a lighthouse keeper finds a message in a bottle", "aspect": "9:16", "target_scenes": 3},
    ]


def script_update_rules(schema: dict) -> None:
    not_blank(schema, "content")
    at_least_one_of(schema, "title", "content", "aspect")
    schema["examples"] = [{"title": "The Lighthouse, second draft"}, {"aspect": "1:1"}]


class ScriptCreateIn(_In):
    """Exactly one of `content` (your script) or `premise` (the AI writes the script)."""

    model_config = ConfigDict(json_schema_extra=script_create_rules)

    title: Title | None = Field(default=None, description="optional; with a premise, empty lets the AI propose one")
    content: ScriptText | None = Field(default=None, description="the script text, at most 200 000 bytes of UTF-8")
    premise: Premise | None = Field(default=None, description="instead of content: what the AI should write about")
    aspect: Aspect = Field(default="16:9", description="frame shape the script's images are drawn for")
    target_scenes: SceneCount | None = Field(default=None, description="with a premise: a hint for the AI")

    @model_validator(mode="after")
    def _content_xor_premise(self) -> ScriptCreateIn:
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

    model_config = ConfigDict(json_schema_extra=script_update_rules)

    title: Title | None = None
    content: ScriptText | None = None
    aspect: Aspect | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ScriptUpdateIn:
        if self.title is None and self.content is None and self.aspect is None:
            raise ValueError("nothing to update: give title, content or aspect")
        if self.content is not None and not self.content.strip():
            raise ValueError("content must not be blank")
        return self


class SegmentationOut(BaseModel):
    """How cutting the approved script into scenes went."""

    state: Literal["none", "pending", "done", "failed"] = Field(
        description="`none`: a draft; `pending`: approved, scenes being made; `done`: every scene exists; "
        "`failed`: see `code` and `error` (nothing is stuck silently)"
    )
    method: Literal["sluglines", "headings", "paragraphs", "ai"] | None = Field(
        default=None, description="how the text was cut, once done"
    )
    fell_back: bool = Field(
        default=False, description="the AI's scenes did not cover the script; local rules were used"
    )
    note: str = Field(default="", description="why it fell back, if it did")
    code: str | None = Field(default=None, description="when failed: machine-readable cause, e.g. empty_script")
    error: str | None = Field(default=None, description="when failed: what went wrong")


class TitlePageOut(BaseModel):
    title: str = Field(description="the title on one line (empty when the page has none)")
    authors: list[str] = Field(description="from `Author:` / `Authors:`, one entry per person")
    fields: dict[str, str] = Field(description="every key of the title page (lower case) and its value, in order")


class ScriptOut(BaseModel):
    id: str
    title: str
    content: str
    title_page: TitlePageOut | None = Field(
        default=None,
        description="the Fountain title page (`Title:`, `Author:`, `Credit:`, `Draft date:`, ...) at the top of"
        " the content, kept as metadata: it is never narrated or drawn, and titles a script created without one",
    )
    status: Literal["draft", "approved"]
    origin: Origin
    aspect: Aspect
    premise: str | None = Field(default=None, description="the premise, when origin is ai")
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None
    version: int = Field(description="number of changes applied; grows with every edit and the approval")
    scene_count: int = Field(default=0, description="scenes made from the approved script so far")
    approved_scene_count: int = Field(default=0, description="how many of them are approved")
    segmentation: SegmentationOut


class UsageLineOut(BaseModel):
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    images: int
    audio_seconds: float


class CostLineOut(BaseModel):
    provider: str
    model: str
    amount: float


class CostOut(BaseModel):
    currency: str
    total: float = Field(description="what the priced models cost (REELFLOW_PRICES); local work is free")
    by_model: list[CostLineOut]
    unpriced_models: list[str] = Field(description="models used that have no price: not in the total")


class ScriptUsageOut(BaseModel):
    script_id: str
    usage: list[UsageLineOut] = Field(description="AI usage of every event of the script, per provider and model")
    cost: CostOut


class ScriptPage(BaseModel):
    items: list[ScriptOut] = Field(description="newest first")
    total: int = Field(description="how many scripts the caller has in all")
    limit: int
    offset: int


# -- scenes and shots ----------------------------------------------------------------------------


def scene_update_rules(schema: dict) -> None:
    not_blank(schema, "text")
    schema["examples"] = [
        {"text": "EXT. CLIFF - DAWN\n\nThe bottle washes ashore."},
        {"text": "The bottle washes ashore.", "heading": "The cliff at dawn"},
    ]


class SceneUpdateIn(_In):
    """The scene's new text, and its heading if you set it (only a pending scene can be edited)."""

    model_config = ConfigDict(json_schema_extra=scene_update_rules)

    text: ScriptText = Field(description="at most 200 000 bytes of UTF-8")
    heading: str | None = Field(
        default=None,
        max_length=300,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description='one line of at most 300 characters (no control characters), `""` for none; absent: read again from the text '
        "(its first slugline or heading line)",
    )

    @model_validator(mode="after")
    def _not_blank(self) -> SceneUpdateIn:
        if not self.text.strip():
            raise ValueError("text must not be blank")
        return self


class ShotPlanningOut(BaseModel):
    """Where planning the shots of a scene stands."""

    state: Literal["none", "planning", "planned", "failed"] = Field(
        description="`none`: the scene is pending; `planning`: approved, shots being planned; "
        "`planned`: every shot exists; `failed`: see `code` and `error`"
    )
    shot_count: int = Field(description="shots of the scene known so far (all of them once planned)")
    code: str | None = Field(default=None, description="when failed: machine-readable cause")
    error: str | None = Field(default=None, description="when failed: what went wrong")


class SceneOut(BaseModel):
    id: str
    script_id: str
    order: int = Field(description="position in the script, from 1")
    heading: str = Field(description="the scene's slugline or heading, empty if it has none")
    text: str
    status: Literal["pending", "approved"] = Field(description="`pending` (editable) until approved")
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None
    version: int = Field(description="number of changes applied: 1 when made, +1 per edit and for the approval")
    shot_planning: ShotPlanningOut


class ScenePage(BaseModel):
    items: list[SceneOut] = Field(description="in script order (`order` from 1)")
    total: int = Field(description="how many scenes the script has so far")
    limit: int
    offset: int


class ShotStyleOut(BaseModel):
    aspect: Aspect
    style_suffix: str = Field(description="appended to every prompt of the script")
    setting: str = Field(description="from the scene's slugline or heading")
    time_of_day: str
    characters: list[str]


class ShotOut(BaseModel):
    id: str
    scene_id: str
    script_id: str
    scene_order: int = Field(description="the scene's `order` in its script")
    order: int = Field(description="position in the scene, from 1")
    shot_count: int = Field(description="how many shots the scene has (1 to `shots_per_scene` of `GET /api/limits`)")
    description: str = Field(description="one line saying what the shot shows")
    image_prompt: str = Field(description="the prompt its image is drawn from")
    duration_s: float = Field(
        description="seconds on screen, from the text it covers read at 2.5 words a second; between "
        "`shot_min_s` and `shot_max_s` of `GET /api/limits` (3 and 8 s by default): a longer passage gets more "
        "shots, not longer ones. The shots of a scene add up to its reading time (at least 4 s)"
    )
    narration: str = Field(description="the scene text this shot covers, to be spoken")
    style: ShotStyleOut
    planned_at: datetime


class ShotPage(BaseModel):
    items: list[ShotOut] = Field(description="in order (`order` from 1)")
    total: int
    limit: int
    offset: int


# -- images --------------------------------------------------------------------------------------


class ImageOut(BaseModel):
    """One attempt at a shot's image."""

    id: str
    shot_id: str
    scene_id: str
    script_id: str
    shot_order: int | None = Field(default=None, description="the shot's `order` in its scene")
    status: Literal["pending", "approved", "rejected", "failed"] = Field(
        description="`pending`: drawn, waiting for review; `approved`: the shot's image; `rejected` (a new attempt "
        "follows); `failed`: could not be drawn (reject it to try again) or, with `code` "
        "`max_attempts`, the shot has used all its attempts"
    )
    attempt: int = Field(description="1 for the shot's first image, +1 per rejection")
    width: int | None = Field(default=None, description="pixels; null for a failed attempt without a picture")
    height: int | None = None
    prompt: str | None = Field(default=None, description="what the image was drawn from (with the reviewer's notes)")
    content_url: str | None = Field(default=None, description="the PNG (`GET`); null when there is no picture")
    size_bytes: int | None = None
    selected: bool = Field(
        description="the shot's image in videos: the latest approved one, which stays so "
        "(even when rejected afterwards) until another attempt is approved"
    )
    replaced_by: str | None = Field(default=None, description="the image approved after this one for its shot")
    previous_image_id: str | None = Field(default=None, description="the rejected attempt this one follows")
    feedback: str | None = Field(default=None, description="what the reviewer said when rejecting it")
    code: str | None = Field(default=None, description="when failed: machine-readable cause, e.g. max_attempts")
    error: str | None = Field(default=None, description="when failed: what went wrong")
    generated_at: datetime | None = None
    approved_at: datetime | None = None
    rejected_at: datetime | None = None
    failed_at: datetime | None = None
    updated_at: datetime | None = None


class ImagePage(BaseModel):
    items: list[ImageOut] = Field(description="in shot order, then attempt")
    total: int
    limit: int
    offset: int


class ImageRejectIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"feedback": "warmer light, keeper in a red coat"}]})

    feedback: Feedback = Field(
        default="",
        description=f"what to change (at most {MAX_FEEDBACK_CHARS} characters); "
        "the next attempt's prompt takes it into account",
    )


# -- videos --------------------------------------------------------------------------------------


class VideoCreateIn(_In):
    """How to render; every field is optional (`{}` or no body at all is fine)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{}, {"resolution": "720p", "transition": "dissolve", "fps": 24, "subtitles": False}]
        }
    )

    aspect: Aspect | None = Field(default=None, description="default: the script's aspect")
    resolution: Resolution | None = Field(default=None, description="default 1080p")
    transition: Transition | None = Field(default=None, description="an FFmpeg xfade name or `none`; default fade")
    transition_s: float | None = Field(default=None, ge=0, le=5, description="seconds per transition; default 0.5")
    motion: bool | None = Field(default=None, description="slow zoom/pan on each image; default true")
    narration: bool | None = Field(default=None, description="spoken narration of the scene text; default true")
    subtitles: bool | None = Field(
        default=None,
        description="soft subtitles timed to the narration, at most two lines a cue of at most 42 characters "
        "(16:9), 29 (1:1) or 16 (9:16); default true",
    )
    fps: Fps | None = Field(default=None, description="frames per second; default 30")

    def options(self, script_aspect: str) -> VideoOptions:
        given = self.model_dump(exclude_none=True)
        given.setdefault("aspect", script_aspect)
        return VideoOptions(**given)


class VideoOptionsOut(BaseModel):
    aspect: Aspect
    resolution: Resolution
    transition: Transition
    transition_s: float
    motion: bool
    narration: bool
    subtitles: bool
    fps: int


class VideoAcceptedOut(BaseModel):
    id: str = Field(description="the video's id: GET its Location until `status` is `approved` or `rejected`")
    status: Literal["pending"] = "pending"


class RenderProgressOut(BaseModel):
    step: Literal["queued", "preparing", "encoding", "joining", "storing"] = Field(
        description="`queued`: waiting for a render worker; `preparing`: images and narration; `encoding`: the "
        "shots, frame by frame; `joining`: the final MP4; `storing`: upload"
    )
    fraction: float = Field(ge=0, le=1, description="of the whole render")
    frames_done: int
    frames_total: int
    attempt: int = Field(description="the render's try; a retried render starts again from zero")
    at: datetime | None = Field(description="when the video service reported it")


class VideoOut(BaseModel):
    id: str
    script_id: str
    status: Literal["pending", "approved", "rejected"] = Field(
        description="`pending`: accepted, rendering (`progress`); `approved`: the MP4 is ready (`content_url`); "
        "`rejected`: rendering failed (`code`, `error`)"
    )
    progress: RenderProgressOut | None = Field(default=None, description="while `pending`: how far the render is")
    duration_s: float | None = Field(default=None, description="once rendered")
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    size_bytes: int | None = None
    has_audio: bool | None = Field(default=None, description="whether the MP4 has a narration track")
    render_s: float | None = Field(default=None, description="seconds spent rendering")
    reused_segments: int | None = Field(
        default=None, description="pieces taken from the render cache (an incremental re-render reuses most)"
    )
    content_url: str | None = Field(default=None, description="the MP4 (`GET`, byte ranges supported), once rendered")
    code: str | None = None
    error: str | None = None
    options: VideoOptionsOut
    image_ids: list[str] = Field(description="the approved images rendered, in video order")
    requested_at: datetime
    rendered_at: datetime | None = None
    failed_at: datetime | None = None
    updated_at: datetime | None = None


class MissingShotOut(BaseModel):
    shot_id: str
    scene_id: str
    scene_order: int
    order: int


class PendingOut(BaseModel):
    id: str = Field(description="the id of the script or scene written; GET its Location until it answers 200")
    status: Literal["pending"] = "pending"
    detail: str
    command_id: str = Field(
        description="ce_id of the command on the bus; `GET /api/commands/{command_id}` tells what became of it"
    )


class CommandOut(BaseModel):
    """What became of a write: still on its way, applied, refused by its service, or failed."""

    id: str = Field(description="ce_id of the command")
    type: str = Field(description="its CloudEvents type, e.g. reelflow.script.update.v1")
    subject: str = Field(description="the id of the script, scene, image or video it is about")
    sent_at: datetime
    status: Literal["pending", "applied", "rejected", "failed"] = Field(
        description="`pending`: no answer yet; `rejected`: refused (`code`, `reason`), including a command that "
        "could not be applied at all (`dead_lettered`, `event_refused`); `failed`: the AI gave up"
    )
    code: str | None = None
    reason: str | None = None
    answered_at: datetime | None = None


# -- errors --------------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ContentTicketOut(BaseModel):
    """A URL of one resource's content that works without the Authorization header, for a while."""

    url: str = Field(description="the content URL with `?ticket=`: for `<video src>`, `<img src>`, downloads")
    expires_at: datetime = Field(description="after this, ask for a new ticket (401 `invalid_ticket`)")


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong, naming the field or resource")
    code: str = Field(description="machine-readable snake_case cause, e.g. not_found, not_draft, validation_error")
    errors: list[FieldError] | None = Field(default=None, description="every invalid field (400/422 only)")


class VideoRefusedOut(ErrorOut):
    """409 of create-video: `code` `images_missing` (the lists say what), `not_segmented`, ..."""

    missing_shots: list[MissingShotOut] = Field(
        default_factory=list, description="shots without an approved image, in video order"
    )
    unplanned_scene_ids: list[str] = Field(
        default_factory=list, description="scenes whose shots are not all planned (approve them first)"
    )
