"""Failures as data: a code, a message, and whether trying again may help."""

from reelflow_kit.ai import AIProviderError
from reelflow_kit.failures import UNEXPECTED, DeadlineExceeded, Failure, Outage, RetryLater


def test_a_failed_exception_carries_its_failure():
    assert Failure.of(RetryLater("rate_limited", "slow down", delay_s=7)) == Failure(
        "rate_limited", "slow down", True, 7
    )
    assert Failure.of(Outage("storage_unavailable", "S3 answered 503")).code == "storage_unavailable"
    assert Failure.of(DeadlineExceeded(1.5)) == Failure("deadline_exceeded", "deadline of 1.5 s exceeded")


def test_any_other_exception_is_an_unexpected_failure_until_named():
    failure = Failure.of(RuntimeError("boom"))
    assert (failure.code, failure.message) == (UNEXPECTED, "RuntimeError: boom")
    assert failure.named("render_failed").code == "render_failed"
    assert Failure("timeout", "x").named("render_failed").code == "timeout"  # a named failure keeps its code


def test_ai_errors_say_whether_another_try_may_help():
    for code in ("rate_limited", "provider_unavailable", "timeout", "unreachable", "invalid_output"):
        assert AIProviderError(code, "x").retryable and Failure.of(AIProviderError(code, "x")).retryable
    for code in ("auth_failed", "bad_request", "model_not_found"):
        assert not AIProviderError(code, "x").retryable
    busy = AIProviderError("rate_limited", "429", retry_after=12.0)
    assert (busy.code, str(busy), Failure.of(busy).delay_s) == ("rate_limited", "429", 12.0)


def test_a_failure_survives_the_job_document():
    failure = Failure("storage_unavailable", "S3 PutObject failed: [x] y", retryable=True)
    assert Failure.from_doc(failure.to_doc()) == failure
    assert str(failure) == "storage_unavailable: S3 PutObject failed: [x] y"
