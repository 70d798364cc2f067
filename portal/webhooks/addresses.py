"""Where a webhook may be sent: never to the portal's own network (SSRF).

A URL must be https (plain http only to loopback, and only where WEBHOOKS_ALLOW_LOOPBACK
is set, as in the tests), and every address its host resolves to must be public: not
loopback, private, link-local, multicast, reserved, unspecified or otherwise not global,
for IPv4 and IPv6 alike (an IPv4-mapped IPv6 address is judged as its IPv4 address).
The check runs when an endpoint is saved and again before each delivery, which then
connects to the very address that was checked (`delivery`), so a name that resolves
elsewhere in between gains nothing.

Names resolve through `resolve`: the system's resolver, after WEBHOOKS_HOSTS, a fixed
table of name -> addresses (like /etc/hosts) that tests use to stand in for DNS.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from portal.errors import DomainError

URL_MAX = 2000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(DomainError):
    """The URL or the address it resolves to may not receive webhooks."""

    def __init__(self, message: str):
        super().__init__("address_refused", message, fields={"url": message})


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call the host (`host`)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allow_loopback() -> bool:
    return bool(current_app.config["WEBHOOKS_ALLOW_LOOPBACK"])


def classify(address: IPAddress) -> str | None:
    """Why `address` may not receive webhooks ("private", "loopback"...), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 address that carries an IPv4 one reaches that IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return classify(embedded)
        if address.teredo is not None:
            return "reserved"
    for reason in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "not public"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal address resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    table = current_app.config.get("WEBHOOKS_HOSTS") or {}
    if host.lower() in table:
        return list(table[host.lower()])
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"{host} cannot be resolved ({exc}).") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of an acceptable-looking URL; AddressRefused if not."""
    url = (url or "").strip()
    if not url:
        raise AddressRefused("Give the endpoint's URL.")
    if len(url) > URL_MAX:
        raise AddressRefused(f"At most {URL_MAX} characters.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise AddressRefused("A URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("This is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise AddressRefused("The URL must start with https://.")
    if not parts.hostname:
        raise AddressRefused("The URL must name a host.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("Put no user name or password in the URL; verify the signature.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def check_url(url: str) -> Target:
    """Resolve `url`'s host and check every address; the first one is where to connect.

    :raises AddressRefused: with a message saying why.
    """
    scheme, host, port, path = parse_url(url)
    addresses = resolve(host, port)
    if not addresses:
        raise AddressRefused(f"{host} resolves to no address.")
    reasons = {}
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        reasons[text] = reason = classify(address)
        if reason == "loopback" and _allow_loopback():
            continue
        if reason is not None:
            raise AddressRefused(
                f"{host} resolves to {address}, a {reason} address: webhooks go only to "
                "public addresses."
            )
    if scheme == "http" and not (
        _allow_loopback() and all(reason == "loopback" for reason in reasons.values())
    ):
        raise AddressRefused("The URL must start with https://.")
    return Target(scheme, host, port, path, addresses[0])
