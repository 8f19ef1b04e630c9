"""Key files under a directory (adapter): encrypted private keys and the key history.

Layout of a key directory::

    keyring.json     public: the issuer DID and every key with its active window
    key-1.pem        PKCS#8, encrypted with the passphrase, mode 0600
    key-2.pem        ...

With a did:web issuer, ``rotate`` retires the current key (it stays in the
DID document with its window, so what it signed keeps verifying and what it
would sign later does not) and activates a new one; the retired key's file is
deleted unless the deployment keeps retired keys (still encrypted). ``compromise``
revokes a key: it leaves the DID document's assertion methods and its file is
deleted; the issuer then re-signs what it signed (``Issuer.resign``). A did:key
issuer *is* its key, so it can neither rotate nor survive a compromise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .credential import IssuerProfile
from .dids import did_web_document, did_web_url
from .errors import KeyMaterialError
from .keys import KeyRecord, SigningKey, did_key, did_key_verification_method
from .proofs import format_datetime, parse_datetime
from .system import system_random
from .verify import TrustedIssuer

KEYRING = "keyring.json"


def write_key_file(key: SigningKey, path: Path, passphrase: bytes) -> None:
    """Write the key as encrypted PKCS#8 PEM, readable by the owner only (mode 0600)."""
    if not passphrase:
        raise KeyMaterialError("a key file needs a non-empty passphrase")
    pem = Ed25519PrivateKey.from_private_bytes(key.seed).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never overwrite a key; mode 0600 from creation, not chmod afterwards.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyMaterialError(f"{path} exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def read_key_file(
    path: Path, passphrase: bytes, verification_method: str | None = None
) -> SigningKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyMaterialError(f"cannot read key file {path}: {error.strerror}") from None
    try:
        loaded = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as error:
        raise KeyMaterialError(f"cannot decrypt key file {path}: {error}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyMaterialError(f"{path} does not hold an Ed25519 key")
    seed = loaded.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return SigningKey(seed, verification_method)


class KeyStore:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    # --- reading ---------------------------------------------------------------

    def _keyring(self) -> dict[str, Any]:
        path = self.directory / KEYRING
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise KeyMaterialError(
                f"no keys in {self.directory} (run: vcissue keys generate)"
            ) from None
        except (OSError, ValueError) as error:
            raise KeyMaterialError(f"cannot read {path}: {error}") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise KeyMaterialError(f"{path} is not a vcissue keyring")
        return data

    @property
    def exists(self) -> bool:
        return (self.directory / KEYRING).exists()

    @property
    def records(self) -> list[KeyRecord]:
        try:
            return [
                KeyRecord(
                    entry["fragment"],
                    entry["publicKeyMultibase"],
                    parse_datetime(entry["activeFrom"]),
                    parse_datetime(entry["retiredAt"]) if entry.get("retiredAt") else None,
                    parse_datetime(entry["revokedAt"]) if entry.get("revokedAt") else None,
                )
                for entry in self._keyring()["keys"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise KeyMaterialError(f"damaged keyring in {self.directory}: {error}") from None

    @property
    def did(self) -> str:
        configured = self._keyring().get("did")
        if isinstance(configured, str):
            return configured
        return did_key(self.current_record.public)

    @property
    def name(self) -> str:
        name = self._keyring().get("name")
        if not isinstance(name, str):
            raise KeyMaterialError(f"the keyring in {self.directory} has no body name")
        return name

    def issuer_profile(self) -> IssuerProfile:
        return IssuerProfile(self.did, self.name)

    def trusted_issuer(self) -> TrustedIssuer:
        document = self.did_document() if self.did.startswith("did:web:") else None
        return TrustedIssuer(self.did, self.name, document)

    @property
    def current_record(self) -> KeyRecord:
        current = [record for record in self.records if record.retired_at is None]
        if len(current) != 1:
            raise KeyMaterialError(f"{self.directory} must have exactly one active key")
        return current[0]

    def verification_method(self, record: KeyRecord) -> str:
        configured = self._keyring().get("did")
        if isinstance(configured, str):
            return f"{configured}#{record.fragment}"
        return did_key_verification_method(record.public)

    def did_document(self) -> dict[str, Any]:
        if not self.did.startswith("did:web:"):
            raise KeyMaterialError("a DID document to host exists only for did:web issuers")
        return did_web_document(self.did, self.records)

    def signing_key(self, passphrase: bytes, *, now: datetime) -> SigningKey:
        """The active key; refuses a key outside its active window."""
        record = self.current_record
        if not record.active_at(now):
            raise KeyMaterialError(f"key {record.fragment} is not active at {now.isoformat()}")
        key = read_key_file(
            self.directory / f"{record.fragment}.pem", passphrase, self.verification_method(record)
        )
        if key.public.multibase != record.public_multibase:
            raise KeyMaterialError(f"{record.fragment}.pem does not match the keyring")
        return key

    def signer(self, passphrase: bytes, clock: Callable[[], datetime]) -> Callable[[], SigningKey]:
        """The active key, read again whenever the keyring changed (a rotation or a
        compromise by another process), so a running service never signs with a key the
        keyring has retired or revoked. The first key is read now (a wrong passphrase
        fails at once)."""
        cached: dict[str, Any] = {}

        def current() -> SigningKey:
            try:
                stamp = (self.directory / KEYRING).stat()
                version = (stamp.st_mtime_ns, stamp.st_size, stamp.st_ino)
            except OSError as error:
                raise KeyMaterialError(f"cannot read the keyring: {error.strerror}") from None
            if cached.get("version") != version:
                cached["key"] = self.signing_key(passphrase, now=clock())
                cached["version"] = version
            key: SigningKey = cached["key"]
            return key

        current()
        return current

    # --- writing ---------------------------------------------------------------

    def generate(
        self, passphrase: bytes, *, now: datetime, name: str, did: str | None = None
    ) -> KeyRecord:
        """Create the first key of a new key directory for the body called ``name``."""
        if self.exists:
            raise KeyMaterialError(f"{self.directory} already has keys; use rotate")
        if not name.strip():
            raise KeyMaterialError("the certification body needs a name")
        if did is not None:
            did_web_url(did)  # only did:web may be configured; did:key is derived
        record = self._new_key(passphrase, "key-1", now)
        self._save({"did": did, "name": name, "keys": [record]})
        return record

    def rotate(self, passphrase: bytes, *, now: datetime, keep_retired: bool = False) -> KeyRecord:
        """Retire the active key and make a new one; the retired key's file is deleted
        unless ``keep_retired`` (it stays encrypted with the passphrase)."""
        data = self._keyring()
        if not isinstance(data.get("did"), str):
            raise KeyMaterialError("a did:key issuer cannot rotate keys: its DID is its key")
        records = self.records
        retired = [replace(r, retired_at=now) if r.retired_at is None else r for r in records]
        record = self._new_key(passphrase, f"key-{len(records) + 1}", now)
        self._save({"did": data["did"], "name": self.name, "keys": [*retired, record]})
        if not keep_retired:
            self.delete_retired()
        return record

    def compromise(
        self, fragment: str, passphrase: bytes, *, since: datetime, now: datetime
    ) -> tuple[KeyRecord, KeyRecord]:
        """Revoke key ``fragment`` as compromised since ``since``: it leaves the DID
        document's assertion methods and its file is deleted. When it is the active key,
        a new key is made first. Returns (the revoked key, the active key)."""
        data = self._keyring()
        if not isinstance(data.get("did"), str):
            raise KeyMaterialError("a did:key issuer cannot survive a compromise: make a new one")
        if since.tzinfo is None or since > now:
            raise KeyMaterialError("--since must be a past, timezone-aware moment")
        found = [r for r in self.records if r.fragment == fragment]
        if not found:
            raise KeyMaterialError(f"no key {fragment!r} in {self.directory}")
        if found[0].revoked_at is not None:
            return found[0], self.current_record  # again: lets an interrupted drill finish
        if found[0].retired_at is None:
            self.rotate(passphrase, now=now, keep_retired=True)
        records = [
            replace(r, revoked_at=since) if r.fragment == fragment else r for r in self.records
        ]
        self._save({"did": data["did"], "name": self.name, "keys": records})
        (self.directory / f"{fragment}.pem").unlink(missing_ok=True)
        revoked = next(r for r in records if r.fragment == fragment)
        return revoked, self.current_record

    def delete_retired(self) -> list[str]:
        """Delete the private key file of every retired or revoked key; returns their names."""
        deleted = []
        for record in self.records:
            path = self.directory / f"{record.fragment}.pem"
            if record.retired_at is not None and path.exists():
                path.unlink()
                deleted.append(path.name)
        return deleted

    def private_key_files(self) -> list[str]:
        return sorted(path.name for path in self.directory.glob("*.pem"))

    def _new_key(self, passphrase: bytes, fragment: str, now: datetime) -> KeyRecord:
        key = SigningKey.generate(rng=system_random)
        write_key_file(key, self.directory / f"{fragment}.pem", passphrase)
        return KeyRecord(fragment, key.public.multibase, now)

    def _save(self, data: dict[str, Any]) -> None:
        serialised = {
            "did": data["did"],
            "name": data["name"],
            "keys": [
                {
                    "fragment": r.fragment,
                    "publicKeyMultibase": r.public_multibase,
                    "activeFrom": format_datetime(r.active_from),
                    **({"retiredAt": format_datetime(r.retired_at)} if r.retired_at else {}),
                    **({"revokedAt": format_datetime(r.revoked_at)} if r.revoked_at else {}),
                }
                for r in data["keys"]
            ],
        }
        path = self.directory / KEYRING
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(serialised, indent=2) + "\n", "utf-8")
        os.replace(temporary, path)  # atomic: a crash never leaves half a keyring
