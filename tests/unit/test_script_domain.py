"""The script aggregate's state machine: draft -> approved, edits only while draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reelflow_contracts.messages.base import Usage
from reelflow_kit.domain import RuleBroken
from reelflow_script.domain import AlreadyApproved, NotDraft, Script, Status

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(minutes=9)


def draft() -> Script:
    return Script.written_by_user("s-1", "u-1", "Tides", "INT. LIGHTHOUSE - NIGHT\n\nWaves.", "16:9", T0)


def test_a_user_script_starts_as_a_draft_of_user_origin():
    script = draft()
    assert script.status is Status.DRAFT
    assert script.origin == "user"
    assert script.premise is None
    assert script.usage == Usage()
    assert script.created_at == script.updated_at == T0
    assert script.approved_at is None


def test_an_ai_script_starts_as_a_draft_with_its_premise_and_usage():
    usage = Usage(provider="openai", model="m", input_tokens=10, output_tokens=90)
    script = Script.written_by_ai("s-2", "u-1", "Tides", "EXT. SEA - DAY\n\nWaves.", "9:16", "a sea story", usage, T0)
    assert (script.status, script.origin, script.premise, script.usage, script.aspect) == (
        Status.DRAFT,
        "ai",
        "a sea story",
        usage,
        "9:16",
    )


def test_editing_a_draft_changes_only_the_given_fields_and_the_update_time():
    edited = draft().edited(title=None, content="EXT. HARBOR - DAWN\n\nGulls.", aspect=None, at=T1)
    assert edited.title == "Tides"
    assert edited.content == "EXT. HARBOR - DAWN\n\nGulls."
    assert edited.aspect == "16:9"
    assert edited.updated_at == T1 and edited.created_at == T0
    assert edited.status is Status.DRAFT


def test_editing_every_field_of_a_draft():
    edited = draft().edited(title="Undertow", content="INT. ATTIC - DAY\n\nDust.", aspect="1:1", at=T1)
    assert (edited.title, edited.content, edited.aspect) == ("Undertow", "INT. ATTIC - DAY\n\nDust.", "1:1")


def test_a_draft_can_be_edited_many_times():
    script = (
        draft().edited(title="A", content=None, aspect=None, at=T1).edited(title="B", content=None, aspect=None, at=T2)
    )
    assert script.title == "B" and script.updated_at == T2


def test_approving_a_draft_makes_it_approved_at_that_time():
    approved = draft().approved(at=T1)
    assert approved.status is Status.APPROVED
    assert approved.approved_at == T1 == approved.updated_at
    assert approved.content == draft().content


def test_approving_twice_is_refused_with_already_approved():
    approved = draft().approved(at=T1)
    with pytest.raises(AlreadyApproved) as refused:
        approved.approved(at=T2)
    assert refused.value.code == "already_approved"
    assert "already approved" in refused.value.reason
    assert isinstance(refused.value, RuleBroken)


def test_editing_an_approved_script_is_refused_with_not_draft():
    approved = draft().approved(at=T1)
    with pytest.raises(NotDraft) as refused:
        approved.edited(title="Later", content=None, aspect=None, at=T2)
    assert refused.value.code == "not_draft"
    assert "only a draft can be edited" in refused.value.reason


def test_refused_commands_leave_the_script_unchanged():
    approved = draft().approved(at=T1)
    for attempt in (
        lambda: approved.approved(at=T2),
        lambda: approved.edited(title="x", content=None, aspect=None, at=T2),
    ):
        with pytest.raises(RuleBroken):
            attempt()
    assert approved == draft().approved(at=T1)
