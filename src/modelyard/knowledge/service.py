"""Knowledge collections: their rules, written once for the admin API, the CLI and assistants.

Admins create collections over an embedding model of the workspace and add documents; members
may read and search them (they use the assistants built on them). Database work runs in worker
threads; embedding awaits the router on the event loop, outside any transaction. Nothing is
stored unless everything before it succeeded, so a failed upload or re-embedding leaves the
collection as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput
from modelyard.knowledge import store
from modelyard.knowledge.chunking import chunk_text
from modelyard.knowledge.embedder import Embedder, threshold_of
from modelyard.knowledge.index import IndexCache, Matrix, top_matches
from modelyard.knowledge.reembed import Reembedding
from modelyard.knowledge.schemas import (
    CollectionCreate,
    CollectionOut,
    CollectionUpdate,
    DocumentOut,
    SearchHit,
    SearchResult,
)
from modelyard.knowledge.uploads import Upload
from modelyard.routing.embedding_call import Requester
from modelyard.storage.tables import AssistantRow
from modelyard.storage.tables import KnowledgeCollectionRow as Collection
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id

T = TypeVar("T")


def requester(actor: Actor) -> Requester:
    """Usage and visibility identity of an admin-API caller (authenticated as a user)."""
    return Requester(actor.workspace_id, actor.user_id, None, actor.is_admin)


class KnowledgeBase:
    """The knowledge feature of one running app: one per process, so that its search cache
    is shared by the admin API and the gateway (see :mod:`.runtime`)."""

    def __init__(
        self, sessions: Callable[[], Session], embedder: Embedder, index: IndexCache | None = None
    ) -> None:
        self._sessions = sessions
        self.embedder = embedder
        self.index = index if index is not None else IndexCache()

    async def _db(self, work: Callable[[Session], T]) -> T:
        """``work`` in a session of its own, in a worker thread."""
        return await anyio.to_thread.run_sync(self._in_session, work)

    # --- collections -------------------------------------------------------------------

    async def list_collections(self, actor: Actor) -> list[CollectionOut]:
        def work(session: Session) -> list[CollectionOut]:
            rows = session.scalars(
                select(Collection)
                .where(Collection.workspace_id == actor.workspace_id)
                .order_by(Collection.created_at, Collection.id)
            )
            return store.collections_out(session, list(rows))

        return await self._db(work)

    async def get_collection(self, actor: Actor, collection_id: str) -> CollectionOut:
        def work(session: Session) -> CollectionOut:
            row = store.load(session, actor.workspace_id, collection_id)
            return store.collections_out(session, [row])[0]

        return await self._db(work)

    async def create_collection(self, actor: Actor, data: CollectionCreate) -> CollectionOut:
        actor.require_admin()

        def work(session: Session) -> CollectionOut:
            model = store.embedding_model(session, actor, data.embedding_model_id)
            row = Collection(
                id=new_id("kc"),
                workspace_id=actor.workspace_id,
                name=data.name,
                slug=store.allocate_slug(session, actor.workspace_id, data.slug, data.name),
                embedding_model_id=model.id,
                dimensions=None,
                revision=0,
            )
            session.add(row)
            audit.record(
                session,
                actor,
                "knowledge.create",
                "knowledge_collection",
                row.id,
                model_id=model.id,
            )
            session.commit()
            return store.collections_out(session, [row])[0]

        return await self._db(work)

    async def update_collection(
        self, actor: Actor, collection_id: str, data: CollectionUpdate
    ) -> CollectionOut:
        """Rename, and/or change the embedding model: every chunk is then re-embedded with the
        new model and switched over in one transaction (see :mod:`.reembed`)."""
        actor.require_admin()
        for field in ("name", "embedding_model_id"):
            if field in data.model_fields_set and getattr(data, field) is None:
                raise InvalidInput(f"'{field}' cannot be null.", param=field)
        job = await self._db(lambda s: Reembedding.plan(s, actor, collection_id, data))
        vectors = await job.embed(self.embedder, requester(actor))

        def work(session: Session) -> CollectionOut:
            row = job.apply(session, vectors)
            if data.name is not None:
                row.name = data.name
            audit.record(
                session,
                actor,
                "knowledge.update",
                "knowledge_collection",
                row.id,
                fields=sorted(data.model_fields_set),
                reembedded=len(job.chunk_ids),
            )
            session.commit()
            return store.collections_out(session, [row])[0]

        try:
            return await self._db(work)
        finally:
            self.index.drop(collection_id)

    async def delete_collection(self, actor: Actor, collection_id: str) -> None:
        actor.require_admin()

        def work(session: Session) -> None:
            row = store.load(session, actor.workspace_id, collection_id)
            users = session.scalars(
                select(AssistantRow.name).where(AssistantRow.knowledge_collection_id == row.id)
            ).all()
            if users:
                raise Conflict(
                    f"The collection '{row.name}' is used by the assistant(s) "
                    f"{', '.join(sorted(users))}; detach it from them first.",
                    code="in_use",
                )
            store.delete_collection(session, row)
            audit.record(session, actor, "knowledge.delete", "knowledge_collection", row.id)
            session.commit()

        await self._db(work)
        self.index.drop(collection_id)

    # --- documents ---------------------------------------------------------------------

    async def list_documents(self, actor: Actor, collection_id: str) -> list[DocumentOut]:
        def work(session: Session) -> list[DocumentOut]:
            row = store.load(session, actor.workspace_id, collection_id)
            return store.documents_out(session, row.id)

        return await self._db(work)

    async def add_document(self, actor: Actor, collection_id: str, upload: Upload) -> DocumentOut:
        """Chunk, embed (outside any transaction), then store all or nothing."""
        actor.require_admin()
        texts = await anyio.to_thread.run_sync(chunk_text, upload.text)  # ~0.3 s for 2 MB
        if not texts:
            raise InvalidInput("The document has no text.", param="text", code="empty_document")
        row = await self._db(lambda s: store.load(s, actor.workspace_id, collection_id))

        def same_size(dims: int) -> None:
            if row.dimensions is not None and dims != row.dimensions:
                raise Conflict(
                    f"The collection's embedding model now returns {dims}-dimensional vectors, "
                    f"but the collection holds {row.dimensions}-dimensional ones; re-index it "
                    'first (PATCH the collection with "reindex": true).',
                    code="dimensions_differ",
                )

        model_id = row.embedding_model_id
        vectors = await self.embedder.embed(requester(actor), model_id, texts, same_size)

        def work(session: Session) -> DocumentOut:
            doc = store.add_document(session, row, model_id, upload, texts, vectors)
            if doc is None:
                store.load(session, actor.workspace_id, collection_id)  # 404 if it is gone
                raise Conflict(
                    "The collection's embedding model changed while the document was being "
                    "embedded; nothing was stored. Upload it again.",
                    code="collection_changed",
                )
            audit.record(
                session,
                actor,
                "knowledge.document.add",
                "knowledge_document",
                doc.id,
                collection_id=collection_id,
                chunks=len(texts),
            )
            session.commit()
            return DocumentOut(
                id=doc.id,
                collection_id=collection_id,
                name=doc.name,
                media_type=doc.media_type,
                size=doc.size,
                chunks=len(texts),
                created_at=doc.created_at,
            )

        out = await self._db(work)
        self.index.drop(collection_id)
        return out

    async def delete_document(self, actor: Actor, collection_id: str, document_id: str) -> None:
        actor.require_admin()

        def work(session: Session) -> None:
            row = store.load(session, actor.workspace_id, collection_id)
            store.delete_document(session, row, document_id)
            audit.record(
                session,
                actor,
                "knowledge.document.delete",
                "knowledge_document",
                document_id,
                collection_id=collection_id,
            )
            session.commit()

        await self._db(work)
        self.index.drop(collection_id)

    # --- search ------------------------------------------------------------------------

    async def search(
        self,
        who: Requester,
        collection_id: str,
        query: str,
        top_k: int = 5,
        threshold: float | None = None,
    ) -> SearchResult:
        """The best chunks for ``query`` scoring at least the model's similarity threshold
        (``threshold`` may raise it, never lower it)."""
        row = await self._db(lambda s: store.load(s, who.workspace_id, collection_id))
        _config, model = await self.embedder.model(who, row.embedding_model_id)
        used = max(float(threshold_of(model)), threshold or 0.0)
        if row.dimensions is None:  # no chunks: nothing to compare a query with
            return SearchResult(threshold_used=used, results=[])
        query_vectors = await self.embedder.embed(who, model.id, [query])

        def load(session: Session) -> Matrix:
            return store.load_matrix(session, collection_id)

        matrix = await anyio.to_thread.run_sync(
            self.index.get, collection_id, row.revision, lambda: self._in_session(load)
        )
        if matrix.model_id != model.id:
            raise Conflict(
                "The collection's embedding model changed during the search; search again.",
                code="collection_changed",
            )
        if query_vectors.shape[1] != matrix.dimensions:
            raise Conflict(
                f"The embedding model '{model.slug}' now returns {query_vectors.shape[1]}-"
                f"dimensional vectors, but the collection holds {matrix.dimensions}-dimensional "
                'ones; an admin must re-index it (PATCH with "reindex": true).',
                code="dimensions_differ",
            )
        # A worker thread: scoring 100,000 chunks takes ~30 ms (numpy releases the GIL), which
        # the event loop must not wait out.
        matches = await anyio.to_thread.run_sync(top_matches, matrix, query_vectors[0], used, top_k)
        if not matches:
            return SearchResult(threshold_used=used, results=[])
        found = await self._db(lambda s: store.hits(s, [chunk_id for chunk_id, _ in matches]))
        results = [
            SearchHit(
                chunk_id=chunk_id,
                document_id=found[chunk_id][0],
                document_name=found[chunk_id][1],
                text=found[chunk_id][2],
                score=round(score, 6),
            )
            for chunk_id, score in matches
            if chunk_id in found
        ]
        return SearchResult(threshold_used=used, results=results)

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            return work(session)
