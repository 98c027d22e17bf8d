"""How many files one ingest transaction takes when many are waiting: a backfill
(``quantrac ingest``) and a poll that finds a backlog use the same bounds.

Each commit rewrites the pages every batch touches (the newest index pages of each series, the
file index, the hourly means and latest values), so large batches cost less per reading: a
3-day backfill takes 11 % less CPU in batches of 5,000 files than of 2,000 (bench/README.md,
round 4). The bytes held for one batch stay under ``MAX_BATCH_BYTES`` whatever the files are.
"""

from __future__ import annotations

BATCH_FILES = 5000
MAX_BATCH_BYTES = 32 * 1024 * 1024
