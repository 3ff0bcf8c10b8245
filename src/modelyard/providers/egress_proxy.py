"""Upstream calls through a corporate egress proxy: which calls go through it, and the tunnel.

Where the gateway may not reach the internet itself, an HTTP proxy does it for it. Its address
comes from the variables every HTTP client reads (``HTTPS_PROXY``, ``HTTP_PROXY``,
``NO_PROXY``, in either case, through :class:`~modelyard.settings.Settings`). Every upstream
call through it, http as well as https, goes through a ``CONNECT`` tunnel: the gateway keeps
speaking its own HTTP/1.1 (and TLS, end to end with the provider) inside it, so the pool,
keep-alive and streaming work as they do without one. The host policy is checked on the final
upstream before the tunnel is asked for (``h1_pool``), never on the proxy, which the operator
set. Credentials in a proxy URL go into ``Proxy-Authorization`` and nowhere else: messages
show the proxy without them.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from modelyard.errors import UpstreamError

_MAX_HEAD = 16 * 1024  # a CONNECT answer's head, at most


class ProxyError(UpstreamError):
    """The egress proxy could not be reached or would not open the tunnel."""


@dataclass(frozen=True, slots=True)
class ProxyUrl:
    """One proxy: where it listens and how we authenticate to it."""

    host: str
    port: int
    shown: str = field(repr=True)  # the URL without credentials: safe for logs and errors
    authorization: str | None = field(default=None, repr=False)  # "Basic ..."


def parse_proxy_url(raw: str, *, variable: str = "HTTPS_PROXY") -> ProxyUrl:
    """``http://[user:password@]host[:port]`` (a bare ``host:port`` means http).

    Raises ``ValueError`` naming ``variable``, never repeating the credentials.
    """
    text = raw.strip()
    if "://" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme != "http":
        raise ValueError(
            f"{variable}: only http:// proxies are supported (the tunnel to the provider is "
            f"TLS end to end), not {scheme}://"
        )
    host = parts.hostname or ""
    try:
        port = parts.port or 80
    except ValueError:
        raise ValueError(f"{variable}: the proxy URL has an invalid port") from None
    if not host or any(c <= " " for c in host):
        raise ValueError(f"{variable}: the proxy URL has no valid host")
    shown_host = f"[{host}]" if ":" in host else host
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return ProxyUrl(host, port, f"http://{shown_host}:{port}", authorization)


@dataclass(frozen=True, slots=True)
class NoProxy:
    """``NO_PROXY``: hosts reached directly. Entries are names (a name matches itself and its
    subdomains; a leading ``.`` or ``*.`` is ignored), IP addresses or CIDR networks, each
    optionally with ``:port``; ``*`` alone means every host."""

    everything: bool = False
    names: tuple[tuple[str, int | None], ...] = ()
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None], ...] = ()

    @classmethod
    def parse(cls, raw: str | None) -> NoProxy:
        names: list[tuple[str, int | None]] = []
        networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]] = []
        for entry in (raw or "").replace(",", " ").split():
            if entry == "*":
                return cls(everything=True)
            host, port = _split_port(entry)
            try:
                networks.append((ipaddress.ip_network(host, strict=False), port))
            except ValueError:
                names.append((host.lower().removeprefix("*.").strip(".").rstrip("."), port))
        return cls(False, tuple(names), tuple(networks))

    def bypasses(self, host: str, port: int) -> bool:
        if self.everything:
            return True
        host = host.strip("[]").lower().rstrip(".")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return any(
                (host == name or host.endswith(f".{name}")) and want in (None, port)
                for name, want in self.names
                if name
            )
        return any(
            address.version == net.version and address in net and want in (None, port)
            for net, want in self.networks
        )


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port``, or a bare host / address / network."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None


@dataclass(frozen=True, slots=True)
class EgressProxies:
    """The proxies in force: one for https upstreams, one for http, and the exceptions."""

    https: ProxyUrl | None = None
    http: ProxyUrl | None = None
    no_proxy: NoProxy = field(default_factory=NoProxy)

    @classmethod
    def parse(
        cls, https_proxy: str | None, http_proxy: str | None, no_proxy: str | None
    ) -> EgressProxies:
        return cls(
            parse_proxy_url(https_proxy, variable="HTTPS_PROXY") if https_proxy else None,
            parse_proxy_url(http_proxy, variable="HTTP_PROXY") if http_proxy else None,
            NoProxy.parse(no_proxy),
        )

    @property
    def configured(self) -> bool:
        return self.https is not None or self.http is not None

    def for_upstream(self, tls: bool, host: str, port: int) -> ProxyUrl | None:
        """The proxy a call to ``host:port`` goes through, or None to connect directly."""
        proxy = self.https if tls else self.http
        if proxy is None or self.no_proxy.bypasses(host, port):
            return None
        return proxy


async def open_tunnel(
    loop: asyncio.AbstractEventLoop, proxy: ProxyUrl, host: str, port: int
) -> socket.socket:
    """A connected socket to the proxy on which ``CONNECT host:port`` was answered 2xx.

    The caller puts its connection (and TLS, if any) on the socket. The proxy's own address
    is the operator's choice, so it is not subject to the upstream host policy.
    """
    try:
        infos = await loop.getaddrinfo(proxy.host, proxy.port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ProxyError(
            f"Could not reach the egress proxy {proxy.shown}: its name does not resolve."
        ) from None
    last: OSError | None = None
    for family, type_, proto, _, address in infos:
        sock = socket.socket(family, type_, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        except BaseException:  # cancelled (the connect timeout): no descriptor left behind
            sock.close()
            raise
        try:
            await _handshake(loop, sock, proxy, host, port)
        except BaseException:
            sock.close()
            raise
        return sock
    reason = type(last).__name__ if last else "no address"
    raise ProxyError(f"Could not reach the egress proxy {proxy.shown}: {reason}.")


async def _handshake(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, proxy: ProxyUrl, host: str, port: int
) -> None:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1\r\nhost: {authority}\r\n"]
    if proxy.authorization:
        lines.append(f"proxy-authorization: {proxy.authorization}\r\n")
    lines.append("\r\n")
    try:
        await loop.sock_sendall(sock, "".join(lines).encode("latin-1"))
        head = b""
        # The proxy sends nothing after its answer until the client speaks (TLS or HTTP both
        # start with the client), so reading up to the blank line never eats tunnel bytes.
        while b"\r\n\r\n" not in head:
            data = await loop.sock_recv(sock, 4096)
            if not data:
                raise ProxyError(f"The egress proxy {proxy.shown} closed the tunnel to {authority}")
            head += data
            if len(head) > _MAX_HEAD:
                raise ProxyError(f"The egress proxy {proxy.shown} sent an oversized answer.")
    except OSError as exc:
        raise ProxyError(
            f"The egress proxy {proxy.shown} broke off the tunnel to {authority}: "
            f"{type(exc).__name__}."
        ) from None
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProxyError(f"The egress proxy {proxy.shown} did not answer in HTTP.")
    if not 200 <= int(code) < 300:
        # 407 by the book; tinyproxy says 401 to a CONNECT with the wrong password.
        hint = " (check the proxy's user name and password)" if code in ("401", "407") else ""
        raise ProxyError(
            f"The egress proxy {proxy.shown} refused the tunnel to {authority}: "
            f"{code} {reason[:80].strip()}{hint}."
        )
