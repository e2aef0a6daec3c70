"""Fetch one http(s) URL without letting it reach the bot's own network.

Each hop of a redirect chain is parsed, resolved and checked here, and the socket is then
connected to that very address while Host and SNI name the host, so a DNS answer that
changes between the check and the connection (rebinding) cannot move the request inward.

The standard library's ``http.client`` is used rather than aiohttp: it lets us hand it a
socket we connected ourselves (no resolver, DNS cache or happy-eyeballs of its own to
audit), it never reads proxy settings from the environment, never follows redirects and
never decompresses behind our back. Ingesting also parses HTML and PDF, which is CPU work
that must leave the event loop anyway, so the whole of ``prepare`` runs in one worker
thread (``await asyncio.to_thread(prepare, ...)``) and a blocking fetch fits it.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from bot.errors import IngestError

__all__ = [
    "ACCEPTED_TYPES",
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "TIMEOUT_SECONDS",
    "Fetched",
    "address_refusal",
    "fetch",
    "size_label",
]

ACCEPTED_TYPES = ("text/html", "text/plain", "text/markdown", "application/pdf")
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 15.0
MAX_REDIRECTS = 5
USER_AGENT = "knowledge-quote-bot/0.1 (adds pages a moderator asked for)"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response body that passed every check; ``final_url`` is where the redirects ended."""

    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA) form, no brackets
    port: int
    request_path: str
    host_header: str


