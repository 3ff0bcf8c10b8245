"""The in-memory index is pure: cosine top-k above a threshold, and a revision-keyed cache."""

from __future__ import annotations

import numpy as np

from modelyard.knowledge.index import IndexCache, Matrix, build_matrix, normalise, to_bytes
from modelyard.knowledge.index import top_matches as top

ROWS = normalise(np.array([[1, 0], [0.8, 0.6], [0.6, 0.8], [0, 1], [0, 0]], dtype=np.float32))
IDS = ("a", "b", "c", "d", "zero")


def _matrix(revision: int = 1, rows: np.ndarray = ROWS) -> Matrix:
    return build_matrix(revision, "m", IDS[: len(rows)], [to_bytes(r) for r in rows], 2)


def test_scores_are_cosines_best_first_above_the_threshold() -> None:
    query = normalise(np.array([[3, 0]], dtype=np.float32))[0]
    found = top(_matrix(), query, 0.5, 10)
    assert [chunk for chunk, _ in found] == ["a", "b", "c"]
    assert np.allclose([score for _, score in found], [1.0, 0.8, 0.6])
    assert [chunk for chunk, _ in top(_matrix(), query, 0.5, 2)] == ["a", "b"]
    assert [chunk for chunk, _ in top(_matrix(), query, 0.61, 10)] == ["a", "b"]
    assert top(_matrix(), query, 0.5, 0) == []
    assert top(build_matrix(1, "m", [], [], 0), query, 0.0, 5) == []


def test_a_zero_vector_scores_zero_and_rows_are_contiguous() -> None:
    matrix = _matrix()
    assert matrix.vectors.flags["C_CONTIGUOUS"] and matrix.vectors.dtype == np.float32
    assert np.all(matrix.vectors[4] == 0)
    query = normalise(np.array([[0.6, 0.8]], dtype=np.float32))[0]
    scores = dict(top(matrix, query, 0.0, 10))
    assert scores["zero"] == 0.0 and scores["c"] > 0.99
    assert "zero" not in dict(top(matrix, query, 0.1, 10))  # the lowest model threshold


def test_the_cache_reloads_only_when_the_revision_moved() -> None:
    cache, loads = IndexCache(), []

    def loader(revision: int) -> Matrix:
        loads.append(revision)
        return _matrix(revision)

    assert cache.get("kc", 1, lambda: loader(1)).revision == 1
    assert cache.get("kc", 1, lambda: loader(1)).revision == 1
    assert cache.get("kc", 2, lambda: loader(2)).revision == 2
    cache.drop("kc")
    cache.get("kc", 2, lambda: loader(2))
    assert loads == [1, 2, 2]


def test_the_cache_keeps_within_its_budget_least_recently_used_first() -> None:
    size = _matrix().nbytes
    cache = IndexCache(budget_bytes=2 * size)
    for name in ("one", "two"):
        cache.get(name, 1, _matrix)
    cache.get("one", 1, _matrix)  # "two" is now the least recently used
    cache.get("three", 1, _matrix)
    assert len(cache) == 2
    reloaded: list[str] = []
    cache.get("two", 1, lambda: reloaded.append("two") or _matrix())
    cache.get("three", 1, lambda: reloaded.append("three") or _matrix())
    assert reloaded == ["two"]
