"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.

Sequence (docs/wallets.md)::

    operator: offer(credential id)  -> credential offer (by value or credential_offer_uri),
                                       tx_code (sent to the holder out of band)
    wallet:   GET  /.well-known/openid-credential-issuer, /.well-known/oauth-authorization-server
              POST token   (pre-authorized_code, tx_code)   -> access_token (bound to the offer)
              POST nonce                                     -> c_nonce (single use)
              POST credential (Bearer, credential_configuration_id,
                               proofs.jwt = [openid4vci-proof+jwt signed by the holder's key])
                   -> {"credentials": [{"credential": the credential bound to the holder's DID}]}

Rules: a pre-authorized code is used once and lives ``offer_ttl``; a wrong ``tx_code``
counts, and after ``tx_code_attempts`` the offer is dead; an access token lives
``token_ttl`` and delivers once; a nonce is used once within ``nonce_ttl``; the key proof
names its key by ``kid`` (a did:key or did:jwk URL) or ``jwk`` (which becomes a did:jwk),
is signed with EdDSA or ES256, and carries ``aud`` = this issuer, a fresh ``iat`` and the
nonce. Errors are the spec's (``WalletError.error``): the token endpoint RFC 6749's
(``invalid_grant``, ``invalid_request``, ``unsupported_grant_type``), the credential
endpoint section 8.3.1.2's (``invalid_proof``, ``invalid_nonce``,
``unknown_credential_configuration``, ``invalid_credential_request``) and RFC 6750's
``invalid_token`` (401). Every offer, refusal of a code and delivery is in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from ..brand import Brand
from ..credential import CONTEXT, CREDENTIAL_TYPE
from ..dids import did_jwk, jwk_of_did
from ..errors import (
    DidError,
    KeyMaterialError,
    MalformedInput,
    PolicyError,
    ProofError,
    WalletError,
)
from ..issuer import Issuer
from ..jose import b64url_encode, public_jwk, split_jws, verify_jws
from ..keys import PublicKey
from ..ports import RandomSource
from ..proofs import format_datetime
from ..store.records import Tx, WalletSessionRecord
from .sessions import WalletSettings, digest, matches, new_secret, split_secret

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "Offer",
    "Openid4vci",
    "configuration_id",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
KIND = "oid4vci"
TX_CODE_LENGTH = 6
IAT_SKEW = timedelta(minutes=2)
# Where each endpoint lives under the credential issuer identifier.
TOKEN_PATH, NONCE_PATH, CREDENTIAL_PATH = "/oid4vci/token", "/oid4vci/nonce", "/oid4vci/credential"
OFFER_PATH = "/oid4vci/offers"


def configuration_id(qualification_id: str, units: tuple[str, ...]) -> str:
    """The credential configuration a stored credential is offered under."""
    return f"{qualification_id}-{'unit-credential' if units else 'certificate'}"


@dataclass(frozen=True)
class Offer:
    """What the operator hands the holder: the offer (by value and by reference), the
    transaction code to send by another channel, and when the offer dies."""

    credential_offer: dict[str, Any]
    credential_offer_uri: str
    tx_code: str
    expires_at: datetime

    @property
    def deep_link(self) -> str:
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(self.credential_offer_uri, safe='')}"

    @property
    def by_value_link(self) -> str:
        text = json.dumps(self.credential_offer, separators=(",", ":"))
        return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "credential_offer_uri": self.credential_offer_uri,
            "offer_deep_link": self.deep_link,
            "offer_by_value_link": self.by_value_link,
            "credential_offer": self.credential_offer,
            "tx_code": self.tx_code,
            "expires_at": format_datetime(self.expires_at),
        }


class Openid4vci:
    """The OpenID4VCI issuer of one deployment, over its ``Issuer`` (store, key, clock)."""

    def __init__(
        self,
        issuer: Issuer,
        settings: WalletSettings,
        *,
        rng: RandomSource,
        brand: Brand | None = None,
    ) -> None:
        self.issuer = issuer
        self.settings = settings
        self.rng = rng
        self.brand = brand or Brand()

    @property
    def url(self) -> str:
        return self.settings.issuer_url

    # --- metadata ---------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """Credential Issuer Metadata (1.0, section 12.2): one ``ldp_vc`` configuration per
        qualification kind, display under ``credential_metadata`` (the 1.0 place)."""
        name = self.brand.name or self.issuer.profile.name
        configurations: dict[str, Any] = {}
        for qualification in self.issuer.qualifications.values():
            for units, label in (((), "certificate"), (("*",), "unit credential")):
                display: dict[str, Any] = {
                    "name": f"{qualification.title} ({label})",
                    "locale": "en",
                    "description": qualification.description[:500],
                    **self._logo(),
                }
                if self.brand.colour:
                    display["background_color"] = self.brand.colour
                configurations[configuration_id(qualification.id, units)] = {
                    "format": "ldp_vc",
                    "scope": configuration_id(qualification.id, units),
                    "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                    "credential_signing_alg_values_supported": [self.issuer.settings.suite],
                    "proof_types_supported": {
                        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
                    },
                    "credential_definition": {
                        "@context": list(CONTEXT),
                        "type": list(CREDENTIAL_TYPE),
                    },
                    "credential_metadata": {"display": [display]},
                }
        return {
            "credential_issuer": self.url,
            "credential_endpoint": self.url + CREDENTIAL_PATH,
            "nonce_endpoint": self.url + NONCE_PATH,
            "display": [{"name": name, "locale": "en", **self._logo()}],
            "credential_configurations_supported": configurations,
        }

    def _logo(self) -> dict[str, Any]:
        if self.brand.logo is None:
            return {}
        name = self.brand.name or self.issuer.profile.name
        return {"logo": {"uri": self.brand.logo.data_uri(), "alt_text": f"{name} logo"}}

    def authorization_server_metadata(self) -> dict[str, Any]:
        """RFC 8414 metadata: this issuer is its own authorization server, for the
        pre-authorized code grant only (no authorization endpoint, anonymous access)."""
        return {
            "issuer": self.url,
            "token_endpoint": self.url + TOKEN_PATH,
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # --- the operator's side ----------------------------------------------------------

    def offer(self, credential_id: str, *, actor: str) -> Offer:
        """A new offer of the stored credential (one use, ``offer_ttl``, a 6-digit tx_code)."""
        record = self.issuer.get(credential_id)
        if record.state not in ("active", "suspended"):
            raise PolicyError(f"a {record.state} credential is not offered to a wallet")
        session_id = new_secret(self.rng, 16)
        secret = new_secret(self.rng)
        tx_code = "".join(str(self.rng.randrange(0, 10)) for _ in range(TX_CODE_LENGTH))
        now = self.issuer.now()
        expires = now + self.settings.offer_ttl
        configuration = configuration_id(record.qualification_id, record.units)
        session = WalletSessionRecord(
            id=session_id,
            kind=KIND,
            credential_id=record.id,
            state="offered",
            created_at=now,
            expires_at=expires,
            data={
                "code": digest(secret),
                "txCode": digest(secret, tx_code),
                "attempts": 0,
                "configuration": configuration,
            },
        )

        def store(tx: Tx) -> None:
            tx.insert_wallet_session(session)
            tx.append_audit(
                actor=actor,
                action="wallet-offer",
                credential_id=record.id,
                details={"protocol": KIND, "session": session_id, "expires": str(expires)},
                at=now,
            )

        self.issuer.store.run(store)
        offer = {
            "credential_issuer": self.url,
            "credential_configuration_ids": [configuration],
            "grants": {
                PRE_AUTHORIZED_GRANT: {
                    "pre-authorized_code": f"{session_id}.{secret}",
                    "tx_code": {
                        "input_mode": "numeric",
                        "length": TX_CODE_LENGTH,
                        "description": "the code the certification body sent you",
                    },
                }
            },
        }
        return Offer(offer, f"{self.url}{OFFER_PATH}/{session_id}.{secret}", tx_code, expires)

    def credential_offer(self, reference: str) -> dict[str, Any]:
        """The offer a ``credential_offer_uri`` names (while the code is unused)."""
        session_id, secret = split_secret(reference, error="invalid_request", what="the offer")
        session = self.issuer.store.read(lambda tx: tx.get_wallet_session(session_id))
        now = self.issuer.now()
        if (
            session is None
            or session.kind != KIND
            or not matches(session.data.get("code"), secret)
            or session.state != "offered"
            or now >= session.expires_at
        ):
            raise WalletError(
                "invalid_request", "no such offer, or it is used or expired", status=404
            )
        return {
            "credential_issuer": self.url,
            "credential_configuration_ids": [session.data["configuration"]],
            "grants": {
                PRE_AUTHORIZED_GRANT: {
                    "pre-authorized_code": reference,
                    "tx_code": {"input_mode": "numeric", "length": TX_CODE_LENGTH},
                }
            },
        }

    # --- token endpoint ---------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """RFC 6749 token request with the pre-authorized code grant (1.0, section 6)."""
        if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
            raise WalletError("unsupported_grant_type", f"only {PRE_AUTHORIZED_GRANT} is supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise WalletError("invalid_request", "pre-authorized_code is missing")
        session_id, secret = split_secret(
            code, error="invalid_grant", what="the pre-authorized code"
        )
        tx_code = form.get("tx_code", "")
        token_secret = new_secret(self.rng)

        def attempt(tx: Tx) -> tuple[str | None, str]:
            """(error description or None, the resulting state); a wrong tx_code is counted
            and committed, so the lockout holds across requests."""
            now = self.issuer.now()
            session = tx.get_wallet_session(session_id, for_update=True)
            if (
                session is None
                or session.kind != KIND
                or not matches(session.data.get("code"), secret)
            ):
                return "the pre-authorized code is not one this issuer gave out", "unknown"
            if session.state != "offered":
                return f"the pre-authorized code was already used ({session.state})", session.state
            if now >= session.expires_at:
                return "the pre-authorized code has expired", "expired"
            data = dict(session.data)
            if not matches(data.get("txCode"), secret, tx_code):
                data["attempts"] = int(data.get("attempts", 0)) + 1
                dead = data["attempts"] >= self.settings.tx_code_attempts
                state = "dead" if dead else "offered"
                tx.update_wallet_session(
                    session.id, version=session.version, state=state, data=data
                )
                tx.append_audit(
                    actor="wallet",
                    action="wallet-tx-code-refused",
                    credential_id=session.credential_id,
                    details={"session": session.id, "attempts": data["attempts"], "dead": dead},
                    at=now,
                )
                left = self.settings.tx_code_attempts - data["attempts"]
                return (
                    "wrong tx_code; the offer is now dead (too many attempts)"
                    if dead
                    else f"wrong tx_code ({left} attempt(s) left)"
                ), state
            data["token"] = digest(token_secret)
            data["tokenExpires"] = format_datetime(now + self.settings.token_ttl)
            tx.update_wallet_session(session.id, version=session.version, state="token", data=data)
            return None, "token"

        problem, _state = self.issuer.store.run(attempt)
        if problem is not None:
            raise WalletError("invalid_grant", problem)
        return {
            "access_token": f"{session_id}.{token_secret}",
            "token_type": "Bearer",
            "expires_in": int(self.settings.token_ttl.total_seconds()),
        }

    # --- nonce endpoint ---------------------------------------------------------------

    def nonce(self) -> dict[str, str]:
        """A fresh c_nonce (1.0, section 7), single use, valid ``nonce_ttl``."""
        value = new_secret(self.rng)
        expires = self.issuer.now() + self.settings.nonce_ttl
        self.issuer.store.run(lambda tx: tx.add_nonce(value, expires))
        return {"c_nonce": value}

    # --- credential endpoint ----------------------------------------------------------

    def credential(self, authorization: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        """A Credential Request (1.0, section 8.2) -> the credential bound to the key the
        proof names, re-signed and stored in place (``Issuer.deliver``), audited."""
        if not authorization or not authorization.startswith("Bearer "):
            raise WalletError("invalid_token", "a Bearer access token is required", status=401)
        session_id, token_secret = split_secret(
            authorization[len("Bearer ") :],
            error="invalid_token",
            what="the access token",
            status=401,
        )
        now = self.issuer.now()
        session = self.issuer.store.read(lambda tx: tx.get_wallet_session(session_id))
        self._check_token(session, token_secret, now)
        assert session is not None  # _check_token refused it otherwise
        wanted = body.get("credential_configuration_id")
        if wanted is None:
            if "format" in body:
                raise WalletError(
                    "unsupported_credential_format",
                    "name the credential_configuration_id (requests by format are pre-1.0)",
                )
            raise WalletError("invalid_credential_request", "credential_configuration_id missing")
        if wanted != session.data.get("configuration"):
            raise WalletError(
                "unknown_credential_configuration",
                f"this access token is for {session.data.get('configuration')!r}",
            )
        jwt = _one_jwt_proof(body)
        holder, nonce = self._check_proof(jwt, now)

        def also(tx: Tx, moment: datetime) -> Mapping[str, Any]:
            current = tx.get_wallet_session(session_id, for_update=True)
            self._check_token(current, token_secret, moment)
            assert current is not None
            if not tx.use_nonce(nonce, moment):
                raise WalletError("invalid_nonce", "the nonce is unknown, used or expired")
            tx.update_wallet_session(
                current.id, version=current.version, state="delivered", data=current.data
            )
            return {"protocol": KIND, "session": current.id}

        record = self.issuer.deliver(
            session.credential_id, holder, actor=f"wallet:{holder[:80]}", via=KIND, also=also
        )
        return {"credentials": [{"credential": json.loads(record.signed_json)}]}

    def _check_token(self, session: WalletSessionRecord | None, secret: str, now: datetime) -> None:
        if (
            session is None
            or session.kind != KIND
            or not matches(session.data.get("token"), secret)
        ):
            raise WalletError("invalid_token", "the access token is not valid", status=401)
        if session.state != "token":
            raise WalletError("invalid_token", "the access token was already used", status=401)
        if now >= datetime.fromisoformat(str(session.data["tokenExpires"]).replace("Z", "+00:00")):
            raise WalletError("invalid_token", "the access token has expired", status=401)

    def _check_proof(self, jwt: object, now: datetime) -> tuple[str, str]:
        """Verify a key proof JWT (1.0, appendix F.1) -> (the holder's DID, the nonce)."""
        try:
            header, _payload, _input, _signature = split_jws(jwt)
            if header.get("typ") != PROOF_TYP:
                raise WalletError("invalid_proof", f"the proof's typ must be {PROOF_TYP}")
            if ("kid" in header) == ("jwk" in header) or "x5c" in header:
                raise WalletError("invalid_proof", "the proof names its key by kid or jwk, once")
            if "jwk" in header:
                jwk = public_jwk(header["jwk"])
                holder = did_jwk(jwk)
            else:
                holder, jwk = _key_of_kid(header["kid"])
            _header, payload = verify_jws(jwt, jwk)
        except (MalformedInput, ProofError, DidError, KeyMaterialError) as error:
            raise WalletError("invalid_proof", str(error)) from None
        audience = payload.get("aud")
        if audience != self.url and not (isinstance(audience, list) and self.url in audience):
            raise WalletError("invalid_proof", f"the proof's aud must be {self.url}")
        iat = payload.get("iat")
        if not isinstance(iat, int | float) or isinstance(iat, bool):
            raise WalletError("invalid_proof", "the proof has no numeric iat")
        issued = now.timestamp() - float(iat)
        if issued < -IAT_SKEW.total_seconds():
            raise WalletError("invalid_proof", "the proof's iat is in the future")
        if issued > (self.settings.nonce_ttl + IAT_SKEW).total_seconds():
            raise WalletError("invalid_nonce", "the proof is stale: ask the nonce endpoint again")
        nonce = payload.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise WalletError("invalid_nonce", "the proof carries no nonce from the nonce endpoint")
        return holder, nonce


def _one_jwt_proof(body: Mapping[str, Any]) -> str:
    proofs = body.get("proofs")
    if "proof" in body and proofs is None:
        raise WalletError("invalid_credential_request", "use proofs (OpenID4VCI 1.0), not proof")
    if not isinstance(proofs, Mapping) or set(proofs) != {"jwt"}:
        raise WalletError("invalid_proof", "send one key proof as proofs.jwt")
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
        raise WalletError("invalid_proof", "proofs.jwt must hold exactly one JWT (batch size 1)")
    return jwts[0]


def _key_of_kid(kid: object) -> tuple[str, dict[str, str]]:
    """A ``kid`` that is a did:key (Ed25519) or did:jwk URL -> (the DID, its public JWK)."""
    if not isinstance(kid, str) or "#" not in kid:
        raise WalletError("invalid_proof", "the proof's kid must be a DID URL (did:key, did:jwk)")
    did, fragment = kid.split("#", 1)
    if did.startswith("did:jwk:"):
        if fragment != "0":
            raise WalletError("invalid_proof", "a did:jwk kid ends in #0")
        return did, jwk_of_did(did)
    if did.startswith("did:key:z6Mk") and fragment == did[len("did:key:") :]:
        raw = PublicKey.from_multibase(fragment).raw
        return did, {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    raise WalletError(
        "invalid_proof", f"unsupported kid {kid[:80]!r}: did:key (Ed25519) or did:jwk"
    )
