"""A job's work as plain functions: claim it, fetch page by page, score each page in one batch,
store, record progress, finish. No Celery here, so it is testable with a fake clock and source.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from core import lifecycle
from core.db import db
from core.hashtag_posts import PostFacts, Rescore, add_posts, move_rescored
from core.languages import scored_in
from core.lifecycle import LeaseHolder, LeaseKeeper
from core.models import Job, utcnow
from worker.languages import post_language
from worker.sources import FetchedTweet, TweetSource, newer_id
from worker.storage import (
    StoredTweet,
    insert_tweets,
    job_totals,
    link_tweets,
    rescore_tweets,
    stored_tweets,
    unlink_all,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 100
# Posts scored and stored together (several pages): see fetch_score_store.
SCORE_BATCH = 500
# Defaults for callers without a configuration (tests, benchmarks); the worker passes
# JOB_LEASE_SECONDS and JOB_MAX_ATTEMPTS.
DEFAULT_LEASE = timedelta(seconds=30)
DEFAULT_MAX_LOSSES = 3


class PredictionLike(Protocol):
    """The shape of ``sentiment.Prediction``; typed here so this module never imports TensorFlow."""

    label: str
    score: float
    probs: dict[str, float]


Scorer = Callable[[Sequence[str]], Sequence[PredictionLike]]


@dataclass(frozen=True)
class JobOutcome:
    job_id: int
    status: str
    total: int
    error: str | None = None


def store_page(job: Job, tweets: Sequence[FetchedTweet], score: Scorer,
               model_version: str) -> PageResult:
    """Score the page's new tweets in the job's language in one batch, store every tweet, link
    the page to the job.

    Tweets in another language are stored (without scores, if new) and linked, but not scored:
    the model reads English, and its guess on other languages would be arbitrary. Tweets stored
    earlier by another model version, or never scored, are scored again in the same batch, so
    a job's figures never mix two models (after an upgrade, old posts are re-read as seen).
    A tweet already linked to the job is not counted twice.
    """
    # The job's attributes once, not an ORM attribute read per post.
    source, lang = job.source, job.lang
    unique = list({t.source_id: t for t in tweets}.values())
    texts = {t.source_id: readable(t.text) for t in unique}
    known = stored_tweets(source, [t.source_id for t in unique])
    # A stored tweet keeps the language it was stored with, so these counts agree with the
    # final recount from the rows (``job_totals``).
    langs = {t.source_id: known[t.source_id].lang if t.source_id in known
             else post_language(t.lang, texts[t.source_id]) for t in unique}
    wanted = {t.source_id for t in unique if scored_in(lang, langs[t.source_id])}
    new = [t for t in unique if t.source_id not in known]
    to_score = [t for t in new if t.source_id in wanted]
    unscored = [t for t in new if t.source_id not in wanted]
    stale = [t for t in unique if t.source_id in known and t.source_id in wanted
             and known[t.source_id].model_version != model_version]
    batch = to_score + stale
    predictions = score([texts[t.source_id] for t in batch]) if batch else []
    scores = [_score_columns(p, model_version) for p in predictions]
    stored_at = utcnow()
    rows = [(t, columns) for t, columns in zip(to_score, scores[:len(to_score)], strict=True)]
    rows += [(t, _NO_SCORE) for t in unscored]
    known.update(insert_tweets([
        {
            "source": source, "source_id": t.source_id,
            "username": without_lone_surrogates(t.username[:100]),
            "text": texts[t.source_id], "url": t.url, "created_at": t.created_at,
            "content_warning": (None if t.content_warning is None
                                else without_lone_surrogates(t.content_warning)),
            "lang": langs[t.source_id], **columns,
            "stored_at": stored_at,
        }
        for t, columns in rows
    ]))
    if stale:
        rescored = [{"tweet_id": known[t.source_id].id, **columns}
                    for t, columns in zip(stale, scores[len(to_score):], strict=True)]
        changed = rescore_tweets(rescored, {known[t.source_id].id: known[t.source_id].model_version
                                            for t in stale})
        moves = []
        for t, columns in zip(stale, scores[len(to_score):], strict=True):
            before = known[t.source_id]
            if before.id in changed:
                moves.append(Rescore(before.id, before.label, before.score,
                                     columns["label"], columns["score"]))
            known[t.source_id] = StoredTweet(before.id, t.source_id, columns["label"],
                                             columns["score"], model_version, before.lang,
                                             before.created_at)
        move_rescored(moves)
    missing = [t.source_id for t in unique if t.source_id not in known]
    if missing:  # inserted by a concurrent worker between our lookup and our insert
        known.update(stored_tweets(source, missing))
    linked = link_tweets(job.id, [known[t.source_id].id for t in unique])
    # The hashtag's own record of its posts (each once), from which its trend is counted.
    add_posts(job.hashtag_key, [known[t.source_id].id for t in unique], known={
        stored.id: PostFacts(stored.id, source, stored.created_at, stored.label, stored.score)
        for stored in known.values() if stored.created_at is not None})
    newly = [stored for stored in known.values() if stored.id in linked]
    return PageResult(
        scored=[t for t in newly if t.source_id in wanted and t.label is not None],
        skipped_language=sum(1 for t in newly if t.source_id not in wanted))


# A UTF-16 surrogate on its own: in a Python string every surrogate is one, since a valid pair
# decodes to the character it encodes.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (half of an emoji's pair, from a source that cut the
    text by UTF-16 code units) replaced by U+FFFD: neither database stores one, and one such
    post failed its whole job."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def readable(text: str) -> str:
    """What is stored and scored of a post's text. Sources send HTML-escaped text (``&amp;``):
    store what was written, escape on display."""
    return without_lone_surrogates(html.unescape(text))


@dataclass(frozen=True)
class PageResult:
    """What a stored page added to the job: tweets newly linked and scored, and how many newly
    linked tweets were left unscored for their language."""

    scored: list[StoredTweet]
    skipped_language: int = 0


_NO_SCORE = {"label": None, "score": None, "prob_negative": None, "prob_neutral": None,
             "prob_positive": None, "model_version": None}


def _score_columns(prediction: PredictionLike, model_version: str) -> dict:
    return {"label": prediction.label, "score": float(prediction.score),
            "prob_negative": float(prediction.probs["negative"]),
            "prob_neutral": float(prediction.probs["neutral"]),
            "prob_positive": float(prediction.probs["positive"]),
            "model_version": model_version}


def record_progress(job: Job, fetched: int, linked: Sequence[StoredTweet], now: datetime,
                    skipped_language: int = 0) -> None:
    """Add a page's newly linked tweets to the job's running totals and beat the heartbeat."""
    job.skipped_language = (job.skipped_language or 0) + skipped_language
    if linked:
        score_sum = (job.mean_score or 0.0) * job.total + sum(t.score for t in linked)
        # One attribute write per label, not per post: each ORM write costs ~15 µs.
        for label, count in Counter(tweet.label for tweet in linked).items():
            setattr(job, label, getattr(job, label) + count)
        job.mean_score = score_sum / job.total
    job.fetched = fetched
    job.scored = job.total
    job.heartbeat_at = now
    db.session.commit()


def claim(job_id: int, holder: LeaseHolder, now: datetime, *, lease: timedelta = DEFAULT_LEASE,
          max_losses: int = DEFAULT_MAX_LOSSES) -> Job | None:
    """Take the job (``core.lifecycle.claim``); a previous attempt's links are dropped so the new
    one starts over cleanly (a first attempt has none: one statement and commit less per job).
    None when it is finished or held by a live worker."""
    claimed = lifecycle.claim(job_id, holder, now, lease=lease, max_losses=max_losses)
    if claimed.job is None:
        log.info("job %s not taken: %s", job_id, claimed.reason)
        return None
    if claimed.reason == "taken-over":
        log.warning("job %s taken over from a worker that stopped", job_id)
    if not claimed.first_attempt:
        unlink_all(job_id)
        db.session.commit()
    return claimed.job


def run_job(job_id: int, *, source: TweetSource, score: Scorer, model_version: str,
            clock: Callable[[], datetime] = utcnow, holder: LeaseHolder | None = None,
            lease: timedelta = DEFAULT_LEASE, max_losses: int = DEFAULT_MAX_LOSSES,
            renew_every: float | None = None) -> JobOutcome | None:
    """Do the whole job; source errors propagate for the task layer to retry or fail.

    ``renew_every`` (seconds) renews the lease from a background thread as well, so a slow fetch
    cannot let it lapse; without it the lease is renewed once per page.
    """
    holder = holder or LeaseHolder.current()
    job = claim(job_id, holder, clock(), lease=lease, max_losses=max_losses)
    if job is None:
        return None
    job.model_version = model_version
    keeper = (LeaseKeeper(db.engine, job_id, holder, renew_every) if renew_every
              else contextlib.nullcontext())
    with keeper:
        newest = fetch_score_store(job, source, score, model_version, clock)
    return finish_job(job, holder, newest, clock())


def fetch_score_store(job: Job, source: TweetSource, score: Scorer, model_version: str,
                      clock: Callable[[], datetime]) -> str | None:
    """Page through the source up to the job's limit; returns the newest tweet id seen.

    Pages are scored and stored SCORE_BATCH posts at a time: one model call, one round of
    statements and one commit per batch rather than per page (a source's page is 40-100 posts),
    which is most of what a 1,000-post job costs besides the model itself. Progress is recorded
    once per batch.
    """
    fetched = 0
    newest: str | None = None
    token: str | None = None
    batch: list[FetchedTweet] = []
    more = True
    while more:
        page = source.fetch_page(job.hashtag, page_size=min(PAGE_SIZE, job.tweet_limit - fetched),
                                 since_id=job.since_id, page_token=token, lang=job.lang)
        tweets = page.tweets[: job.tweet_limit - fetched]
        fetched += len(tweets)
        batch += tweets
        for tweet in tweets:
            newest = newer_id(newest, tweet.source_id)
        token = page.next_token
        more = bool(token and page.tweets) and fetched < job.tweet_limit
        if len(batch) >= SCORE_BATCH or not more:
            result = store_page(job, batch, score, model_version) if batch else PageResult([])
            record_progress(job, fetched, result.scored, clock(), result.skipped_language)
            batch = []
    return newest


def finish_job(job: Job, holder: LeaseHolder, newest: str | None,
               now: datetime) -> JobOutcome | None:
    """Recount from the rows and end the job; None if its lease was lost meanwhile (another
    worker took it over and will finish it)."""
    # The running totals are exact, but recount once from the rows: cheap, and the figures a
    # person reads then never depend on bookkeeping.
    totals = job_totals(job.id, job.lang)
    incremental = job.tracker_id is not None or job.since_id is not None
    status, error = "done", None
    if totals["total"] == 0 and totals["skipped_language"] == 0 and not incremental:
        status = "failed"
        error = f"No posts found for #{job.hashtag} in the '{job.source}' source."
    # A tracked run with nothing new since the last one is a normal, empty result.
    job_id, newest_id = job.id, newer_id(job.since_id, newest)
    db.session.rollback()  # the figures below are written by one conditional UPDATE
    finished = lifecycle.finish(
        job_id, holder, now, status=status, error=error,
        positive=totals["positive"], neutral=totals["neutral"], negative=totals["negative"],
        mean_score=totals["mean_score"], scored=totals["total"],
        skipped_language=totals["skipped_language"], newest_id=newest_id)
    if not finished:
        log.warning("job %s: lease lost before it finished; its new holder finishes it", job_id)
        return None
    return JobOutcome(job_id, status, totals["total"], error)