def size_label(limit: int) -> str:
    """A byte count as people read it in a limit ("5 MB", "64 KB", "300 bytes")."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    trusted_networks: Sequence[str | Network] = (),
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    max_redirects: int = MAX_REDIRECTS,
    ssl_context: ssl.SSLContext | None = None,
) -> Fetched:
    """GET ``url`` and return its body, or raise IngestError with one line saying why not.

    ``allow_private`` lets every address through (tests, intranet deployments);
    ``trusted_networks`` lets only the named networks through. ``timeout`` bounds the whole
    fetch, redirects included (DNS lookups aside: the resolver cannot be interrupted).
    """
    deadline = time.monotonic() + timeout
    networks = tuple(ipaddress.ip_network(n) for n in trusted_networks)
    context = ssl_context or ssl.create_default_context()
    current = url.strip()
    for hop in range(max_redirects + 1):
        target = _parse(current)
        addresses = _resolve(target, allow_private=allow_private, trusted=networks, redirected=hop > 0)
        location, response = _exchange(target, addresses, deadline, timeout, context, max_bytes)
        if location is None:
            assert response is not None
            content_type, charset, body = response
            return Fetched(url=url.strip(), final_url=current, content_type=content_type, charset=charset, body=body)
        current = urljoin(current, location)
    raise IngestError(f"more than {max_redirects} redirects; stopped before {_shorten(current)}")


def _shorten(url: str, limit: int = 100) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _parse(url: str) -> _Target:
    """Check the URL's shape and work out what to connect to and what to ask for."""
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise IngestError("the link contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise IngestError(f"the link is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "a link without http:// or https://"
        raise IngestError(f"only http:// and https:// links can be added, not {shown}")
    if parts.username is not None or parts.password is not None:
        raise IngestError("links with a user name or password in them are not accepted")
    hostname = parts.hostname
    if not hostname:
        raise IngestError("the link has no host name")
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise IngestError(f"the host name {hostname[:80]!r} is not valid") from None
    port = port or _DEFAULT_PORTS[scheme]
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~?")
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == _DEFAULT_PORTS[scheme] else f"{shown_host}:{port}"
    return _Target(scheme, host, port, path, host_header)


def address_refusal(ip: IPAddress) -> str | None:
    """Why an address must not be fetched from, or None for an ordinary public address.

    An IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by the
    IPv4 address too, since that is where the packets end up.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_refusal(ip.ipv4_mapped)
        embedded = [ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in embedded:
            if inner is not None and (reason := address_refusal(inner)) is not None:
                return reason
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


def _resolve(
    target: _Target, *, allow_private: bool, trusted: tuple[Network, ...], redirected: bool
) -> list[tuple[int, tuple[object, ...]]]:
    """Every address of the host, each checked; one bad address refuses the host."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise IngestError(f"could not find the host {target.host}") from None
    addresses: list[tuple[int, tuple[object, ...]]] = []
    for family, _, _, _, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not allow_private and not _trusted(ip, trusted) and (reason := address_refusal(ip)):
            where = " (after a redirect)" if redirected else ""
            raise IngestError(f"refused {target.host}{where}: it resolves to {ip}, {reason}")
        addresses.append((family, tuple(sockaddr)))
    if not addresses:
        raise IngestError(f"could not find the host {target.host}")
    return addresses


def _trusted(ip: IPAddress, trusted: tuple[Network, ...]) -> bool:
    plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    return any(plain.version == n.version and plain in n for n in trusted)


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection over a socket we connected (and checked) ourselves."""

    def __init__(self, target: _Target, sock: socket.socket, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._pinned = sock

    def connect(self) -> None:
        self.sock = self._pinned


def _exchange(
    target: _Target,
    addresses: list[tuple[int, tuple[object, ...]]],
    deadline: float,
    total: float,
    context: ssl.SSLContext,
    max_bytes: int,
) -> tuple[str | None, tuple[str, str | None, bytes] | None]:
    """One request: (redirect location, None) or (None, (content type, charset, body)).

    A watchdog shuts the socket down at the deadline, so a server that drips its headers or
    body a byte at a time cannot hold the worker past the time limit.
    """
    expired = threading.Event()
    live: list[socket.socket] = []

    def cut() -> None:
        expired.set()
        for sock in live:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, even under TLS

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise IngestError(f"fetching took longer than the {total:g} s limit")
    timer = threading.Timer(remaining, cut)
    timer.daemon = True
    timer.start()
    connection: _PinnedConnection | None = None
    try:
        sock = _connect(target, addresses, deadline, live)
        if target.scheme == "https":
            sock = context.wrap_socket(sock, server_hostname=target.host)
            live.append(sock)
        connection = _PinnedConnection(target, sock, max(deadline - time.monotonic(), 0.001))
        connection.putrequest("GET", target.request_path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", target.host_header)
        connection.putheader("User-Agent", USER_AGENT)
        connection.putheader("Accept", ", ".join(ACCEPTED_TYPES))
        connection.putheader("Accept-Encoding", "identity")
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        if response.status in _REDIRECT_STATUSES:
            location = response.getheader("Location")
            if not location or not location.strip():
                raise IngestError(f"{target.host} sent a redirect without saying where to")
            return location.strip(), None
        if response.status != 200:
            raise IngestError(f"{target.host} answered {response.status} {response.reason}".rstrip())
        content_type, charset = _check_headers(target, response, max_bytes)
        body = _read_body(response, deadline, max_bytes)
        if expired.is_set():
            raise TimeoutError
        return None, (content_type, charset, body)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
            raise IngestError(f"fetching {target.host} took longer than the {total:g} s limit") from None
        if isinstance(exc, ssl.SSLCertVerificationError):
            detail = exc.verify_message or "certificate not valid"
            raise IngestError(f"the secure connection to {target.host} failed: {detail}") from None
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        raise IngestError(f"could not fetch from {target.host}: {detail}") from None
    finally:
        timer.cancel()
        if connection is not None:
            connection.close()
        for sock in live:
            sock.close()


def _connect(
    target: _Target, addresses: list[tuple[int, tuple[object, ...]]], deadline: float, live: list[socket.socket]
) -> socket.socket:
    """Connect to the first checked address that answers (never to a name, never re-resolved)."""
    failure: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        live.append(sock)
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            sock.connect(sockaddr)
        except TimeoutError:
            raise
        except OSError as exc:
            failure = exc
            continue
        return sock
    reason = (failure.strerror if failure else None) or "no address answered"
    raise IngestError(f"could not connect to {target.host}: {reason}")


def _check_headers(target: _Target, response: http.client.HTTPResponse, max_bytes: int) -> tuple[str, str | None]:
    """Refuse before reading the body: unknown type, compressed, or announced as too large."""
    raw_type = response.getheader("Content-Type")
    if not raw_type or not raw_type.strip():
        raise IngestError(f"{target.host} did not say what kind of content it sent")
    content_type = raw_type.split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise IngestError(
            f"{target.host} sent {content_type[:60]}, not a web page, text or PDF ({', '.join(ACCEPTED_TYPES)})"
        )
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise IngestError(f"{target.host} sent a compressed ({encoding[:20]}) response, which is not accepted")
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise IngestError(f"the page is over the {size_label(max_bytes)} size limit")
    charset = response.headers.get_content_charset()
    return content_type, charset


def _read_body(response: http.client.HTTPResponse, deadline: float, max_bytes: int) -> bytes:
    """Read at most ``max_bytes``; one byte more and the page is refused, not cut short."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise TimeoutError
        chunk = response.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise IngestError(f"the page is over the {size_label(max_bytes)} size limit")
    return b"".join(chunks)
