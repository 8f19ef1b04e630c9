"""One error root with stable codes.

Every public failure of vcissue is a ``VcissueError``. Each class carries a
``code`` that never changes once released; the HTTP service uses it for
problem types and the CLI for messages. The tree (pinned by
``tests/unit/test_errors.py``)::

    VcissueError                  vcissue-error
    +-- MalformedInput            malformed-input
    |   +-- QualificationError    qualification-invalid
    |   +-- QrPayloadError        qr-payload
    +-- ContextError              context-unknown
    +-- CanonicalizationError     canonicalization-failed
    |   +-- WorkLimitError        work-limit
    +-- ProofError                proof-invalid
    |   +-- ProofExpiredError     proof-expired
|   +-- KeyWindowError        key-window
    +-- KeyMaterialError          key-material
    +-- DidError                  did-unresolvable
    +-- CredentialError           credential-invalid
    +-- StatusListError           status-list
    |   +-- StatusFetchError      status-fetch
    +-- StoreError                store
    |   +-- DuplicateError        store-duplicate
    |   +-- ConflictError         store-conflict
    |   +-- NotFoundError         store-not-found
    |   +-- SchemaVersionError    store-schema-version
    +-- UnknownCredentialError    credential-unknown
    +-- PolicyError               policy-violation
    |   +-- NotPermitted          not-permitted
    +-- SettingsError             settings
    +-- WalletError               wallet-protocol
    +-- VerificationFailed        verification-failed
    +-- NotifyError               notify
    |   +-- DeliveryError         notify-delivery
    |   +-- WebhookSignatureError webhook-signature
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for an annotation: errors.py imports nothing of vcissue
    from .verify.result import VerificationResult


class VcissueError(Exception):
    """Root of every error vcissue raises on purpose."""

    code = "vcissue-error"


class MalformedInput(VcissueError):
    """Input bytes or structure that cannot be what they claim to be."""

    code = "malformed-input"


class QualificationError(MalformedInput):
    """A qualification file that does not match the shipped schema.

    ``source`` names the file, ``field`` the JSON path of the offending field.
    """

    code = "qualification-invalid"

    def __init__(self, message: str, *, source: str = "", field: str = "") -> None:
        self.source = source
        self.field = field
        where = ", ".join(part for part in (source, f"field {field}" if field else "") if part)
        super().__init__(f"{where}: {message}" if where else message)


class QrPayloadError(MalformedInput):
    """A QR payload that is not a vcissue certificate payload, or a credential too big for one."""

    code = "qr-payload"


class ContextError(VcissueError):
    """A JSON-LD context that is not bundled, or a term no context defines."""

    code = "context-unknown"


class CanonicalizationError(VcissueError):
    """RDF canonicalisation could not complete (bad JSON-LD, work limit hit)."""

    code = "canonicalization-failed"


class WorkLimitError(CanonicalizationError):
    """An input past one of the bounds that keep verification cheap; ``limit`` names it."""

    code = "work-limit"

    def __init__(self, limit: str, message: str) -> None:
        self.limit = limit
        super().__init__(f"{message} [limit {limit}]")


class ProofError(VcissueError):
    """A Data Integrity proof that cannot be created or is not acceptable."""

    code = "proof-invalid"


class ProofExpiredError(ProofError):
    """A proof whose ``expires`` has passed: genuine once, not acceptable now."""

    code = "proof-expired"


class KeyWindowError(ProofError):
    """A proof by a key the issuer no longer vouches for: made after the key's retirement
    (its ``expires``), or by a key revoked as compromised. The signature may be genuine;
    the issuer does not stand behind it."""

    code = "key-window"


class KeyMaterialError(VcissueError):
    """Keys that cannot be read, decoded, decrypted or used."""

    code = "key-material"


class DidError(VcissueError):
    """A DID or verification method that cannot be resolved."""

    code = "did-unresolvable"


class CredentialError(VcissueError):
    """An award or credential that cannot be built as asked."""

    code = "credential-invalid"


class StatusListError(VcissueError):
    """A status list that cannot be read, fetched or updated."""

    code = "status-list"


class StatusFetchError(StatusListError):
    """A status list that could not be fetched from its URL (policy, network, size, type).

    ``url`` is the URL asked for, ``reason`` what went wrong; the message names both.
    """

    code = "status-fetch"

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"status list {url}: {reason}")


class StoreError(VcissueError):
    """Persistent storage failed or holds inconsistent data."""

    code = "store"


class DuplicateError(StoreError):
    """A unique key is taken (credential id, batch key, list id, approver, key id)."""

    code = "store-duplicate"


class ConflictError(StoreError):
    """A concurrent writer changed what this transaction relied on; re-run it.

    Raised for optimistic version mismatches, SQLite ``SQLITE_BUSY``, PostgreSQL
    serialization failures, deadlocks and lock timeouts. ``Store.run`` retries these.
    """

    code = "store-conflict"


class NotFoundError(StoreError):
    """The row to update does not exist."""

    code = "store-not-found"


class SchemaVersionError(StoreError):
    """The database schema is newer than this code, or not one it recognises."""

    code = "store-schema-version"


class UnknownCredentialError(VcissueError):
    """No credential with that id was issued by this body."""

    code = "credential-unknown"


class PolicyError(VcissueError):
    """An operation the rules forbid (e.g. reinstating a revoked credential)."""

    code = "policy-violation"


class NotPermitted(PolicyError):
    """The acting principal may not do this: it lacks the role the policy names, or it
    took part in what it would decide (an assessment, the decision appealed against)."""

    code = "not-permitted"


class SettingsError(VcissueError):
    """No settings file where the rule looks, or one that cannot be used."""

    code = "settings"


class WalletError(VcissueError):
    """A wallet protocol request refused (OpenID4VCI, a VC-API exchange, a holder link).

    ``error`` is the protocol's own error code (``invalid_grant``, ``invalid_proof``,
    ``invalid_nonce``, ...), ``status`` the HTTP status the protocol gives it; the service
    answers in the protocol's shape (``{"error", "error_description"}`` for OAuth and
    OpenID4VCI), not as a problem document.
    """

    code = "wallet-protocol"

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        self.error = error
        self.status = status
        super().__init__(f"{error}: {description}")
        self.description = description


class VerificationFailed(VcissueError):
    """``VerificationResult.raise_for_failure()`` on a credential that did not verify.

    ``result`` is the full report.
    """

    code = "verification-failed"

    def __init__(self, result: VerificationResult) -> None:
        self.result = result
        failed = "; ".join(f"{c.id}: {c.message}" for c in result.failures)
        super().__init__(f"credential not verified: {failed}")


class NotifyError(VcissueError):
    """A notice that cannot be made, addressed or delivered (``vcissue.notify``)."""

    code = "notify"


class DeliveryError(NotifyError):
    """One delivery attempt failed. ``permanent``: retrying cannot help (a receiver's 4xx,
    an address the mail server refuses), so the delivery goes to the dead letters."""

    code = "notify-delivery"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(message)


class WebhookSignatureError(NotifyError):
    """A webhook whose signature, timestamp or headers do not verify (receiver side)."""

    code = "webhook-signature"
