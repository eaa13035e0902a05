"""Top terms: the words that characterise each sentiment of a job's tweets."""

from __future__ import annotations

from tests.pages.factories import add_tweets, make_job
from webapp.pages.terms import tokens, top_terms


def test_tokens_drop_stop_words_mentions_links_and_the_hashtag():
    words = tokens("RT @alice: The #Python launch was AMAZING!! https://t.co/xyz 2024 #opensource",
                   frozenset({"python"}))
    assert words == {"launch", "amazing", "opensource"}


def test_tokens_fold_case_and_possessives_and_count_once():
    assert tokens("Python's docs, DOCS and docs’ pages") == {"python", "docs", "pages"}


def test_tokens_ignore_short_words_and_html_entities():
    assert tokens("ok so &amp; it is a go") == set()


def test_top_terms_rank_by_tweets_using_the_word(ctx):
    job = make_job("Python")
    add_tweets(job, [
        ("positive", 0.9, "great great great release"),
        ("positive", 0.8, "lovely release"),
        ("positive", 0.8, "lovely community, great people"),
        ("negative", 0.1, "broken build"),
    ])
    terms = top_terms(job.id, "python")
    assert terms["positive"][:3] == [("great", 2), ("lovely", 2), ("release", 2)]
    assert terms["negative"] == [("broken", 1), ("build", 1)]
    assert terms["neutral"] == []


def test_top_terms_keep_at_most_n_per_label(ctx):
    job = make_job("Python")
    add_tweets(job, [("positive", 0.9, " ".join(f"word{chr(97 + n)}x" for n in range(20)))])
    assert len(top_terms(job.id, "python", n=8)["positive"]) == 8


def test_top_terms_only_count_this_jobs_tweets(ctx):
    mine, other = make_job("Python"), make_job("Rust")
    add_tweets(mine, [("positive", 0.9, "delightful")])
    add_tweets(other, [("positive", 0.9, "borrowchecker")])
    assert top_terms(mine.id, "python")["positive"] == [("delightful", 1)]


def test_distinctive_terms_leave_out_words_every_sentiment_uses_alike():
    from webapp.pages.terms import distinctive_terms

    rows = ([("positive", "great launch today python3 love")] * 30
            + [("negative", "broken launch python3 crash")] * 30
            + [("neutral", "launch python3 notes")] * 30)
    terms = distinctive_terms(rows, "python")
    words = {label: [word for word, _uses, _z in found] for label, found in terms.items()}
    assert words["positive"][:2] == ["great", "love"]
    assert set(words["negative"][:2]) == {"broken", "crash"}
    # Raw frequency would rank "launch" and "python3" first in all three lists.
    assert not any({"launch", "python3"} & set(found) for found in words.values())
    assert all(z > 1.96 for found in terms.values() for _w, _u, z in found)
