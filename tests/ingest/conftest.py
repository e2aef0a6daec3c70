"""A scripted web server on 127.0.0.1 (plain or TLS) and a builder of small real PDFs."""

from __future__ import annotations

import contextlib
import io
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"

Route = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """A server whose paths are scripted per test; it records every request it gets."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = site.routes.get(self.path)
                if route is None:
                    page(b"not here", "text/plain", status=404)(self)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.host = host
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(
    body: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    length: bool = True,
) -> Route:
    """A response with this body; ``length=False`` sends no Content-Length (ends by closing)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if content_type is not None:
            handler.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        if length:
            handler.send_header("Content-Length", str(len(body)))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def redirect(location: str, status: int = 302) -> Route:
    return page(b"", None, status=status, headers={"Location": location})


def drip(chunk: bytes, delay: float, count: int, *, headers_first: bool = True) -> Route:
    """A server that sends a little at a time (bounded: ``count`` chunks at most)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        if headers_first:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(chunk) * count))
            handler.end_headers()
            handler.wfile.flush()
        for _ in range(count):
            time.sleep(delay)
            handler.wfile.write(chunk)
            handler.wfile.flush()

    return respond


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def make_pdf(pages: list[list[str]], *, title: str | None = None, author: str | None = None) -> bytes:
    """A real PDF with one Helvetica text line per entry ("" leaves a blank line: a gap)."""
    writer = PdfWriter()
    for lines in pages:
        pdf_page = writer.add_blank_page(612, 792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        pdf_page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        pdf_page.replace_contents(stream)
    metadata = {key: value for key, value in (("/Title", title), ("/Author", author)) if value}
    if metadata:
        writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
