"""Reading and writing knowledge rows (synchronous; the service runs these in worker threads).

Every write of vectors is one transaction that is *conditional* on the collection still being
what the vectors were computed for (its model, its vector size, or its revision): the embedding
happens outside any transaction, since it may take seconds, and a concurrent change must turn
into a clear 409 rather than a collection holding vectors of two models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.knowledge.index import Matrix, Vectors, build_matrix, to_bytes
from modelyard.knowledge.schemas import CollectionOut, DocumentOut
from modelyard.knowledge.uploads import Upload
from modelyard.storage.tables import KnowledgeChunkRow as Chunk
from modelyard.storage.tables import KnowledgeCollectionRow as Collection
from modelyard.storage.tables import KnowledgeDocumentRow as Document
from modelyard.storage.tables import ModelRow
from modelyard.storage.types import utcnow
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.models import load_row as load_model
from modelyard.workspace.slugs import slugify


def load(session: Session, workspace_id: str, collection_id: str) -> Collection:
    """The workspace's collection, or 404 (another workspace's id is as unknown as a made-up
    one)."""
    row = session.get(Collection, collection_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"No knowledge collection with id '{collection_id}' in this workspace.")
    return row


def embedding_model(session: Session, actor: Actor, model_id: str) -> ModelRow:
    """The workspace's model (404 otherwise), which must be an embedding model (422)."""
    model = load_model(session, actor, model_id)
    if model.kind != "embedding":
        raise InvalidInput(
            f"'{model.display_name}' is a {model.kind} model; a collection needs an embedding "
            "model.",
            param="embedding_model_id",
            code="not_an_embedding_model",
        )
    return model


def allocate_slug(session: Session, workspace_id: str, wanted: str | None, base: str) -> str:
    taken = set(
        session.scalars(select(Collection.slug).where(Collection.workspace_id == workspace_id))
    )
    if wanted is not None:
        if wanted in taken:
            raise Conflict(f"The slug '{wanted}' is already used by a collection.", param="slug")
        return wanted
    candidate, n = slugify(base), 2
    while candidate in taken:
        candidate, n = f"{slugify(base)}-{n}", n + 1
    return candidate


