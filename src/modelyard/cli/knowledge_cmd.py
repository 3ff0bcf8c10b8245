"""``modelyard knowledge list|create|add|search``: knowledge collections from the shell.

The commands act as the workspace's owner, in-process against the database like the other
commands, and through the same :class:`~modelyard.knowledge.service.KnowledgeBase` as the admin
API: documents are embedded through the model's deployments, within their limits, and every
embedding call is recorded as usage (the recorder is drained before the command exits).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import or_, select

from modelyard.errors import ModelyardError
from modelyard.knowledge import runtime, uploads
from modelyard.knowledge.schemas import CollectionCreate
from modelyard.knowledge.service import KnowledgeBase, requester
from modelyard.services import Services
from modelyard.storage.tables import KnowledgeCollectionRow, ModelRow, UserRow
from modelyard.workspace.actor import Actor

app = typer.Typer(no_args_is_help=True, help="Knowledge collections: documents to search.")
T = TypeVar("T")

WorkspaceOpt = Annotated[
    str | None,
    typer.Option("--workspace", help="Workspace id; needed only when there are several."),
]
CollectionOpt = Annotated[str, typer.Option("--collection", "-c", help="Collection id or slug.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _owner(services: Services, workspace: str | None) -> Actor:
    from modelyard.cli.people_cmd import _workspace_id

    workspace_id = _workspace_id(services, workspace)
    with services.session() as session:
        owner = session.scalars(
            select(UserRow)
            .where(UserRow.workspace_id == workspace_id, UserRow.role == "owner")
            .order_by(UserRow.created_at)
        ).first()
    if owner is None:
        raise typer.BadParameter("The workspace has no owner.", param_hint="--workspace")
    return Actor(owner.id, workspace_id, owner.role, owner.email)


def _find(
    services: Services, actor: Actor, table: type[ModelRow | KnowledgeCollectionRow], ref: str
) -> str:
    """The id of the workspace's model or collection named by id or slug."""
    with services.session() as session:
        found = session.scalar(
            select(table.id).where(
                table.workspace_id == actor.workspace_id, or_(table.id == ref, table.slug == ref)
            )
        )
    if found is None:
        raise typer.BadParameter(f"Nothing called '{ref}' in the workspace.")
    return found


def _run(
    workspace: str | None, work: Callable[[KnowledgeBase, Actor, Services], Awaitable[T]]
) -> T:
    """Build the services, run ``work`` with the recorder and limiter running, drain, close."""
    from modelyard.cli.main import build_settings

    services = Services.build(build_settings())

    async def main() -> T:
        await services.router.limits.start()
        services.meter.start()
        try:
            return await work(runtime.build(services), _owner(services, workspace), services)
        finally:
            await services.meter.stop()
            await services.router.limits.close()
            await services.upstream.close()

    try:
        return asyncio.run(main())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise typer.BadParameter(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ModelyardError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        services.close()


@app.command("list")
def list_collections(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """List the collections with their document and chunk counts."""

    async def work(kb: KnowledgeBase, actor: Actor, _s: Services) -> None:
        rows = await kb.list_collections(actor)
        if as_json:
            typer.echo(json.dumps([row.model_dump(mode="json") for row in rows]))
            return
        for row in rows:
            typer.echo(f"{row.id}  {row.slug}  {row.documents} documents, {row.chunks} chunks")

    _run(workspace, work)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The collection's name.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Embedding model id or slug.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a collection over an embedding model; print its id."""

    async def work(kb: KnowledgeBase, actor: Actor, services: Services) -> None:
        model_id = _find(services, actor, ModelRow, model)
        out = await kb.create_collection(
            actor, CollectionCreate(name=name, embedding_model_id=model_id)
        )
        typer.echo(f"{out.id}  {out.slug}")

    _run(workspace, work)


@app.command("add")
def add(
    file: Annotated[
        Path,
        typer.Argument(help="A text (.txt) or Markdown (.md) file.", exists=True, dir_okay=False),
    ],
    collection: CollectionOpt,
    name: Annotated[
        str | None, typer.Option(help="Document name (default: the file name).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a document: chunk it, embed it, store it."""
    if file.stat().st_size > uploads.MAX_DOCUMENT_BYTES:
        raise typer.BadParameter(uploads.too_large(file.stat().st_size).message)

    async def work(kb: KnowledgeBase, actor: Actor, services: Services) -> None:
        upload = uploads.accept(name or file.name, None, file.read_bytes())
        collection_id = _find(services, actor, KnowledgeCollectionRow, collection)
        out = await kb.add_document(actor, collection_id, upload)
        typer.echo(f"{out.id}  {out.name}  {out.chunks} chunks")

    _run(workspace, work)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    collection: CollectionOpt,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Raise the model's threshold.")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search a collection; print the matches above the similarity threshold."""

    async def work(kb: KnowledgeBase, actor: Actor, services: Services) -> None:
        collection_id = _find(services, actor, KnowledgeCollectionRow, collection)
        result = await kb.search(requester(actor), collection_id, query, top_k, threshold)
        if as_json:
            typer.echo(result.model_dump_json())
            return
        typer.echo(f"threshold {result.threshold_used:g}, {len(result.results)} matches")
        for hit in result.results:
            snippet = " ".join(hit.text.split())[:100]
            typer.echo(f"{hit.score:.3f}  {hit.document_name}  {snippet}")

    _run(workspace, work)
