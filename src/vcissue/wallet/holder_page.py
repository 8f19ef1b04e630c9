"""Holder page links: a capability URL per credential (``/holder/{id}.{secret}``) through
which its holder downloads the credential (JSON, PDF) and takes it into a wallet (an
OpenID4VCI offer, a VC-API exchange). Unguessable (256 random bits, only a hash stored),
expiring (``holder_link_ttl``), revocable; creating and revoking are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import PolicyError, WalletError
from ..issuer import Issuer
from ..ports import RandomSource
from ..proofs import format_datetime
from ..store.records import CredentialRecord, Tx, WalletSessionRecord
from .sessions import WalletSettings, digest, matches, new_secret, split_secret

__all__ = ["HOLDER_PATH", "HolderLink", "HolderLinks"]

KIND = "holder-page"
HOLDER_PATH = "/holder"


@dataclass(frozen=True)
class HolderLink:
    url: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "expires_at": format_datetime(self.expires_at)}


class HolderLinks:
    def __init__(self, issuer: Issuer, settings: WalletSettings, *, rng: RandomSource) -> None:
        self.issuer = issuer
        self.settings = settings
        self.rng = rng

    def create(self, credential_id: str, *, actor: str) -> HolderLink:
        record = self.issuer.get(credential_id)
        link_id, secret = new_secret(self.rng, 16), new_secret(self.rng)
        now = self.issuer.now()
        expires = now + self.settings.holder_link_ttl
        session = WalletSessionRecord(
            id=link_id,
            kind=KIND,
            credential_id=record.id,
            state="active",
            created_at=now,
            expires_at=expires,
            data={"token": digest(secret)},
        )

        def store(tx: Tx) -> None:
            tx.insert_wallet_session(session)
            tx.append_audit(
                actor=actor,
                action="holder-link",
                credential_id=record.id,
                details={"link": link_id, "expires": format_datetime(expires)},
                at=now,
            )

        self.issuer.store.run(store)
        return HolderLink(f"{self.settings.issuer_url}{HOLDER_PATH}/{link_id}.{secret}", expires)

    def revoke(self, credential_id: str, *, actor: str) -> int:
        """Revoke every live holder link of the credential; returns how many."""
        record = self.issuer.get(credential_id)
        now = self.issuer.now()

        def revoke(tx: Tx) -> int:
            live = [
                s
                for s in tx.wallet_sessions(record.id)
                if s.kind == KIND and s.state == "active" and now < s.expires_at
            ]
            for session in live:
                tx.update_wallet_session(
                    session.id, version=session.version, state="revoked", data=session.data
                )
            if live:
                tx.append_audit(
                    actor=actor,
                    action="holder-link-revoke",
                    credential_id=record.id,
                    details={"links": [s.id for s in live]},
                    at=now,
                )
            return len(live)

        count: int = self.issuer.store.run(revoke)
        return count

    def resolve(self, token: str) -> CredentialRecord:
        """The credential a live link names, or ``WalletError`` (404: unknown, revoked or
        expired look the same to whoever holds a bad link)."""
        link_id, secret = split_secret(token, error="unknown-link", what="the link", status=404)
        session = self.issuer.store.read(lambda tx: tx.get_wallet_session(link_id))
        if (
            session is None
            or session.kind != KIND
            or not matches(session.data.get("token"), secret)
            or session.state != "active"
            or self.issuer.now() >= session.expires_at
        ):
            raise WalletError(
                "unknown-link", "no such holder link (or revoked, or expired)", status=404
            )
        record = self.issuer.get(session.credential_id)
        if record.state not in ("active", "suspended"):
            raise PolicyError(f"the credential is {record.state}")
        return record
