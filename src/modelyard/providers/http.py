"""The only network code of the adapters: pooled keep-alive HTTP/1.1 connections.

The connections are our own lean client (``h1_pool``, ``h1_connection``): aiohttp's cost about
twice the CPU per call, httpx's eight times (``bench/upstream_client.py``). aiohttp is still
what encodes a multipart form (image edits), imported only then. Every connection's address
is checked against the upstream host policy at connect time, so DNS cannot be used to reach
private addresses that configuration refused.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from modelyard.errors import UpstreamError, UpstreamTimeout
from modelyard.llm_types import InputFile
from modelyard.providers.base import UpstreamRequest
from modelyard.providers.egress_proxy import EgressProxies
from modelyard.providers.h1_connection import H1Response
from modelyard.providers.h1_pool import H1Pool, UpstreamRefused
from modelyard.providers.tls_trust import refused_certificate
from modelyard.security import parse_allowed

__all__ = ["UpstreamClient", "UpstreamRefused", "UpstreamReply"]

DEFAULT_TIMEOUT = 120.0
# Shorter than the 5 s idle timeout of uvicorn-based servers (vLLM, many gateways), so we
# seldom reuse a connection the server is closing; the pool resends once when that happens.
KEEPALIVE_S = 4.0
CONNECT_TIMEOUT_S = 10.0


@dataclass(slots=True)
class UpstreamReply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class UpstreamClient:
    """Sends :class:`UpstreamRequest` objects; created in the app's lifespan, closed with it.

    ``proxies`` sends calls through an egress proxy, ``ca_bundle`` trusts further CAs (see
    ``egress_proxy`` and ``tls_trust``).
    """

    def __init__(
        self,
        allowed_hosts: Sequence[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        limit: int = 1000,
        proxies: EgressProxies | None = None,
        ca_bundle: Path | None = None,
    ) -> None:
        self.timeout = timeout
        self._allowed = parse_allowed(allowed_hosts)
        self._limit = limit
        self._proxies = proxies
        self._ca_bundle = ca_bundle
        self._pool: H1Pool | None = None

    def _connections(self) -> H1Pool:
        if self._pool is None:  # bound to the running loop: made on first use
            self._pool = H1Pool(
                self._allowed,
                limit=self._limit,
                keepalive_s=KEEPALIVE_S,
                connect_timeout=CONNECT_TIMEOUT_S,
                proxies=self._proxies,
                ca_bundle=self._ca_bundle,
            )
        return self._pool

    async def _request(self, request: UpstreamRequest, timeout: float | None) -> H1Response:
        headers = request.headers
        if request.form is not None:
            body, content_type = await _multipart(request.form)
            headers = {**headers, "content-type": content_type}
        elif request.json is not None:
            body = orjson.dumps(request.json)
            headers = {**headers, "content-type": "application/json"}
        else:
            body = b""
        read_timeout = self.timeout if timeout is None else timeout
        try:
            return await self._connections().request(
                request.method, request.url, headers, body, read_timeout
            )
        except UpstreamError:
            raise
        except TimeoutError:
            raise UpstreamTimeout("The provider did not answer in time.") from None
        except socket.gaierror:
            raise UpstreamError(
                "Could not reach the provider: its name does not resolve."
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise UpstreamError(refused_certificate(exc)) from None
        except (OSError, ValueError) as exc:  # refused, reset, TLS failures, malformed answers
            raise UpstreamError(f"Could not reach the provider: {type(exc).__name__}.") from None

    async def send(self, request: UpstreamRequest, timeout: float | None = None) -> UpstreamReply:
        """One request, the whole answer read."""
        response = await self._request(request, timeout)
        try:
            body = await response.read()
        except TimeoutError:
            raise UpstreamTimeout("The provider did not answer in time.") from None
        except OSError as exc:
            raise UpstreamError(f"Could not reach the provider: {type(exc).__name__}.") from None
        finally:
            response.release()
        return UpstreamReply(response.status, response.headers, body)

    async def open_stream(
        self, request: UpstreamRequest, timeout: float | None = None
    ) -> tuple[UpstreamReply, AsyncIterator[bytes] | None]:
        """Start a streamed request. On a non-2xx status the whole (error) body is returned and
        no iterator; else an iterator over body chunks that closes the response when done."""
        response = await self._request(request, timeout)
        if response.status >= 300:
            try:
                body = await response.read()
            except (TimeoutError, OSError):
                body = b""
            finally:
                response.release()
            return UpstreamReply(response.status, response.headers, body), None
        return UpstreamReply(response.status, response.headers, b""), _chunks(response)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _chunks(response: H1Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.iter_chunks():
            yield chunk
    except TimeoutError:
        raise UpstreamTimeout("The provider stopped sending in the middle of the answer.") from None
    except OSError as exc:
        raise UpstreamError(f"The provider's stream broke off: {type(exc).__name__}.") from None
    finally:
        response.release()


async def _multipart(form: list[tuple[str, str | InputFile]]) -> tuple[bytes, str]:
    """The body and content type of a multipart form, encoded by aiohttp (loaded only here)."""
    import aiohttp

    data = aiohttp.FormData()
    for name, value in form:
        if isinstance(value, InputFile):
            data.add_field(
                name, value.data, filename=value.filename, content_type=value.content_type
            )
        else:
            data.add_field(name, value)
    payload = data()
    return await payload.as_bytes(), payload.content_type
