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
