"""The process manager forgets nothing it needs: only scripts without a running operation are skipped."""

from __future__ import annotations

from reelflow_contracts.messages.script import ScriptApproved
from reelflow_gateway.operations.handlers import Undriven


def approved(script_id: str) -> ScriptApproved:
    return ScriptApproved.model_construct(script_id=script_id)


def test_a_script_is_skipped_once_known_to_have_no_running_operation():
    undriven = Undriven()
    assert not undriven.skips(approved("s1"))
    undriven.add("s1")
    assert undriven.skips(approved("s1")) and not undriven.skips(approved("s2"))


def test_the_oldest_are_forgotten_first_past_the_capacity():
    undriven = Undriven(capacity=2)
    for script_id in ("a", "b", "c"):
        undriven.add(script_id)
    assert [undriven.skips(approved(s)) for s in ("a", "b", "c")] == [False, True, True]
