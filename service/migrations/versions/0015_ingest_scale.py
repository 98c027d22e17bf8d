"""SQLite ingest whose cost per reading stays flat as the tables grow (issues 14 and 20).

A received file is known by the sha256 of its name and bytes. The unique index on that hash
alone put every new file at a random place in the index: a batch of 2,000 files dirtied about
2,000 index pages once the table held a few weeks of files, and each commit wrote them all
(measured: +2 µs per reading at 30 days, the growth issue 20 found). The hash determines the
name, so a unique index on ``(name, sha256)`` enforces the same uniqueness; a Circular 10/2021
name is ``<station>_<stamp>``, so new files land at each station's end of the index, the pages a
batch touches stay few whatever the table holds, and duplicates are looked up by name.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _sqlite_rebuild_under_references() -> None:
    """SQLite drops and rebuilds ``ingested_files`` (an inline UNIQUE cannot be dropped) while
    readings, conflicts and the forward queue point at its ids: switch the foreign-key check
    off for this connection first, or the drop of the old table fails. The rows keep their ids,
    so every reference holds again once the new table is renamed into place. (The pragma only
    takes effect outside a transaction: Alembic commits SQLite migrations one by one, and this
    runs before any statement of this one.)"""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")


def upgrade() -> None:
    _sqlite_rebuild_under_references()
    with op.batch_alter_table("ingested_files") as batch:
        batch.drop_constraint("uq_ingested_files_sha256", type_="unique")
    op.create_index(
        "ix_ingested_files_name_sha256", "ingested_files", ["name", "sha256"], unique=True
    )


def downgrade() -> None:
    _sqlite_rebuild_under_references()
    op.drop_index("ix_ingested_files_name_sha256", table_name="ingested_files")
    with op.batch_alter_table("ingested_files") as batch:
        batch.create_unique_constraint("uq_ingested_files_sha256", ["sha256"])
