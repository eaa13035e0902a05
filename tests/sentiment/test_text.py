"""normalize(): the one cleaning step shared by training and serving."""

import pytest

from sentiment import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@John_Doe hi @x", "@user hi @user"),
        ("look https://t.co/AbC123 and www.example.com/x now", "look and now"),
        ("truncated link http…", "truncated link …"),
        ("fish &amp; chips &lt;3 &quot;yum&quot;", 'fish & chips <3 " yum "'),
        ("double &amp;amp; escaped", "double & escaped"),
        ("  lots \t of\n\n  space  ", "lots of space"),
        ("I DON'T like it", "i don't like_neg it_neg"),
        ("I don’t and can`t", "i don't and_neg can't"),
        ("not good, never again", "not good_neg , never again_neg"),
        ("so happy 😀🎉", "so happy 😀 🎉"),
        ("👍🏽❤️", "👍 ❤"),
        ("great :) :-( :D <3", "great :) :-( :d <3"),
        ("#blessed day", "# blessed day"),
        ("sooooo good!!!!!!", "sooo good ! ! !"),
        ("it\\u2019s here\\u002c ok", "it's here , ok"),
        ("write to a@b.com", "write to a @ b . com"),
        ("Привет, мир 你好", "привет , мир 你好"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent_on_its_output() -> None:
    once = normalize("@Bob I can’t believe it!!!! 😡😡 https://x.co/1 &amp; more")
    assert normalize(once) == once


def test_normalize_keeps_emoji_only_text() -> None:
    assert normalize("😂😂😂😂😂😂") == "😂 😂 😂"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not good", "not good_neg"),
        ("not bad at all", "not bad_neg at_neg all_neg"),
        ("isn't great but it works", "isn't great_neg but it works"),
        ("no problem! love it", "no problem_neg ! love it"),
        ("i dont like mondays 😡 #fail", "i dont like_neg mondays_neg 😡 # fail_neg"),
        ("nothing good happened; happy now", "nothing good_neg happened_neg ; happy now"),
        ("The train leaves from platform 9.", "the train leaves from platform 9 ."),
    ],
)
def test_normalize_marks_words_in_negation_scope(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_negation_marking_is_idempotent() -> None:
    once = normalize("I don't think it's not good, but whatever")
    assert once == "i don't think_neg it's_neg not good_neg , but whatever"
    assert normalize(once) == once
