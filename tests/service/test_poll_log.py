"""What the polling job logs per committed batch (issue 20): one line for the batch, one per
file that was partly or wholly rejected, every file only at DEBUG. A line per file cost a
30-day backlog 11–20 % of its time with the server's logging, and each file's outcome is in
``ingested_files`` anyway."""

from __future__ import annotations

import logging

import pytest

from service.worker.jobs.ingest import log_batch
from stations.ingest.model import BatchResult, FileOutcome

LOGGER = "service.worker.jobs.ingest"


def _result(outcomes: list[str]) -> tuple[list[str], BatchResult]:
    files = [
        FileOutcome(f"LS_KK{i:02d}.txt", "ftp", f"{i:064x}", outcome,
                    readings=0 if outcome == "quarantined" else 5)
        for i, outcome in enumerate(outcomes)
    ]  # fmt: skip
    stored = sum(f.readings for f in files if f.outcome != "duplicate")
    return [f"/upload/{f.name}" for f in files], BatchResult(files, stored=stored)


@pytest.mark.parametrize(
    ("outcomes", "summary", "per_file"),
    [
        # a routine batch: the summary only, however many files it holds
        (["ok"] * 500, "500 files committed (ok 500); 2500 readings stored", []),
        (["ok", "duplicate"], "2 files committed (duplicate 1, ok 1); 5 readings stored", []),
        # the files that need a look are named, with their source path
        (
            ["ok", "partial", "quarantined"],
            "3 files committed (ok 1, partial 1, quarantined 1); 10 readings stored",
            ["/upload/LS_KK01.txt -> partial", "/upload/LS_KK02.txt -> quarantined"],
        ),
    ],
)
def test_one_line_per_batch_and_one_per_file_that_needs_a_look(
    caplog: pytest.LogCaptureFixture, outcomes: list[str], summary: str, per_file: list[str]
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    paths, result = _result(outcomes)
    log_batch("ftp-ls", paths, result)
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert lines[0] == f"source ftp-ls: {summary}"
    assert len(lines) == 1 + len(per_file)
    for line, expected in zip(lines[1:], per_file, strict=True):
        assert line.startswith(f"source ftp-ls: {expected} (")


def test_every_file_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    paths, result = _result(["ok", "duplicate", "ok"])
    log_batch("ftp-ls", paths, result)
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert debug == [
        "source ftp-ls: /upload/LS_KK00.txt -> ok (5 readings)",
        "source ftp-ls: /upload/LS_KK01.txt -> duplicate (5 readings)",
        "source ftp-ls: /upload/LS_KK02.txt -> ok (5 readings)",
    ]
