"""LiteRT call size: posts/s, and the memory a worker keeps, for each number of texts per call.

LiteRT sizes its tensor arena for the largest call a process has made and never gives it back,
so the number of texts a worker hands the network at once decides how much memory it holds for
the rest of its life. For each size, a fresh process with one LiteRT thread (as each of the
default two worker processes has) loads the model, scores the sample corpus's texts in
500-text ``predict`` calls (a pipeline batch) split into network calls of that size, and reports
its posts/s and how much its USS grew. The sizes take turns, in a rotated order each round, and
are compared with 512 (the default before 128). Last line: JSON.

    python bench/call_size.py [--sizes 64,128,256,512] [--texts 10000] [--rounds 3]
                              [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PIPELINE_BATCH = 500  # worker.pipeline.SCORE_BATCH, without importing the worker here
BASELINE = 512


def _measure(texts: list[str], size: int, threads: int, results: multiprocessing.Queue) -> None:
    import psutil

    import sentiment

    process = psutil.Process()
    model = sentiment.load_model(threads=threads)
    model.predict(["warm up"], batch_size=1)
    before = process.memory_full_info().uss
    start = time.perf_counter()
    for first in range(0, len(texts), PIPELINE_BATCH):
        model.predict(texts[first : first + PIPELINE_BATCH], batch_size=size)
    elapsed = time.perf_counter() - start
    results.put((len(texts) / elapsed, (process.memory_full_info().uss - before) / 2**20))


def measure(texts: list[str], size: int, threads: int) -> tuple[float, float]:
    """(posts/s, MB of USS the calls added) in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_measure, args=(texts, size, threads, results))
    child.start()
    outcome = results.get(timeout=600)
    child.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,128,256,512")
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from worker.sources.sample_corpus import load_corpus

    texts = load_corpus().lines[: args.texts]
    sizes = sorted({int(size) for size in args.sizes.split(",")} | {BASELINE})
    rates: dict[int, list[float]] = {size: [] for size in sizes}
    grown: dict[int, list[float]] = {size: [] for size in sizes}
    for round_number in range(args.rounds):
        shift = round_number % len(sizes)
        for size in sizes[shift:] + sizes[:shift]:
            rate, megabytes = measure(texts, size, args.threads)
            rates[size].append(rate)
            grown[size].append(megabytes)
            print(f"round {round_number + 1}, {size:4d} texts per call: {rate:7.0f} posts/s,"
                  f" USS +{megabytes:5.1f} MB", flush=True)
    baseline = statistics.median(rates[BASELINE])
    result = {}
    print(f"{len(texts):,} corpus texts in predict calls of {PIPELINE_BATCH}, {args.threads}"
          f" LiteRT thread(s), medians of {args.rounds} rounds:")
    for size in sizes:
        rate, megabytes = statistics.median(rates[size]), statistics.median(grown[size])
        result[str(size)] = {"posts_per_s": round(rate, 1), "uss_growth_mb": round(megabytes, 1),
                             "speed_vs_512": round(rate / baseline, 3)}
        print(f"  {size:4d} texts per call: {rate:7.0f} posts/s ({rate / baseline:.2f} of"
              f" {BASELINE}), the process keeps {megabytes:5.1f} MB more")
    print(json.dumps({"texts": len(texts), "threads": args.threads, "sizes": result}))


if __name__ == "__main__":
    main()