def collections_out(session: Session, rows: Sequence[Collection]) -> list[CollectionOut]:
    """Rows with their document and chunk counts (two grouped queries, whatever the count)."""
    ids = [row.id for row in rows]
    docs: dict[str, int] = {}
    for collection_id, count in session.execute(
        select(Document.collection_id, func.count())
        .where(Document.collection_id.in_(ids))
        .group_by(Document.collection_id)
    ):
        docs[collection_id] = count
    chunks: dict[str, int] = {}
    for collection_id, count in session.execute(
        select(Chunk.collection_id, func.count())
        .where(Chunk.collection_id.in_(ids))
        .group_by(Chunk.collection_id)
    ):
        chunks[collection_id] = count
    return [
        CollectionOut(
            id=row.id,
            name=row.name,
            slug=row.slug,
            embedding_model_id=row.embedding_model_id,
            dimensions=row.dimensions,
            documents=docs.get(row.id, 0),
            chunks=chunks.get(row.id, 0),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def documents_out(session: Session, collection_id: str) -> list[DocumentOut]:
    counts = (
        select(Chunk.document_id, func.count().label("n"))
        .where(Chunk.collection_id == collection_id)
        .group_by(Chunk.document_id)
        .subquery()
    )
    rows = session.execute(
        select(Document, counts.c.n)
        .outerjoin(counts, counts.c.document_id == Document.id)
        .where(Document.collection_id == collection_id)
        .order_by(Document.created_at, Document.id)
    )
    return [
        DocumentOut(
            id=doc.id,
            collection_id=doc.collection_id,
            name=doc.name,
            media_type=doc.media_type,
            size=doc.size,
            chunks=n or 0,
            created_at=doc.created_at,
        )
        for doc, n in rows
    ]


def chunk_texts(session: Session, collection_id: str) -> list[tuple[str, str]]:
    """(chunk id, text) of every chunk, for re-embedding."""
    rows = session.execute(
        select(Chunk.id, Chunk.text).where(Chunk.collection_id == collection_id).order_by(Chunk.id)
    )
    return [(chunk_id, text) for chunk_id, text in rows]


def load_matrix(session: Session, collection_id: str) -> Matrix:
    """The collection's vectors, read in one statement (one snapshot: the revision and model
    read with them are the ones they belong to)."""
    rows = session.execute(
        select(
            Chunk.id,
            Chunk.vector,
            Collection.dimensions,
            Collection.revision,
            Collection.embedding_model_id,
        )
        .join(Collection, Collection.id == Chunk.collection_id)
        .where(Chunk.collection_id == collection_id)
    ).all()
    if not rows:
        head = session.execute(
            select(Collection.revision, Collection.embedding_model_id).where(
                Collection.id == collection_id
            )
        ).one()
        return build_matrix(head[0], head[1], [], [], 0)
    _, _, dimensions, revision, model_id = rows[0]
    return build_matrix(
        revision, model_id, [r[0] for r in rows], [r[1] for r in rows], dimensions or 0
    )


def hits(session: Session, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """chunk id -> (document id, document name, text) of the chunks that still exist."""
    rows = session.execute(
        select(Chunk.id, Document.id, Document.name, Chunk.text)
        .join(Document, Document.id == Chunk.document_id)
        .where(Chunk.id.in_(chunk_ids))
    )
    return {chunk_id: (doc_id, name, text) for chunk_id, doc_id, name, text in rows}


def _changed(result: Any) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


def add_document(
    session: Session,
    collection: Collection,
    model_id: str,
    upload: Upload,
    texts: list[str],
    vectors: Vectors,
) -> Document | None:
    """Store a document and its chunks if the collection still uses ``model_id`` with vectors
    of this size; None (nothing written) when it changed meanwhile."""
    dims = int(vectors.shape[1])
    bumped = session.execute(
        update(Collection)
        .where(
            Collection.id == collection.id,
            Collection.embedding_model_id == model_id,
            or_(Collection.dimensions.is_(None), Collection.dimensions == dims),
        )
        .values(revision=Collection.revision + 1, dimensions=dims, updated_at=utcnow())
    )
    if not _changed(bumped):
        session.rollback()
        return None
    doc = Document(
        id=new_id("doc"),
        workspace_id=collection.workspace_id,
        collection_id=collection.id,
        name=upload.name,
        media_type=upload.media_type,
        size=upload.size,
        created_at=utcnow(),
    )
    session.add(doc)
    session.flush()
    session.execute(
        insert(Chunk),
        [
            {
                "id": new_id("chk"),
                "workspace_id": collection.workspace_id,
                "collection_id": collection.id,
                "document_id": doc.id,
                "position": position,
                "text": text,
                "vector": to_bytes(vectors[position]),
                "dimensions": dims,
            }
            for position, text in enumerate(texts)
        ],
    )
    return doc


def replace_vectors(
    session: Session,
    collection: Collection,
    revision: int,
    model_id: str,
    chunk_ids: list[str],
    vectors: Vectors,
) -> bool:
    """Switch the collection to ``model_id`` with new vectors for all its chunks, if no chunk
    changed since ``revision``; False (nothing written) otherwise."""
    dims = int(vectors.shape[1]) if chunk_ids else None
    bumped = session.execute(
        update(Collection)
        .where(and_(Collection.id == collection.id, Collection.revision == revision))
        .values(
            revision=Collection.revision + 1,
            embedding_model_id=model_id,
            dimensions=dims,
            updated_at=utcnow(),
        )
    )
    if not _changed(bumped):
        session.rollback()
        return False
    if chunk_ids:
        session.execute(
            update(Chunk),
            [
                {"id": chunk_id, "vector": to_bytes(vectors[i]), "dimensions": dims}
                for i, chunk_id in enumerate(chunk_ids)
            ],
        )
    return True


def delete_document(session: Session, collection: Collection, document_id: str) -> None:
    doc = session.get(Document, document_id)
    if doc is None or doc.collection_id != collection.id:
        raise NotFound(f"No document with id '{document_id}' in this collection.")
    # The collection row first: its lock makes a concurrent upload wait for this deletion, so
    # the emptiness seen below is the truth when the transaction commits.
    session.execute(
        update(Collection)
        .where(Collection.id == collection.id)
        .values(revision=Collection.revision + 1, updated_at=utcnow())
    )
    session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
    # A concurrent deletion of the same document that held the lock first has removed it:
    # a 404 for this one (deleting by ORM would be a 500, "0 rows matched").
    session.expunge(doc)
    removed = session.execute(delete(Document).where(Document.id == document_id))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"No document with id '{document_id}' in this collection.")
    left = session.scalar(select(func.count()).where(Chunk.collection_id == collection.id))
    if not left:  # an empty collection may take a model of any vector size
        session.execute(
            update(Collection).where(Collection.id == collection.id).values(dimensions=None)
        )


def delete_collection(session: Session, collection: Collection) -> None:
    session.execute(delete(Chunk).where(Chunk.collection_id == collection.id))
    session.execute(delete(Document).where(Document.collection_id == collection.id))
    session.delete(collection)
