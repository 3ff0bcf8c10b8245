"""SSRF guard for the base URLs of model keys.

A user who may configure a base URL could otherwise point the gateway at the machine itself, the
private network or the cloud metadata service and read the answers back. So a base URL must be
plain http(s) and its host must resolve only to public addresses, unless the operator allows the
host or its network in ``MODELYARD_ALLOWED_UPSTREAM_HOSTS`` (e.g. a local Ollama).

The check runs when a key is configured and again when the gateway connects (DNS can change in
between); a name that does not resolve is accepted at configuration time because the machine may
be offline.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from modelyard.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_HINT = "add the host to MODELYARD_ALLOWED_UPSTREAM_HOSTS"

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata.google.internal"})


class UpstreamHostRefused(InvalidInput):
    """A base URL or upstream host was refused by the SSRF guard."""


@dataclass(frozen=True, slots=True)
class AllowedHosts:
    """The parsed ``MODELYARD_ALLOWED_UPSTREAM_HOSTS``: host names and IP networks."""

    names: frozenset[str]
    networks: tuple[IPNetwork, ...]

    def allows_name(self, host: str) -> bool:
        return _normalise_name(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        address = _unmap(address)
        return any(address in network for network in self.networks)


AllowedSpec = Sequence[str] | AllowedHosts


def parse_allowed(allowed: AllowedSpec) -> AllowedHosts:
    """Parse allow-list entries (host names, IP addresses, CIDR networks); cached per list.

    Raises ValueError for an entry that is neither, so a typo in the setting is not silently
    ignored.
    """
    if isinstance(allowed, AllowedHosts):
        return allowed
    return _parse_allowed(tuple(allowed))


@functools.lru_cache(maxsize=32)
def _parse_allowed(entries: tuple[str, ...]) -> AllowedHosts:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        candidate = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
        try:
            network = ipaddress.ip_network(candidate, strict=False)
        except ValueError:
            if "/" in entry or ":" in entry or any(c.isspace() for c in entry):
                raise ValueError(
                    f"MODELYARD_ALLOWED_UPSTREAM_HOSTS entry {entry!r} is not a host name, "
                    "IP address or CIDR network (ports are not supported)"
                ) from None
            names.add(_normalise_name(entry))
            continue
        networks.append(_unmap_network(network))
    return AllowedHosts(names=frozenset(names), networks=tuple(networks))


def check_base_url(
    url: str, allowed: AllowedSpec, *, param: str = "base_url", resolve: bool = True
) -> str:
    """Validate a base URL and return it normalised (no trailing slash).

    Raises :class:`UpstreamHostRefused` (an ``InvalidInput`` on ``param``) with a message that
    says which rule refused the URL; the message never repeats credentials from the URL.
    With ``resolve=False`` only IP literals and well-known local names are checked (no DNS).
    """
    url = url.strip()
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        # urlsplit silently drops tabs and newlines, which would hide what is really checked.
        raise UpstreamHostRefused(
            f"{param} must not contain spaces or control characters", param=param
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UpstreamHostRefused(f"{param} must start with http:// or https://", param=param)
    if "@" in parts.netloc:
        raise UpstreamHostRefused(
            f"{param} must not contain a user name or password; put credentials in the key's "
            "secret instead",
            param=param,
        )
    if "\\" in url or "%" in parts.netloc:
        # Clients differ on backslashes and percent-encoded hosts; refuse what is ambiguous.
        raise UpstreamHostRefused(
            f"{param} must not contain backslashes or a percent-encoded host", param=param
        )
    if "?" in url or "#" in url:
        raise UpstreamHostRefused(f"{param} must not have a query string or fragment", param=param)
    host = parts.hostname
    if not host:
        raise UpstreamHostRefused(f"{param} must include a host name", param=param)
    try:
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        raise UpstreamHostRefused(f"{param} has an invalid port", param=param) from None
    _check_host(host, parse_allowed(allowed), param=param, resolve=resolve, strict=False)
    return url.rstrip("/")


def is_address_allowed(ip: str, host: str, allowed: AllowedSpec) -> bool:
    """Whether the gateway may connect to ``ip`` for ``host``.

    True for a public address, or when the host name or the address is in the allow list.
    """
    spec = parse_allowed(allowed)
    address = _parse_ip(ip)
    return (
        _refusal_reason(address) is None or spec.allows_name(host) or spec.allows_address(address)
    )


def resolve_and_check(host: str, allowed: AllowedSpec) -> None:
    """Resolve ``host`` now and refuse it if any address is not allowed (connect-time check).

    Raises :class:`UpstreamHostRefused`, or ``socket.gaierror`` when the name does not resolve
    (the connection would fail anyway). To be safe against DNS rebinding, the caller should
    connect to an address it checked rather than resolve the name a second time.
    """
    _check_host(host, parse_allowed(allowed), param="base_url", resolve=True, strict=True)


def _check_host(host: str, spec: AllowedHosts, *, param: str, resolve: bool, strict: bool) -> None:
    host = host.strip("[]")
    if not host.isascii():
        try:  # Compare what will be looked up: full-width "localhost" is localhost.
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UpstreamHostRefused(
                f"{param} host {host!r} is not a valid host name", param=param
            ) from None
    if spec.allows_name(host):
        return
    name = _normalise_name(host)
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        raise UpstreamHostRefused(
            f"{param} host {host!r} is a local name; if this upstream is intended, {ALLOW_HINT}",
            param=param,
        )
    addresses = _numeric_addresses(host)
    if addresses is None:
        if not resolve:
            return
        try:
            addresses = _resolve(host)
        except socket.gaierror:
            if strict:
                raise
            return  # Offline or not yet in DNS: the gateway checks again when it connects.
        except UnicodeError:
            raise UpstreamHostRefused(
                f"{param} host {host!r} is not a valid host name", param=param
            ) from None
    for address in addresses:
        reason = _refusal_reason(address)
        if reason is not None and not spec.allows_address(address):
            via = "is" if str(address) == host else f"resolves to {address}, which is"
            raise UpstreamHostRefused(
                f"{param} host {host!r} {via} {reason}; if this upstream is intended, {ALLOW_HINT}",
                param=param,
            )


def _refusal_reason(address: IPAddress) -> str | None:
    """Which rule refuses ``address`` (None: a public address)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and embedded != address:
        reason = _refusal_reason(embedded)
        return None if reason is None else f"{reason} (embedded in an IPv6 address)"
    if address in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address in _SHARED_CGNAT:
        return "a shared (CGNAT) address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: IPAddress) -> IPAddress | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _unmap(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _unmap_network(network: IPNetwork) -> IPNetwork:
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(_IPV4_MAPPED):
        v4 = ipaddress.IPv4Address(int(network.network_address) & 0xFFFFFFFF)
        return ipaddress.IPv4Network((v4, network.prefixlen - 96))
    return network


def _numeric_addresses(host: str) -> list[IPAddress] | None:
    """The address of an IP literal without DNS, or None for a host name.

    Uses the C resolver's numeric parsing so that forms like ``127.1`` or ``2130706433``, which
    connect to 127.0.0.1, are recognised as what they are.
    """
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return [_parse_ip(str(info[4][0])) for info in infos]


def _resolve(host: str) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [_parse_ip(str(info[4][0])) for info in infos]


def _parse_ip(ip: str) -> IPAddress:
    return ipaddress.ip_address(ip.strip("[]").split("%", 1)[0])


def _normalise_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()
