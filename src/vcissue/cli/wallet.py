"""``vcissue offer`` (a credential offered to the holder's wallet) and
``vcissue verify-presentation`` (a presentation file -> the report and one verdict)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import MalformedInput, NotPermitted
from ..governance.principals import Principal
from ..issuer import Issuer
from ..settings import Settings
from ..system import system_random
from ..verify.presentation import verify_presentation
from ..wallet import Openid4vci
from ..wallet.holder_page import HolderLink, HolderLinks
from ..wallet.oid4vci import Offer
from ..wallet.vcapi import Exchanges
from .common import acting, api_key_option, config_option, issuer, parse_moment, settings
from .status_options import add_status_options, max_status_age, status_source
from .verify import MARKS, exit_code, load_trust, verdict_line

__all__ = ["holder_link", "openid4vci_offer", "register"]


def cmd_verify_presentation(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    result = verify_presentation(
        data,
        trust=load_trust(args.trust or [], args.trust_keys or []),
        challenge=args.challenge,
        domain=args.domain,
        now=parse_moment(args.now),
        status_lists=status_source(args),
        max_status_age=max_status_age(args),
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for check in result.checks:
            print(f"  [{MARKS[check.outcome.value]}] {check.id}: {check.message}")
        print(verdict_line(result))
    return exit_code(result)


OFFER_KEYS = ("credential_offer_uri", "offer_deep_link", "tx_code", "expires_at")


def _offering(args: argparse.Namespace) -> tuple[Settings, Issuer, Principal]:
    """The deployment, read-only, and the principal acting, who must be allowed to offer."""
    found = settings(args)
    desk = issuer(args, signs=False)
    who = acting(args, desk)
    if not (who.has("issuer") or who.has("operator")):
        raise NotPermitted(f"{who.id!r} may not offer credentials; it needs issuer or operator")
    return found, desk, who


def openid4vci_offer(args: argparse.Namespace, credential_id: str) -> Offer:
    """A new OpenID4VCI offer of a stored credential (``vcissue offer``, and
    ``vcissue render --offer-qr oid4vci``)."""
    found, desk, who = _offering(args)
    wallet = Openid4vci(desk, found.wallet_settings(), rng=system_random, brand=found.brand())
    return wallet.offer(credential_id, actor=who.id)


def holder_link(args: argparse.Namespace, credential_id: str) -> HolderLink:
    """A new capability link to the credential's holder page (``[wallet] holder_link_ttl``)."""
    found, desk, who = _offering(args)
    links = HolderLinks(desk, found.wallet_settings(), rng=system_random)
    return links.create(credential_id, actor=who.id)


def cmd_offer(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".png", ".svg"):
        raise MalformedInput(f"output must end in .svg or .png, not {output.name!r}")
    if args.protocol == "vcapi":
        found, desk, who = _offering(args)
        exchange = Exchanges(desk, found.wallet_settings(), rng=system_random)
        made = exchange.create(args.credential_id, actor=who.id).to_json()
        if output is not None:
            _write_qr(made["deep_link"], output)
        if args.json:
            print(json.dumps({key: made[key] for key in ("exchange_url", "deep_link")}, indent=2))
        else:
            print(f"Learner Credential Wallet link (also as a QR code): {made['deep_link']}")
            print(f"exchange {made['exchange_url']}, single use, expires {made['expires_at']}")
        return 0
    answer = openid4vci_offer(args, args.credential_id).to_json()
    link = answer["offer_deep_link"]
    if output is not None:
        _write_qr(link, output)
    if args.json:
        print(json.dumps({key: answer[key] for key in OFFER_KEYS}, indent=2))
    else:
        print(f"offer link (send to the holder; also as a QR code): {link}")
        print(f"transaction code (send by another channel): {answer['tx_code']}")
        print(f"expires at {answer['expires_at']}; single use")
    return 0


def _write_qr(link: str, output: Path) -> None:
    import segno

    symbol = segno.make(link, error="m")
    if output.suffix.lower() == ".svg":
        symbol.save(str(output), kind="svg", scale=4, border=4)
    else:
        symbol.save(str(output), kind="png", scale=8, border=4)


def register(commands: Any) -> None:
    offer = commands.add_parser(
        "offer",
        help="offer a credential to the holder's wallet (OpenID4VCI pre-authorized code)",
        description="Create a single-use, short-lived OpenID4VCI credential offer for a stored "
        "credential: prints the offer link (openid-credential-offer://) and the transaction "
        "code to send the holder by another channel; the wallet then receives the credential "
        "bound to its DID (docs/wallets.md).",
    )
    offer.add_argument("credential_id", help="the credential's id (urn:uuid:...)")
    offer.add_argument(
        "--protocol",
        choices=("oid4vci", "vcapi"),
        default="oid4vci",
        help="oid4vci (default: OpenID4VCI offer and tx_code) or vcapi (a VC-API exchange "
        "and the Learner Credential Wallet link)",
    )
    offer.add_argument("--json", action="store_true", help="print the offer as JSON")
    offer.add_argument("-o", "--output", help="also write the offer's QR code (.png or .svg)")
    config_option(offer)
    api_key_option(offer)
    offer.set_defaults(handler=cmd_offer)

    verify = commands.add_parser(
        "verify-presentation",
        help="verify a presentation: exit 0 VALID, 1 not valid, 4 status unknown",
        description="Verify a Verifiable Presentation against the challenge and domain you "
        "asked the holder for: its proof, freshness, that the signer is the subject of every "
        "credential, then each credential's full checks; one verdict, exit codes as verify.",
    )
    verify.add_argument("file", help="presentation JSON file, or - for stdin")
    verify.add_argument("--challenge", required=True, help="the challenge you gave the holder")
    verify.add_argument("--domain", required=True, help="your domain, as you gave it")
    verify.add_argument("--trust", action="append", help="trust list JSON file (repeatable)")
    verify.add_argument("--trust-keys", action="append", help="trust the body of a key directory")
    verify.add_argument("--now", help="verify as of this time (default: now)")
    verify.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_status_options(verify)
    verify.set_defaults(handler=cmd_verify_presentation)
