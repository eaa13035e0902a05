"""The words that characterise each sentiment of a job's tweets.

Deliberately simple: lower-case words, a stop-word list, no stemming. A word counts once per
tweet (so one tweet repeating a word cannot top the list), and the job's own hashtag, @users,
links and numbers are left out: they say what the tweets are about, not how people feel.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, select

from core.db import prepared_reads
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
    # Read at once, not streamed: a job holds at most its limit (1,000) of posts.
    rows = prepared_reads().all(_LABELS_AND_TEXTS, {"job_id": job_id})
    return count_terms(rows, hashtag_key, n)


_LABELS_AND_TEXTS = (select(Tweet.label, Tweet.text).join(JobTweet, JobTweet.tweet_id == Tweet.id)
                     .where(JobTweet.job_id == bindparam("job_id")))


def count_terms(rows: Iterable[tuple[str | None, str]], hashtag_key: str,
                n: int = TOP_N) -> dict[str, list[tuple[str, int]]]:
    """``top_terms`` of (label, text) rows already in hand (a job page showing every post)."""
    counters: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    exclude = frozenset({hashtag_key.lower()})
    for label, text in rows:
        if label in counters:
            counters[label].update(tokens(text, exclude))
    # Ties are broken alphabetically so the list is stable from one view to the next.
    return {label: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]
            for label, counter in counters.items()}


# The prior's weight as a share of the range's word uses: enough to pull rare words towards
# their overall rate (a word seen twice is not "distinctive"), small beside the data itself.
PRIOR_SHARE = 0.1
MIN_USES = 2


def distinctive_terms(rows: Iterable[tuple[str, str]], hashtag_key: str, n: int = TOP_N,
                      ) -> dict[str, list[tuple[str, int, float]]]:
    """For each label, the words that set its posts apart from the other labels' posts:
    weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
    "Fightin' Words"), the prior being the words' rate over all the posts.

    Returns (word, posts of the label using it, z-score), highest z first, z > 1.96 only. A word
    every label uses at the same rate (the hashtag itself, "today") scores near zero; raw
    frequency would put it first in every list.
    """
    counts: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    exclude = frozenset({hashtag_key.lower()})
    for label, text in rows:
        if label in counts:
            counts[label].update(tokens(text, exclude))
    background: Counter[str] = Counter()
    for counter in counts.values():
        background.update(counter)
    total = sum(background.values())
    result: dict[str, list[tuple[str, int, float]]] = {label: [] for label in LABELS}
    if not total:
        return result
    prior = PRIOR_SHARE * total
    for label, mine in counts.items():
        n_i = sum(mine.values())
        n_j = total - n_i
        if not n_i or not n_j:
            continue
        scored = []
        for word, y_i in mine.items():
            if y_i < MIN_USES:
                continue
            alpha = prior * background[word] / total
            y_j = background[word] - y_i
            delta = (math.log((y_i + alpha) / (n_i + prior - y_i - alpha))
                     - math.log((y_j + alpha) / (n_j + prior - y_j - alpha)))
            z = delta / math.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
            if z > 1.96:
                scored.append((word, y_i, z))
        result[label] = sorted(scored, key=lambda item: (-item[2], item[0]))[:n]
    return result
