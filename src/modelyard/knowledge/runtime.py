"""One :class:`KnowledgeBase` per running app, found from the parts the gateway already has.

Its search cache must be shared by the admin API and the gateway's assistants (one matrix per
collection in memory, not two). The admin API holds the app's ``Services``; the gateway holds
only its ``GatewayContext``, whose ``config`` is the same :class:`ConfigStore`. So the base is
attached under that store while the app runs (``knowledge_lifespan``, merged into the app's
lifespan by the admin router) and detached when it stops: there is no process-wide default.
The base itself (and numpy with it) is built on first use: a gateway that never searches a
collection never pays for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from modelyard.routing.config_store import ConfigStore
from modelyard.services import Services

if TYPE_CHECKING:
    from modelyard.knowledge.service import KnowledgeBase

_ATTACHED: dict[ConfigStore, Services] = {}
_BUILT: dict[ConfigStore, KnowledgeBase] = {}


def build(services: Services) -> KnowledgeBase:
    from modelyard.knowledge.embedder import Embedder
    from modelyard.knowledge.service import KnowledgeBase

    embedder = Embedder(services.config, services.router, services.upstream, services.meter)
    return KnowledgeBase(services.sessions, embedder)


def attached(config: ConfigStore) -> KnowledgeBase:
    """The knowledge base of the running app whose configuration store is ``config``."""
    base = _BUILT.get(config)
    if base is not None:
        return base
    try:
        services = _ATTACHED[config]
    except KeyError:
        raise RuntimeError("knowledge is not attached: the app's lifespan has not run") from None
    base = _BUILT[config] = build(services)
    return base


@asynccontextmanager
async def knowledge_lifespan(app: Any) -> AsyncIterator[None]:
    """Runs inside the app's own lifespan, once ``app.state.services`` exists."""
    services: Services = app.state.services
    _ATTACHED[services.config] = services
    try:
        yield
    finally:
        _ATTACHED.pop(services.config, None)
        _BUILT.pop(services.config, None)
