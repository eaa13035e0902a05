"""A small, realistic history for looking at the pages: several runs of one hashtag, a failed
run, a running one, and scored tweets."""

from __future__ import annotations

from tests.pages.factories import add_tweets, make_job

TWEETS = [
    ("positive", 0.93, "Just shipped my first #Python package to PyPI and the docs build on the "
                       "first try. Loving this community!"),
    ("positive", 0.88, "Pattern matching in #python 3.10 made this parser so much cleaner. "
                       "Great release."),
    ("positive", 0.81, "Teaching kids #python this weekend, they built a tiny game and were "
                       "thrilled. Best Saturday."),
    ("positive", 0.77, "The new error messages are brilliant, they point right at the typo. "
                       "#python"),
    ("positive", 0.74, "Type hints plus a good editor = fewer bugs, happier team. #Python"),
    ("positive", 0.71, "Finally understand async generators thanks to a great talk at the "
                       "meetup #python"),
    ("positive", 0.69, "Our data pipeline rewrite in #python is twice as fast and half the "
                       "code. Proud of the team."),
    ("neutral", 0.52, "Which #python web framework are people using for small internal tools "
                      "these days?"),
    ("neutral", 0.50, "Reading the release notes for the next #python version tonight."),
    ("neutral", 0.49, "Migrating a service from 3.9 to 3.12 this sprint. #python"),
    ("neutral", 0.47, "Slides from today's #python workshop are on the meetup page."),
    ("negative", 0.22, "Spent the whole afternoon fighting #python packaging again. Why is "
                       "this still so painful?"),
    ("negative", 0.18, "Dependency conflicts broke our build for the third time this week "
                       "#python"),
    ("negative", 0.12, "The GIL strikes again, our CPU-bound job is stuck on one core. "
                       "Frustrating. #python"),
    ("negative", 0.26, "Tutorials that skip virtual environments cause so much confusion for "
                       "beginners #python"),
]


def seed_history():
    """Return (done_job, failed_job, running_job) after writing the demo rows."""
    shapes = [(0.40, 0.30), (0.45, 0.25), (0.38, 0.34), (0.52, 0.20), (0.47, 0.27)]
    older = []
    for index, (positive, negative) in enumerate(shapes):
        total = 80 + 15 * index
        job = make_job("Python", minutes=-60 * 24 * (len(shapes) - index), limit=total,
                       tracker_id=None)
        job.positive = round(total * positive)
        job.negative = round(total * negative)
        job.neutral = total - job.positive - job.negative
        job.scored = job.fetched = total
        job.mean_score = 0.5 + (positive - negative) / 2
        older.append(job)
    done = make_job("Python", minutes=0, limit=100)
    add_tweets(done, TWEETS)
    failed = make_job("climate", status="failed", minutes=5, source="x",
                      error="The X source needs an API token: set X_BEARER_TOKEN and try again.")
    running = make_job("MachineLearning", status="running", minutes=10, limit=200)
    add_tweets(running, TWEETS[:4] + TWEETS[-2:], source="x")
    running.status = "running"
    running.fetched = 120
    from core.db import db

    db.session.commit()
    return done, failed, running


RUST_TWEETS = [
    ("positive", 0.9, "The borrow checker finally clicked for me today. #rust is a joy."),
    ("positive", 0.8, "Rewrote the hot loop in #rust and it is fast and safe, wonderful."),
    ("neutral", 0.5, "Reading the #rust async book chapter on pinning tonight."),
    ("negative", 0.2, "Compile times in our #rust workspace are painful again."),
    ("negative", 0.15, "Lifetimes error messages confuse every beginner on the team #rust"),
]


def seed_story(now, hashtags=("Python", "rust"), days: int = 10):
    """Posts of each hashtag spread over the last ``days`` days by the hour, their mood
    drifting, seen by one tracked-like run per day (and a few runs that found nothing new)."""
    import math
    import random
    from datetime import timedelta

    from core.db import db
    from core.hashtag_posts import add_posts
    from core.models import JobTweet, Tweet
    from tests.pages.factories import PROBS

    number = 50_000
    draw = random.Random(11)
    for tag_index, hashtag in enumerate(hashtags):
        corpus = TWEETS if tag_index == 0 else RUST_TWEETS
        by_label = {label: [t for t in corpus if t[0] == label]
                    for label in ("positive", "neutral", "negative")}
        for day in range(days):
            job = make_job(hashtag, minutes=-(days - day) * 24 * 60, limit=1000)
            tweets = []
            for hour in range(24):
                at = now - timedelta(days=days - day, hours=-hour)
                phase = (day * 24 + hour) / 40 + tag_index
                count = 6 + int(6 * (1 + math.sin((day * 24 + hour) / 9 + tag_index)))
                positive = 0.45 + 0.2 * math.sin(phase)
                negative = 0.25 - 0.12 * math.sin(phase)
                for k in range(count):
                    roll = draw.random()
                    label = ("positive" if roll < positive else
                             "negative" if roll < positive + negative else "neutral")
                    label, score, text = draw.choice(by_label[label])
                    negative, neutral, positive = PROBS[label]
                    number += 1
                    tweets.append(Tweet(
                        source="sample", source_id=str(number), username=f"user{number % 97}",
                        text=text, url=None, created_at=at + timedelta(minutes=k * 7),
                        label=label, score=score, prob_negative=negative, prob_neutral=neutral,
                        prob_positive=positive, model_version="test-1"))
            db.session.add_all(tweets)
            db.session.flush()
            db.session.add_all(JobTweet(job_id=job.id, tweet_id=t.id) for t in tweets)
            for t in tweets:
                setattr(job, t.label, getattr(job, t.label) + 1)
            job.scored = job.fetched = job.total
            job.mean_score = sum(t.score for t in tweets) / len(tweets)
            add_posts(hashtag, [t.id for t in tweets])
            db.session.commit()
        for minutes in (-50, -40, -30):  # runs that found nothing new
            make_job(hashtag, minutes=minutes, since_id="1")
