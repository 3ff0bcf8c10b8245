"""Changing a collection's embedding model: re-embed every chunk, then switch in one step.

Vectors of two models are not comparable, so a collection never holds both: the new vectors
are computed first (outside any transaction; the old ones keep serving searches meanwhile),
then the model, the vector size and every chunk's vector change together, and only if no
document was added or removed in between (the collection's revision is unchanged); otherwise
nothing changes and the caller is told to try again.

A new model whose vectors have another size is refused unless the admin asked for
``reindex``: the size is part of what other tools (exports, a future external vector store)
expect of a collection, so changing it is a decision, not a side effect. The size is known
up front when the model declares ``embedding_dimensions``; otherwise from the first batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput
from modelyard.knowledge import store
from modelyard.knowledge.embedder import Embedder
from modelyard.knowledge.index import Vectors
from modelyard.knowledge.schemas import CollectionUpdate
from modelyard.routing.embedding_call import Requester
from modelyard.storage.tables import KnowledgeCollectionRow as Collection
from modelyard.storage.tables import ModelRow
from modelyard.workspace.actor import Actor


@dataclass
class Reembedding:
    """What a collection update will do, planned from one read of the collection."""

    collection_id: str
    workspace_id: str
    revision: int
    old_dimensions: int | None
    model_id: str
    model_slug: str
    switch: bool  # the model or the vectors change (else: a rename at most)
    reindex: bool
    chunk_ids: list[str]
    texts: list[str]

    @classmethod
    def plan(
        cls, session: Session, actor: Actor, collection_id: str, data: CollectionUpdate
    ) -> Reembedding:
        row = store.load(session, actor.workspace_id, collection_id)
        model: ModelRow | None
        if data.embedding_model_id is not None:
            model = store.embedding_model(session, actor, data.embedding_model_id)
        else:
            current = session.get(ModelRow, row.embedding_model_id)
            if current is None and data.reindex:
                raise Conflict(
                    "The collection's embedding model no longer exists; choose another one "
                    "with 'embedding_model_id'.",
                    code="embedding_model_missing",
                )
            model = current
        switch = model is not None and (model.id != row.embedding_model_id or data.reindex)
        pairs = store.chunk_texts(session, row.id) if switch else []
        job = cls(
            collection_id=row.id,
            workspace_id=row.workspace_id,
            revision=row.revision,
            old_dimensions=row.dimensions,
            model_id=model.id if model is not None else row.embedding_model_id,
            model_slug=model.slug if model is not None else "",
            switch=switch,
            reindex=data.reindex,
            chunk_ids=[chunk_id for chunk_id, _ in pairs],
            texts=[text for _, text in pairs],
        )
        if pairs and model is not None and model.embedding_dimensions:
            job.check_dimensions(model.embedding_dimensions)
        return job

    def check_dimensions(self, dims: int) -> None:
        if self.reindex or self.old_dimensions is None or dims == self.old_dimensions:
            return
        raise InvalidInput(
            f"'{self.model_slug}' makes {dims}-dimensional vectors, but this collection holds "
            f'{self.old_dimensions}-dimensional ones. Ask for a re-index ("reindex": true) '
            f"to re-embed all {len(self.texts)} chunks with it; nothing was changed.",
            param="embedding_model_id",
            code="dimensions_differ",
        )

    async def embed(self, embedder: Embedder, who: Requester) -> Vectors:
        if not self.texts:
            import numpy as np

            return np.zeros((0, 0), dtype=np.float32)
        return await embedder.embed(who, self.model_id, self.texts, self.check_dimensions)

    def apply(self, session: Session, vectors: Vectors) -> Collection:
        """Switch over (in the caller's transaction); 409 if the collection moved on."""
        row = store.load(session, self.workspace_id, self.collection_id)
        if not self.switch:
            return row
        if not store.replace_vectors(
            session, row, self.revision, self.model_id, self.chunk_ids, vectors
        ):
            raise Conflict(
                "Documents were added or removed while the collection was being re-embedded; "
                "nothing was changed. Try again.",
                code="collection_changed",
            )
        session.refresh(row)
        return row
