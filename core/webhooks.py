"""Which webhook URLs alerts may be sent to: http(s) only, and (unless allowed) only hosts whose
every address is public, so a tracker cannot make the server call its own network (SSRF).

Checked when a tracker is saved and again just before each send (DNS may answer differently by
then); the sender follows no redirect, so a public URL cannot bounce the request inside.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 500


class UnsafeWebhook(ValueError):
    """The URL is not one alerts may be sent to; the message says why, for a person."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_webhook_url(url: str, *, allow_private: bool = False,
                      resolve=None) -> list[str]:
    """The addresses the URL's host resolves to, all allowed; else ``UnsafeWebhook``."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeWebhook("Enter the webhook's URL, starting with https://.")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeWebhook(f"The webhook URL must be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeWebhook("The webhook URL is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhook("The webhook URL must start with https:// or http://.")
    if parts.username or parts.password:
        raise UnsafeWebhook("The webhook URL must not contain a user name or password.")
    resolve = resolve or socket.getaddrinfo
    try:
        infos = resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                        type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeWebhook(f"The webhook host {parts.hostname} could not be resolved.") from None
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise UnsafeWebhook(f"The webhook host {parts.hostname} has no address.")
    if not allow_private:
        for text in addresses:
            if not _is_public(ipaddress.ip_address(text.split("%")[0])):
                raise UnsafeWebhook(
                    f"The webhook host {parts.hostname} resolves to {text}, a loopback, private "
                    "or reserved address; alerts are sent only to public addresses "
                    "(ALERT_WEBHOOK_ALLOW_PRIVATE=1 allows others).")
    return addresses
