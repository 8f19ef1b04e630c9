"""The one certificate template: what a certificate says, in which order, in which
language and brand. ``render_pdf`` and ``render_html`` draw the same ``Certificate``
blocks, each in its own medium; neither decides any text.

The face of the certificate is what a body would frame: its logo and accreditation mark,
the holder, the qualification (the body's own label for it, if it has one), the units,
scope and dates, the signatory, the QR code with the verifier URL and one line of
instructions. Cryptosuites, DIDs, ids and the QR version sit in a small "technical
details" block beside the QR code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import segno

from ..brand import Brand, Image
from ..i18n import Translator, translator
from ..model.scheme import Accreditation
from ..qr import make_qr
from .view import CertificateView

QR_MODULE_MM = 0.5  # the smallest module printed while the symbol fits (docs/qr.md)
QR_LARGEST_MODULE_MM = 0.8
QR_TARGET_MM = 48.0  # a small symbol grows towards this side: bigger modules scan farther
QR_MAX_MM = 75.0  # the box the symbol must fit: a version 40 symbol drops to 0.42 mm
QUIET_ZONE = 4  # modules


def qr_module_mm(modules: int) -> float:
    """Module size for a symbol of ``modules`` a side (quiet zone included): 0.5 mm at
    least, more for a small symbol (up to 0.8 mm, about 48 mm a side), never past 75 mm."""
    wanted = min(QR_LARGEST_MODULE_MM, max(QR_MODULE_MM, QR_TARGET_MM / modules))
    return min(wanted, QR_MAX_MM / modules)


@dataclass(frozen=True)
class Header:
    body_name: str
    logo: Image | None
    mark: Image | None


@dataclass(frozen=True)
class Line:
    text: str
    role: str  # kind | lead | holder | title | note


@dataclass(frozen=True)
class Units:
    heading: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Dates:
    columns: tuple[tuple[str, str], ...]  # (label, the date spelt out)


@dataclass(frozen=True)
class Signatures:
    signature: Image | None
    signatory_name: str
    signatory_title: str
    mark: Image | None
    accreditation: str  # "Accreditation no. ..."
    statement: str


@dataclass(frozen=True)
class Verification:
    rows: tuple[tuple[bool, ...], ...]  # the QR matrix, quiet zone included
    module_mm: float
    instruction: str  # one line: how to verify, with the URL
    url: str
    technical_heading: str
    technical: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WalletOffer:
    """The way into the holder's wallet as a second QR code, printed only on request (the
    copy sent to the holder, not the one a body frames)."""

    rows: tuple[tuple[bool, ...], ...]
    module_mm: float
    instruction: str
    expiry: str  # "Link valid until ..." / "Offer valid until ..., once."


@dataclass(frozen=True)
class OfferLink:
    """What the certificate needs of a wallet offer: the link and when it expires.
    ``holder-page``: the holder's capability link (long-lived, revocable; the page makes a
    fresh offer on every visit), the one that suits paper. ``oid4vci``: an
    ``openid-credential-offer://`` link itself (single use, minutes), for a certificate
    handed over at once."""

    link: str
    expires_at: datetime
    kind: Literal["holder-page", "oid4vci"] = "holder-page"


Block = Header | Line | Units | Facts | Dates | Signatures | WalletOffer | Verification


@dataclass(frozen=True)
class Certificate:
    language: str
    title: str  # the document's title (PDF metadata, HTML <title>)
    brand: Brand
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    @property
    def verification(self) -> Verification:
        return next(block for block in self.blocks if isinstance(block, Verification))


def certificate(
    view: CertificateView,
    *,
    brand: Brand | None = None,
    language: str = "en",
    accreditation: Accreditation | None = None,
    offer: OfferLink | None = None,
) -> Certificate:
    """The blocks of ``view``'s certificate in ``language`` and ``brand``.

    ``accreditation`` is the qualification's (its accrediting body, number, statement):
    printed beside the signatory in place of the brand's number and statement, since it
    is the scheme, not the body as a whole, that an accreditation covers. The holder's
    wallet ``offer``, when given, is printed as a second QR code."""
    brand = brand or Brand()
    _ = translator(language)
    body = brand.name or view.issuer_name or view.issuer_id
    kind = _("CERTIFICATE") if view.is_full else _("UNIT CREDENTIAL")
    title = brand.label(view.scheme_code, _.language) or view.title
    blocks: list[Block] = [
        Header(body, brand.logo, brand.accreditation_mark),
        Line(kind, "kind"),
        Line(
            _("This is to certify that the organisation")
            if view.holder_kind == "organisation"
            else _("This is to certify that"),
            "lead",
        ),
        Line(view.holder_name, "holder"),
        Line(
            _("meets all the requirements of the qualification")
            if view.is_full
            else _("meets all the requirements of these units of the qualification"),
            "lead",
        ),
        Line(title, "title"),
    ]
    if view.units:
        blocks.append(Units(_("Units"), tuple((unit.code, unit.title) for unit in view.units)))
    facts = [(_("Scope"), view.scope or "-")]
    if view.limitations:
        facts.append((_("Limitations"), "; ".join(view.limitations)))
    if view.rpl:
        facts.append((_("Recognition of prior learning"), view.rpl))
    if view.conditions:
        facts.append((_("Conditions"), view.conditions))
    blocks.append(Facts(tuple(facts)))
    dates = [(_("Certificate no."), view.number)] if view.number else []
    dates.append((_("Date of award"), _.date(view.awarded)))
    if view.expires:
        dates.append((_("Valid until"), _.date(view.expires)))
    blocks.append(Dates(tuple(dates)))
    if accreditation is not None:
        accredited = _(
            "{body}, accreditation no. {number}",
            body=accreditation.body,
            number=accreditation.number,
        )
        statement = accreditation.statement
    else:
        accredited = (
            _("Accreditation no. {number}", number=brand.accreditation_number)
            if brand.accreditation_number
            else ""
        )
        statement = brand.statement(_.language)
    if brand.signatory_name or brand.signature or accredited:
        blocks.append(
            Signatures(
                brand.signature,
                brand.signatory_name,
                brand.title(_.language),
                brand.accreditation_mark,
                accredited,
                statement,
            )
        )
    if offer is not None:
        blocks.append(_wallet_offer(offer, _))
    blocks.append(_verification(view, _))
    return Certificate(
        _.language, _("{kind} of {holder}", kind=kind, holder=view.holder_name), brand,
        tuple(blocks),
    )  # fmt: skip


def _wallet_offer(offer: OfferLink, _: Translator) -> WalletOffer:
    # Error level M like the offer QR of `vcissue offer`; the link is short (by reference).
    symbol = segno.make(offer.link, error="m", boost_error=False)
    rows = tuple(tuple(bool(m) for m in row) for row in symbol.matrix_iter(border=QUIET_ZONE))
    expires = offer.expires_at.astimezone(UTC)
    if offer.kind == "holder-page":
        instruction = _(
            "Add this certificate to your digital wallet: scan this code to open your "
            "certificate's page, then choose your wallet."
        )
        expiry = _("Link valid until {date}.", date=_.date(expires.date()))
    else:
        instruction = _(
            "Add this certificate to your digital wallet: scan this code with your wallet app "
            "and enter the transaction code you receive separately."
        )
        expiry = _(
            "Offer valid once, until {date} {time} UTC.",
            date=_.date(expires.date()),
            time=expires.strftime("%H:%M"),
        )
    # The smallest module printed: a wallet app scans at hand's length, and space is short.
    return WalletOffer(rows, QR_MODULE_MM, instruction, expiry)


def _verification(view: CertificateView, _: Translator) -> Verification:
    symbol = make_qr(view.qr_payload)
    rows = tuple(tuple(bool(m) for m in row) for row in symbol.matrix_iter(border=QUIET_ZONE))
    module = qr_module_mm(len(rows))
    url = view.verifier_url
    instruction = (
        _("Verify this certificate: scan the QR code with a phone camera, or open {url}", url=url)
        if url
        else ""
    )
    scheme = view.scheme_code + (
        f", {_('version {version}', version=view.scheme_version)}" if view.scheme_version else ""
    )
    technical = (
        (_("Certificate id"), view.credential_id),
        (_("Issuer"), view.issuer_id),
        (_("Scheme"), scheme),
        (_("Signature"), view.signature),
        (
            _("QR code"),
            _(
                "QR {version}, {chars} characters, {module} mm a module",
                version=symbol.designator,
                chars=len(view.qr_payload),
                module=f"{module:.2f}",
            ),
        ),
    )
    return Verification(rows, module, instruction, url, _("Technical details"), technical)
