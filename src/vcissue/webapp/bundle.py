"""Verifier bundles: the offline verifier page with a trust list and status snapshots inside.

The page (``verifier.html``, package data built from ``verifier_web/``) holds one
``<script type="application/json" id="vcissue-verifier-data">null</script>`` element.
A bundle replaces its ``null`` with::

    {"format": "vcissue-verifier-bundle/1", "generator": "vcissue 0.1.0",
     "snapshotTime": "2026-11-25T06:00:00Z",
     "maxSnapshotAgeDays": 30,                  # older: STATUS UNKNOWN, "connect to refresh"
     "trustList": {"issuers": [...]},          # TrustList.to_json()
     "statusLists": [{...signed BitstringStatusListCredential...}, ...],
     "schemePacks": [{...vcissue.qrpack.SchemePack.to_json()...}, ...],
     "brand": {"name": ..., "colour": "#1d3557", "logo": "data:image/png;base64,..."},
     "serviceWorker": {"script": "/verifier-sw.js", "scope": "/V"}}   # the service's copy

The last four are optional (a page without packs still reads ``VC1`` and pack-less ``VC2``
payloads, and names the pack it lacks for the others).

Every ``<``, ``>`` and ``&`` in that JSON is written as a ``\\u00XX`` escape, so no value
(a holder name, an issuer name) can close the element or open a comment: the HTML parser
sees one opaque run of text, and ``JSON.parse`` reads the same values back.

Inputs are checked before anything is written: the trust list parses and names at least
one issuer; each status list is a status list credential (``read_status_list_credential``)
whose proof verifies with a key of its issuer, that issuer is on the trust list, and it was
not already expired at the snapshot time. Of several snapshots of one list the latest
(``validFrom``) is kept. This module reads files (an adapter); the checks are the core's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__, proofs
from ..brand import Brand
from ..checkpoint import CHECKPOINT_NAME
from ..errors import MalformedInput, QrPayloadError, StatusListError, VcissueError
from ..jsonld import ContextSet
from ..keystore import KeyStore
from ..ports import StatusListCopy
from ..qrpack import PackSet, SchemePack, build_pack
from ..settings import Settings
from ..status import read_status_list_credential
from ..strictjson import parse_object
from ..verify import TrustedIssuer, TrustList

BUNDLE_FORMAT = "vcissue-verifier-bundle/1"
PAGE_RESOURCE = "verifier.html"
WORKER_RESOURCE = "verifier-sw.js"
DEFAULT_MAX_SNAPSHOT_AGE_DAYS = 30
DATA_ELEMENT = '<script type="application/json" id="vcissue-verifier-data">{}</script>'
EMPTY_DATA_ELEMENT = DATA_ELEMENT.format("null")
MAX_STATUS_FILE_BYTES = 5_000_000  # a 16 MiB list gzips far below this
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def verifier_page() -> str:
    """The built page, without data (an unbundled page trusts no one)."""
    try:
        return (resources.files(__package__) / PAGE_RESOURCE).read_text("utf-8")
    except (FileNotFoundError, OSError):
        raise VcissueError(
            f"the verifier page {PAGE_RESOURCE} is missing from the vcissue package"
        ) from None


def worker_script() -> str:
    """The service worker the service serves beside the page (built from verifier_web/)."""
    return (resources.files(__package__) / WORKER_RESOURCE).read_text("utf-8")


def load_packs(paths: Iterable[Path]) -> PackSet:
    """Scheme pack files (``vcissue qr-pack``), each checked against its own id."""
    packs = []
    for path in paths:
        try:
            packs.append(SchemePack.from_json(_read_json_object(path, "scheme pack")))
        except QrPayloadError as error:
            raise QrPayloadError(f"scheme pack {path}: {error}") from None
    return PackSet(packs)


def pack_files(directory: Path | None) -> list[Path]:
    """Every ``*.json`` in a packs directory (none if it does not exist yet)."""
    if directory is None or not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.json") if not p.name.startswith("."))


def save_pack(directory: Path, pack: SchemePack) -> Path:
    """Keep ``pack`` in ``directory`` as ``<name>-<id>.json`` (never overwritten: packs are
    content-addressed, and every pack a certificate was printed with must stay)."""
    name = "".join(c if c.isalnum() or c in "-." else "-" for c in pack.name)
    path = directory / f"{name}-{pack.pack_id}.json"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(pack.to_json(), indent=1) + "\n", "utf-8")
        os.replace(temporary, path)
    return path


def _read_json_object(path: Path, what: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MalformedInput(f"cannot read {what} {path}: {error.strerror or error}") from None
    # The one strict parser: size and depth caps, no duplicate keys, JSON types only.
    return parse_object(data, max_bytes=MAX_STATUS_FILE_BYTES, what=f"{what} {path}")


def load_trust_list(paths: Sequence[Path]) -> TrustList:
    """One trust list from one or more files; MalformedInput names the bad file."""
    issuers: list[TrustedIssuer] = []
    for path in paths:
        data = _read_json_object(path, "trust list")
        try:
            issuers.extend(TrustList.from_json(data).issuers.values())
        except MalformedInput as error:
            raise MalformedInput(f"trust list {path}: {error}") from None
    trust = TrustList.of(*issuers)
    if not trust.issuers:
        raise MalformedInput("the trust list names no issuer: the page would trust no one")
    return trust


def status_list_files(files: Iterable[Path], directories: Iterable[Path]) -> list[Path]:
    """The given files, then every non-hidden regular file under each directory (sorted),
    except the audit checkpoint the publisher writes beside the lists (not a list)."""
    found = list(files)
    for directory in directories:
        if not directory.is_dir():
            raise StatusListError(f"status list directory {directory} does not exist")
        for root, subdirectories, names in os.walk(directory):
            # Hidden entries are skipped: the publisher's half-written ".name.pid.tmp" files.
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            found += [
                Path(root) / n
                for n in sorted(names)
                if not n.startswith(".") and n != CHECKPOINT_NAME
            ]
    return found


def load_status_lists(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Each file as a JSON object (checked as a status list by ``bundle_data``)."""
    lists = []
    for path in paths:
        try:
            lists.append(_read_json_object(path, "status list"))
        except MalformedInput as error:
            raise StatusListError(str(error)) from None
    return lists


