"""Request-scoped dependencies: the services, a database session and the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelyard.errors import Unauthenticated
from modelyard.request_ids import request_id_of
from modelyard.services import Services
from modelyard.workspace.actor import Actor
from modelyard.workspace.api_keys import authenticate


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_session(services: Annotated[Services, Depends(get_services)]) -> Iterator[Session]:
    with services.session() as session:
        yield session


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
        )
    return token.strip()


def get_actor(request: Request, session: Annotated[Session, Depends(get_session)]) -> Actor:
    """The caller, from a bearer API key (or, later, a web session cookie), with the request's
    id so that the audit rows of its changes name it."""
    actor = authenticate(session, bearer_token(request))
    return replace(actor, request_id=request_id_of(request.scope))


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
ServicesDep = Annotated[Services, Depends(get_services)]


def get_admin(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    """The caller, who must be an admin or owner (checked before the body is read)."""
    actor.require_admin()
    return actor


AdminDep = Annotated[Actor, Depends(get_admin)]
