"""How long an in-process knowledge search takes as a collection grows, against a bare matrix
product on the same data in the same process.

Run: ``.venv/bin/python bench/knowledge_search.py [N ...] [--dims D] [--repeats R]`` (default
10,000 and 100,000 random unit chunks of 1,536 dimensions, 31 rounds). The cases take turns in
each round (in a shuffled order), so a busy machine slows them alike. Printed per size, in
milliseconds (medians):

- ``matvec``: ``vectors @ query`` alone, the floor any numpy search pays (the baseline);
- ``search``: :func:`~modelyard.knowledge.index.top_matches` at threshold 0.5 (random vectors
  score near 0, so almost nothing passes: the usual case of a selective threshold);
- ``search all``: the same with every chunk above the threshold (worst case: the top-k
  selection runs over all of them);
- ``load``: building the matrix from stored bytes, the CPU part of a cache miss, timed 5 times;
- ``sqlite load``: the whole cache miss, :func:`~modelyard.knowledge.store.load_matrix` reading
  the chunks from a SQLite file (in the page cache) and building the matrix, timed 3 times
  (``--no-sqlite`` skips it; filling the file takes a few seconds per 100,000 chunks).

What it leaves out: the query's embedding call and the database read of the hits' texts,
which are the same at every size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from modelyard.knowledge import store
from modelyard.knowledge.index import (
    Matrix,
    Vectors,
    build_matrix,
    normalise,
    to_bytes,
    top_matches,
)
from modelyard.storage.engine import make_engine, make_session_factory
from modelyard.storage.migrate import upgrade
from modelyard.storage.tables import (
    KnowledgeChunkRow,
    KnowledgeCollectionRow,
    KnowledgeDocumentRow,
    WorkspaceRow,
)

TOP_K = 5


def _interleaved_ms(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median milliseconds per case, the cases taking turns in a shuffled order each round, so
    that a busy neighbour slows all of them alike rather than one."""
    for run in cases.values():
        run()  # warm caches and BLAS threads
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for _ in range(repeats):
        random.shuffle(order)
        for name in order:
            started = time.perf_counter()
            cases[name]()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def _sqlite_load_ms(vectors: Vectors, blobs: list[bytes]) -> float:
    """A collection of these vectors in a fresh SQLite file, read back into a matrix."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            session.add(WorkspaceRow(id="ws", name="bench"))
            session.flush()  # no ORM relationships: rows go in the order they are flushed
            session.add(
                KnowledgeCollectionRow(
                    id="kc", workspace_id="ws", name="b", slug="b", embedding_model_id="m",
                    dimensions=vectors.shape[1], revision=1,
                )
            )  # fmt: skip
            session.flush()
            session.add(
                KnowledgeDocumentRow(
                    id="doc", workspace_id="ws", collection_id="kc", name="d",
                    media_type="text/plain", size=0,
                )
            )  # fmt: skip
            session.flush()
            for start in range(0, len(blobs), 5000):
                session.execute(
                    insert(KnowledgeChunkRow),
                    [
                        {"id": f"chk_{i:020x}", "workspace_id": "ws", "collection_id": "kc",
                         "document_id": "doc", "position": i, "text": "", "vector": blob,
                         "dimensions": vectors.shape[1]}
                        for i, blob in enumerate(blobs[start : start + 5000], start)
                    ],
                )  # fmt: skip
            session.commit()

        def load() -> None:
            with sessions() as session:
                store.load_matrix(session, "kc")

        try:
            return _interleaved_ms({"sqlite load": load}, 3)["sqlite load"]
        finally:
            engine.dispose()


def bench(
    n: int, dims: int, repeats: int, rng: np.random.Generator, sqlite: bool
) -> dict[str, float]:
    vectors = normalise(rng.standard_normal((n, dims), dtype=np.float32))
    ids = tuple(f"chk_{i:020x}" for i in range(n))
    matrix = Matrix(revision=1, model_id="m", ids=ids, vectors=vectors)
    query = normalise(rng.standard_normal((1, dims), dtype=np.float32))[0]
    blobs = [to_bytes(row) for row in vectors]
    timings = _interleaved_ms(
        {
            "matvec": lambda: vectors @ query,
            "search": lambda: top_matches(matrix, query, 0.5, TOP_K),
            "search all": lambda: top_matches(matrix, query, -1.0, TOP_K),
        },
        repeats,
    )
    load = {"load": lambda: build_matrix(1, "m", ids, blobs, dims)}
    timings |= _interleaved_ms(load, 5)
    timings["sqlite load"] = _sqlite_load_ms(vectors, blobs) if sqlite else float("nan")
    timings["matrix MB"] = vectors.nbytes / 1e6
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    columns = ["matvec", "search", "search all", "load", "sqlite load", "matrix MB"]
    print(f"{'chunks':>8}  " + "  ".join(f"{c:>11}" for c in columns) + f"   ({args.dims}-d)")
    for n in args.sizes:
        row = bench(n, args.dims, args.repeats, rng, args.sqlite)
        print(f"{n:>8}  " + "  ".join(f"{row[c]:>11.2f}" for c in columns))


if __name__ == "__main__":
    main()
