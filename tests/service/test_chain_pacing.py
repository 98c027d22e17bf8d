"""The polling job's rule for when the after-ingest chain runs (shared with the live bench)."""

from __future__ import annotations

from service.worker.jobs.chain_pacing import ChainPacer


def test_chain_runs_when_due_and_at_the_end_over_the_widened_spans() -> None:
    now = [0.0]
    runs: list[dict[str, tuple[int, int]]] = []
    pacer = ChainPacer(runs.append, every_s=5.0, clock=lambda: now[0])
    pacer.committed({"A": (10, 20)})
    now[0] = 4.9
    pacer.committed({"A": (0, 15), "B": (5, 6)})
    assert runs == []  # not due yet: the spans wait, widened
    now[0] = 5.0
    pacer.committed({"B": (7, 9)})
    assert runs == [{"A": (0, 20), "B": (5, 9)}]
    now[0] = 6.0
    pacer.committed({"C": (1, 2)})  # due again only at 10.0
    pacer.run_now()  # the poll's end
    pacer.run_now()  # nothing pending: no run
    assert runs[1:] == [{"C": (1, 2)}] and pacer.runs == 2


def test_every_zero_runs_after_each_batch() -> None:
    runs: list[dict[str, tuple[int, int]]] = []
    pacer = ChainPacer(runs.append, every_s=0.0)
    for k in range(3):
        pacer.committed({"A": (k, k)})
    assert runs == [{"A": (k, k)} for k in range(3)]