def _checked_list(
    document: Mapping[str, Any], trust: TrustList, contexts: ContextSet, snapshot_time: datetime
) -> tuple[str, datetime | None]:
    """The list's URL and validFrom, once it is a usable snapshot; StatusListError if not."""
    name = document.get("id", "(no id)")
    if "id" not in document:
        raise StatusListError("a status list snapshot needs its id (the URL credentials name)")
    status_list = read_status_list_credential(document)
    try:
        check = proofs.verify_proof(document, trust.resolve_key, contexts=contexts)
        trust.check_windows((check,))
    except VcissueError as error:
        raise StatusListError(f"status list {name}: its proof does not verify: {error}") from None
    if check.controller != status_list.issuer_id:
        raise StatusListError(f"status list {name} is not signed by its issuer")
    if status_list.issuer_id not in trust.issuers:
        raise StatusListError(
            f"status list {name}: issuer {status_list.issuer_id} is not on the trust list"
        )
    if status_list.valid_until is not None and status_list.valid_until < snapshot_time:
        raise StatusListError(
            f"status list {name} expired at {proofs.format_datetime(status_list.valid_until)}, "
            "before the snapshot time"
        )
    return status_list.list_url, status_list.valid_from


def latest_snapshots(
    documents: Iterable[Mapping[str, Any]],
    trust: TrustList,
    *,
    snapshot_time: datetime,
    contexts: ContextSet | None = None,
) -> list[dict[str, Any]]:
    """The newest checked copy of each status list, ordered by URL."""
    contexts = contexts or ContextSet.bundled()
    newest: dict[str, tuple[datetime | None, dict[str, Any]]] = {}
    for document in documents:
        url, valid_from = _checked_list(document, trust, contexts, snapshot_time)
        if url in newest:
            known_from, known = newest[url]
            if valid_from == known_from and known != document:
                raise StatusListError(
                    f"two different snapshots of status list {url} have the same validFrom"
                )
            if known_from is not None and (valid_from is None or valid_from <= known_from):
                continue
        newest[url] = (valid_from, dict(document))
    return [newest[url][1] for url in sorted(newest)]


def bundle_data(
    trust: TrustList,
    status_lists: Iterable[Mapping[str, Any]],
    *,
    snapshot_time: datetime,
    contexts: ContextSet | None = None,
    packs: PackSet | None = None,
    brand: Brand | None = None,
    max_snapshot_age_days: int = DEFAULT_MAX_SNAPSHOT_AGE_DAYS,
    service_worker: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON the page reads: format, generator, snapshot time and its maximum age, trust
    list, lists, scheme packs, the body's brand (header) and, served, the service worker."""
    if not trust.issuers:
        raise MalformedInput("the trust list names no issuer: the page would trust no one")
    if max_snapshot_age_days < 0:
        raise MalformedInput("the maximum snapshot age must be 0 days or more")
    data: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "generator": f"vcissue {__version__}",
        "snapshotTime": proofs.format_datetime(snapshot_time),
        "maxSnapshotAgeDays": max_snapshot_age_days,
        "trustList": trust.to_json(),
        "statusLists": latest_snapshots(
            status_lists, trust, snapshot_time=snapshot_time, contexts=contexts
        ),
        "schemePacks": (packs or PackSet()).to_json(),
    }
    if brand is not None:
        issuers = list(trust.issuers.values())
        data["brand"] = brand.page_json(issuers[0].name if len(issuers) == 1 else "")
    if service_worker is not None:
        data["serviceWorker"] = dict(service_worker)
    return data


