"""The in-memory search index: one contiguous float32 matrix per collection, and cosine search.

Why it looks like this:

- Vectors are stored unit-length, so a cosine score is a dot product and scoring a whole
  collection is one matrix-vector product over a C-contiguous ``(n, d)`` float32 array, which
  numpy hands to BLAS. That is a few milliseconds for tens of thousands of chunks (the README
  gives measured numbers and where this stops scaling); no vector database to run.
- Building the matrix means reading every vector of the collection, so it is cached per
  collection and rebuilt only when the collection's ``revision`` moved. The revision is read
  from the database with each search, which keeps every replica current without messages.
- The matrix remembers which model embedded it: a query embedded by another model is never
  scored against it (the service refuses instead), so results never mix two models' vectors.
- The cache holds at most ``budget_bytes`` of vectors; the least recently used collections go
  first (the one just loaded always stays, or it could not be searched at all).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# numpy (about 18 MiB) is imported where vectors are made, not with this module: a server whose
# workspace never searches a collection does not carry it.
Vectors: TypeAlias = "npt.NDArray[np.float32]"

DEFAULT_BUDGET_BYTES = 1 << 30
# float32 rounding must not drop a chunk whose exact score is the threshold itself.
SCORE_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Matrix:
    """One collection's chunk vectors at one revision, as embedded by ``model_id``."""

    revision: int
    model_id: str
    ids: tuple[str, ...]
    vectors: Vectors  # (len(ids), dimensions), unit rows, C-contiguous

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.vectors.nbytes)


def to_bytes(vector: Vectors) -> bytes:
    """A vector as stored: little-endian float32."""
    import numpy as np

    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def normalise(rows: Vectors) -> Vectors:
    """Rows scaled to unit length (a zero row stays zero: it matches nothing)."""
    import numpy as np

    rows = np.ascontiguousarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = rows / norms
    return result


def build_matrix(
    revision: int, model_id: str, ids: Sequence[str], blobs: Sequence[bytes], dimensions: int
) -> Matrix:
    """The matrix of stored vectors (each ``dimensions`` little-endian float32)."""
    import numpy as np

    if any(len(blob) != 4 * dimensions for blob in blobs):
        raise ValueError("a stored vector does not have the collection's dimensions")
    flat = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32, copy=False)
    vectors = np.ascontiguousarray(flat.reshape(len(blobs), dimensions))
    return Matrix(revision, model_id, tuple(ids), vectors)


def top_matches(
    matrix: Matrix, query: Vectors, threshold: float, top_k: int
) -> list[tuple[str, float]]:
    """The ``top_k`` chunks scoring at least ``threshold`` against the unit ``query``, best
    first, as (chunk id, cosine score)."""
    import numpy as np

    if not matrix.ids or top_k <= 0:
        return []
    scores = matrix.vectors @ np.ascontiguousarray(query, dtype=np.float32)
    admitted = np.flatnonzero(scores >= threshold - SCORE_TOLERANCE)
    if admitted.size > top_k:
        best = np.argpartition(-scores[admitted], top_k - 1)[:top_k]
        admitted = admitted[best]
    order = admitted[np.argsort(-scores[admitted], kind="stable")]
    return [(matrix.ids[i], min(1.0, float(scores[i]))) for i in order]


class IndexCache:
    """Matrices by collection id, reused while the collection's revision is unchanged.

    Thread-safe: searches load matrices in worker threads. Two searches that miss at once may
    both load; the second simply replaces the first with an equal matrix.
    """

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self._budget = budget_bytes
        self._entries: OrderedDict[str, Matrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, collection_id: str, revision: int, load: Callable[[], Matrix]) -> Matrix:
        """The matrix at ``revision`` (or newer, if ``load`` found a newer one)."""
        with self._lock:
            cached = self._entries.get(collection_id)
            if cached is not None and cached.revision >= revision:
                self._entries.move_to_end(collection_id)
                return cached
        loaded = load()
        with self._lock:
            current = self._entries.get(collection_id)
            if current is None or current.revision <= loaded.revision:
                self._entries[collection_id] = loaded
                self._entries.move_to_end(collection_id)
                self._evict()
        return loaded

    def drop(self, collection_id: str) -> None:
        """Forget a collection (it changed in this process; the next search reloads it)."""
        with self._lock:
            self._entries.pop(collection_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        total = sum(m.nbytes for m in self._entries.values())
        while total > self._budget and len(self._entries) > 1:
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.nbytes
