"""Fault tests share one rule: whatever broke, every accepted job ends done or failed, and the
X token appears in no process's log."""

from __future__ import annotations

import pytest

from tests.support.faults import FAKE_X_TOKEN


def assert_no_token_in_logs(stack) -> None:
    assert FAKE_X_TOKEN not in stack.logs()


@pytest.fixture
def check_logs():
    return assert_no_token_in_logs
