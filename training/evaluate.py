"""``python -m training.evaluate``: score the shipped model and VADER on the same texts.

Writes ``metrics.json`` next to the model and prints the figures. Texts go through the serving
path (``SentimentModel.predict``, which normalises them), so these are the figures users get.
TweetEval validation is used by nothing in training (selection has its own split of train), so
its figures are an honest estimate.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

import sentiment
from sentiment import LABELS
from sentiment.inference import SentimentModel
from training import data
from training.metrics import Scores, binary_accuracy, score

# The slice a fresh-process test re-scores and compares with the figure recorded here.
SLICE_ROWS = 200
VADER_THRESHOLD = 0.05  # the thresholds VADER's authors recommend for 3 classes
NEGATIVE, NEUTRAL, POSITIVE = (LABELS.index(name) for name in LABELS)


def vader_compound(texts: list[str]) -> np.ndarray:
    """VADER's compound score per raw text (it relies on case and punctuation)."""
    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts])


def vader_labels(compound: np.ndarray) -> np.ndarray:
    return np.where(compound >= VADER_THRESHOLD, POSITIVE,
                    np.where(compound <= -VADER_THRESHOLD, NEGATIVE, NEUTRAL))


def vader_binary_accuracy(labels: np.ndarray, compound: np.ndarray) -> float:
    """VADER's positive-vs-negative call: compound >= 0 is positive."""
    return round(100.0 * float(np.mean(np.where(compound >= 0, POSITIVE, NEGATIVE) == labels)), 2)


def out_of_domain(model: SentimentModel, labelled: data.LabelledTexts) -> dict:
    """3-way figures and polar-only binary accuracy (p(pos) > p(neg)), model and VADER.

    For hand-labelled sets whose labels no model trained on: proxies for the held-out sets of
    issue #12 (model card, "Estimates for the held-out test sets").
    """
    probs = model.probabilities(labelled.texts)
    compound = vader_compound(labelled.texts)
    polar = labelled.labels != NEUTRAL
    return {
        "rows": len(labelled),
        "model": score(labelled.labels, probs.argmax(axis=1)).as_dict(),
        "vader": score(labelled.labels, vader_labels(compound)).as_dict(),
        "polar_rows": int(polar.sum()),
        "model_binary_accuracy": binary_accuracy(labelled.labels[polar], probs[polar]),
        "vader_binary_accuracy": vader_binary_accuracy(labelled.labels[polar], compound[polar]),
    }


def slice_figures(model: SentimentModel, val: data.LabelledTexts) -> dict:
    """Figures on the first rows of val, scored alone, for an exact cross-process check."""
    head = val.head(SLICE_ROWS)
    predicted = model.probabilities(head.texts).argmax(axis=1)
    figures = score(head.labels, predicted)
    return {"rows": SLICE_ROWS, "macro_recall": figures.macro_recall,
            "accuracy": figures.accuracy,
            # One digit per tweet (LABELS index): exact, and one line in metrics.json.
            "predicted_labels": "".join(str(label) for label in predicted)}


def evaluate(model_path: Path) -> dict:
    """All figures for the model at ``model_path`` and for VADER."""
    started = time.perf_counter()
    model = sentiment.load_model(model_path)
    val, s140 = data.tweeteval("val"), data.sentiment140_sample()

    val_probs = model.probabilities(val.texts)
    val_model = score(val.labels, val_probs.argmax(axis=1))
    polar = val.labels != NEUTRAL
    val_vader = score(val.labels, vader_labels(vader_compound(val.texts)))
    s140_vader = vader_compound(s140.texts)
    return {
        "model": model.version,
        "tweeteval_val": {"rows": len(val), "model": val_model.as_dict(),
                          "vader": val_vader.as_dict()},
        # A second binary proxy, free of Sentiment140's date confound: the val tweets that are
        # negative or positive, called by p(positive) > p(negative) as on Sentiment140.
        "tweeteval_val_binary": {
            "rows": int(polar.sum()),
            "model_binary_accuracy": binary_accuracy(val.labels[polar], val_probs[polar]),
        },
        "tweeteval_val_head": slice_figures(model, val),
        "sentiment140_sample": {
            "rows": len(s140),
            "model_binary_accuracy": binary_accuracy(s140.labels, model.probabilities(s140.texts)),
            "vader_binary_accuracy": vader_binary_accuracy(s140.labels, s140_vader),
        },
        # Out-of-domain proxies (hand labels never trained on): TSE's fixed report part (2009
        # tweets, like the Sentiment140 test) and the US airline tweets (2015, about companies).
        "tweet_sentiment_extraction_report": out_of_domain(
            model, data.tweet_sentiment_extraction_part("report")),
        "airline": out_of_domain(model, data.airline()),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _print_scores(name: str, figures: Scores) -> None:
    recall = ", ".join(f"{label} {value:.2f}" for label, value in figures.recall.items())
    print(f"{name}: macro recall {figures.macro_recall:.2f}, accuracy {figures.accuracy:.2f}, "
          f"macro F1 {figures.macro_f1:.2f}\n  recall: {recall}\n  confusion (rows true "
          f"{'/'.join(LABELS)}, columns predicted):")
    for label, row in zip(LABELS, figures.confusion, strict=True):
        print(f"    {label:>8} " + " ".join(f"{count:5d}" for count in row))


def report(metrics: dict) -> None:
    """Print the figures for a person."""
    val = metrics["tweeteval_val"]
    print(f"TweetEval validation ({val['rows']} tweets)")
    _print_scores(f"  {metrics['model']}", Scores(**val["model"]))
    _print_scores("  VADER (compound ±0.05)", Scores(**val["vader"]))
    binary = metrics["tweeteval_val_binary"]
    print(f"  negative and positive val tweets only ({binary['rows']}): model binary accuracy "
          f"{binary['model_binary_accuracy']:.2f}")
    head = metrics["tweeteval_val_head"]
    print(f"  first {head['rows']} val tweets: model macro recall {head['macro_recall']:.2f}")
    s140 = metrics["sentiment140_sample"]
    print(f"Sentiment140 sample ({s140['rows']} tweets, positive vs negative): "
          f"model {s140['model_binary_accuracy']:.2f}, VADER {s140['vader_binary_accuracy']:.2f}")
    for key, title in (("tweet_sentiment_extraction_report",
                        "Tweet Sentiment Extraction, report part"), ("airline", "US airline")):
        proxy = metrics[key]
        print(f"{title} ({proxy['rows']} tweets, hand labels never trained on)")
        _print_scores(f"  {metrics['model']}", Scores(**proxy["model"]))
        _print_scores("  VADER (compound ±0.05)", Scores(**proxy["vader"]))
        print(f"  negative and positive only ({proxy['polar_rows']}): model binary accuracy "
              f"{proxy['model_binary_accuracy']:.2f}, VADER {proxy['vader_binary_accuracy']:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=sentiment.DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, help="metrics file (default: metrics.json beside "
                        "the model)")
    args = parser.parse_args(argv)
    metrics = evaluate(args.model)
    out = args.out or args.model.parent / "metrics.json"
    out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    report(metrics)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
