"""The paired figures behind the held-out estimates (training/proxies.py)."""

import numpy as np

from training import proxies


def test_paired_binary_difference_and_standard_error() -> None:
    truth = np.array([0, 2, 0, 2, 0, 2, 0, 2])
    calls = {"new": np.array([0, 2, 0, 2, 0, 2, 0, 0]),  # 7 of 8
             "old": np.array([0, 2, 0, 2, 2, 0, 0, 0]),  # 5 of 8
             "vader": np.array([2, 2, 2, 2, 2, 2, 2, 2])}  # 4 of 8
    result = proxies.paired(truth, calls, "binary", np.random.default_rng(0))
    assert result["figures"]["new"]["value"] == 87.5
    assert result["differences"]["new-old"]["value"] == 25.0
    d = np.array([0, 0, 0, 0, 1, 1, 0, 0])
    assert result["differences"]["new-old"]["se"] == round(100 * d.std(ddof=1) / np.sqrt(8), 2)
    assert result["disagreement"] == 0.25


def test_bootstrap_macro_recall_matches_the_plain_figure() -> None:
    truth = np.array([0, 1, 2, 0, 1, 2])
    predicted = np.array([0, 1, 1, 0, 2, 2])
    rows = np.arange(6)[None, :]
    assert np.allclose(proxies._macro_recalls(truth, predicted, rows), 100 * (1 + 0.5 + 0.5) / 3)


def test_estimates_add_the_proxy_difference_to_the_known_figure() -> None:
    proxy = {"differences": {"new-old": {"value": 2.0, "se": 0.3},
                             "new-vader": {"value": 5.0, "se": 0.4},
                             "old-vader": {"value": 3.0, "se": 0.4}},
             "disagreement": 0.1}
    comparison = {name: {"binary": proxy, "macro_recall": proxy}
                  for name in ("tweeteval_val", "tweet_sentiment_extraction_report", "airline",
                               "sentiment140_sample")}
    estimates = proxies.estimate(comparison)
    s140 = estimates["sentiment140_test_binary"]["by_proxy"][0]
    assert s140["from_old"] == 80.6
    assert s140["from_old_se"] == round(float(np.hypot(0.3, 100 * np.sqrt(0.1 / 359))), 2)
    assert s140["anchor_gap_held_out"] == -0.8
