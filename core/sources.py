"""The catalogue of post sources: the one registry the web app validates against and shows, and
the worker builds from.

Each source declares its name, how it is shown, what it costs, which settings it needs, whether
it is configured under a given configuration, and what it can do. The sources themselves
(clients, parsing) live in ``worker.sources``; the web app needs only this catalogue, so it
never imports worker code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceInfo:
    """What the rest of tagpulse knows about one source without talking to it."""

    name: str
    label: str
    """Short name for menus, e.g. "Mastodon"."""
    summary: str
    """One line on what it searches and what it costs."""
    required_settings: tuple[str, ...] = ()
    """Settings that must all be non-empty before a job may use the source."""
    optional_settings: tuple[str, ...] = ()
    incremental: bool = True
    """Whether a tracker's runs can ask only for posts newer than the last run saw."""
    max_page_size: int = 100
    """The most posts one request returns."""
    language_filter: bool = False
    """Whether the source itself can be asked for posts in one language only."""

    def missing_settings(self, config: Mapping[str, object]) -> tuple[str, ...]:
        """The required settings that are unset or empty in ``config``."""
        return tuple(key for key in self.required_settings
                     if not str(config.get(key) or "").strip())

    def is_configured(self, config: Mapping[str, object]) -> bool:
        return not self.missing_settings(config)

    def setup_hint(self, config: Mapping[str, object]) -> str:
        """What to set before the source can be used; empty when it is configured."""
        missing = self.missing_settings(config)
        if not missing:
            return ""
        return f"set {' and '.join(missing)}"


SOURCES: tuple[SourceInfo, ...] = (
    SourceInfo(
        name="sample", label="Sample corpus",
        summary="Offline replay of a bundled corpus of 2013-2019 tweets; free, no network.",
        optional_settings=("SAMPLE_REPLAY_HOURS", "SAMPLE_LOOKBACK_PERIODS"),
        max_page_size=100),
    SourceInfo(
        name="mastodon", label="Mastodon",
        summary="Live public hashtag timelines of Mastodon servers; free, no account needed "
                "on most servers.",
        required_settings=("MASTODON_INSTANCES",),
        optional_settings=("MASTODON_ACCESS_TOKEN", "MASTODON_TIMEOUT_SECONDS"),
        max_page_size=40),
    SourceInfo(
        name="bluesky", label="Bluesky",
        summary="Live Bluesky post search; free, needs an account's app password.",
        required_settings=("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"),
        optional_settings=("BLUESKY_SERVICE_URL", "BLUESKY_TIMEOUT_SECONDS"),
        max_page_size=100, language_filter=True),
    SourceInfo(
        name="x", label="X",
        summary="Live X API recent search (last 7 days); X charges per post read.",
        required_settings=("X_BEARER_TOKEN",), optional_settings=("X_TIMEOUT_SECONDS",),
        max_page_size=100, language_filter=True),
)

SOURCES_BY_NAME: dict[str, SourceInfo] = {source.name: source for source in SOURCES}

SOURCE_NAMES: tuple[str, ...] = tuple(SOURCES_BY_NAME)
"""The sources a job can name; "sample" is the default, needing no network or credentials."""

DEFAULT_SOURCE = "sample"

SAMPLE_EXAMPLE_HASHTAGS = ("love", "maga", "tbt", "california", "usa", "family", "losangeles",
                           "nyc")
"""Among the sample corpus's most used hashtags (a test checks it against the corpus): what the
home page and README suggest for the offline source."""

SOURCE_SETTINGS: tuple[str, ...] = tuple(dict.fromkeys(
    key for source in SOURCES for key in source.required_settings + source.optional_settings))
"""Every setting any source reads: what the worker hands to ``worker.sources.get_source``."""


def source_info(name: str) -> SourceInfo:
    """The catalogue entry for ``name``; KeyError for an unknown name."""
    return SOURCES_BY_NAME[name]


def unconfigured_message(source: SourceInfo, config: Mapping[str, object]) -> str | None:
    """Why ``source`` cannot be used under ``config``, for a person; None when it can."""
    missing = source.missing_settings(config)
    if not missing:
        return None
    settings = " and ".join(missing)
    return (f"The '{source.name}' source is not configured on this server: set {settings} "
            f"(see the README), or choose another source.")
