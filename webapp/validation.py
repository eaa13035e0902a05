"""Validation at the edge: turn untrusted input into typed requests or a clear error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.hashtags import MAX_HASHTAG_LENGTH, hashtag_key, is_valid_hashtag, normalize_hashtag
from core.languages import DEFAULT_LANG, primary_language
from core.sources import DEFAULT_SOURCE, SOURCE_NAMES, source_info, unconfigured_message

INT_RE = re.compile(r"-?[0-9]{1,11}")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class ValidationError(ValueError):
    """Input a person must fix; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def parse_hashtag(value: Any, field: str = "hashtag") -> str:
    """Return the hashtag without '#' (NFC-normalised), or raise ValidationError saying what is
    wrong. Letters, marks and digits of any script and underscores are accepted, as on the
    platforms."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("Enter a hashtag, for example #python.", field)
    if not isinstance(value, str):
        raise ValidationError("The hashtag must be text.", field)
    tag = normalize_hashtag(value.strip())
    if tag.startswith("#"):
        tag = tag[1:]
    if not tag:
        raise ValidationError("Enter a hashtag after the '#'.", field)
    if len(tag) > MAX_HASHTAG_LENGTH or len(hashtag_key(tag)) > MAX_HASHTAG_LENGTH:
        raise ValidationError(
            f"A hashtag can be at most {MAX_HASHTAG_LENGTH} characters long.", field)
    if not is_valid_hashtag(tag):
        raise ValidationError(
            "A hashtag may contain only letters, digits and underscores, in any script "
            "(no spaces, punctuation or symbols).",
            field,
        )
    return tag


def parse_text(value: Any, field: str, *, max_chars: int) -> str:
    """Free text to score: non-blank, at most ``max_chars``, and real Unicode (a lone surrogate
    such as "\\udfff" cannot be encoded, stored or sent to a worker)."""
    if not isinstance(value, str):
        raise ValidationError("Each text must be a string.", field)
    if not value.strip():
        raise ValidationError("Each text must contain something to score (not blank).", field)
    if len(value) > max_chars:
        raise ValidationError(f"Each text can be at most {max_chars} characters.", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Texts must be valid Unicode: this one contains a lone surrogate "
                              "escape (such as \\udfff).", field) from None
    return value


def parse_int(value: Any, field: str, *, low: int, high: int, what: str) -> int:
    """An integer in [low, high]; accepts digit strings from forms and query strings."""
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a whole number.", field)
    # ASCII digits only: str.isdigit() also says yes to "²³", and lstrip("-") to "--5", both of
    # which int() then refused with a ValueError (a 500).
    if isinstance(value, str) and INT_RE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(f"{what} must be a whole number.", field)
    if not low <= value <= high:
        raise ValidationError(f"{what} must be between {low} and {high}.", field)
    return value


def parse_source(value: Any, field: str = "source", default: str = DEFAULT_SOURCE,
                 config: Mapping[str, Any] | None = None) -> str:
    """A source name from the registry (``core.sources``); ``default`` when empty.

    With ``config``, a source that is not configured there (its required settings unset) is a
    422 naming those settings, so a job or tracker is refused before anything is queued.
    """
    if value is None or value == "":
        value = default
    if not isinstance(value, str) or value not in SOURCE_NAMES:
        names = ", ".join(f"'{name}'" for name in SOURCE_NAMES)
        raise ValidationError(f"Unknown source; choose one of {names}.", field)
    if config is not None:
        require_configured(value, config, field)
    return value


def require_configured(source: str, config: Mapping[str, Any], field: str = "source") -> None:
    """Raise a 422 naming the missing settings when ``source`` is not configured."""
    message = unconfigured_message(source_info(source), config)
    if message:
        raise ValidationError(message, field)


def parse_lang(value: Any, field: str = "lang") -> str:
    """The language a job scores, as the ISO 639 code posts are compared by ("en", the model's
    language, by default): a tag such as "en-GB" or a three-letter "eng" gives "en".
    Posts in other languages are counted as not scored, never given the model's guess."""
    if value is None or value == "":
        return DEFAULT_LANG
    language = primary_language(value) if isinstance(value, str) else None
    if language is None:
        raise ValidationError(
            'The language must be an ISO 639 language code such as "en" (English), "es" or '
            '"de".', field)
    return language


def reject_unknown_fields(body: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationError(
            f"Unknown field '{unknown[0]}'; allowed fields are {', '.join(sorted(allowed))}.",
            unknown[0],
            status=400,
        )


def require_object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationError("Send a JSON object in the request body.", None, status=400)
    return body


@dataclass(frozen=True)
class JobRequest:
    hashtag: str
    limit: int = DEFAULT_LIMIT
    source: str = DEFAULT_SOURCE
    lang: str = DEFAULT_LANG

    @classmethod
    def from_mapping(cls, body: Any, default_source: str = DEFAULT_SOURCE,
                     config: Mapping[str, Any] | None = None) -> JobRequest:
        """Validate a job's JSON body; with ``config``, an unconfigured source is refused."""
        body = require_object(body)
        reject_unknown_fields(body, {"hashtag", "limit", "source", "lang"})
        limit = body.get("limit")
        return cls(
            hashtag=parse_hashtag(body.get("hashtag")),
            limit=DEFAULT_LIMIT if limit is None else parse_int(
                limit, "limit", low=1, high=MAX_LIMIT, what="The tweet limit"),
            source=parse_source(body.get("source"), default=default_source, config=config),
            lang=parse_lang(body.get("lang")),
        )
