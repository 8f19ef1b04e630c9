"""The issuer service: a thin FastAPI front for ``vcissue.issuer`` and ``vcissue.verify``.

Routes translate HTTP to library calls and library errors to RFC 9457 problems; every
rule lives in the library. ``create_app(settings)`` builds the app;
``vcissue serve`` runs it with uvicorn (``app_from_env`` is the factory workers import).

Routes (VC-API shapes where one exists)::

    POST /credentials/issue      issuer     award request -> 201 {"verifiableCredential"}
    POST /credentials/verify     public     {"verifiableCredential"} -> verification report
    POST /credentials/status     operator   suspend / reinstate; revoke (operator or
                                 approver)  -> 200, or 202 while approvals are pending
    GET  /credentials/{id}       staff      the stored record and signed credential
    GET  /status-lists/{name}    public     the signed status list credential (ETag, 304)
    GET  /.well-known/did.json   public     the body's did:web document, current + past keys
    GET  /bodies/{id}/did.json   public     the did:web document of awarding body [bodies.id]
    GET  /qualifications[/{id}]  public     scheme information (ISO/IEC 17024 7.2)
    GET  /register               public     the register page (HTML, or JSON by Accept):
                                            ?number= current and valid, for which scope?
                                            ?number=&name= yes or no only (rate-limited)
    GET  /register/{id|number}   public     the same answer as JSON
    GET  /audit                  auditor    the audit log and its chain check
    GET  /health                 public

Status list URLs must be ``{base_url}/status-lists/{name}``: set ``status.base_url`` to
the service's public URL + ``/status-lists``.

Unsigned credentials: VC-API's ``{"credential": ...}`` body is recognised and refused
(422, problem type ``unsigned-credential-refused``). Everything a certificate asserts --
the scheme and its version, the units, the validity period, the status entries, the
issuer -- comes from the body's own qualification catalogue and store, so the library can
check it; signing claims a caller composed would put the body's signature on statements
no rule has checked. Callers send the award request instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # fastapi is an extra: imported by ``app`` only, when the app is built
    from .app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
