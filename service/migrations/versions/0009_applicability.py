"""Regulation applicability: what decides a facility's regulation (issue 15).

A permit records the dates that decide whether a facility may keep a replaced regulation under
its successor's transition rule (TT 06/2025 Art. 3, TT 45/2024 Art. 3): operating since, ĐTM
(EIA) approval, permit date.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


_COLUMNS = (
    ("operating_since", "facility operating since"),
    ("eia_approved_on", "ĐTM (EIA) approval date"),
    ("permit_date", "environmental permit date"),
)


def upgrade() -> None:
    with op.batch_alter_table("permits") as batch:
        for name, comment in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Date(), nullable=True, comment=comment))


def downgrade() -> None:
    with op.batch_alter_table("permits") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
