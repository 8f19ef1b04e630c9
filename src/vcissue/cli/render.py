"""``vcissue render``: a printable certificate (PDF or HTML) from a credential file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..brand import Brand
from ..errors import MalformedInput, UnknownCredentialError
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..model.scheme import Accreditation
from ..qrpack import SchemePack
from ..settings import load_settings
from ..verify.structure import issuer_id
from ..webapp.bundle import deployment_packs, load_packs, pack_for
from ..wiring import brand_for
from .common import api_key_option, issuer
from .qr import load_credential
from .wallet import holder_link, openid4vci_offer

if TYPE_CHECKING:
    from ..render import OfferLink

# fpdf (through vcissue.render) is imported by the commands that print, not to build the
# parser every command builds: it was a quarter of `vcissue report`'s start.
FONT_DIR_ENV = "VCISSUE_FONT_DIR"  # vcissue.render.FONT_DIR_ENV (a test holds them equal)


def printing_options(
    args: argparse.Namespace, vc: dict[str, Any]
) -> tuple[str | None, SchemePack | None, Brand | None]:
    """Verifier URL, scheme pack and brand: the options, else the deployment's settings."""
    url, pack, brand = args.verifier_url, None, None
    if args.pack:
        pack = next(iter(load_packs([Path(args.pack)])))
    if args.config:
        settings = load_settings(args.config)
        url = url or settings.printed_verifier_url()
        brand = brand_for(settings, issuer_id(vc))  # the issuing body's, not another's
        if pack is None:
            pack = pack_for(vc, deployment_packs(settings)[1])
    if url is None:
        print(
            "note: no verifier URL (--verifier-url or [verifier] url): the QR code holds the "
            "certificate as text, which a phone camera does not open",
            file=sys.stderr,
        )
    return url, pack, brand


def from_the_store(
    args: argparse.Namespace, vc: dict[str, Any]
) -> tuple[str, Accreditation | None]:
    """With --config, from this deployment's record of ``vc``: the holder's language
    (unless --lang) and the accreditation of the qualification; else English, none."""
    language = str(args.lang) if args.lang else DEFAULT_LANGUAGE
    if not args.config or not isinstance(vc.get("id"), str):
        return language, None
    desk = issuer(args, signs=False)
    try:
        record = desk.get(vc["id"])
    except UnknownCredentialError:
        return language, None  # not issued by this deployment
    qualification = desk.qualifications.get(record.qualification_id)
    if not args.lang:
        language = str(record.terms.get("language") or DEFAULT_LANGUAGE)
    return language, qualification.accreditation if qualification else None


def wallet_offer(args: argparse.Namespace, vc: dict[str, Any]) -> OfferLink | None:
    """With ``--offer-qr``: a new holder page link (or OpenID4VCI offer) for the stored
    credential, made by the acting principal, as the deployment's ``vcissue offer`` would."""
    if args.offer_qr is None:
        return None
    from ..render import OfferLink

    if not args.config:
        raise MalformedInput("--offer-qr needs --config: the offer is made by the deployment")
    credential_id = vc.get("id")
    if not isinstance(credential_id, str):
        raise MalformedInput("--offer-qr: the credential has no id to offer")
    if args.offer_qr == "oid4vci":
        offer = openid4vci_offer(args, credential_id)
        print(f"transaction code (send to the holder by another channel): {offer.tx_code}")
        return OfferLink(offer.deep_link, offer.expires_at, "oid4vci")
    link = holder_link(args, credential_id)
    print(f"holder page (also on the certificate): {link.url}")
    return OfferLink(link.url, link.expires_at, "holder-page")


def cmd_render(args: argparse.Namespace) -> int:
    from ..render import write_certificate

    vc = load_credential(args.credential)
    url, pack, brand = printing_options(args, vc)
    language, accreditation = from_the_store(args, vc)
    offer = wallet_offer(args, vc)
    view = write_certificate(
        vc,
        args.output,
        font_dir=args.font_dir,
        brand=brand,
        language=language,
        verifier_url=url,
        pack=pack,
        accreditation=accreditation,
        offer=offer,
    )
    print(f"wrote {args.output}: {view.kind.lower()} {view.credential_id} for {view.holder_name}")
    return 0


def add_printing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verifier-url",
        metavar="URL",
        help="the body's verifier page, printed in the QR code, e.g. https://certs.example/V "
        "(default with --config: [verifier] url, else the service URL + /V)",
    )
    parser.add_argument(
        "--pack", metavar="PACK.json", help="the scheme pack to compress against (vcissue qr-pack)"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="a deployment's vcissue.toml: its verifier URL, brand and current scheme pack",
    )


def register(commands: Any) -> None:
    render = commands.add_parser(
        "render", help="write a printable certificate with its QR code (A4 PDF or HTML)"
    )
    render.add_argument("credential", help="signed credential JSON file")
    render.add_argument("-o", "--output", required=True, help="cert.pdf or cert.html")
    render.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the certificate's language (default: the holder's, from the store with "
        "--config; else en)",
    )
    add_printing_options(render)
    render.add_argument(
        "--font-dir",
        help=f"directory with the DejaVu TTF fonts for PDF (default: ${FONT_DIR_ENV}, "
        "else the system's, e.g. Debian's fonts-dejavu-core)",
    )
    render.add_argument(
        "--offer-qr",
        nargs="?",
        const="holder-page",
        choices=("holder-page", "oid4vci"),
        help="also print a QR code that takes the certificate into the holder's wallet "
        "(needs --config and an issuer or operator API key): holder-page (default) links the "
        "holder's page, which makes a fresh offer on every visit and lasts "
        "[wallet] holder_link_ttl; oid4vci prints a single-use OpenID4VCI offer that expires "
        "in minutes, and its transaction code on the terminal",
    )
    api_key_option(render)
    render.set_defaults(handler=cmd_render)
