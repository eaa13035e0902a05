"""A whole training run on a tiny slice, in seconds, producing a model serving can load."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest


# Keras' TensorFlow backend trips numpy 2's __array__(copy=...) deprecation on every batch.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")
def test_tiny_training_run_is_reproducible_and_loadable(tmp_path) -> None:
    import sentiment
    from training import data
    from training.architectures import NetworkSpec
    from training.metrics import macro_recall
    from training.train import RUN_REPORT, TrainConfig, run

    config = replace(
        TrainConfig(), sources=("tweeteval", "airline"), max_rows=200, epochs=2, patience=5,
        max_tokens=400, embedding_dim=8, word2vec_epochs=1, sequence_length=20,
        candidates=(NetworkSpec("bilstm", units=8, attention=True),
                    NetworkSpec("conv1d", units=8)), refit=False,
    )
    out = tmp_path / "tiny.keras"
    report = run(config, out)
    rerun = tmp_path / "again" / "tiny.keras"
    run(config, rerun)

    assert out.read_bytes() == rerun.read_bytes()  # same seed, same data: the same file
    # 10% of the 200 TweetEval rows are held out for selection; airline is all fitted on.
    assert report["selection_rows"] == 20
    assert report["fit_rows"] == 380
    assert report["pretrain_rows"] == 200  # Sentiment140, distant supervision
    assert report["word2vec_corpus_tweets"] == 1000  # 200 from each of 4 sets and 200 unlabeled
    assert {c["spec"]["kind"] for c in report["candidates"]} == {"bilstm", "conv1d"}
    assert len(report["options"]) == 3  # each alone and the ensemble
    assert json.loads((tmp_path / RUN_REPORT).read_text())["model"] == report["model"]
    model = sentiment.load_model(out)
    assert model.version.startswith(report["model"] + "-")
    # The file holds the chosen epochs and offsets: serving reproduces the selection figure.
    _, selection = data.split_selection(data.tweeteval("train").head(200), 0.1, config.seed)
    predicted = model.probabilities(selection.texts).argmax(1)
    served = round(100 * macro_recall(selection.labels, predicted), 2)
    assert served == report["chosen"]["calibrated_selection_macro_recall"]
    predictions = model.predict(["good", "", "bad 😡"])
    assert all(p.label in sentiment.LABELS for p in predictions)
    assert len(predictions) == 3


@pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")
def test_tiny_run_with_tse_labels_and_refit_is_reproducible(tmp_path) -> None:
    import sentiment
    from training.architectures import NetworkSpec
    from training.train import TrainConfig, run

    # The recipe of runs T1 + F1 on the model card (tried, not shipped).
    config = replace(
        TrainConfig(), sources=("tweeteval", "tse_train"), refit=True, max_rows=200, epochs=2,
        patience=5, max_tokens=400, embedding_dim=8, word2vec_epochs=1, sequence_length=20,
        candidates=(NetworkSpec("bilstm", units=8, attention=True),
                    NetworkSpec("conv1d", units=8)),
    )
    out = tmp_path / "tiny.keras"
    report = run(config, out)
    rerun = tmp_path / "again" / "tiny.keras"
    run(config, rerun)

    assert out.read_bytes() == rerun.read_bytes()
    # 200 TSE rows (never its report part): 15% judge beside TweetEval's 20 selection rows.
    assert report["tse_selection_rows"] == 30
    assert report["fit_rows"] == 180 + 170
    assert report["refit_rows"] == 200 + 200  # then retrained on all of it
    for option in report["options"]:
        assert option["selection_score"] == round(
            (option["calibrated_selection_macro_recall"] + option["tse_selection_binary"]) / 2, 2)
    model = sentiment.load_model(out)
    assert model.version.startswith(report["model"] + "-")
