"""A share of posts as people read it, the same on the pages and in the alerts sent out.

Whole percents everywhere, except where rounding would say something untrue: one negative post
in 200 is not "0% negative", and an alert raised at 2.5% against a 2.5% threshold must not read
"2% negative (threshold 2.5%)", as if it had fired below its line.
"""

from __future__ import annotations

import math

# More decimals than a person types into a threshold; %g writes at most six significant digits.
MAX_DECIMALS = 4


def whole_percent(share: float) -> str:
    """'12%'. A share that is not nothing but rounds to 0 reads '<1%', and one that is not
    everything but rounds to 100 reads '>99%'."""
    value = round(100 * share)
    if value == 0 and share > 0:
        return "<1%"
    if value == 100 and share < 1:
        return ">99%"
    return f"{value}%"


def threshold_percent(threshold: float) -> str:
    """A tracker's alert threshold as it was typed: '40%', '2.5%'."""
    return f"{100 * threshold:g}%"


def percent_against(share: float, threshold: float) -> str:
    """``share`` next to ``threshold``: with as many decimals as the threshold shows (at least
    one, none written where they are zeros), and rounded down, so a share at or over the
    threshold never reads under it: 0.025 against 0.025 is '2.5%', 0.8 against 0.5 is '80%'."""
    typed = f"{100 * threshold:g}"
    decimals = MAX_DECIMALS if "e" in typed else len(typed.partition(".")[2])
    decimals = min(max(decimals, 1), MAX_DECIMALS)
    scale = 10 ** decimals
    # The small nudge keeps 0.57 (56.99999… in binary) from flooring to 56.9.
    shown = math.floor(100 * share * scale + 1e-6) / scale
    return f"{shown:.{decimals}f}".rstrip("0").rstrip(".") + "%"
