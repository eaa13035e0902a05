"""One code per language, for jobs and posts alike: a job asked for "eng" used to keep "eng",
and no post (they carry "en") ever matched it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.languages import primary_language
from worker.languages import post_language


@pytest.mark.parametrize(("tag", "code"), [
    ("en", "en"), ("EN", "en"), (" en ", "en"), ("en-GB", "en"), ("en_US", "en"),
    ("eng", "en"), ("fra", "fr"), ("fre", "fr"), ("deu", "de"), ("jpn", "ja"),
    ("iw", "he"), ("in", "id"),  # X's codes for Hebrew and Indonesian
    ("cmn", "zh"), ("zh-Hant-TW", "zh"),  # the macrolanguage, as the sources tag Chinese
    ("tl", "tl"), ("fil", "tl"), ("tgl", "tl"),  # Tagalog as the sources write it
    ("qu", "qu"),  # Quechua is a language, though its code starts like the private-use ones
    ("haw", "haw"), ("yue", "yue"),  # no two-letter code: the three-letter one is canonical
])
def test_a_language_tag_gives_its_canonical_code(tag, code):
    assert primary_language(tag) == code


@pytest.mark.parametrize("tag", [
    None, "", "  ", "zz", "xx", "english", "e", "123", "en-", "x-private",
    "und", "zxx", "mul", "mis",  # codes that say "no language"
    "qme", "qht", "qaa",  # private use: X's "media only" and "hashtags only"
    "en" + "-abc" * 20,  # longer than any real tag
])
def test_what_names_no_language_gives_none(tag):
    assert primary_language(tag) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_code_or_none_and_never_raises(text):
    code = primary_language(text)
    assert code is None or (code.isascii() and code.isalpha() and code.islower()
                            and 2 <= len(code) <= 3)


def test_a_post_carries_the_code_a_job_asks_for():
    assert post_language("iw", "שלום") == "he"
    assert post_language("en-GB", "whatever") == "en"
    # A tag that says nothing about the language: the text decides.
    assert post_language("qme", "What a lovely day at the beach with friends") == "en"
    assert post_language(None, "🎉 #2024 @someone") == "und"
