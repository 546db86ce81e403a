"""Where a webhook may go: an http(s) URL whose every address is public, or in a network the
operator allows. Pure: addresses come resolved (see delivery.resolve_host), never from the URL's
text, because the resolver reads `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` all as
127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from urllib.parse import urlsplit

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

REFUSED_BY_POLICY = "refused by policy"

_THIS_NETWORK = ip_network("0.0.0.0/8")
_SHARED = ip_network("100.64.0.0/10")  # carrier-grade NAT
_DOCUMENTATION = (
    ip_network("192.0.2.0/24"),
    ip_network("198.51.100.0/24"),
    ip_network("203.0.113.0/24"),
    ip_network("2001:db8::/32"),
)
_SPECIAL_PURPOSE_IPV4 = (
    ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ip_network("192.88.99.0/24"),  # the former 6to4 relay anycast
    ip_network("198.18.0.0/15"),
)  # benchmarking
_IPV4_MAPPED = ip_network("::ffff:0:0/96")
_IPV4_COMPATIBLE = ip_network("::/96")
_NAT64 = ip_network("64:ff9b::/96")
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")  # its IPv4 sits at an operator-chosen offset: refused whole


class InvalidWebhookUrl(ValueError):
    """Not a URL a webhook can be sent to (scheme, credentials, host); the message says why."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: the host (IDNA ASCII, lowercase, no brackets) is what gets
    resolved; the request goes to the address that was checked, with `host_header` and `path`."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == self.default_port else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidWebhookUrl(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidWebhookUrl("must be an http or https URL")
    if "@" in parts.netloc:
        raise InvalidWebhookUrl("must not carry credentials (user:password@)")
    if not parts.hostname:
        raise InvalidWebhookUrl("has no host")
    try:
        host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() else parts.hostname
    except UnicodeError:
        raise InvalidWebhookUrl("has a host name that is not valid") from None
    if "%" in host:
        raise InvalidWebhookUrl("must not name an IPv6 zone")
    path = parts.path or "/"
    return Target(
        scheme=scheme,
        host=host.lower().rstrip("."),
        port=port or (443 if scheme == "https" else 80),
        path=f"{path}?{parts.query}" if parts.query else path,
    )


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: mapped, compatible, 6to4, NAT64, Teredo."""
    if address in _IPV4_MAPPED or address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def ipv4_refusal(address: IPv4Address) -> str | None:
    if address in _THIS_NETWORK:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address in _SHARED:
        return "shared (carrier-grade NAT)"
    if any(address in network for network in _DOCUMENTATION[:3]):
        return "documentation"
    if address.is_reserved or any(address in network for network in _SPECIAL_PURPOSE_IPV4):
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "non-public"
    return None


def ipv6_refusal(address: IPv6Address) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_site_local:
        return "site-local"
    if address.is_multicast:
        return "multicast"
    if address in _DOCUMENTATION[3]:
        return "documentation"
    if address in _NAT64_LOCAL:
        return "reserved"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def refusal(address: Address) -> str | None:
    """Why a webhook may not reach `address` ("loopback", "private", ...), or None if it is public.

    An IPv6 address that carries an IPv4 one is judged by both: `::ffff:127.0.0.1` is loopback.
    """
    if isinstance(address, IPv4Address):
        return ipv4_refusal(address)
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = ipv4_refusal(inner)
        if reason is not None:
            return reason
        if address in _IPV4_MAPPED or address in _NAT64:
            return None  # the IPv6 form is only a way to reach that public IPv4 address
    return ipv6_refusal(address)


def same_host(address: Address) -> Address:
    """`::ffff:a.b.c.d` is a.b.c.d (a dual-stack socket reaches it); every other address is itself."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class OutboundPolicy:
    """`allowed_networks`: private networks the operator lets webhooks reach (receivers inside the
    deployment). Even there, the gateway's own port on its own addresses stays refused, so a
    caller cannot make the gateway call its own API."""

    allowed_networks: tuple[Network, ...] = ()
    own_port: int | None = None
    own_addresses: frozenset[Address] = frozenset()

    def refusal(self, address: Address, port: int) -> str | None:
        host = same_host(address)
        if port == self.own_port and (host.is_loopback or host.is_unspecified or host in self.own_addresses):
            return "the gateway's own"
        if any(host.version == network.version and host in network for network in self.allowed_networks):
            return None
        return refusal(address)

    def first_refusal(self, addresses: Iterable[Address], port: int) -> str | None:
        """Every address a name resolves to must pass: the connection may use any of them."""
        for address in addresses:
            reason = self.refusal(address, port)
            if reason is not None:
                return reason
        return None
