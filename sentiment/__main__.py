"""Command line: ``python -m sentiment predict [FILE]`` and ``python -m sentiment version``.

``predict`` reads one text per line (stdin when no FILE) and writes one JSON object per line, in
input order. It works through the input in batches, so memory stays bounded for any input size.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TextIO

import sentiment


def _batches(lines: Iterable[bytes], size: int) -> Iterator[list[str]]:
    # Bytes split on b"\n" only: a stray "\r" inside a tweet must not start a new line, as it
    # would in text mode, or outputs would no longer line up with inputs.
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield [line.decode("utf-8", errors="replace").rstrip("\r\n") for line in batch]


def _as_json(prediction: sentiment.Prediction) -> str:
    return json.dumps({
        "label": prediction.label,
        "score": round(prediction.score, 6),
        "probs": {label: round(p, 6) for label, p in prediction.probs.items()},
    }, ensure_ascii=False)


def predict_lines(lines: Iterable[bytes], out: TextIO, batch_size: int) -> int:
    """Score each line and write its JSON; returns the number of lines scored."""
    model = sentiment.load_model()
    count = 0
    for batch in _batches(lines, batch_size):
        out.write("".join(_as_json(p) + "\n" for p in model.predict(batch, batch_size)))
        out.flush()  # so a consumer downstream of a pipe sees results batch by batch
        count += len(batch)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="score one text per line as JSON lines")
    predict.add_argument("file", nargs="?", help="input file (default: stdin)")
    predict.add_argument("--batch-size", type=int, default=512)
    commands.add_parser("version", help="print the shipped model's version")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(sentiment.model_version())
        return 0
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    if args.file is None:
        predict_lines(sys.stdin.buffer, sys.stdout, args.batch_size)
    else:
        try:
            source = open(args.file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            # A missing file or a folder is the caller's mistake: one line, not a traceback.
            parser.exit(2, f"{parser.prog}: cannot read {args.file!r}: {exc.strerror}\n")
        with source:
            predict_lines(source, sys.stdout, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
