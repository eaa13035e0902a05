"""The words that characterise each sentiment of a job's tweets.

Deliberately simple: lower-case words, a stop-word list, no stemming. A word counts once per
tweet (so one tweet repeating a word cannot top the list), and the job's own hashtag, @users,
links and numbers are left out: they say what the tweets are about, not how people feel.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from core.db import db
from core.models import LABELS, JobTweet, Tweet

TOP_N = 8

_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+|&\w+;")
_WORD = re.compile(r"#?[^\W\d_][\w'’]*")

_STOP_WORDS_TEXT = """
a about above after again against all almost also am an and any are aren't as at be because
been before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each even ever every few for from further get gets getting got
gonna had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's
like make many me more most much must mustn't my myself need never new no nor not now of off
on once one only or other ought our ours ourselves out over own really right same say says
see shan't she she'd she'll she's should shouldn't so some still such than that that's the
their theirs them themselves then there there's these they they'd they'll they're they've
thing things think this those though through to too u ur us very via want was wasn't way we
we'd we'll we're we've well were weren't what what's when when's where where's which while who
who's whom why why's will with won't would wouldn't yeah yes yet you you'd you'll you're you've
your yours yourself yourselves im dont cant wont didnt doesnt isnt ive youre thats theres
lol rt amp gt lt http https co www com go going know time today day back people first last
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def tokens(text: str, exclude: frozenset[str] = frozenset()) -> set[str]:
    """The distinct countable words of one tweet."""
    words = set()
    for raw in _WORD.findall(_NOISE.sub(" ", text.lower())):
        word = raw.lstrip("#").replace("’", "'").strip("'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 3 or word in STOP_WORDS or word in exclude:
            continue
        words.add(word)
    return words


def top_terms(job_id: int, hashtag_key: str, n: int = TOP_N) -> dict[str, list[tuple[str, int]]]:
    """For each label, its ``n`` most common words as (word, tweets using it), most first."""
    counters: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    rows = db.session.execute(
        select(Tweet.label, Tweet.text).join(JobTweet, JobTweet.tweet_id == Tweet.id)
        .where(JobTweet.job_id == job_id)
        .execution_options(yield_per=500))
    exclude = frozenset({hashtag_key.lower()})
    for label, text in rows:
        if label in counters:
            counters[label].update(tokens(text, exclude))
    # Ties are broken alphabetically so the list is stable from one view to the next.
    return {label: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]
            for label, counter in counters.items()}