def embed(page: str, data: Mapping[str, Any]) -> str:
    """``page`` with ``data`` in its data element, escaped so no value can leave it."""
    if page.count(EMPTY_DATA_ELEMENT) != 1:
        raise VcissueError("the verifier page does not hold exactly one empty data element")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return page.replace(EMPTY_DATA_ELEMENT, DATA_ELEMENT.format(text.translate(_HTML_SAFE)))


def extract(text: str) -> dict[str, Any]:
    """The bundle data of a verifier page (the inverse of ``embed``), or of a bundle JSON
    file; ``MalformedInput`` for anything else."""
    opening = DATA_ELEMENT.split("{}")[0]
    start = text.find(opening)
    if start >= 0:
        end = text.find("</script>", start)
        if end < 0:
            raise MalformedInput("the verifier page's data element is not closed")
        text = text[start + len(opening) : end]
    data = parse_object(text, max_bytes=64 * MAX_STATUS_FILE_BYTES, what="verifier bundle")
    if data.get("format") != BUNDLE_FORMAT:
        raise MalformedInput(f"not a verifier bundle (format {data.get('format')!r})")
    return data


@dataclass(frozen=True)
class OfflineSnapshot:
    """What the offline page knows, for the Python verifier to judge exactly as the page
    does: its trust list, its status lists as copies taken at the snapshot time, and the
    age past which they say nothing (``max_age``, given as ``max_status_age``)."""

    trust: TrustList
    lists: Mapping[str, Mapping[str, Any]]
    taken: datetime
    max_age: timedelta

    @classmethod
    def from_bundle(cls, data: Mapping[str, Any]) -> OfflineSnapshot:
        try:
            taken = proofs.parse_datetime(str(data["snapshotTime"]))
            days = data.get("maxSnapshotAgeDays", DEFAULT_MAX_SNAPSHOT_AGE_DAYS)
            if not isinstance(days, int) or isinstance(days, bool) or days < 0:
                raise MalformedInput("maxSnapshotAgeDays must be a whole number of days")
            lists = {str(doc["id"]): doc for doc in data.get("statusLists", [])}
            trust = TrustList.from_json(data["trustList"])
        except MalformedInput:
            raise
        except (KeyError, TypeError, ValueError, VcissueError) as error:
            raise MalformedInput(f"verifier bundle: {error} (missing or malformed)") from None
        return cls(trust, lists, taken, timedelta(days=days))

    def __call__(self, url: str) -> StatusListCopy:
        document = self.lists.get(url)
        if document is None:
            raise StatusListError(f"the bundle holds no snapshot of {url}")
        return StatusListCopy(document, self.taken, refresh_error="offline: the bundle's snapshot")


def write_bundle(
    output: Path,
    trust: TrustList,
    status_lists: Iterable[Mapping[str, Any]],
    *,
    snapshot_time: datetime,
    packs: PackSet | None = None,
    brand: Brand | None = None,
    max_snapshot_age_days: int = DEFAULT_MAX_SNAPSHOT_AGE_DAYS,
) -> int:
    """Check the inputs, write the bundled page to ``output``; returns its size in bytes."""
    data = bundle_data(
        trust,
        status_lists,
        snapshot_time=snapshot_time,
        packs=packs,
        brand=brand,
        max_snapshot_age_days=max_snapshot_age_days,
    )
    encoded = embed(verifier_page(), data).encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    temporary.write_bytes(encoded)
    os.replace(temporary, output)  # never a half-written page where the old one was
    return len(encoded)


def deployment_packs(settings: Settings) -> tuple[PackSet, dict[str, SchemePack]]:
    """The packs a deployment's verifier carries, and the current one per scheme.

    The current pack of each qualification (built from the scheme and the body's public
    profile, no passphrase needed) is kept in ``[verifier] packs_dir`` first, so every
    pack a certificate is printed with stays there; the verifier carries them all.
    """
    profiles = {
        body: KeyStore(directory).issuer_profile()
        for body, directory in settings.body_key_dirs().items()
    }
    current = {}
    for qualification in settings.qualifications():
        pack = build_pack(
            qualification,
            profiles[qualification.body],  # its awarding body issues it
            status_base_url=settings.status_base_url,
            suite=settings.suite,
        )
        if settings.packs_dir is not None:
            save_pack(settings.packs_dir, pack)
        current[qualification.scheme_ref] = pack
    kept = load_packs(pack_files(settings.packs_dir))
    return PackSet([*kept, *current.values()]), current


def pack_for(vc: Mapping[str, Any], current: Mapping[str, SchemePack]) -> SchemePack | None:
    """The current pack of the scheme ``vc`` certifies (full or unit credential), if any."""
    subject = vc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    scheme = achievement.get("id") if isinstance(achievement, Mapping) else None
    if not isinstance(scheme, str):
        return None
    return current.get(scheme.split("#", 1)[0])
