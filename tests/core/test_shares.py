"""How shares of posts are written: whole percents that never round a count away, and an alert's
share that never reads under the threshold it crossed."""

from __future__ import annotations

import pytest

from core.shares import percent_against, threshold_percent, whole_percent


@pytest.mark.parametrize(("share", "text"), [
    (0.0, "0%"), (0.25, "25%"), (1.0, "100%"), (0.006, "1%"),
    (1 / 200, "<1%"), (0.004, "<1%"), (199 / 200, ">99%"), (0.994, "99%"),
])
def test_whole_percent_never_rounds_a_count_to_nothing_or_to_everything(share, text):
    assert whole_percent(share) == text


@pytest.mark.parametrize(("share", "threshold", "text"), [
    (0.8, 0.5, "80%"),
    (0.025, 0.025, "2.5%"),  # "2%" would read as under the threshold it reached
    (0.0296, 0.029, "2.9%"),  # rounded down: never over what it is
    (0.57, 0.5, "57%"),  # 56.99999… in binary
    (0.123456, 0.1234, "12.34%"),
    (0.123456, 0.123455, "12.3456%"),
    (0.0, 0.0, "0%"),
])
def test_an_alerts_share_is_as_precise_as_its_threshold(share, threshold, text):
    assert percent_against(share, threshold) == text


@pytest.mark.parametrize("threshold", [0.0, 0.02, 0.025, 0.1, 0.333, 0.4, 0.5, 0.0125, 0.99])
def test_a_share_at_or_over_its_threshold_never_reads_under_it(threshold):
    typed = float(threshold_percent(threshold).rstrip("%"))
    for total in range(1, 401):
        for negative in range(total + 1):
            share = negative / total
            if share < threshold:
                continue
            shown = float(percent_against(share, threshold).rstrip("%"))
            assert typed <= shown <= 100 * share + 1e-9, (negative, total)


def test_a_threshold_reads_as_typed():
    assert threshold_percent(0.4) == "40%"
    assert threshold_percent(0.025) == "2.5%"
    assert threshold_percent(1.0) == "100%"
