"""Status list sources against real files and a real HTTP(S) server on 127.0.0.1.

No test sends traffic anywhere but loopback: a fixture makes every socket connection to
another address fail the test, and name resolution is a stub resolver (no DNS).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cli import Ran
from tests.cli import vcissue as run_cli
from tests.factories import AWARDED, Body, ecomentor
from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.errors import StatusFetchError, StatusListError, VcissueError
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder
from vcissue.status import Bitstring, StatusPurpose, status_entry, status_list_credential
from vcissue.status_sources import (
    DEFAULT_MAX_BYTES,
    CachedSource,
    DirectorySource,
    FetchPolicy,
    HttpSource,
    address_problem,
)
from vcissue.system import system_random
from vcissue.verify import Outcome, StatusListCopy, verify_credential

ROOT = Path(__file__).resolve().parents[2]
NOW = AWARDED + timedelta(days=10)
DEV = FetchPolicy(allow_http=True, allow_loopback=True)
"""Development policy: plain http and loopback allowed, everything else as in production."""


# ------------------------------------------------------------------ loopback-only guard


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to connect to an address other than loopback."""
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host = address[0]
        if host not in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"):
            raise AssertionError(f"a test tried to connect to {host}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


# ------------------------------------------------------------------------- test server

Route = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A real HTTP(S) server on 127.0.0.1 (random port) in a thread, routing by path."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?")[0])
                try:
                    if route is None:
                        send(self, b"not found", "text/plain", status=404)
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client hung up, as it should on an oversized or slow reply

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    content_type: str | None = "application/vc+ld+json",
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def serving(body: bytes, content_type: str | None = "application/vc+ld+json", **kw: Any) -> Route:
    return lambda handler: send(handler, body, content_type, **kw)


def redirect(location: str, status: int = 302) -> Route:
    return lambda handler: send(
        handler, b"", "text/plain", status=status, headers={"Location": location}
    )


