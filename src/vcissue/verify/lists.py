"""Fetching and accepting status lists for one verification.

``fetch_lists``: every list URL the credential names is asked of the source once,
all of them concurrently (one daemon thread each; a credential names at most
``MAX_STATUS_ENTRIES``), under one total deadline whatever their number. A URL whose
answer has not come by then is "could not check". A source whose ``takes_timeout`` is
true (``HttpSource``, ``CachedSource``, ``DirectorySource``) is called as
``source(url, timeout=seconds)`` so that its own work stops at the deadline too; any
other callable is simply not waited for past it.

``accept_list``: a list counts only when it is signed by the credential's issuer, is
within its validity period (``validFrom``/``validUntil``) and, for a kept copy
(``StatusListCopy``: a cache, a snapshot, an offline bundle), is no older than the
verifier's maximum age; the report says where a copy came from and how old it was.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from .. import proofs
from ..errors import StatusFetchError, StatusListError, VcissueError
from ..jsonld import ContextSet
from ..ports import StatusListCopy, StatusListSource
from ..status import StatusList, read_status_list_credential
from ..strictjson import parse_object
from .trust import TrustList

__all__ = ["accept_list", "copy_origin", "describe_age", "fetch_lists"]

Delivered = Mapping[str, Any] | StatusListCopy


def fetch_lists(
    source: StatusListSource, urls: Sequence[str], deadline: float
) -> dict[str, Delivered | Exception]:
    """``url -> what the source delivered`` (or the error it raised), each URL asked once,
    all concurrently, none waited for longer than ``deadline`` seconds in total."""
    unique = list(dict.fromkeys(urls))
    results: dict[str, Delivered | Exception] = {}
    done = threading.Condition()
    timed = bool(getattr(source, "takes_timeout", False))

    def fetch(url: str) -> None:
        value: Delivered | Exception
        try:
            value = source(url, timeout=deadline) if timed else source(url)  # type: ignore[call-arg]
        except Exception as error:  # reported per URL (a bug is re-raised below)
            value = error
        with done:
            results[url] = value
            done.notify_all()

    for number, url in enumerate(unique):
        threading.Thread(
            target=fetch, args=(url,), name=f"vcissue-status-{number}", daemon=True
        ).start()
    with done:
        done.wait_for(lambda: len(results) == len(unique), timeout=deadline)
        answered = dict(results)
    for url in unique:
        found = answered.get(url)
        if found is None:
            answered[url] = StatusFetchError(
                url, f"no answer within the {deadline:g} s total deadline for status lists"
            )
        elif isinstance(found, Exception) and not isinstance(found, VcissueError | OSError):
            raise found  # not a status problem: a bug in the source
    return answered


def accept_list(
    url: str,
    delivered: Delivered,
    issuer: str | None,
    trust: TrustList,
    contexts: ContextSet,
    now: datetime,
    max_age: timedelta,
) -> tuple[StatusList, str]:
    """The list at ``url`` if it may be relied on, and where it came from when it was not
    fetched just now; otherwise a VcissueError saying why not."""
    origin = ""
    age: timedelta | None = None
    if isinstance(delivered, StatusListCopy):
        origin = copy_origin(delivered, now)
        age = now - delivered.fetched_at
        if age > max_age:
            refresh = (
                f" (refresh failed: {delivered.refresh_error})" if delivered.refresh_error else ""
            )
            raise StatusListError(
                f"the copy at hand was fetched {describe_age(age)} ago, longer than the "
                f"{describe_age(max_age)} a copy may be relied on{refresh}"
            )
        delivered = delivered.document
    document = parse_object(delivered, what="status list credential")
    checks = proofs.verify_proofs(document, trust.resolve_key, contexts=contexts, now=now)
    trust.check_windows(checks)
    status_list = read_status_list_credential(document, fetched_from=url)
    if status_list.issuer_id != issuer or issuer not in {c.controller for c in checks}:
        raise StatusListError("the status list is not signed by the credential's issuer")
    if not status_list.valid_at(now):
        until = status_list.valid_until
        raise StatusListError(
            "the status list is outside its validity period"
            + (f" (valid until {proofs.format_datetime(until)})" if until else "")
        )
    if age is not None and status_list.ttl is not None and age > status_list.ttl:
        origin += f"; older than the list's ttl of {describe_age(status_list.ttl)}"
    return status_list, origin


def copy_origin(copy: StatusListCopy, now: datetime) -> str:
    fetched_at = copy.fetched_at
    if not isinstance(fetched_at, datetime) or fetched_at.tzinfo is None:
        raise StatusListError("a status list copy needs a timezone-aware fetched_at")
    age = now - fetched_at
    when = (
        f"fetched {describe_age(age)} ago"
        if age >= timedelta(0)
        else f"fetched at {fetched_at.isoformat()}, after the verification time"
    )
    refresh = f"; refresh failed: {copy.refresh_error}" if copy.refresh_error else ""
    return f", cached copy {when}{refresh}"


def describe_age(age: timedelta) -> str:
    """A short human age: ``45 s``, ``12 min``, ``3 h 12 min``, ``2 d 5 h``."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if days:
        return f"{days} d {hour} h"
    if hours:
        return f"{hours} h {minute} min"
    return f"{minutes} min"
