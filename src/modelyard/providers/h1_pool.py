"""Pooled keep-alive connections per upstream origin, each address checked before connecting.

The host policy is enforced here, at connect time: a name is resolved once (cached for a
minute), every address it resolves to must be allowed, and the connection goes to a checked
address (never to the name again), so DNS cannot be used to reach an address configuration
refused. TLS verifies the certificate against the name, as any HTTPS client does.

Through an egress proxy (``egress_proxy``) the same check runs on the final upstream before
the tunnel is asked for, and the tunnel is asked for by name (proxies filter by name). A name
that does not resolve here cannot be checked, so it is refused unless the allow list names it.
The proxy resolves the name again: its own rules are the second line against DNS rebinding.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from modelyard import __version__
from modelyard.errors import UpstreamError
from modelyard.providers.egress_proxy import EgressProxies, ProxyUrl, open_tunnel
from modelyard.providers.h1_connection import ConnectionBroken, H1Connection, H1Response
from modelyard.providers.tls_trust import client_context
from modelyard.security import AllowedHosts, is_address_allowed

USER_AGENT = f"modelyard/{__version__}"
# Requests ask for compressed answers (as aiohttp did before): big image answers shrink.
_FIXED_HEADERS = f"user-agent: {USER_AGENT}\r\naccept-encoding: gzip, deflate\r\n"
_URL_CACHE_SIZE = 10_000
# RFC 9110: a header name is a token; a value must not break the line (nor hold NUL).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_NOT_IN_VALUE = re.compile(r"[\r\n\0]")


class UpstreamRefused(UpstreamError):
    """The upstream address is not allowed by the host policy."""


class InvalidUpstreamRequest(UpstreamError):
    """A URL or header that cannot go on the wire (a scheme we do not speak, a line break)."""


_SlotWaiter = tuple[tuple[str, str, int], "asyncio.Future[H1Connection | None]"]


@dataclass(frozen=True, slots=True)
class _Target:
    """What a URL means on the wire, parsed once per URL."""

    origin: tuple[str, str, int]  # scheme, host, port: the key of a pool of connections
    host: str
    port: int
    tls: bool
    host_header: str
    path: str  # with the query


def _parse_target(url: str) -> _Target:
    # Checked before urlsplit, which silently drops tabs and line breaks (so "\r\n" would
    # pass unseen) and keeps spaces (which would break the request line).
    if any(c <= " " or c == "\x7f" for c in url):
        raise InvalidUpstreamRequest("The upstream URL contains a space or control character.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidUpstreamRequest(f"Upstream URL scheme '{scheme}' is not supported.")
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise InvalidUpstreamRequest("The upstream URL has an invalid port.") from None
    if not host:
        raise InvalidUpstreamRequest("The upstream URL has no host.")
    default = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if default else f"{shown}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target((scheme, host, port), host, port, scheme == "https", host_header, path)


def request_head(method: str, target: _Target, headers: dict[str, str], length: int) -> bytes:
    """The request line and headers, ready to write."""
    lines = [f"{method} {target.path} HTTP/1.1\r\nhost: {target.host_header}\r\n{_FIXED_HEADERS}"]
    for name, value in headers.items():
        if _HEADER_NAME.fullmatch(name) is None or _NOT_IN_VALUE.search(value) is not None:
            raise InvalidUpstreamRequest(f"The upstream header '{name[:40]!r}' is not valid.")
        lines.append(f"{name}: {value}\r\n")
    lines.append(f"content-length: {length}\r\n\r\n" if length or method == "POST" else "\r\n")
    try:
        return "".join(lines).encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidUpstreamRequest(
            "An upstream header holds characters HTTP cannot carry."
        ) from None


class H1Pool:
    """Keep-alive connections per origin; at most ``limit`` open in all."""

    def __init__(
        self,
        allowed: AllowedHosts,
        *,
        limit: int = 1000,
        keepalive_s: float = 4.0,
        connect_timeout: float = 10.0,
        dns_ttl: float = 60.0,
        proxies: EgressProxies | None = None,
        ca_bundle: Path | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._allowed = allowed
        self._limit = limit
        self._keepalive_s = keepalive_s
        self._connect_timeout = connect_timeout
        self._dns_ttl = dns_ttl
        self._targets: dict[str, _Target] = {}
        self._idle: dict[tuple[str, str, int], deque[H1Connection]] = {}
        self._addresses: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._open: set[H1Connection] = set()
        self._connecting = 0
        # Calls waiting for a slot, by origin: woken with a connection handed over (same
        # origin) or with None (a slot is free: connect).
        self._slot_waiters: deque[_SlotWaiter] = deque()
        self._sweep: asyncio.TimerHandle | None = None
        self._tls: ssl.SSLContext | None = None
        self._proxies = proxies if proxies is not None and proxies.configured else None
        self._ca_bundle = ca_bundle
        self._closed = False

    def target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            target = _parse_target(url)
            if len(self._targets) >= _URL_CACHE_SIZE:
                self._targets.clear()
            self._targets[url] = target
        return target

    async def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes, read_timeout: float
    ) -> H1Response:
        """Send on an idle connection if one is left, else on a new one. A reused connection
        that turns out to have been closed by the server before answering is retried once."""
        target = self.target(url)
        head = request_head(method, target, headers, len(body))
        conn = self._take_idle(target.origin) or await self._connect(target)
        try:
            return await conn.request(head, body, read_timeout)
        except ConnectionBroken as exc:
            if not (conn.reused and exc.before_answer):
                raise
        conn = await self._connect(target)
        return await conn.request(head, body, read_timeout)

    async def close(self) -> None:
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
        conns = list(self._open)
        for conn in conns:
            conn.close()
        self._open.clear()
        self._idle.clear()
        if conns:  # closed means closed: the sockets are gone when this returns
            await asyncio.wait([asyncio.ensure_future(c.wait_closed()) for c in conns], timeout=1)

    # -- connections ------------------------------------------------------------------------

    def _take_idle(self, origin: tuple[str, str, int]) -> H1Connection | None:
        idle = self._idle.get(origin)
        now = self.loop.time()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to be closed
            if not conn.closed and now - conn.idle_since < self._keepalive_s:
                return conn
            self._drop(conn)
        return None

    def _give_back(self, conn: H1Connection) -> None:
        if self._slot_waiters and not self._closed:
            for entry in self._slot_waiters:
                origin, waiter = entry
                if origin == conn.key and not waiter.done():
                    # A call waiting for the same origin takes it as it is: closing it to
                    # open another would cost a handshake just when the pool is saturated.
                    self._slot_waiters.remove(entry)
                    waiter.set_result(conn)
                    return
        if self._closed or self._slot_waiters:  # a waiter for a slot gets this one's
            self._drop(conn)
            return
        self._idle.setdefault(conn.key, deque()).append(conn)
        if self._sweep is None:
            self._sweep = self.loop.call_later(self._keepalive_s, self._close_expired)

    def _drop(self, conn: H1Connection) -> None:
        conn.close()
        self._forget(conn)

    def _forget(self, conn: H1Connection) -> None:
        self._open.discard(conn)
        self._wake_waiter()

    def _wake_waiter(self) -> None:
        """A slot is free: the first call waiting for one may connect."""
        while self._slot_waiters:
            _, waiter = self._slot_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break

    def _close_expired(self) -> None:
        self._sweep = None
        now = self.loop.time()
        for idle in self._idle.values():
            while idle and (idle[0].closed or now - idle[0].idle_since >= self._keepalive_s):
                self._drop(idle.popleft())
        if any(self._idle.values()):
            self._sweep = self.loop.call_later(self._keepalive_s, self._close_expired)

    async def _wait_for_slot(self, origin: tuple[str, str, int]) -> H1Connection | None:
        """Until a connection may be opened, or one to ``origin`` is handed over."""
        while len(self._open) + self._connecting >= self._limit:
            oldest = next((idle[0] for idle in self._idle.values() if idle), None)
            if oldest is not None:  # an idle connection elsewhere gives up its slot
                self._idle[oldest.key].popleft()
                self._drop(oldest)
                continue
            waiter: asyncio.Future[H1Connection | None] = self.loop.create_future()
            entry = (origin, waiter)
            self._slot_waiters.append(entry)
            try:
                conn = await waiter
            except asyncio.CancelledError:
                if entry in self._slot_waiters:
                    self._slot_waiters.remove(entry)
                elif waiter.done() and not waiter.cancelled():  # woken as it was cancelled:
                    handed = waiter.result()  # pass on what it was given
                    if handed is not None:
                        self._give_back(handed)
                    else:
                        self._wake_waiter()
                raise
            if conn is not None and not conn.closed:  # (closed while handed over: go on)
                return conn
        return None

    async def _connect(self, target: _Target) -> H1Connection:
        handed = await self._wait_for_slot(target.origin)
        if handed is not None:
            return handed
        self._connecting += 1
        try:
            return await self._open_connection(target)
        finally:
            self._connecting -= 1

    async def _open_connection(self, target: _Target) -> H1Connection:
        origin = target.origin

        def protocol() -> H1Connection:
            return H1Connection(self.loop, origin, self._give_back, self._forget)

        proxy = self._proxies and self._proxies.for_upstream(target.tls, target.host, target.port)
        if proxy:
            return await self._open_through(proxy, target, protocol)
        addresses = await self._resolve(target.host, target.port)

        last: OSError | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    _, conn = await self.loop.create_connection(
                        protocol,
                        address,
                        target.port,
                        ssl=self._tls_context() if target.tls else None,
                        server_hostname=target.host if target.tls else None,
                    )
            except OSError as exc:
                last = exc
                continue
            self._open.add(conn)
            return conn
        assert last is not None
        raise last

    async def _open_through(
        self, proxy: ProxyUrl, target: _Target, protocol: Callable[[], H1Connection]
    ) -> H1Connection:
        """A connection tunnelled through ``proxy``, once the final upstream passed the policy."""
        try:
            await self._resolve(target.host, target.port)
        except socket.gaierror:
            if not self._allowed.allows_name(target.host):
                raise UpstreamRefused(
                    f"Upstream host '{target.host}' does not resolve here, so the host policy "
                    "cannot check it; to reach it through the egress proxy, add it to "
                    "MODELYARD_ALLOWED_UPSTREAM_HOSTS."
                ) from None
        async with asyncio.timeout(self._connect_timeout):
            sock = await open_tunnel(self.loop, proxy, target.host, target.port)
            try:
                _, conn = await self.loop.create_connection(
                    protocol,
                    sock=sock,
                    ssl=self._tls_context() if target.tls else None,
                    server_hostname=target.host if target.tls else None,
                )
            except BaseException:
                sock.close()
                raise
        self._open.add(conn)
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = client_context(self._ca_bundle)
        return self._tls

    async def _resolve(self, host: str, port: int) -> list[str]:
        """The checked addresses of ``host`` (all must be allowed, or none is used)."""
        cached = self._addresses.get((host, port))
        now = self.loop.time()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            ipaddress.ip_address(host)
            addresses = [host]
            literal = True
        except ValueError:
            infos = await self.loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
            literal = False
        for address in addresses:
            if not is_address_allowed(address, host, self._allowed):
                if literal:
                    raise UpstreamRefused(f"Upstream address '{host}' is not allowed.")
                raise UpstreamRefused(f"Upstream host '{host}' resolves to a refused address.")
        if len(self._addresses) >= _URL_CACHE_SIZE:
            self._addresses.clear()
        self._addresses[(host, port)] = (now + self._dns_ttl, addresses)
        return addresses
