"""The pipeline's batches commit without waiting for the disk, and only they do."""

from sqlalchemy import text

from core.db import commit_without_waiting_for_disk, db


def _synchronous_commit() -> str:
    return db.session.execute(text("SHOW synchronous_commit")).scalar_one()


def test_only_the_current_transaction_skips_the_wait(database_app):
    with database_app.app_context():
        if db.engine.dialect.name != "postgresql":
            commit_without_waiting_for_disk()  # SQLite: nothing to change, nothing executed
            assert db.session.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
            return
        assert _synchronous_commit() == "on"
        db.session.rollback()
        commit_without_waiting_for_disk()
        assert _synchronous_commit() == "off"
        db.session.commit()
        # SET LOCAL ends with its transaction: the next one (a claim, a finish) waits again.
        assert _synchronous_commit() == "on"
        db.session.rollback()
