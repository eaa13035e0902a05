"""A hashtag's posts and their hourly counts, kept in step as runs store tweets.

``hashtag_posts`` says which tweets were ever fetched for a hashtag (each once, however many
runs saw it); ``hashtag_hours`` counts them per source and UTC hour of the post's own time.
Both change only through these functions, with counts moved by atomic ``x = x + delta``
upserts, so two workers storing pages of the same hashtag at once cannot lose a count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from core.bulk import add_on_conflict, insert_ignoring_conflicts, one_of
from core.db import db
from core.hashtags import hashtag_key as key_of
from core.models import HashtagHour, HashtagPost, Tweet

COUNTED = ("positive", "neutral", "negative")


def hour_of(moment: datetime) -> int:
    """Hours since 1970-01-01 UTC: the key of the hour a post was written in."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 3600)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC)


@dataclass
class _Delta:
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    score_sum: float = 0.0

    def add(self, label: str | None, score: float | None, sign: int = 1) -> None:
        # A post left unscored (another language than its jobs read) is in no count.
        if label not in COUNTED or score is None:
            return
        setattr(self, label, getattr(self, label) + sign)
        self.score_sum += sign * score


def _apply(deltas: dict[tuple[str, str, int], _Delta]) -> None:
    """Add the deltas to their hours, in one statement."""
    add_on_conflict(HashtagHour.__table__, [
        {"hashtag_key": key, "source": source, "hour": hour, "positive": d.positive,
         "neutral": d.neutral, "negative": d.negative, "score_sum": d.score_sum}
        for (key, source, hour), d in deltas.items()],
        keys=("hashtag_key", "source", "hour"), added=(*COUNTED, "score_sum"))


@dataclass(frozen=True)
class PostFacts:
    """What the hourly counts need of a stored tweet (the columns ``add_posts`` would read)."""

    id: int
    source: str
    created_at: datetime
    label: str | None
    score: float | None


def add_posts(hashtag_key: str, tweet_ids: Iterable[int],
              known: Mapping[int, PostFacts] | None = None) -> int:
    """Record tweets as posts of the hashtag; those not recorded before join the hourly counts.

    Idempotent: a tweet already recorded for the hashtag (another run saw it) is not counted
    again. Returns how many posts were new to the hashtag. Runs in the caller's transaction.
    ``known``: the tweets' stored facts where the caller has them in hand (the pipeline, which
    just stored or read them), saving a read of every row back.
    """
    ids = sorted(set(tweet_ids))
    if not ids:
        return 0
    key = key_of(hashtag_key)
    if known is not None and all(tweet_id in known for tweet_id in ids):
        tweets = {tweet_id: known[tweet_id] for tweet_id in ids}
    else:
        tweets = {row.id: row for row in db.session.execute(
            select(Tweet.id, Tweet.source, Tweet.created_at, Tweet.label, Tweet.score)
            .where(one_of(Tweet.id, ids)))}
    new = {row.tweet_id for row in insert_ignoring_conflicts(HashtagPost.__table__, [
        {"hashtag_key": key, "tweet_id": t.id, "source": t.source, "created_at": t.created_at}
        for t in tweets.values()], returning=("tweet_id",))}
    deltas: dict[tuple[str, str, int], _Delta] = defaultdict(_Delta)
    for tweet_id in new:
        tweet = tweets[tweet_id]
        deltas[(key, tweet.source, hour_of(tweet.created_at))].add(tweet.label, tweet.score)
    _apply(deltas)
    return len(new)


@dataclass(frozen=True)
class Rescore:
    """A stored tweet scored again (a newer model): what it was, what it is now."""

    tweet_id: int
    old_label: str | None  # None: stored unscored before
    old_score: float | None
    new_label: str
    new_score: float


def move_rescored(changes: Sequence[Rescore]) -> None:
    """Move rescored tweets between labels in the hours of every hashtag they belong to."""
    if not changes:
        return
    by_id = {change.tweet_id: change for change in changes}
    deltas: dict[tuple[str, str, int], _Delta] = defaultdict(_Delta)
    for post in db.session.execute(
            select(HashtagPost.hashtag_key, HashtagPost.tweet_id, HashtagPost.source,
                   HashtagPost.created_at).where(HashtagPost.tweet_id.in_(list(by_id)))):
        change = by_id[post.tweet_id]
        delta = deltas[(post.hashtag_key, post.source, hour_of(post.created_at))]
        delta.add(change.old_label, change.old_score, -1)
        delta.add(change.new_label, change.new_score, 1)
    _apply(deltas)
