"""OwnerMemo: answers per owner object (limits tables, alert configurations)."""

from __future__ import annotations

from stations.memo import OwnerMemo


class Owner:
    pass


def test_an_answer_is_computed_once_per_owner_even_when_it_is_none() -> None:
    memo: OwnerMemo[int | None] = OwnerMemo(4, 100)
    calls: list[str] = []
    first, second = Owner(), Owner()

    def compute(tag: str, value: int | None):  # type: ignore[no-untyped-def]
        return lambda: calls.append(tag) or value

    assert memo.get(first, "k", compute("a", None)) is None
    assert memo.get(first, "k", compute("b", 1)) is None  # memoised, not recomputed
    assert memo.get(second, "k", compute("c", 2)) == 2  # a replaced owner asks again
    assert calls == ["a", "c"]


def test_memory_is_bounded_by_owners_and_answers() -> None:
    memo: OwnerMemo[int] = OwnerMemo(2, 3)
    owners = [Owner() for _ in range(3)]
    for o in owners:
        memo.get(o, 0, lambda: 0)
    assert len(memo._owners) <= 2
    for k in range(10):
        memo.get(owners[0], k, lambda k=k: k)  # type: ignore[misc]
    assert all(len(answers) <= 3 for _, answers in memo._owners.values())
    assert memo.get(owners[0], 9, lambda: -1) == 9
