"""The fake provider's ASGI app: routing, the request log, auth checks and faults.

A raw ASGI router rather than a framework, because the benchmarks use the fake as an
"instant upstream": per request it reads the body once, logs it, picks the route by a dict
lookup (or a prefix for Azure deployments and Gemini models), applies the fault the model
identifier asks for, and sends what the wire module built.

A test can also make a model identifier misbehave from now on (``PUT /_fake/faults``, or
:meth:`FakeApp.set_fault`): a deployment that answered one turn can then fail the next, as a
rate-limited upstream does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from modelyard.testing import (
    anthropic_messages,
    azure,
    gemini,
    openai_chat,
    openai_common,
    openai_media,
    openai_responses,
)
from modelyard.testing.asgi import (
    BadRequest,
    Damage,
    FakeRequest,
    Receive,
    Reply,
    Scope,
    Send,
    json_reply,
    read_request,
    send_reply,
)
from modelyard.testing.faults import fault_for, quoted_text
from modelyard.testing.images import png
from modelyard.testing.request_log import DEFAULT_LIMIT, RequestLog
from modelyard.testing.waits import Stopping, pause

Handler = Callable[[FakeRequest, str], Reply]
ModelOf = Callable[[FakeRequest], str | None]


@dataclass(frozen=True, slots=True)
class Dialect:
    """A provider's auth checks and error body."""

    check: Callable[[FakeRequest], Reply | None]
    error: Callable[[FakeRequest, int, str | None, str | None], Reply]


OPENAI = Dialect(openai_common.check_auth, openai_common.error)
AZURE = Dialect(lambda request: azure.check(request, needs_version=True), azure.error)
AZURE_V1 = Dialect(lambda request: azure.check(request, needs_version=False), azure.error)
ANTHROPIC = Dialect(anthropic_messages.check, anthropic_messages.error)
GEMINI = Dialect(gemini.check, gemini.error)


@dataclass(frozen=True, slots=True)
class Route:
    dialect: Dialect
    handler: Handler
    model_of: ModelOf
    form_ok: bool = False


def body_model(request: FakeRequest) -> str | None:
    model = request.json.get("model") if isinstance(request.json, dict) else None
    return model if isinstance(model, str) else None


def _azure_chat(request: FakeRequest, model: str) -> Reply:
    return openai_chat.handle(request, model, azure=True)


AZURE_OPERATIONS: dict[str, tuple[Handler, bool]] = {
    "chat/completions": (azure.with_azure_headers(_azure_chat), False),
    "embeddings": (azure.with_azure_headers(openai_media.embeddings), False),
    "images/generations": (azure.with_azure_headers(openai_media.generations), False),
    "images/edits": (azure.with_azure_headers(openai_media.edits), True),
    "responses": (azure.with_azure_headers(openai_responses.handle), False),
}

ROUTES: dict[str, Route] = {
    "/v1/chat/completions": Route(OPENAI, openai_chat.handle, body_model),
    "/v1/responses": Route(OPENAI, openai_responses.handle, body_model),
    "/v1/embeddings": Route(OPENAI, openai_media.embeddings, body_model),
    "/v1/images/generations": Route(OPENAI, openai_media.generations, body_model),
    "/v1/images/edits": Route(OPENAI, openai_media.edits, openai_media.edit_model, form_ok=True),
    "/v1/messages": Route(ANTHROPIC, anthropic_messages.handle, body_model),
    "/openai/responses": Route(AZURE, AZURE_OPERATIONS["responses"][0], body_model),
    **{
        f"/openai/v1/{operation}": Route(
            AZURE_V1, handler, openai_media.edit_model if form_ok else body_model, form_ok
        )
        for operation, (handler, form_ok) in AZURE_OPERATIONS.items()
    },
}

_DEPLOYMENTS = "/openai/deployments/"
_GEMINI_PREFIXES = ("/v1beta/models/", "/v1/models/")


def resolve(method: str, path: str) -> Route | None:
    """The route of a request, or None (404)."""
    if method != "POST":
        return None
    route = ROUTES.get(path)
    if route is not None:
        return route
    if path.startswith(_DEPLOYMENTS):
        deployment, _, operation = path[len(_DEPLOYMENTS) :].partition("/")
        found = AZURE_OPERATIONS.get(operation)
        if found and deployment:
            handler, form_ok = found
            return Route(AZURE, handler, lambda _request: deployment, form_ok)
    elif path.startswith(_GEMINI_PREFIXES):
        model, _, name = path.split("/models/", 1)[1].rpartition(":")
        gemini_handler = gemini.METHODS.get(name)
        if gemini_handler is not None and model:
            return Route(GEMINI, gemini_handler, lambda _request: model)
    return None


def _dialect_of(path: str) -> Dialect:
    if path.startswith(("/v1beta/", "/v1/models/")):
        return GEMINI
    if path.startswith("/openai/"):
        return AZURE_V1
    if path == "/v1/messages":
        return ANTHROPIC
    return OPENAI


