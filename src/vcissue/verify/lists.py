"""Accepting a status list: signed by the credential's issuer, within its validity, and
where it came from (a cached copy says how old it is)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import proofs
from ..errors import ProofError, StatusListError
from ..jsonld import ContextSet
from ..ports import StatusListCopy, StatusListSource
from ..status import StatusEntry, read_status_list_credential, status_of
from ..strictjson import parse_object
from .trust import TrustList

__all__ = ["copy_origin", "describe_age", "status_bit"]


def status_bit(
    entry: StatusEntry,
    issuer: str | None,
    source: StatusListSource,
    trust: TrustList,
    contexts: ContextSet,
    now: datetime,
) -> tuple[bool, str]:
    """The entry's bit, and where the list came from when it was not fetched just now."""
    delivered = source(entry.list_url)
    origin = ""
    if isinstance(delivered, StatusListCopy):
        origin = copy_origin(delivered, now)
        delivered = delivered.document
    document = parse_object(delivered, what="status list credential")
    check = proofs.verify_proof(document, trust.resolve_key, contexts=contexts)
    status_list = read_status_list_credential(document, fetched_from=entry.list_url)
    if check.controller != issuer or status_list.issuer_id != issuer:
        raise ProofError("the status list is not signed by the credential's issuer")
    if not status_list.valid_at(now):
        raise ProofError("the status list is outside its validity period")
    return status_of(entry, status_list), origin


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