def raw(head: bytes, body_chunks: Callable[[], Iterator[bytes]]) -> Route:
    """Write the status line, headers and body bytes exactly as given."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(head)
        for chunk in body_chunks():
            handler.wfile.write(chunk)
            handler.wfile.flush()
        handler.close_connection = True

    return route


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


# --------------------------------------------------------------------- signed lists

BODY = Body()


def signed_list(
    url: str,
    purpose: StatusPurpose = StatusPurpose.REVOCATION,
    set_bits: set[int] | frozenset[int] = frozenset(),
    *,
    key: SigningKey | None = None,
    suite: str = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    bits = Bitstring()
    for index in set_bits:
        bits.set(index, True)
    unsigned = status_list_credential(url, purpose, bits, issuer=BODY.did, valid_from=AWARDED)
    return proofs.sign(unsigned, key or BODY.key, created=AWARDED, suite=suite)


def as_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


def credential_with_status(revocation_url: str, suspension_url: str) -> dict[str, Any]:
    unsigned = build(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
        BODY.profile,
        credential_id=new_credential_id(bytes(range(16))),
        status=[
            status_entry(revocation_url, 42, "revocation"),
            status_entry(suspension_url, 7, "suspension"),
        ],
    )
    return proofs.sign(unsigned, BODY.key, created=AWARDED)


# ---------------------------------------------------------------------- HTTP: good


def test_good_list_is_fetched_with_json_accept_headers(server: Server) -> None:
    url = server.url("/status/r1")
    document = signed_list(url)
    server.routes["/status/r1"] = serving(as_bytes(document))
    assert HttpSource(DEV)(url) == document
    assert len(server.requests) == 1
    path, headers = server.requests[0]
    assert path == "/status/r1"
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert headers["Accept"].startswith("application/vc+ld+json")
    assert headers["Accept-Encoding"] == "identity"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vc+ld+json",
        "application/vc",
        "application/ld+json",
        "application/json",
        "Application/JSON; charset=UTF-8",
    ],
)
def test_every_json_media_type_is_accepted(server: Server, content_type: str) -> None:
    url = server.url("/list")
    server.routes["/list"] = serving(as_bytes(signed_list(url)), content_type)
    assert HttpSource(DEV)(url)["id"] == url


def test_chunked_body_is_read(server: Server) -> None:
    url = server.url("/chunked")
    body = as_bytes(signed_list(url))
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 100):
            part = body[start : start + 100]
            yield b"%x\r\n%s\r\n" % (len(part), part)
        yield b"0\r\n\r\n"

    server.routes["/chunked"] = raw(head, chunks)
    assert HttpSource(DEV)(url)["id"] == url


# ---------------------------------------------------------------------- redirects


def redirect_chain(server: Server, hops: int, status: int = 302) -> str:
    """/hop/N redirects to /hop/N-1 ... /hop/0, which serves a list for the /hop/N URL."""
    start = server.url(f"/hop/{hops}")
    server.routes["/hop/0"] = serving(as_bytes(signed_list(start)))
    for n in range(1, hops + 1):
        # relative and absolute Locations alternate: both are resolved against the hop
        target = f"/hop/{n - 1}" if n % 2 else server.url(f"/hop/{n - 1}")
        server.routes[f"/hop/{n}"] = redirect(target, status)
    return start


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_five_redirects_are_followed(server: Server, status: int) -> None:
    start = redirect_chain(server, 5, status)
    assert HttpSource(DEV)(start)["id"] == start
    assert [path for path, _ in server.requests] == [f"/hop/{n}" for n in range(5, -1, -1)]


def test_a_sixth_redirect_is_refused(server: Server) -> None:
    start = redirect_chain(server, 6)
    with pytest.raises(StatusFetchError, match="more than 5 redirects") as caught:
        HttpSource(DEV)(start)
    assert caught.value.url == start
    assert "/hop/0" not in [path for path, _ in server.requests]
    assert len(server.requests) == 6


def test_redirect_limit_is_a_policy_setting(server: Server) -> None:
    start = redirect_chain(server, 2)
    with pytest.raises(StatusFetchError, match="more than 1 redirects"):
        HttpSource(FetchPolicy(allow_http=True, allow_loopback=True, max_redirects=1))(start)


def test_redirect_without_location_is_refused(server: Server) -> None:
    server.routes["/bad"] = serving(b"", "text/plain", status=302)
    with pytest.raises(StatusFetchError, match="302 without a Location"):
        HttpSource(DEV)(server.url("/bad"))


@pytest.mark.parametrize(
    ("location", "refusal"),
    [
        ("http://10.0.0.1/status/r1", "private address 10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "link-local address 169.254.169.254"),
        ("http://[::ffff:192.168.0.1]/list", "private address ::ffff:192.168.0.1"),
        ("http://[fd00::1]/list", "private address fd00::1"),
        ("http://internal.test/list", "private address 10.0.0.5"),
        ("file:///etc/passwd", "scheme 'file' is refused"),
    ],
)
def test_redirects_are_checked_against_the_same_policy(
    server: Server, location: str, refusal: str
) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        # One public and one private answer: every address must pass, not just one.
        return ["93.184.216.34", "10.0.0.5"]

    server.routes["/go"] = redirect(location)
    policy = FetchPolicy(allow_http=True, allow_loopback=True, resolver=resolver)
    with pytest.raises(StatusFetchError, match="refused") as caught:
        HttpSource(policy)(server.url("/go"))
    assert refusal in str(caught.value)
    assert asked == (["internal.test"] if "internal.test" in location else [])
    assert len(server.requests) == 1


def test_production_policy_refuses_a_loopback_listener_before_any_request(server: Server) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    with pytest.raises(StatusFetchError, match=r"loopback address 127.0.0.1"):
        HttpSource(FetchPolicy(allow_http=True))(url)

    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    with pytest.raises(StatusFetchError, match=r"status.test is a loopback address"):
        HttpSource(FetchPolicy(allow_http=True, resolver=resolver))(
            server.url("/status/r1", host="status.test")
        )
    assert server.requests == []  # the listener shows that nothing arrived


def test_https_only_by_default(server: Server) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    with pytest.raises(StatusFetchError, match="plain http is refused"):
        HttpSource()(url)
    with pytest.raises(StatusFetchError, match="plain http is refused"):
        HttpSource(FetchPolicy(allow_loopback=True))(url)
    assert server.requests == []


# ------------------------------------------------------------------ address classes


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:0a00:0001::1", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::c0a8:0101", "private"),  # NAT64 around 192.168.1.1
        ("100.64.0.1", "shared"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),  # documentation range
        ("2001:db8::1", "private"),  # documentation range
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    problem = address_problem(address, FetchPolicy())
    assert problem is not None and problem.startswith(kind)
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(StatusFetchError, match=f"{kind}.*refused by the policy"):
        HttpSource()(f"https://{host}/status/r1")
    with pytest.raises(StatusFetchError, match="refused by the policy"):
        HttpSource(FetchPolicy(resolver=lambda h, p: ["8.8.8.8", address]))(
            "https://status.test/r1"
        )


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_allow_loopback_allows_loopback_and_nothing_else(address: str) -> None:
    assert address_problem(address, FetchPolicy(allow_loopback=True)) is None
    assert address_problem("10.0.0.1", FetchPolicy(allow_loopback=True)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass_the_policy(address: str) -> None:
    assert address_problem(address, FetchPolicy()) is None


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    server: Server,
) -> None:
    """DNS rebinding: a second lookup would answer 10.0.0.1; there must be no second lookup."""
    answers = [["127.0.0.1"]]
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[0] if len(asked) == 1 else ["10.0.0.1"]

    url = server.url("/status/r1", host="rebind.test")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    policy = FetchPolicy(allow_http=True, allow_loopback=True, resolver=rebinding)
    assert HttpSource(policy)(url)["id"] == url
    assert asked == ["rebind.test"]
    assert server.requests[0][1]["Host"] == f"rebind.test:{server.port}"


def test_resolver_failures_are_typed() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(StatusFetchError, match=r"cannot resolve nowhere.test"):
        HttpSource(FetchPolicy(resolver=failing))("https://nowhere.test/list")
    with pytest.raises(StatusFetchError, match="resolves to no address"):
        HttpSource(FetchPolicy(resolver=lambda h, p: []))("https://empty.test/list")
    with pytest.raises(StatusFetchError, match="not an IP address"):
        HttpSource(FetchPolicy(resolver=lambda h, p: ["not-an-ip"]))("https://odd.test/list")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/list", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("https://user:secret@example.org/list", "credentials in the URL"),
        ("https:///list", "no host"),
        ("https://example.org:99999/list", "invalid port"),
        ("https://example.org/a list", "spaces or control characters"),
        ("https://example.org/list\r\nX-Injected: 1", "spaces or control characters"),
        ("list", "scheme ''"),
    ],
)
def test_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(StatusFetchError, match=reason):
        HttpSource(FetchPolicy(resolver=lambda h, p: ["8.8.8.8"]))(url)


def test_policy_settings_are_checked() -> None:
    for bad in ({"timeout": 0}, {"max_bytes": 0}, {"max_redirects": -1}):
        with pytest.raises(StatusListError):
            FetchPolicy(**bad)


# ------------------------------------------------------------------- size caps


SMALL = FetchPolicy(allow_http=True, allow_loopback=True, max_bytes=64 * 1024)


def test_declared_oversized_body_is_refused_before_reading(server: Server) -> None:
    server.routes["/big"] = serving(b"{}", length=DEFAULT_MAX_BYTES + 1)
    with pytest.raises(StatusFetchError, match=f"Content-Length {DEFAULT_MAX_BYTES + 1} is over"):
        HttpSource(DEV)(server.url("/big"))


def test_undeclared_oversized_body_is_cut_off_while_reading(server: Server) -> None:
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
    server.routes["/big"] = raw(head, lambda: iter([b"[" + b"0," * 1024 * 1024] * 4))
    with pytest.raises(StatusFetchError, match=f"over the {DEFAULT_MAX_BYTES} byte cap"):
        HttpSource(DEV)(server.url("/big"))


def test_chunked_oversized_body_is_cut_off(server: Server) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (32 * 1024, b" " * 32 * 1024)
    server.routes["/big"] = raw(head, lambda: iter([chunk] * 4 + [b"0\r\n\r\n"]))
    with pytest.raises(StatusFetchError, match="over the 65536 byte cap"):
        HttpSource(SMALL)(server.url("/big"))


def test_a_lying_content_length_does_not_lift_the_cap(server: Server) -> None:
    url = server.url("/liar")
    good = as_bytes(signed_list(url))
    # Claims 100 bytes, sends far more: only 100 are read, and they are not a list.
    server.routes["/liar"] = serving(good + b" " * 200_000, length=100)
    with pytest.raises(StatusFetchError, match="not an acceptable JSON object"):
        HttpSource(SMALL)(url)
    # Claims more than it sends: the short body is an error, not a list.
    server.routes["/liar"] = serving(good[:50], length=len(good))
    with pytest.raises(StatusFetchError, match=r"body ended [1-9][0-9]* bytes short"):
        HttpSource(SMALL)(url)
    server.routes["/liar"] = serving(good, length=-5)
    with pytest.raises(StatusFetchError, match="Content-Length"):
        HttpSource(SMALL)(url)


# --------------------------------------------------------------------- timeouts


def test_a_server_that_does_not_answer_times_out(server: Server) -> None:
    server.routes["/slow"] = lambda handler: server.stop.wait(10)
    with pytest.raises(StatusFetchError, match=r"timed out after 0.3 s"):
        HttpSource(FetchPolicy(allow_http=True, allow_loopback=True, timeout=0.3))(
            server.url("/slow")
        )


def test_one_deadline_covers_a_body_that_trickles_in(server: Server) -> None:
    """Each byte comes well within the timeout; the whole body does not."""
    url = server.url("/drip")
    body = as_bytes(signed_list(url))
    head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (
        len(body)
    )

    def drip() -> Iterator[bytes]:
        for index in range(len(body)):
            if server.stop.wait(0.02):
                return
            yield body[index : index + 1]

    server.routes["/drip"] = raw(head, drip)
    with pytest.raises(StatusFetchError, match=r"timed out after 0.5 s"):
        HttpSource(FetchPolicy(allow_http=True, allow_loopback=True, timeout=0.5))(url)


def test_one_deadline_covers_headers_that_never_end(server: Server) -> None:
    """A header line trickling in forever (each byte within the timeout) is cut off."""

    def endless() -> Iterator[bytes]:
        while not server.stop.wait(0.02):
            yield b"a"

    server.routes["/endless"] = raw(b"HTTP/1.0 200 OK\r\nX-Padding: ", endless)
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            HttpSource(FetchPolicy(allow_http=True, allow_loopback=True, timeout=0.5))(
                server.url("/endless")
            )
        except BaseException as error:  # handed to the test thread below
            outcome.append(error)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(10)  # 20 times the limit: without the deadline it would run for minutes
    assert not worker.is_alive(), "the fetch outlived its deadline"
    assert len(outcome) == 1 and isinstance(outcome[0], StatusFetchError)
    assert "timed out after 0.5 s" in str(outcome[0])


# ------------------------------------------------------------------ content checks


@pytest.mark.parametrize(
    ("content_type", "headers", "reason"),
    [
        ("text/html", {}, "content type 'text/html' is not JSON"),
        (None, {}, "content type '' is not JSON"),
        ("application/jsonp", {}, "is not JSON"),
        ("application/json; charset=iso-8859-1", {}, "charset 'iso-8859-1' is not UTF-8"),
        ("application/json", {"Content-Encoding": "gzip"}, "content encoding 'gzip'"),
    ],
)
def test_wrong_content_type_or_encoding_is_refused(
    server: Server, content_type: str | None, headers: dict[str, str], reason: str
) -> None:
    url = server.url("/list")
    server.routes["/list"] = serving(as_bytes(signed_list(url)), content_type, headers=headers)
    with pytest.raises(StatusFetchError, match=reason):
        HttpSource(DEV)(url)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>not json</html>", "not JSON"),
        (b'{"id": "a", "id": "b"}', "duplicate key 'id'"),
        (b"[1, 2, 3]", "must be a JSON object"),
        (b'{"n": NaN}', "NaN is not JSON"),
        (b'{"name": "\xff"}', "not UTF-8"),
        (b'{"a": ' + b"[" * 60 + b"]" * 60 + b"}", "nested deeper"),
        (b"", "not JSON"),
    ],
)
def test_bodies_that_are_not_one_json_object_are_refused(
    server: Server, body: bytes, reason: str
) -> None:
    server.routes["/list"] = serving(body, "application/json")
    with pytest.raises(StatusFetchError, match=reason) as caught:
        HttpSource(DEV)(server.url("/list"))
    assert caught.value.url == server.url("/list")


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_are_refused(server: Server, status: int) -> None:
    server.routes["/list"] = serving(b"{}", "application/json", status=status)
    with pytest.raises(StatusFetchError, match=f"HTTP {status}"):
        HttpSource(DEV)(server.url("/list"))


def test_a_closed_port_is_a_typed_error(server: Server) -> None:
    url = server.url("/list")
    server.close()
    with pytest.raises(StatusFetchError, match=r"cannot connect to 127.0.0.1"):
        HttpSource(DEV)(url)


def test_non_string_url_is_refused() -> None:
    with pytest.raises(StatusFetchError):
        HttpSource()(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for status.test, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "status.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("status.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    running = Server(tls=context)
    yield running
    running.close()


def to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tls_server: Server, certificate: tuple[Path, Path]
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    url = tls_server.url("/status/r1", host="status.test")
    tls_server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    policy = FetchPolicy(allow_loopback=True, resolver=to_loopback, tls_context=trusting)
    assert HttpSource(policy)(url)["id"] == url
    assert tls_server.requests[0][1]["Host"] == f"status.test:{tls_server.port}"

    # the same server under another name: the certificate does not match
    with pytest.raises(StatusFetchError, match="TLS failed"):
        HttpSource(policy)(tls_server.url("/status/r1", host="other.test"))
    # the system's trusted CAs do not include a self-signed certificate
    with pytest.raises(StatusFetchError, match="TLS failed"):
        HttpSource(FetchPolicy(allow_loopback=True, resolver=to_loopback))(url)


def test_https_to_http_downgrade_is_refused(
    tls_server: Server, certificate: tuple[Path, Path]
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    tls_server.routes["/go"] = redirect(f"http://status.test:{tls_server.port}/list")
    policy = FetchPolicy(allow_loopback=True, resolver=to_loopback, tls_context=trusting)
    with pytest.raises(StatusFetchError, match="plain http is refused"):
        HttpSource(policy)(tls_server.url("/go", host="status.test"))
    assert len(tls_server.requests) == 1


# ----------------------------------------------------------------------- directory

BASE = "https://certification.example/status/"


@pytest.fixture
def published(tmp_path: Path) -> Path:
    root = tmp_path / "published"
    (root / "2026").mkdir(parents=True)
    (root / "r1").write_bytes(as_bytes(signed_list(BASE + "r1")))
    (root / "2026" / "s1").write_bytes(
        as_bytes(signed_list(BASE + "2026/s1", StatusPurpose.SUSPENSION))
    )
    (tmp_path / "secret").write_text('{"secret": true}')
    return root


def test_directory_source_maps_urls_to_files(published: Path) -> None:
    source = DirectorySource(published, BASE.rstrip("/"))
    assert source(BASE + "r1")["id"] == BASE + "r1"
    assert source(BASE + "2026/s1")["id"] == BASE + "2026/s1"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example/status/r1", "not under the status base URL"),
        ("https://certification.example/statusr1", "not under the status base URL"),
        ("http://certification.example/status/r1", "not under the status base URL"),
        (BASE + "../secret", "segment '..'"),
        (BASE + "2026/../../secret", "segment '..'"),
        (BASE + "./r1", "segment '.'"),
        (BASE + "%2e%2e/secret", "percent-encoded"),
        (BASE + "2026%2Fs1", "percent-encoded"),
        (BASE + "..%2fsecret", "percent-encoded"),
        (BASE + "/etc/passwd", "segment ''"),
        (BASE + "2026//s1", "segment ''"),
        (BASE, "segment ''"),
        (BASE + ".hidden", "segment '.hidden'"),
        (BASE + "..\\secret", "segment"),
        (BASE + "r1?x=1", "query or fragment"),
        (BASE + "r1#list", "query or fragment"),
        (BASE + "r1\x00", "segment"),
    ],
)
def test_directory_source_refuses_paths_outside_the_root(
    published: Path, url: str, reason: str
) -> None:
    with pytest.raises(StatusFetchError, match=reason) as caught:
        DirectorySource(published, BASE)(url)
    assert caught.value.url == url


def test_symlinks_inside_the_root_work_and_those_leaving_it_are_refused(
    published: Path, tmp_path: Path
) -> None:
    (published / "latest").symlink_to(published / "r1")
    (published / "escape").symlink_to(tmp_path / "secret")
    (published / "up").symlink_to(tmp_path)
    source = DirectorySource(published, BASE)
    assert source(BASE + "latest")["id"] == BASE + "r1"
    for name in ("escape", "up/secret"):
        with pytest.raises(StatusFetchError, match="leaves the status list directory"):
            source(BASE + name)


def test_directory_source_refuses_non_files_missing_files_and_big_files(published: Path) -> None:
    os.mkfifo(published / "fifo")
    (published / "big").write_bytes(b" " * 2000 + b"{}")
    (published / "junk").write_bytes(b"{,}")
    source = DirectorySource(published, BASE, max_bytes=1000)
    cases = {
        "2026": "not a regular file",
        "fifo": "not a regular file",
        "missing": "no such status list",
        "big": "larger than 1000 bytes",
        "junk": "not JSON",
    }
    for name, reason in cases.items():
        with pytest.raises(StatusFetchError, match=reason):
            source(BASE + name)


def test_directory_source_arguments_are_checked(published: Path, tmp_path: Path) -> None:
    with pytest.raises(StatusListError, match="does not exist"):
        DirectorySource(tmp_path / "nowhere", BASE)
    for base in ("ftp://x.example/", "status/", "https://x.example/s?q=1", "https://x.example/%2e"):
        with pytest.raises(StatusListError, match="must be an http"):
            DirectorySource(published, base)


# --------------------------------------------------------------------------- cache


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


T0 = NOW - timedelta(hours=4)


def cache_over(server: Server, tmp_path: Path, clock: Clock, **kw: Any) -> CachedSource:
    return CachedSource(
        HttpSource(DEV),
        tmp_path / "cache",
        kw.pop("max_age", timedelta(minutes=5)),
        clock=clock,
        **kw,
    )


def test_fresh_copy_is_served_without_contacting_the_server(server: Server, tmp_path: Path) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    clock = Clock(T0)
    cache = cache_over(server, tmp_path, clock)
    first = cache(url)
    assert isinstance(first, dict) and first["id"] == url  # fetched just now: a plain list
    assert len(server.requests) == 1
    clock.now = T0 + timedelta(minutes=4)
    second = cache(url)
    assert isinstance(second, StatusListCopy)
    assert second.fetched_at == T0 and second.document == first and not second.refresh_error
    assert len(server.requests) == 1  # not contacted
    # a second CachedSource over the same directory (a new process) sees the same copy
    assert isinstance(cache_over(server, tmp_path, clock)(url), StatusListCopy)
    assert len(server.requests) == 1


def test_stale_copy_is_refreshed(server: Server, tmp_path: Path) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    clock = Clock(T0)
    cache = cache_over(server, tmp_path, clock)
    cache(url)
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url, set_bits={42})))
    clock.now = T0 + timedelta(minutes=6)
    refreshed = cache(url)
    assert isinstance(refreshed, dict)
    assert refreshed == signed_list(url, set_bits={42})
    assert len(server.requests) == 2
    stored = json.loads(cache.path_for(url).read_text())
    assert stored["fetchedAt"] == clock.now.isoformat() and stored["document"] == refreshed
    assert not [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"]


def test_offline_the_stale_copy_is_used_and_its_age_reported(
    server: Server, tmp_path: Path
) -> None:
    revocation, suspension = server.url("/status/r1"), server.url("/status/s1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(revocation)))
    server.routes["/status/s1"] = serving(
        as_bytes(signed_list(suspension, StatusPurpose.SUSPENSION))
    )
    clock = Clock(T0)
    cache = cache_over(server, tmp_path, clock)
    vc = credential_with_status(revocation, suspension)
    assert verify_credential(vc, trust=BODY.trust, now=T0, status_lists=cache).verified
    server.close()  # offline from now on

    clock.now = T0 + timedelta(hours=3, minutes=12)
    result = verify_credential(vc, trust=BODY.trust, now=clock.now, status_lists=cache)
    assert result.verified
    message = result.check("status.revocation").message
    assert message.startswith(f"not revoked (list {revocation}, cached copy fetched 3 h 12 min ago")
    assert "refresh failed: cannot connect to 127.0.0.1" in message
    assert "cached copy fetched 3 h 12 min ago" in result.check("status.suspension").message


def test_a_copy_older_than_max_stale_is_not_used(server: Server, tmp_path: Path) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    clock = Clock(T0)
    cache = cache_over(server, tmp_path, clock, max_stale=timedelta(days=1))
    cache(url)
    server.routes["/status/r1"] = serving(b"gone", "text/plain", status=503)
    clock.now = T0 + timedelta(hours=23)
    assert isinstance(cache(url), StatusListCopy)
    clock.now = T0 + timedelta(days=2)
    with pytest.raises(StatusFetchError, match="older than the 1 day"):
        cache(url)


def test_junk_from_the_server_never_replaces_a_good_copy(server: Server, tmp_path: Path) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    clock = Clock(T0)
    cache = cache_over(server, tmp_path, clock)
    cache(url)
    before = cache.path_for(url).read_bytes()
    for junk in (
        {"error": "maintenance"},
        signed_list(server.url("/status/other")),  # a list, but for another URL
    ):
        server.routes["/status/r1"] = serving(as_bytes(junk), "application/json")
        clock.now += timedelta(minutes=10)
        served = cache(url)
        assert isinstance(served, StatusListCopy) and served.fetched_at == T0
        assert served.refresh_error
        assert cache.path_for(url).read_bytes() == before


@pytest.mark.parametrize(
    "corruption",
    [
        b"",
        b"{not json",
        b'{"url": "x", "url": "y"}',
        b"[]",
        b'{"url": "%(url)s", "fetchedAt": "2026-03-01T00:00:00", "document": {}}',
        b'{"url": "%(url)s", "fetchedAt": "yesterday", "document": {}}',
        b'{"url": "%(url)s", "fetchedAt": "2026-03-01T00:00:00+00:00", "document": []}',
        b'{"url": "https://elsewhere.example/l", "fetchedAt": "2026-03-01T00:00:00+00:00",'
        b' "document": {}}',
    ],
)
def test_a_corrupted_cache_file_is_refetched_or_a_typed_error(
    server: Server, tmp_path: Path, corruption: bytes
) -> None:
    url = server.url("/status/r1")
    document = signed_list(url)
    cache = cache_over(server, tmp_path, Clock(T0))
    cache.cache_dir.mkdir()
    cache.path_for(url).write_bytes(corruption % {b"url": url.encode()})

    # offline: no silent pass, a typed error that says the copy was ignored
    server.routes["/status/r1"] = serving(b"down", "text/plain", status=503)
    with pytest.raises(StatusFetchError, match=r"no cached copy and HTTP 503.*ignored as corrupt"):
        cache(url)
    vc = credential_with_status(url, url)
    result = verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=cache)
    assert not result.verified
    assert "could not check" in result.check("status.revocation").message

    # online: refetched, and the file replaced by a good copy
    server.routes["/status/r1"] = serving(as_bytes(document))
    assert cache(url) == document
    assert json.loads(cache.path_for(url).read_text())["document"] == document


def test_a_cached_list_still_has_its_proof_checked(server: Server, tmp_path: Path) -> None:
    revocation, suspension = server.url("/status/r1"), server.url("/status/s1")
    forged = signed_list(revocation, key=SigningKey.generate(rng=system_random))
    server.routes["/status/r1"] = serving(as_bytes(forged))
    server.routes["/status/s1"] = serving(
        as_bytes(signed_list(suspension, StatusPurpose.SUSPENSION))
    )
    clock = Clock(NOW)
    cache = cache_over(server, tmp_path, clock)
    vc = credential_with_status(revocation, suspension)
    for _ in range(2):  # fetched, then served from the cache: refused both times
        result = verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=cache)
        assert result.check("status.revocation").outcome is Outcome.FAILED
        assert "could not check" in result.check("status.revocation").message
        assert result.check("status.suspension").outcome is Outcome.PASSED
    assert len(server.requests) == 2


def test_an_unwritable_cache_is_a_typed_error(server: Server, tmp_path: Path) -> None:
    url = server.url("/status/r1")
    server.routes["/status/r1"] = serving(as_bytes(signed_list(url)))
    (tmp_path / "file").write_text("not a directory")
    cache = CachedSource(HttpSource(DEV), tmp_path / "file", timedelta(minutes=5))
    with pytest.raises(StatusListError, match="cannot write status list cache"):
        cache(url)


def test_cache_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(StatusListError):
        CachedSource(HttpSource(), tmp_path, timedelta(seconds=-1))
    with pytest.raises(StatusListError):
        CachedSource(HttpSource(), tmp_path, timedelta(hours=1), max_stale=timedelta(minutes=1))


def test_a_copy_dated_after_the_verification_time_says_so() -> None:
    url = "https://certification.example/status/r1"
    copy = StatusListCopy(signed_list(url), NOW + timedelta(hours=1))
    vc = credential_with_status(url, url)
    result = verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=lambda u: copy)
    assert "after the verification time" in result.check("status.revocation").message


# ---------------------------------------------------------------------- end to end


class Publisher:
    """An issuer publishing signed lists into a directory that the test server serves."""

    def __init__(self, server: Server, root: Path, suite: str) -> None:
        self.root = root
        self.suite = suite
        self.revocation = Bitstring()
        self.suspension = Bitstring()
        root.mkdir()
        self.revocation_url = server.url("/status/r1")
        self.suspension_url = server.url("/status/s1")
        directory = DirectorySource(root, server.url("/status/"))
        for name in ("r1", "s1"):
            url = server.url(f"/status/{name}")
            server.routes[f"/status/{name}"] = lambda handler, url=url: send(
                handler, json.dumps(directory(url)).encode()
            )
        self.publish()

    def publish(self) -> None:
        for name, url, purpose, bits in (
            ("r1", self.revocation_url, StatusPurpose.REVOCATION, self.revocation),
            ("s1", self.suspension_url, StatusPurpose.SUSPENSION, self.suspension),
        ):
            unsigned = status_list_credential(
                url, purpose, bits, issuer=BODY.did, valid_from=AWARDED
            )
            signed = proofs.sign(unsigned, BODY.key, created=AWARDED, suite=self.suite)
            incoming = self.root / f".{name}.tmp"
            incoming.write_text(json.dumps(signed))
            incoming.replace(self.root / name)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_issue_publish_suspend_republish_verify(server: Server, tmp_path: Path, suite: str) -> None:
    publisher = Publisher(server, tmp_path / "www", suite)
    vc = credential_with_status(publisher.revocation_url, publisher.suspension_url)
    live = HttpSource(DEV)

    active = verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=live)
    assert active.verified
    assert active.check("status.suspension").message == (
        f"not suspended (list {publisher.suspension_url})"
    )

    clock = Clock(NOW)
    cache = CachedSource(live, tmp_path / "cache", timedelta(minutes=5), clock=clock)
    assert verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=cache).verified

    publisher.suspension.set(7, True)
    publisher.publish()
    suspended = verify_credential(vc, trust=BODY.trust, now=NOW, status_lists=live)
    assert not suspended.verified
    assert [c.id for c in suspended.failures] == ["status.suspension"]
    assert suspended.check("status.suspension").message == (
        f"suspended (list {publisher.suspension_url}, index 7)"
    )
    assert suspended.check("status.revocation").outcome is Outcome.PASSED

    # the cache still holds the pre-suspension copy while fresh; then refreshes
    clock.now = NOW + timedelta(minutes=2)
    early = verify_credential(vc, trust=BODY.trust, now=clock.now, status_lists=cache)
    assert (
        early.verified
        and "cached copy fetched 2 min ago" in early.check("status.suspension").message
    )
    clock.now = NOW + timedelta(minutes=10)
    refreshed = verify_credential(vc, trust=BODY.trust, now=clock.now, status_lists=cache)
    assert refreshed.check("status.suspension").message == (
        f"suspended (list {publisher.suspension_url}, index 7)"
    )

    # offline: the cached (suspended) copy, with its age
    server.close()
    clock.now = NOW + timedelta(hours=3, minutes=22)
    offline = verify_credential(vc, trust=BODY.trust, now=clock.now, status_lists=cache)
    assert not offline.verified
    message = offline.check("status.suspension").message
    assert message.startswith(
        f"suspended (list {publisher.suspension_url}, index 7, cached copy fetched 3 h 12 min ago"
    )
    assert "refresh failed" in message
    # and the live source now says it could not check: never "not suspended"
    unreachable = verify_credential(vc, trust=BODY.trust, now=clock.now, status_lists=live)
    assert "could not check" in unreachable.check("status.suspension").message


def test_directory_source_verifies_what_the_issuer_published(tmp_path: Path) -> None:
    root = tmp_path / "www"
    root.mkdir()
    revocation, suspension = BASE + "r1", BASE + "s1"
    (root / "r1").write_text(json.dumps(signed_list(revocation, set_bits={42})))
    (root / "s1").write_text(json.dumps(signed_list(suspension, StatusPurpose.SUSPENSION)))
    vc = credential_with_status(revocation, suspension)
    result = verify_credential(
        vc, trust=BODY.trust, now=NOW, status_lists=DirectorySource(root, BASE)
    )
    assert [c.id for c in result.failures] == ["status.revocation"]
    assert result.check("status.revocation").message == f"revoked (list {revocation}, index 42)"


# ------------------------------------------------------- one total deadline (issue 9 §4)


def test_slow_servers_cost_one_deadline_not_one_each(server: Server) -> None:
    """Eight lists on a server that never answers: a verification over HttpSource ends at
    its total status deadline (2 s here; 10 s by default), not 8 x the fetch timeout, and
    HttpSource is told the time left (``timeout=``) so its sockets close at the deadline."""
    release = server.stop
    server.routes.update({f"/slow/{n}": lambda h: release.wait(30) for n in range(8)})
    urls = [server.url(f"/slow/{n}") for n in range(8)]
    unsigned = build(
        Award(Holder("Ana Novak"), ecomentor(), awarded=AWARDED),
        BODY.profile,
        credential_id=new_credential_id(bytes(range(16))),
        status=[status_entry(url, 42, "revocation") for url in urls],
    )
    vc = proofs.sign(unsigned, BODY.key, created=AWARDED)
    started = time.monotonic()
    result = verify_credential(
        vc, trust=BODY.trust, now=NOW, status_lists=HttpSource(DEV), status_deadline=2.0
    )
    took = time.monotonic() - started
    assert 1.9 < took < 4.0, f"8 slow lists took {took:.2f} s with a 2 s total deadline"
    assert result.verdict.value == "STATUS_UNKNOWN"
    messages = [c.message for c in result.checks if c.id == "status.revocation"]
    assert len(messages) == 8
    assert all("timed out after 2 s" in m or "2 s total deadline" in m for m in messages)
    started = time.monotonic()
    with pytest.raises(StatusFetchError, match=r"timed out after 0\.5 s"):
        HttpSource(DEV)(urls[0], timeout=0.5)
    assert time.monotonic() - started < 2.0


# ------------------------------------------------------------------------------ CLI


def vcissue(*args: str, cwd: Path) -> Ran:
    """``vcissue verify ARGS``, with the default status cache kept under ``cwd``."""
    return run_cli("verify", *args, cwd=cwd, env={"XDG_CACHE_HOME": str(cwd / "xdg-cache")})


def checks(out: Ran) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(out.stdout)["checks"]}


def test_cli_verify_status_options(server: Server, tmp_path: Path) -> None:
    publisher = Publisher(server, tmp_path / "www", "eddsa-rdfc-2022")
    vc = credential_with_status(publisher.revocation_url, publisher.suspension_url)
    (tmp_path / "vc.json").write_text(json.dumps(vc))
    (tmp_path / "trust.json").write_text(json.dumps(BODY.trust.to_json()))
    common = ("vc.json", "--trust", "trust.json", "--json")

    by_default = vcissue(*common, cwd=tmp_path)  # live over https is the default
    assert by_default.returncode == 4
    assert "plain http is refused" in checks(by_default)["status.revocation"]["message"]
    assert json.loads(by_default.stdout)["verdict"] == "STATUS_UNKNOWN"

    live = vcissue(*common, "--status-http", "--allow-insecure-loopback", cwd=tmp_path)
    assert live.returncode == 0, live.stdout + live.stderr
    assert checks(live)["status.revocation"]["outcome"] == "passed"

    production = vcissue(*common, "--status-http", "--no-status-cache", cwd=tmp_path)
    assert production.returncode == 4  # genuine, but its status could not be checked
    assert "plain http is refused" in checks(production)["status.revocation"]["message"]

    base = server.url("/status/")
    from_dir = vcissue(*common, "--status-dir", "www", "--status-base", base, cwd=tmp_path)
    assert from_dir.returncode == 0, from_dir.stdout + from_dir.stderr

    cached = (*common, "--status-http", "--allow-insecure-loopback", "--status-cache", "cache")
    assert vcissue(*cached, "--max-age", "0", cwd=tmp_path).returncode == 0
    publisher.suspension.set(7, True)
    publisher.publish()
    fresh = vcissue(*cached, "--max-age", "1h", cwd=tmp_path)  # the cached copy, still fresh
    assert fresh.returncode == 0
    assert "cached copy fetched" in checks(fresh)["status.suspension"]["message"]
    suspended = vcissue(*cached, "--max-age", "0s", cwd=tmp_path)
    assert suspended.returncode == 1
    assert checks(suspended)["status.suspension"]["message"].startswith("suspended")

    server.close()
    offline = vcissue(*cached, "--max-age", "0", cwd=tmp_path)
    assert offline.returncode == 1
    message = checks(offline)["status.suspension"]["message"]
    assert "suspended" in message and "cached copy fetched" in message
    assert "refresh failed" in message
    summary = vcissue(
        "vc.json", "--trust", "trust.json", *cached[4:], "--max-age", "0", cwd=tmp_path
    )
    assert "[FAIL] status.suspension: suspended" in summary.stdout

    # issue 9 section 4: two days later the offline copy is too old to count (--max-stale 1d)
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    too_old = vcissue(*cached, "--max-age", "0", "--now", later, cwd=tmp_path)
    assert too_old.returncode == 4, too_old.stdout
    assert "a copy may be relied on" in checks(too_old)["status.suspension"]["message"]
    allowed = vcissue(*cached, "--max-age", "0", "--max-stale", "3d", "--now", later, cwd=tmp_path)
    assert allowed.returncode == 1  # the 2-day-old copy counts again: suspended


@pytest.mark.parametrize(
    "options",
    [
        ("--status-dir", "www"),
        ("--status-base", "https://x.example/"),
        ("--status-http", "--status-dir", "www", "--status-base", "https://x.example/"),
        ("--no-status", "--status-http"),
        ("--status-http", "--status-cache", "c", "--max-age", "soon"),
        ("--max-age", "1h", "--max-stale", "5m"),
    ],
)
def test_cli_inconsistent_status_options_are_usage_errors(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    (tmp_path / "vc.json").write_text("{}")
    out = vcissue("vc.json", *options, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "usage:" in out.stderr


def test_cli_missing_status_dir_is_a_vcissue_error(tmp_path: Path) -> None:
    (tmp_path / "vc.json").write_text("{}")
    out = vcissue("vc.json", "--status-dir", "nowhere", "--status-base", BASE, cwd=tmp_path)
    assert out.returncode == 3
    assert "[status-list]" in out.stderr and "does not exist" in out.stderr


def test_error_messages_name_the_url_and_reason() -> None:
    with pytest.raises(VcissueError) as caught:
        HttpSource()("http://127.0.0.1:1/list")
    assert (
        str(caught.value)
        == "status list http://127.0.0.1:1/list: plain http is refused (https only)"
    )
    assert caught.value.code == "status-fetch"