class FakeApp:
    """The ASGI app of the fake provider; ``log`` holds the requests it received."""

    def __init__(self, log_limit: int = DEFAULT_LIMIT) -> None:
        self.log = RequestLog(log_limit)
        self.stopping = Stopping()
        self.faults: dict[str, str] = {}

    def set_fault(self, model: str, fault: str | None) -> None:
        """Answer requests for ``model`` as if its identifier were ``fault`` (``"fail-429"``,
        ``"slow-200-fail-500"``, ... see :mod:`.faults`) from now on; None ends that."""
        if fault is None:
            self.faults.pop(model, None)
        else:
            self.faults[model] = fault

    def release(self) -> None:
        """End the waits of slow and hanging requests (with a 503), e.g. before shutting down."""
        self.stopping.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive)
        if request.path.startswith("/_fake/"):
            await send_reply(send, self._control(request))
            return
        self.log.append(request.log_entry())
        route = resolve(request.method, request.path)
        if route is None:
            message = f"Invalid URL ({request.method} {request.path})"
            await send_reply(send, _dialect_of(request.path).error(request, 404, message, None))
            return
        answer = await _answer(route, request, receive, self.stopping, self.faults)
        if answer is not None:
            await send_reply(send, *answer)

    def _control(self, request: FakeRequest) -> Reply:
        """``/_fake/requests`` (GET, DELETE), ``/_fake/faults`` (PUT ``{"model", "fault"}``, a
        null fault ends it; DELETE ends all), ``/_fake/health``, ``/_fake/images/<colour>.png``."""
        path, method = request.path, request.method
        if path == "/_fake/faults":
            return self._fault_control(request)
        if path == "/_fake/requests" and method == "GET":
            return Reply(200, orjson.dumps(self.log.entries()))
        if path == "/_fake/requests" and method == "DELETE":
            cleared = len(self.log)
            self.log.clear()
            return json_reply(200, {"cleared": cleared})
        if path == "/_fake/health" and method == "GET":
            return json_reply(200, {"status": "ok"})
        if path.startswith("/_fake/images/") and path.endswith(".png") and method == "GET":
            colour = path[len("/_fake/images/") : -len(".png")]
            if len(colour) == 6 and all(c in "0123456789abcdef" for c in colour):
                return Reply(200, png(colour), content_type=b"image/png")
        return json_reply(404, {"error": {"message": f"No fake control route {method} {path}"}})

    def _fault_control(self, request: FakeRequest) -> Reply:
        if request.method == "DELETE":
            self.faults.clear()
            return json_reply(200, {"faults": {}})
        body = request.json if isinstance(request.json, dict) else {}
        model, fault = body.get("model"), body.get("fault")
        if request.method != "PUT" or not isinstance(model, str) or not model:
            return json_reply(400, {"error": {"message": 'PUT {"model": str, "fault": str|null}'}})
        if fault is not None and not isinstance(fault, str):
            return json_reply(400, {"error": {"message": "fault must be a string or null"}})
        self.set_fault(model, fault)
        return json_reply(200, {"faults": self.faults})


async def _answer(
    route: Route,
    request: FakeRequest,
    receive: Receive,
    stopping: Stopping,
    faults: dict[str, str],
) -> tuple[Reply, Damage | None, int] | None:
    """Checks, then the fault the model (or a fault set for it) asks for, then the wire
    module's answer (with the damage to do to it and the gap between stream events)."""
    dialect = route.dialect
    denied = dialect.check(request)
    if denied is not None:
        return denied, None, 0
    if request.form_error is not None:
        return dialect.error(request, 400, request.form_error, None), None, 0
    if not isinstance(request.json, dict) and not (route.form_ok and request.form is not None):
        message = "We could not parse the JSON body of your request."
        return dialect.error(request, 400, message, None), None, 0
    model = route.model_of(request)
    if not model:
        return dialect.error(request, 400, "you must provide a model parameter", "model"), None, 0
    fault = fault_for(faults.get(model, model), request.headers.get("x-fake-delay-ms"))
    if fault.delay_ms or fault.hang:
        waited = await pause(receive, None if fault.hang else fault.delay_ms / 1000, stopping)
        if waited == "gone":
            return None  # the client gave up
        if waited == "stopping" or fault.hang:
            message = "The fake provider is shutting down."
            return dialect.error(request, 503, message, None), None, 0
    if fault.status is not None:
        # OpenAI quotes the masked key of a 401; all but Azure (its own deployment text) the
        # model of a 404.
        quoted = None
        if dialect is OPENAI or (fault.status == 404 and dialect not in (AZURE, AZURE_V1)):
            quoted = quoted_text(fault.status, model, request.headers)
        return dialect.error(request, fault.status, quoted, None), None, 0
    try:
        reply = route.handler(request, model)
    except BadRequest as exc:
        reply = dialect.error(request, 400, exc.message, exc.param)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        reply = dialect.error(request, 400, f"Invalid request body: {exc!r}", None)
    return reply, fault.damage, fault.event_gap_ms


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_fake_app(log_limit: int = DEFAULT_LIMIT) -> FakeApp:
    """A new fake provider app, with its own request log of at most ``log_limit`` entries."""
    return FakeApp(log_limit)
