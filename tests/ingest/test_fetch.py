"""Fetching: only public http(s) addresses, every redirect hop checked, every limit enforced.

All traffic goes to servers these tests start on 127.0.0.1 (and 127.0.0.2 for the
rebinding test); the private and link-local addresses are refused before any connection.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl

import pytest
import trustme

from bot.errors import IngestError
from bot.ingest.fetch import address_refusal, fetch
from tests.ingest.conftest import Site, drip, page, redirect

ARTICLE = b"<!doctype html><html><head><title>T</title></head><body><p>Hello.</p></body></html>"


def test_a_page_on_an_allowed_address_is_fetched_with_its_type_and_charset(site: Site):
    site.routes["/a?x=1"] = page(ARTICLE, "text/html; charset=ISO-8859-1")
    got = fetch(site.url("/a?x=1#frag"), allow_private=True)
    assert got.body == ARTICLE
    assert (got.content_type, got.charset) == ("text/html", "iso-8859-1")
    assert got.final_url == site.url("/a?x=1#frag")
    path, headers = site.requests[0]
    assert path == "/a?x=1"  # the fragment stays on our side
    assert headers["host"] == f"127.0.0.1:{site.port}"
    assert headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("localhost", "loopback"),
        ("10.20.30.40", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.9", "private"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "not a public address"),
        ("[::ffff:10.0.0.1]", "private"),
        ("2130706433", "loopback"),  # 127.0.0.1 written as one number
    ],
)
def test_internal_addresses_are_refused_before_connecting(site: Site, host: str, reason: str):
    site.routes["/"] = page(ARTICLE)
    with pytest.raises(IngestError) as caught:
        fetch(f"http://{host}:{site.port}/")
    assert reason in caught.value.message
    assert "refused" in caught.value.message
    assert site.requests == []


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", False),
        ("2606:4700:4700::1111", False),
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", True),  # Teredo whose client is 10.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 around 10.0.0.1
        ("::", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("240.0.0.1", True),
    ],
)
def test_address_policy(address: str, refused: bool):
    assert (address_refusal(ipaddress.ip_address(address)) is not None) is refused


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)", "example.org/page", "gopher://x/"],
)
def test_only_http_and_https_are_accepted(url: str):
    with pytest.raises(IngestError, match="only http:// and https://"):
        fetch(url, allow_private=True)


def test_credentials_and_spaces_in_links_are_refused():
    with pytest.raises(IngestError, match="user name or password"):
        fetch("http://user:pw@127.0.0.1/", allow_private=True)
    with pytest.raises(IngestError, match="spaces or control characters"):
        fetch("http://127.0.0.1/a b", allow_private=True)


def test_redirects_are_followed_with_relative_locations(site: Site):
    site.routes["/start"] = redirect("/middle", 301)
    site.routes["/middle"] = redirect(site.url("/end"), 308)
    site.routes["/end"] = page(ARTICLE)
    got = fetch(site.url("/start"), allow_private=True)
    assert got.body == ARTICLE
    assert got.url == site.url("/start")
    assert got.final_url == site.url("/end")
    assert [p for p, _ in site.requests] == ["/start", "/middle", "/end"]


def test_a_redirect_to_a_private_address_is_refused_without_following_it(site: Site):
    site.routes["/go"] = redirect("http://10.0.0.7/secret")
    with pytest.raises(IngestError, match=r"after a redirect.*10\.0\.0\.7, a private address"):
        fetch(site.url("/go"), trusted_networks=["127.0.0.1/32"])
    assert [p for p, _ in site.requests] == ["/go"]


def test_a_redirect_to_an_ipv4_mapped_loopback_is_refused(site: Site):
    site.routes["/go"] = redirect(f"http://[::ffff:127.0.0.2]:{site.port}/inside")
    with pytest.raises(IngestError, match=r"after a redirect.*a loopback address"):
        fetch(site.url("/go"), trusted_networks=["127.0.0.1/32"])
    assert [p for p, _ in site.requests] == ["/go"]


def test_a_redirect_to_another_scheme_is_refused(site: Site):
    site.routes["/go"] = redirect("ftp://files.example.org/a.txt")
    with pytest.raises(IngestError, match="only http:// and https://"):
        fetch(site.url("/go"), allow_private=True)


def test_five_redirects_are_followed_and_the_sixth_is_refused(site: Site):
    for i in range(6):
        site.routes[f"/hop{i}"] = redirect(f"/hop{i + 1}")
    site.routes["/hop6"] = page(ARTICLE)
    assert fetch(site.url("/hop1"), allow_private=True).final_url == site.url("/hop6")
    with pytest.raises(IngestError, match="more than 5 redirects"):
        fetch(site.url("/hop0"), allow_private=True)


def test_a_redirect_loop_stops(site: Site):
    site.routes["/loop"] = redirect("/loop")
    with pytest.raises(IngestError, match="more than 2 redirects"):
        fetch(site.url("/loop"), allow_private=True, max_redirects=2)
    assert len(site.requests) == 3


@pytest.mark.parametrize("length", [True, False])
def test_an_oversized_body_is_refused_and_the_limit_named(site: Site, length: bool):
    site.routes["/big"] = page(b"x" * 5000, "text/plain", length=length)
    site.routes["/fits"] = page(b"x" * 1000, "text/plain", length=length)
    with pytest.raises(IngestError, match="over the 1000 bytes size limit"):
        fetch(site.url("/big"), allow_private=True, max_bytes=1000)
    assert fetch(site.url("/fits"), allow_private=True, max_bytes=1000).body == b"x" * 1000


def test_the_default_size_limit_is_named_in_megabytes(site: Site):
    site.routes["/huge"] = page(b"", "text/plain", headers={"Content-Length": str(6 * 1024 * 1024)}, length=False)
    with pytest.raises(IngestError, match="over the 5 MB size limit"):
        fetch(site.url("/huge"), allow_private=True)


def test_a_slow_body_is_cut_off_at_the_time_limit(site: Site):
    site.routes["/slow"] = drip(b"a", delay=0.1, count=40)
    with pytest.raises(IngestError, match=r"took longer than the 0.5 s limit"):
        fetch(site.url("/slow"), allow_private=True, timeout=0.5)


def test_a_server_that_never_answers_is_cut_off(site: Site):
    site.routes["/silent"] = drip(b"", delay=0.2, count=20, headers_first=False)
    with pytest.raises(IngestError, match=r"took longer than the 0.4 s limit"):
        fetch(site.url("/silent"), allow_private=True, timeout=0.4)


def test_the_time_limit_covers_the_whole_redirect_chain(site: Site):
    site.routes["/a"] = redirect("/slow")
    site.routes["/slow"] = drip(b"a", delay=0.1, count=40)
    with pytest.raises(IngestError, match="took longer"):
        fetch(site.url("/a"), allow_private=True, timeout=0.5)


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("image/png", "image/png, not a web page"),
        ("application/octet-stream", "not a web page"),
        ("application/json; charset=utf-8", "application/json"),
        (None, "did not say what kind of content"),
    ],
)
def test_other_content_types_are_refused(site: Site, content_type: str | None, message: str):
    site.routes["/x"] = page(b"\x89PNG\r\n", content_type)
    with pytest.raises(IngestError, match=message):
        fetch(site.url("/x"), allow_private=True)


def test_compressed_responses_and_errors_are_refused(site: Site):
    site.routes["/gz"] = page(b"\x1f\x8b", "text/html", headers={"Content-Encoding": "gzip"})
    with pytest.raises(IngestError, match="compressed"):
        fetch(site.url("/gz"), allow_private=True)
    with pytest.raises(IngestError, match="answered 404 Not Found"):
        fetch(site.url("/missing"), allow_private=True)


def test_connection_refused_is_one_line():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(IngestError, match=r"could not connect to 127.0.0.1"):
        fetch(f"http://127.0.0.1:{port}/", allow_private=True)


def test_dns_rebinding_cannot_move_the_connection(monkeypatch: pytest.MonkeyPatch):
    """The name is resolved once; the checked address is the one connected to."""
    good = Site("127.0.0.1")
    try:
        evil = Site("127.0.0.2", good.port)
    except OSError:
        good.close()
        pytest.skip("127.0.0.2 is not usable here")
    good.routes["/"] = page(b"good", "text/plain")
    evil.routes["/"] = page(b"evil", "text/plain")
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def rebinding(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host == "rebind.test":
            address = next(answers, "127.0.0.2")  # first answer passes the check, later ones point inward
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        got = fetch(f"http://rebind.test:{good.port}/", trusted_networks=["127.0.0.1/32"])
        assert got.body == b"good"
        assert evil.requests == []
        assert good.requests[0][1]["host"] == f"rebind.test:{good.port}"
    finally:
        good.close()
        evil.close()


@pytest.fixture
def tls_site(monkeypatch: pytest.MonkeyPatch):
    """An HTTPS server for the name sni.test (resolved to 127.0.0.1) that records the SNI it gets."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("sni.test").configure_cert(server_context)
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)
    server = Site(tls=server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    real = socket.getaddrinfo

    def resolve(host: str, port: object, *args: object, **kwargs: object) -> list:
        return real("127.0.0.1" if host in ("sni.test", "wrong.test") else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield server, client_context, names
    server.close()


def test_https_sends_the_host_name_as_sni_and_host_header(tls_site):
    server, client_context, names = tls_site
    server.routes["/secure"] = page(ARTICLE)
    got = fetch(server.url("/secure", host="sni.test"), trusted_networks=["127.0.0.1/32"], ssl_context=client_context)
    assert got.body == ARTICLE
    assert names == ["sni.test"]
    assert server.requests[0][1]["host"] == f"sni.test:{server.port}"


def test_https_with_a_certificate_for_another_name_is_refused(tls_site):
    server, client_context, _ = tls_site
    server.routes["/secure"] = page(ARTICLE)
    with pytest.raises(IngestError, match=r"secure connection to wrong.test failed"):
        fetch(server.url("/secure", host="wrong.test"), allow_private=True, ssl_context=client_context)
    assert server.requests == []
