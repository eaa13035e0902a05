"""Scoring throughput of the shipped model: per-tweet calls vs batched vs the bare network.

    python bench/scoring.py [--tweets 10000] [--per-tweet-sample 200] [--threads N]
                            [--model PATH] [--compare OLD_MODEL_PATH]

All figures use the same tweets (TweetEval validation then train texts from training/data).
The last line printed is a JSON object with ``per_tweet_tps``, ``batched_tps``, ``raw_tps`` and
``rss_mb`` (resident memory right after loading the model). ``--compare`` also measures another
model file in the same process, alternating with the first, and adds ``compare_batched_tps`` and
``batched_ratio`` (this model's batched rate over the other's) to that object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a plain script

import sentiment  # noqa: E402
from training import data  # noqa: E402

if TYPE_CHECKING:  # the real import would load TensorFlow before the RSS baseline is taken
    from sentiment.inference import SentimentModel


def rss_mb() -> float:
    """Resident set size of this process (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def best_rate(count: int, run: Callable[[], object], repeats: int) -> float:
    """Items per second of the fastest of ``repeats`` runs (the least disturbed by neighbours)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return count / best


def throughputs(model: SentimentModel, texts: list[str], per_tweet_sample: int,
                batch_size: int, repeats: int) -> dict[str, float]:
    """Tweets per second for each way of scoring (see the module docstring)."""
    import tensorflow as tf

    # The naive way (the origin tutorial's): one Keras predict() call per tweet.
    sample = texts[:per_tweet_sample]

    def per_tweet() -> None:
        for text in sample:
            model.keras_model.predict(tf.constant([sentiment.normalize(text)]), verbose=0)

    per_tweet_tps = best_rate(len(sample), per_tweet, 1)
    # Our own fast path, but still one call per tweet: what batching saves beyond predict().
    single_tps = best_rate(len(sample), lambda: [model.predict([t]) for t in sample], 1)

    model.predict(texts[:batch_size])  # warm-up
    batched_tps = best_rate(len(texts), lambda: model.predict(texts, batch_size), repeats)

    # The ceiling: the network alone on token ids vectorised beforehand, same batch size.
    network = tf.function(lambda ids: model.network(ids, training=False))
    batches = [model.vectorize(texts[i : i + batch_size])
               for i in range(0, len(texts), batch_size)]
    network(batches[0])
    raw_tps = best_rate(len(texts), lambda: [network(ids).numpy() for ids in batches], repeats)
    return {"per_tweet_tps": per_tweet_tps, "single_call_tps": single_tps,
            "batched_tps": batched_tps, "raw_tps": raw_tps}


def compare_batched(model: SentimentModel, other: SentimentModel, texts: list[str],
                    batch_size: int, repeats: int) -> dict:
    """Batched rates of two models, measured in alternation so both see the same neighbours."""
    other.predict(texts[:batch_size])  # warm-up
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(best_rate(len(texts), lambda: model.predict(texts, batch_size), 1))
        theirs.append(best_rate(len(texts), lambda: other.predict(texts, batch_size), 1))
    return {"compare_model": other.version, "compare_batched_tps": round(max(theirs), 1),
            "batched_ratio": round(max(ours) / max(theirs), 3)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tweets", type=int, default=10_000)
    parser.add_argument("--per-tweet-sample", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="TensorFlow intra-op threads (inter-op is 1: the graph is a chain)")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    parser.add_argument("--compare", type=Path,
                        help="another model file whose batched rate is measured alongside")
    args = parser.parse_args(argv)

    texts = (data.tweeteval("val").texts + data.tweeteval("train").texts)[: args.tweets]
    rss_before = rss_mb()
    sentiment.configure_threads(intra_op=args.threads, inter_op=1)  # imports TensorFlow
    rss_tf = rss_mb()
    model = sentiment.load_model(args.model, runtime="keras")
    rss_loaded = rss_mb()
    print(f"model {model.version}; {len(texts):,} tweets; intra-op threads {args.threads}")
    print(f"RSS: {rss_before:.0f} MB before TensorFlow, {rss_tf:.0f} MB after importing it, "
          f"{rss_loaded:.0f} MB after loading the model")

    tps = throughputs(model, texts, args.per_tweet_sample, args.batch_size, args.repeats)
    print(f"per-tweet keras predict():     {tps['per_tweet_tps']:10.1f} tweets/s "
          f"({min(args.per_tweet_sample, len(texts))} tweets)")
    print(f"per-tweet sentiment.predict(): {tps['single_call_tps']:10.1f} tweets/s")
    print(f"batched sentiment.predict():   {tps['batched_tps']:10.1f} tweets/s "
          f"(batch {args.batch_size})")
    print(f"raw network on token ids:      {tps['raw_tps']:10.1f} tweets/s")
    print(f"batched / per-tweet predict(): "
          f"{tps['batched_tps'] / tps['per_tweet_tps']:8.0f}x (target >= 500)")
    print(f"batched / raw network:         "
          f"{tps['batched_tps'] / tps['raw_tps']:8.2f} (target >= 0.8)")
    print(f"RSS after the runs: {rss_mb():.0f} MB")
    result = {key: round(value, 1) for key, value in tps.items()}
    result |= {"rss_mb": round(rss_loaded, 1), "model": model.version}
    # The workers' runtime (LiteRT on the .tflite export) on the same texts and batch size.
    lite = sentiment.load_model(runtime="lite", threads=args.threads)
    lite.predict(texts[: args.batch_size])  # warm-up
    lite_tps = best_rate(len(texts), lambda: lite.predict(texts, args.batch_size), args.repeats)
    result |= {"lite_batched_tps": round(lite_tps, 1),
               "lite_vs_keras": round(lite_tps / tps["batched_tps"], 3)}
    print(f"batched, LiteRT export (what workers run): {lite_tps:10.1f} tweets/s; "
          f"/ Keras batched: {result['lite_vs_keras']:.2f}")
    if args.compare is not None:
        result |= compare_batched(model, sentiment.load_model(args.compare), texts,
                                  args.batch_size, args.repeats)
        print(f"batched, {result['compare_model']}: {result['compare_batched_tps']:10.1f} "
              f"tweets/s; this model / that one: {result['batched_ratio']:.2f}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
