"""VC-API exchanges (W3C CCG VC-API, "exchanges"), the Learner Credential Wallet's way in.

Sequence (docs/wallets.md)::

    operator: exchange(credential id) -> exchange URL (unguessable, single use, offer_ttl)
                                         and the LCW deep link holding it
    wallet:   POST {exchange URL} {}  -> {"verifiablePresentationRequest": DIDAuthentication
                                          query, challenge, domain}
              POST {exchange URL} {"verifiablePresentation": DID authentication signed by
                                   the wallet's did:key (DataIntegrityProof or
                                   Ed25519Signature2020), with that challenge and domain}
                   -> {"verifiablePresentation": {... "verifiableCredential": [the
                       credential bound to that DID]}}

The exchange URL is a capability: whoever holds it may claim the credential, once, before
it expires; the challenge is the exchange's own and is accepted once (the exchange is then
complete). Failures are ``WalletError`` with the exchange's reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import PolicyError, WalletError
from ..issuer import Issuer
from ..jsonld import VC_V2
from ..ports import RandomSource
from ..proofs import format_datetime
from ..store.records import Tx, WalletSessionRecord
from ..verify import Outcome, TrustList
from ..verify.presentation import presentation_signer, verify_presentation
from .sessions import WalletSettings, new_secret

__all__ = ["EXCHANGE_PATH", "LCW_REQUEST", "Exchange", "Exchanges"]

KIND = "vcapi"
EXCHANGE_PATH = "/exchanges"
LCW_REQUEST = "https://lcw.app/request.html"
ACCEPTED_CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020")


@dataclass(frozen=True)
class Exchange:
    exchange_url: str
    expires_at: datetime
    origin: str

    @property
    def deep_link(self) -> str:
        """The Learner Credential Wallet's request link (its ``request`` parameter names the
        exchange under the ``vcapi`` protocol)."""
        request = {
            "credentialRequestOrigin": self.origin,
            "protocols": {"vcapi": self.exchange_url},
        }
        return f"{LCW_REQUEST}?request={quote(json.dumps(request, separators=(',', ':')), safe='')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "exchange_url": self.exchange_url,
            "deep_link": self.deep_link,
            "expires_at": format_datetime(self.expires_at),
        }


class Exchanges:
    """The VC-API exchanges of one deployment, over its ``Issuer``."""

    def __init__(self, issuer: Issuer, settings: WalletSettings, *, rng: RandomSource) -> None:
        self.issuer = issuer
        self.settings = settings
        self.rng = rng

    @property
    def domain(self) -> str:
        parts = urlsplit(self.settings.issuer_url)
        return f"{parts.scheme}://{parts.netloc}"

    def create(self, credential_id: str, *, actor: str) -> Exchange:
        record = self.issuer.get(credential_id)
        if record.state not in ("active", "suspended"):
            raise PolicyError(f"a {record.state} credential is not offered to a wallet")
        exchange_id = new_secret(self.rng)
        now = self.issuer.now()
        expires = now + self.settings.offer_ttl
        session = WalletSessionRecord(
            id=exchange_id,
            kind=KIND,
            credential_id=record.id,
            state="pending",
            created_at=now,
            expires_at=expires,
            data={"challenge": new_secret(self.rng, 24)},
        )

        def store(tx: Tx) -> None:
            tx.insert_wallet_session(session)
            tx.append_audit(
                actor=actor,
                action="wallet-offer",
                credential_id=record.id,
                details={"protocol": KIND, "expires": format_datetime(expires)},
                at=now,
            )

        self.issuer.store.run(store)
        url = f"{self.settings.issuer_url}{EXCHANGE_PATH}/{exchange_id}"
        return Exchange(url, expires, self.domain)

    def _pending(self, exchange_id: str, now: datetime) -> WalletSessionRecord:
        session = self.issuer.store.read(lambda tx: tx.get_wallet_session(exchange_id))
        if session is None or session.kind != KIND:
            raise WalletError("unknown-exchange", "no such exchange", status=404)
        if session.state != "pending":
            raise WalletError("exchange-complete", "this exchange is complete", status=409)
        if now >= session.expires_at:
            raise WalletError("exchange-expired", "this exchange has expired", status=409)
        return session

    def step(self, exchange_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """One step of the exchange: ``{}`` -> the DID authentication request; a
        presentation -> the credential bound to its signer."""
        now = self.issuer.now()
        session = self._pending(exchange_id, now)
        challenge = str(session.data["challenge"])
        if not body:
            return {
                "verifiablePresentationRequest": {
                    "query": [
                        {
                            "type": "DIDAuthentication",
                            "acceptedMethods": [{"method": "key"}],
                            "acceptedCryptosuites": [
                                {"cryptosuite": name} for name in ACCEPTED_CRYPTOSUITES
                            ],
                        }
                    ],
                    "challenge": challenge,
                    "domain": self.domain,
                }
            }
        if set(body) != {"verifiablePresentation"}:
            raise WalletError(
                "invalid-exchange-request", 'send {} or {"verifiablePresentation": ...}'
            )
        result = verify_presentation(
            body["verifiablePresentation"],
            trust=TrustList(),
            challenge=challenge,
            domain=self.domain,
            now=now,
        )
        own = [c for c in result.checks if not c.id.startswith("credentials[")]
        failed = [c for c in own if c.outcome is not Outcome.PASSED]
        signer = presentation_signer(result)
        if failed or signer is None:
            reasons = "; ".join(f"{c.id}: {c.message}" for c in failed) or "no signer"
            raise WalletError("invalid-presentation", f"DID authentication failed: {reasons}")

        def also(tx: Tx, moment: datetime) -> Mapping[str, Any]:
            current = tx.get_wallet_session(exchange_id, for_update=True)
            if current is None or current.state != "pending" or moment >= current.expires_at:
                raise WalletError("exchange-complete", "this exchange is complete", status=409)
            tx.update_wallet_session(
                current.id, version=current.version, state="complete", data=current.data
            )
            return {"protocol": KIND}

        record = self.issuer.deliver(
            session.credential_id, signer, actor=f"wallet:{signer[:80]}", via=KIND, also=also
        )
        return {
            "verifiablePresentation": {
                "@context": [VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [json.loads(record.signed_json)],
            }
        }
