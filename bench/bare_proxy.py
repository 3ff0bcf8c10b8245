"""The BASELINE for bench/overhead.py: a bare pass-through proxy, no gateway logic at all.

Starlette + uvicorn + aiohttp (one shared ClientSession) + orjson: POST /v1/chat/completions is
parsed, re-serialised and forwarded to the upstream with the caller's ``authorization``;
streaming answers are streamed through chunk by chunk. It is the least a Python gateway on
this stack can cost, so Modelyard's overhead is judged against it as well as against calling
the upstream directly. ``GET /healthz`` answers ``{"status":"ok"}``.

    python bench/bare_proxy.py --port N --upstream http://127.0.0.1:9999[/v1]
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def create_app(upstream: str) -> Starlette:
    url = upstream.rstrip("/").removesuffix("/v1") + "/v1/chat/completions"
    state: dict[str, aiohttp.ClientSession] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them upstream:
        # a POST on a connection the server is closing fails (ServerDisconnectedError).
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=4)
        state["session"] = aiohttp.ClientSession(connector=connector)
        yield
        await state["session"].close()

    async def chat(request: Request) -> Response:
        body = orjson.loads(await request.body())
        headers = {
            "authorization": request.headers.get("authorization", ""),
            "content-type": "application/json",
        }
        upstream_response = await state["session"].post(
            url, data=orjson.dumps(body), headers=headers
        )
        media_type = upstream_response.headers.get("content-type")
        if not body.get("stream"):
            async with upstream_response:
                content = await upstream_response.read()
            return Response(content, upstream_response.status, media_type=media_type)

        async def relay() -> AsyncIterator[bytes]:
            async with upstream_response:
                async for chunk in upstream_response.content.iter_any():
                    yield chunk

        return StreamingResponse(relay(), upstream_response.status, media_type=media_type)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:9999/v1")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.upstream),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )
