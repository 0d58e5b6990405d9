"""Where the services may send a request someone else named (a portal's webhook URL).

A URL is refused when its host is, or resolves to, an address of this machine or of a
private network (loopback, RFC 1918, link-local and the cloud metadata address
169.254.169.254, unique-local IPv6, carrier-grade NAT, multicast, unspecified) unless
it falls in a network the operator allowed (``WEBHOOK_ALLOWED_NETWORKS``: the local
stack and the tests allow loopback). It is asked at registration and again before
every delivery, on the addresses the request then connects to (DNS can change).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
SCHEMES = ("http", "https")


class Refused(ValueError):
    """A URL the services will not call; the message says why (shown to the portal)."""


def networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1/128"`` -> the networks; raises ``ValueError`` for anything else."""
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (raises ``OSError`` when it resolves to none)."""
    return sorted(
        {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    )


def _forbidden(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _forbidden(address.ipv4_mapped)
    return not address.is_global or address.is_multicast


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL; raises ``Refused``."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise Refused("The URL must be an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise Refused("The URL must not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("The URL's port is not a port.") from exc
    return parts.scheme, parts.hostname, port


def checked_addresses(
    url: str, allowed: Sequence[Network] = (), resolver: Resolver = resolve
) -> list[str]:
    """The addresses ``url``'s host resolves to, every one of them permitted; raises
    ``Refused`` naming the first that is not (or when the host does not resolve)."""
    _, host, port = target(url)
    try:
        found = resolver(host, port)
    except OSError as exc:
        raise Refused(f"The host {host!r} does not resolve.") from exc
    if not found:
        raise Refused(f"The host {host!r} does not resolve.")
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if _forbidden(address) and not any(address in network for network in allowed):
            raise Refused(
                f"The host {host!r} resolves to {address}, a loopback, private, link-local "
                "or otherwise internal address."
            )
    return found
