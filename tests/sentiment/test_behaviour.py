"""Behavioural checks (CheckList-style, Ribeiro et al. 2020) on the shipped model.

``behaviour_cases.tsv`` holds short hand-written sentences with the label a reader would give
them, grouped by capability: negation, intensifiers, contrast with "but", emoji and neutral
facts. Single sentences are noisy, so the test asks for a minimum pass rate, set a little below
what the shipped model achieves (see the model card), rather than for every case.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

CASES_PATH = Path(__file__).resolve().parent / "behaviour_cases.tsv"
# The shipped model passes 103 of 114 cases (90.4%; the previous model 100, 87.7%; model card).
MIN_PASS_RATE = 0.88


def load_cases() -> list[dict[str, str]]:
    with CASES_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def pass_rates(model) -> dict[str, float]:
    """Share of cases whose predicted label is the expected one, per capability and overall."""
    cases = load_cases()
    predictions = model.predict([case["text"] for case in cases])
    passed: dict[str, list[bool]] = defaultdict(list)
    for case, prediction in zip(cases, predictions, strict=True):
        ok = prediction.label == case["expected"]
        passed[case["capability"]].append(ok)
        passed["overall"].append(ok)
    return {name: sum(results) / len(results) for name, results in passed.items()}


def test_cases_cover_each_capability_and_label() -> None:
    cases = load_cases()
    assert len(cases) >= 100
    assert {case["capability"] for case in cases} == {"negation", "intensifier", "contrast",
                                                      "emoji", "neutral"}
    assert {case["expected"] for case in cases} == {"negative", "neutral", "positive"}
    assert len({case["text"] for case in cases}) == len(cases)


def test_shipped_model_passes_minimum_share_of_behaviour_cases(shipped_model) -> None:
    rates = pass_rates(shipped_model)
    assert rates["overall"] >= MIN_PASS_RATE, rates
