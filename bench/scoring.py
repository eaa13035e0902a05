"""Scoring throughput of the shipped model: per-tweet calls vs batched vs the bare network.

    python bench/scoring.py [--tweets 10000] [--per-tweet-sample 200] [--threads N]

All figures use the same tweets (TweetEval validation then train texts from training/data).
The last line printed is a JSON object with ``per_tweet_tps``, ``batched_tps``, ``raw_tps`` and
``rss_mb`` (resident memory right after loading the model).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a plain script

import sentiment  # noqa: E402
from training import data  # noqa: E402


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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tweets", type=int, default=10_000)
    parser.add_argument("--per-tweet-sample", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="TensorFlow intra-op threads (inter-op is 1: the graph is a chain)")
    args = parser.parse_args(argv)

    texts = (data.tweeteval("val").texts + data.tweeteval("train").texts)[: args.tweets]
    rss_before = rss_mb()
    sentiment.configure_threads(intra_op=args.threads, inter_op=1)
    import tensorflow as tf

    rss_tf = rss_mb()
    model = sentiment.load_model()
    rss_loaded = rss_mb()
    print(f"model {model.version}; {len(texts):,} tweets; intra-op threads {args.threads}")
    print(f"RSS: {rss_before:.0f} MB before TensorFlow, {rss_tf:.0f} MB after importing it, "
          f"{rss_loaded:.0f} MB after loading the model")

    # The naive way (the origin tutorial's): one Keras predict() call per tweet.
    sample = texts[: args.per_tweet_sample]
    keras_model = model.keras_model

    def per_tweet() -> None:
        for text in sample:
            keras_model.predict(tf.constant([sentiment.normalize(text)]), verbose=0)

    per_tweet_tps = best_rate(len(sample), per_tweet, 1)
    # Our own fast path, but still one call per tweet: what batching saves beyond predict().
    single_tps = best_rate(len(sample), lambda: [sentiment.predict([t]) for t in sample], 1)

    sentiment.predict(texts[: args.batch_size])  # warm-up
    batched_tps = best_rate(len(texts), lambda: sentiment.predict(texts, args.batch_size),
                            args.repeats)

    # The ceiling: the network alone on token ids vectorised beforehand, same batch size.
    network = tf.function(lambda ids: model.network(ids, training=False))
    batches = [model.vectorize(texts[i : i + args.batch_size])
               for i in range(0, len(texts), args.batch_size)]
    network(batches[0])
    raw_tps = best_rate(len(texts), lambda: [network(ids).numpy() for ids in batches],
                        args.repeats)

    print(f"per-tweet keras predict():     {per_tweet_tps:10.1f} tweets/s ({len(sample)} tweets)")
    print(f"per-tweet sentiment.predict(): {single_tps:10.1f} tweets/s")
    print(f"batched sentiment.predict():   {batched_tps:10.1f} tweets/s (batch {args.batch_size})")
    print(f"raw network on token ids:      {raw_tps:10.1f} tweets/s")
    print(f"batched / per-tweet predict(): {batched_tps / per_tweet_tps:8.0f}x (target >= 500)")
    print(f"batched / raw network:         {batched_tps / raw_tps:8.2f} (target >= 0.8)")
    print(f"RSS after the runs: {rss_mb():.0f} MB")
    result = {
        "per_tweet_tps": round(per_tweet_tps, 1),
        "single_call_tps": round(single_tps, 1),
        "batched_tps": round(batched_tps, 1),
        "raw_tps": round(raw_tps, 1),
        "rss_mb": round(rss_loaded, 1),
        "model": model.version,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
