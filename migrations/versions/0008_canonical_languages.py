"""languages: each tracker's, and each queued job's, language as the code posts carry

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:30:00

A job's or tracker's language used to be stored as it was typed, lower-cased: any two or three
letters. Posts carry the canonical code ("en"), so a tracker made with "eng", "fra" or X's old
"iw" never scored a post, run after run. Upgrading rewrites each tracker's language, and each
queued job's, to the canonical code ("eng" -> "en", "iw" -> "he"). Finished and running jobs keep
theirs: their counts were made with it. A code that names no language ("zz") is left as it is:
there is nothing to rewrite it to, and the tracker's page shows it.
"""
# ruff: noqa: S608  (the statements' text is built from TABLES' own names and conditions only)
import langcodes
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Where the rewrite applies: every tracker, and the jobs no worker has begun.
TABLES = (("trackers", ""), ("jobs", " AND status = 'queued'"))


def canonical(code: str) -> str | None:
    """The canonical ISO 639 code of a stored two- or three-letter code, None where it names no
    registered language (as core.languages.primary_language had it at this revision)."""
    try:
        language = langcodes.Language.get(langcodes.standardize_tag(code, macro=True)).language
    except ValueError:
        return None
    if not language or not language.isalpha() or not langcodes.tag_is_valid(language):
        return None
    return {"fil": "tl"}.get(language, language)  # Tagalog as the sources write it


def upgrade():
    conn = op.get_bind()
    for table, condition in TABLES:
        stored = conn.execute(sa.text(
            f"SELECT DISTINCT lang FROM {table} WHERE lang IS NOT NULL{condition}")).scalars()
        rewrite = sa.text(f"UPDATE {table} SET lang = :new WHERE lang = :old{condition}")
        for code in list(stored):
            new = canonical(code)
            if new and new != code:
                conn.execute(rewrite, {"new": new, "old": code})


def downgrade():
    # The canonical codes are valid at 0007 as well; what was typed before is not kept.
    pass
