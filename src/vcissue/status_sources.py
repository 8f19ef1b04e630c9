"""Where a verifier gets status list credentials: a directory, HTTP(S), a cache (adapter).

Each source is a ``verify.StatusListSource``: ``source(url)`` returns the status list
credential as parsed JSON (the strict parser of ``verify.parse_credential``: duplicate
keys refused, size and depth capped) or raises ``StatusFetchError`` naming the URL and
the reason. No source checks the proof: ``verify_credential`` does, whatever the source.

``DirectorySource``
    ``base_url/<name>`` -> ``root/<name>``: the directory an issuer publishes its lists
    to and a web server serves. Names are plain path segments (no ``.``/``..``, no
    percent-encoding, no hidden files); a symlink that leaves ``root`` is refused.

``HttpSource`` with a ``FetchPolicy`` (the URL comes from the credential, i.e. from
whoever wrote it, so fetching it is a server-side request forgery risk)
    * https only (``allow_http`` for tests and development);
    * every address the host resolves to must be public: loopback (unless
      ``allow_loopback``), private, shared (100.64/10), link-local, multicast, reserved,
      unspecified and documentation ranges are refused, also inside IPv4-mapped, 6to4
      and NAT64 IPv6 addresses; the socket then connects to a checked address, so a
      second DNS answer cannot swap it (DNS rebinding). TLS still checks the host name;
    * one deadline for the whole fetch (10 s, or less when the verifier passes the time
      left of its total status deadline as ``timeout``), a body cap enforced while reading (5 MiB,
      whatever Content-Length says), at most 5 redirects, each hop checked again;
    * only JSON media types: ``application/vc+ld+json``, ``application/vc``,
      ``application/ld+json``, ``application/json``; no content encoding.
    Name resolution is the policy's ``resolver`` (injectable: tests need no DNS).

``CachedSource``
    Keeps the last good copy of each list on disk (temp file + rename) and serves it
    while younger than ``max_age`` (or the list's own ``ttl``, when shorter); when stale
    it refreshes, and when the refresh fails (an offline verifier) it returns the old copy
    as a ``StatusListCopy`` so the report says how old the list was and why it was not
    refreshed. Only a response that parsed
    and has the structure of a status list for that URL replaces a cached copy; an
    unreadable cache file is ignored (and refetched), never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from . import __version__
from .errors import MalformedInput, StatusFetchError, StatusListError, VcissueError
from .status import read_status_list_credential
from .verify import MAX_DEPTH, StatusListCopy, StatusListSource, parse_credential

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "CachedSource",
    "DirectorySource",
    "FetchPolicy",
    "HttpSource",
    "address_problem",
    "system_resolver",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
"""Largest status list credential accepted (the limit DCC's verifier uses). A list of
1,048,576 entries is ~175 KiB even with half its bits set at random; only a much larger or
denser list would need more."""
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REDIRECTS = 5
MEDIA_TYPES = frozenset(
    {"application/vc+ld+json", "application/vc", "application/ld+json", "application/json"}
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024


def _parse_list(url: str, data: bytes, max_bytes: int) -> dict[str, Any]:
    try:
        return parse_credential(data, max_bytes=max_bytes)
    except MalformedInput as error:
        raise StatusFetchError(url, f"not an acceptable JSON object: {error}") from None


# --------------------------------------------------------------------------- directory

# A plain segment: no leading dot (so no '.', '..' or hidden files), no separators.
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")


class DirectorySource:
    """Status lists published as files: ``base_url/<name>`` is read from ``root/<name>``."""

    def __init__(
        self, root: str | os.PathLike[str], base_url: str, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise StatusListError(f"status list directory {root} does not exist")
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
            or "%" in base_url
        ):
            raise StatusListError(f"status base URL {base_url!r} must be an http(s) URL")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.max_bytes = max_bytes

    takes_timeout = True  # a local read: nothing to stop early

    def __call__(self, url: str, *, timeout: float | None = None) -> dict[str, Any]:
        path = self.path_for(url)
        return _parse_list(url, self._read(url, path), self.max_bytes)

    def path_for(self, url: str) -> str:
        """The file that holds ``url``; ``StatusFetchError`` when it is outside ``root``."""
        if not isinstance(url, str) or not url.startswith(self.base_url):
            raise StatusFetchError(str(url), f"not under the status base URL {self.base_url}")
        name = url[len(self.base_url) :]
        if "%" in name:
            # An encoded '/' or '.' could walk out of the directory after decoding.
            raise StatusFetchError(url, "percent-encoded characters are refused")
        if "?" in name or "#" in name:
            raise StatusFetchError(url, "a query or fragment is refused")
        segments = name.split("/")
        for segment in segments:
            if not _SEGMENT.fullmatch(segment):
                raise StatusFetchError(url, f"path segment {segment!r} is refused")
        real = os.path.realpath(os.path.join(self.root, *segments))
        if os.path.commonpath([self.root, real]) != self.root or real == self.root:
            raise StatusFetchError(url, "the path leaves the status list directory")
        return real

    def _read(self, url: str, path: str) -> bytes:
        # NOFOLLOW: the last component cannot be swapped for a symlink after the check;
        # NONBLOCK: opening a FIFO must not hang (it is refused just below).
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise StatusFetchError(url, "no such status list") from None
        except OSError as error:
            raise StatusFetchError(url, f"cannot open: {error.strerror}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > self.max_bytes:
            os.close(fd)
            if not stat.S_ISREG(info.st_mode):
                raise StatusFetchError(url, "not a regular file")
            raise StatusFetchError(url, f"larger than {self.max_bytes} bytes")
        with os.fdopen(fd, "rb") as file:
            data = file.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise StatusFetchError(url, f"larger than {self.max_bytes} bytes")
        return data


# -------------------------------------------------------------------------------- policy

Resolver = Callable[[str, int], Sequence[str]]
"""(host name, port) -> the IP addresses it resolves to; raises OSError when it cannot."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchPolicy:
    """What ``HttpSource`` may fetch. The defaults are the production policy."""

    allow_http: bool = False
    """Accept plain ``http://`` URLs (tests and development only)."""
    allow_loopback: bool = False
    """Accept loopback addresses (127.0.0.0/8, ::1): tests and development only."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds for the whole fetch: every hop's connect, headers and body."""
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    resolver: Resolver = system_resolver
    tls_context: ssl.SSLContext | None = field(default=None, compare=False)
    """TLS settings; ``None`` is the system's trusted CAs with host name checking."""

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise StatusListError("fetch timeout must be positive")
        if self.max_bytes < 1 or self.max_redirects < 0:
            raise StatusListError("max_bytes must be positive and max_redirects >= 0")


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def _address_class(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The class that makes ``ip`` unfit to fetch from, or None for a public address."""
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared (carrier-grade NAT)", ip in _SHARED),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-global", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def address_problem(address: str, policy: FetchPolicy) -> str | None:
    """Why ``policy`` refuses to connect to ``address`` (an IP literal), or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{address!r}, which is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:a.b.c.d and (NAT64) 64:ff9b::a.b.c.d reach the IPv4 address inside.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        candidates.append(ip.sixtofour)  # a 6to4 relay forwards to it too
    for candidate in candidates:
        found = _address_class(candidate)
        if found == "loopback" and policy.allow_loopback and candidate.is_loopback:
            continue
        if found is not None:
            return f"{found} address {address}"
    return None


class _Target(NamedTuple):
    scheme: str
    host: str
    port: int
    request_path: str


def _target(url: str, policy: FetchPolicy) -> _Target:
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise StatusFetchError(url, "the URL contains spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http" and not policy.allow_http:
        raise StatusFetchError(url, "plain http is refused (https only)")
    if scheme not in ("https", "http"):
        raise StatusFetchError(url, f"scheme {scheme!r} is refused (https only)")
    if "@" in parts.netloc:
        raise StatusFetchError(url, "credentials in the URL are refused")
    host = parts.hostname
    if not host:
        raise StatusFetchError(url, "the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise StatusFetchError(url, "the URL has an invalid port") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port, path)


def _checked_addresses(url: str, target: _Target, policy: FetchPolicy) -> list[str]:
    try:
        ipaddress.ip_address(target.host)
        addresses = [target.host]
    except ValueError:
        try:
            addresses = list(policy.resolver(target.host, target.port))
        except OSError as error:
            raise StatusFetchError(url, f"cannot resolve {target.host}: {error}") from None
    if not addresses:
        raise StatusFetchError(url, f"{target.host} resolves to no address")
    for address in addresses:  # every one: a resolver may hand out any of them later
        problem = address_problem(address, policy)
        if problem is not None:
            raise StatusFetchError(url, f"{target.host} is a {problem}; refused by the policy")
    return addresses


# ---------------------------------------------------------------------------------- HTTP


class _Deadline:
    """One time limit for a whole fetch.

    Socket timeouts bound each single wait; a timer shuts the socket down when the limit
    passes, so a server that trickles bytes (each within the timeout) is cut off too.
    """

    def __init__(self, url: str, seconds: float) -> None:
        self.url = url
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._timer: threading.Timer | None = None

    def error(self) -> StatusFetchError:
        return StatusFetchError(self.url, f"timed out after {self.seconds:g} s")

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if self.expired or left <= 0:
            raise self.error()
        return left

    def arm(self, sock: socket.socket) -> None:
        self.disarm()
        self._timer = threading.Timer(self.remaining(), self._cut, (sock,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _cut(self, sock: socket.socket) -> None:
        self.expired = True
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, also under TLS: it wakes a blocked read
            # without touching the TLS state another thread is using.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP for a host name, over a socket to an address the policy already checked."""

    def __init__(self, host: str, port: int, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=deadline.remaining())
        self.address = address
        self.deadline = deadline

    def _open(self) -> socket.socket:
        raw = socket.create_connection((self.address, self.port), self.deadline.remaining())
        self.deadline.arm(raw)
        return raw

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS likewise: TCP to the checked address, TLS (SNI, certificate) for the host name."""

    default_port = http.client.HTTPS_PORT

    def __init__(
        self, host: str, port: int, address: str, deadline: _Deadline, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, address, deadline)
        self.tls = context

    def connect(self) -> None:
        raw = self._open()
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class HttpSource:
    """Fetch status lists over HTTP(S) under a ``FetchPolicy`` (see the module docstring)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._tls = self.policy.tls_context or ssl.create_default_context()

    takes_timeout = True

    def __call__(self, url: str, *, timeout: float | None = None) -> dict[str, Any]:
        """The list at ``url``; ``timeout`` (seconds) shortens the policy's deadline."""
        if not isinstance(url, str):
            raise StatusFetchError(repr(url), "the URL must be a string")
        seconds = self.policy.timeout if timeout is None else min(self.policy.timeout, timeout)
        if not seconds > 0:
            raise StatusFetchError(url, "no time left to fetch it")
        deadline = _Deadline(url, seconds)
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            try:
                location, body = self._get(url, current, deadline)
            except (OSError, http.client.HTTPException) as error:
                if deadline.expired or isinstance(error, TimeoutError):
                    raise deadline.error() from None
                if isinstance(error, ssl.SSLError | ssl.CertificateError):
                    raise StatusFetchError(url, f"TLS failed for {current}: {error}") from None
                reason = f"{type(error).__name__}: {error}" if str(error) else repr(error)
                raise StatusFetchError(url, f"network error at {current}: {reason}") from None
            finally:
                deadline.disarm()
            if location is None:
                return _parse_list(url, body, self.policy.max_bytes)
            current = location
        raise StatusFetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _get(self, url: str, current: str, deadline: _Deadline) -> tuple[str | None, bytes]:
        """One hop: (the next URL, b"") for a redirect, or (None, the body)."""
        target = _target(current, self.policy)
        addresses = _checked_addresses(url, target, self.policy)
        connection = self._connect(url, target, addresses, deadline)
        try:
            sock = connection.sock
            sock.settimeout(deadline.remaining())
            connection.request(
                "GET",
                target.request_path,
                headers={
                    "Accept": "application/vc+ld+json, application/vc, "
                    "application/ld+json;q=0.9, application/json;q=0.8",
                    "Accept-Encoding": "identity",
                    "User-Agent": f"vcissue/{__version__}",
                    "Connection": "close",
                },
            )
            sock.settimeout(deadline.remaining())
            response = connection.getresponse()
            deadline.remaining()  # headers cut short by the deadline are no response
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise StatusFetchError(url, f"HTTP {response.status} without a Location")
                return urljoin(current, location.strip()), b""
            if response.status != 200:
                raise StatusFetchError(
                    url, f"HTTP {response.status} {response.reason} from {current}"
                )
            self._check_headers(url, response)
            return None, self._read_body(url, sock, response, deadline)
        finally:
            connection.close()

    def _connect(
        self, url: str, target: _Target, addresses: list[str], deadline: _Deadline
    ) -> http.client.HTTPConnection:
        failures = []
        for address in addresses:
            connection: _PinnedHTTPConnection
            if target.scheme == "https":
                connection = _PinnedHTTPSConnection(
                    target.host, target.port, address, deadline, self._tls
                )
            else:
                connection = _PinnedHTTPConnection(target.host, target.port, address, deadline)
            try:
                connection.connect()
            except (ssl.SSLError, ssl.CertificateError, TimeoutError):
                connection.close()
                raise
            except OSError as error:
                connection.close()
                failures.append(f"{address}: {error}")
                continue
            return connection
        raise StatusFetchError(url, f"cannot connect to {target.host}: {'; '.join(failures)}")

    def _check_headers(self, url: str, response: http.client.HTTPResponse) -> None:
        content_type = response.getheader("Content-Type") or ""
        media_type, _, parameters = content_type.partition(";")
        media_type = media_type.strip().lower()
        if media_type not in MEDIA_TYPES:
            raise StatusFetchError(url, f"content type {content_type[:80]!r} is not JSON")
        charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", parameters, re.IGNORECASE)
        if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
            raise StatusFetchError(url, f"charset {charset.group(1)!r} is not UTF-8")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise StatusFetchError(url, f"content encoding {encoding!r} is refused")
        length = response.getheader("Content-Length")
        if length is not None:
            if not length.strip().isdigit():
                raise StatusFetchError(url, f"invalid Content-Length {length[:40]!r}")
            if int(length) > self.policy.max_bytes:
                raise StatusFetchError(
                    url, f"Content-Length {int(length)} is over the {self.policy.max_bytes} cap"
                )

    def _read_body(
        self, url: str, sock: socket.socket, response: http.client.HTTPResponse, deadline: _Deadline
    ) -> bytes:
        # Counted while reading: Content-Length may be absent (chunked) or untrue.
        cap = self.policy.max_bytes
        body = bytearray()
        while True:
            sock.settimeout(deadline.remaining())
            chunk = response.read1(min(_READ_CHUNK, cap + 1 - len(body)))  # one socket read
            if not chunk:
                deadline.remaining()  # an end forced by the deadline is a timeout
                if response.length:
                    raise StatusFetchError(
                        url, f"body ended {response.length} bytes short of its Content-Length"
                    )
                return bytes(body)
            body += chunk
            if len(body) > cap:
                raise StatusFetchError(url, f"body is over the {cap} byte cap")


# --------------------------------------------------------------------------------- cache


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _reason(error: BaseException) -> str:
    return error.reason if isinstance(error, StatusFetchError) else str(error)


class CachedSource:
    """The last good copy of each list on disk, for speed and for verifiers offline."""

    def __init__(
        self,
        inner: StatusListSource,
        cache_dir: str | os.PathLike[str],
        max_age: timedelta,
        *,
        max_stale: timedelta | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """``max_age``: serve a copy this young without asking ``inner``.

        ``max_stale``: when ``inner`` fails, still serve a copy up to this old (default:
        any age, reported). ``clock`` gives the time copies are stamped with.
        """
        if max_age < timedelta(0) or (max_stale is not None and max_stale < max_age):
            raise StatusListError("max_age must be >= 0 and max_stale (if given) >= max_age")
        self.inner = inner
        self.cache_dir = Path(cache_dir)
        self.max_age = max_age
        self.max_stale = max_stale
        self.max_bytes = max_bytes
        self.clock = clock

    def path_for(self, url: str) -> Path:
        return self.cache_dir / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json")

    takes_timeout = True

    def __call__(
        self, url: str, *, timeout: float | None = None
    ) -> dict[str, Any] | StatusListCopy:
        now = self.clock()
        cached, problem = self._load(url)
        if cached is not None and timedelta(0) <= now - cached.fetched_at <= self._fresh_for(
            cached.document
        ):
            return cached
        try:
            document, fetched_at = self._fetch(url, now, timeout)
        except (VcissueError, OSError) as error:
            reason = _reason(error) + (f"; {problem}" if problem else "")
            if cached is None:
                raise StatusFetchError(url, f"no cached copy and {reason}") from error
            if self.max_stale is not None and now - cached.fetched_at > self.max_stale:
                raise StatusFetchError(
                    url,
                    f"{reason}; the cached copy from {cached.fetched_at.isoformat()} is "
                    f"older than the {self.max_stale} allowed",
                ) from error
            return StatusListCopy(cached.document, cached.fetched_at, refresh_error=_reason(error))
        self._store(url, document, fetched_at)
        # An inner source may itself hand back an older copy: keep reporting its age.
        return document if fetched_at == now else StatusListCopy(document, fetched_at)

    def _fresh_for(self, document: Any) -> timedelta:
        """``max_age``, or less when the list's own ``ttl`` (milliseconds) says so."""
        subject = document.get("credentialSubject") if isinstance(document, dict) else None
        ttl = subject.get("ttl") if isinstance(subject, dict) else None
        if isinstance(ttl, int) and not isinstance(ttl, bool) and 0 <= ttl < self._TTL_CAP_MS:
            return min(self.max_age, timedelta(milliseconds=ttl))
        return self.max_age

    _TTL_CAP_MS = 10**12

    def _fetch(
        self, url: str, now: datetime, timeout: float | None = None
    ) -> tuple[dict[str, Any], datetime]:
        if timeout is not None and getattr(self.inner, "takes_timeout", False):
            delivered = self.inner(url, timeout=timeout)  # type: ignore[call-arg]
        else:
            delivered = self.inner(url)
        fetched_at = now
        if isinstance(delivered, StatusListCopy):
            fetched_at = delivered.fetched_at
            delivered = delivered.document
        document = parse_credential(delivered)
        # Junk (an error page that happens to be JSON, a list for another URL) must not
        # replace a good copy; the proof is the verifier's to check.
        read_status_list_credential(document, fetched_from=url)
        return document, fetched_at

    def _load(self, url: str) -> tuple[StatusListCopy | None, str]:
        """The cached copy of ``url``, or None and why an existing file was not used."""
        path = self.path_for(url)
        try:
            with path.open("rb") as file:
                data = file.read(self.max_bytes + 4097)
        except FileNotFoundError:
            return None, ""
        except OSError as error:
            return None, f"cached copy {path} unreadable: {error}"
        try:
            envelope = parse_credential(
                data, max_bytes=self.max_bytes + 4096, max_depth=MAX_DEPTH + 1
            )
            if set(envelope) != {"url", "fetchedAt", "document"} or envelope["url"] != url:
                raise StatusListError("not a cache entry for this URL")
            fetched_at = datetime.fromisoformat(str(envelope["fetchedAt"]))
            if fetched_at.tzinfo is None:
                raise StatusListError("fetchedAt has no time zone")
            document = envelope["document"]
            if not isinstance(document, dict):
                raise StatusListError("the cached document is not an object")
            parse_credential(document)  # depth and value checks on the document itself
        except (VcissueError, ValueError) as error:
            return None, f"cached copy {path} ignored as corrupt ({error})"
        return StatusListCopy(document, fetched_at), ""

    def _store(self, url: str, document: dict[str, Any], fetched_at: datetime) -> None:
        envelope = {"url": url, "fetchedAt": fetched_at.isoformat(), "document": document}
        data = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(
                prefix=".incoming-", suffix=".tmp", dir=self.cache_dir
            )
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self.path_for(url))  # readers see old or new, never half
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StatusListError(
                f"cannot write status list cache {self.cache_dir}: {error}"
            ) from None
