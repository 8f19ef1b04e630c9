"""The VC-API exchange link as the Learner Credential Wallet reads it.

LCW 2.1.x (openwallet-foundation-labs/learner-credential-wallet) takes a link when it starts
with one of its prefixes (``app.config.js`` ``LinkConfig``: ``dccrequest://``,
``org.dcconsortium://``, ``https://lcw.app/request``, ``https://lcw.app/mobile``), takes the
``request`` query parameter as its URL parser decodes it, runs ``decodeURI`` over it once
more, and parses JSON; an object with ``protocols`` is an exchange invitation, whose
``vcapi`` entry it POSTs to (``walletRequestApi.parseWalletApiUrl`` and
``parseWalletApiMessage``). These tests read our link by those rules, for any exchange URL
and origin the service may have.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from vcissue.wallet.vcapi import Exchange

LCW_PREFIXES = ("dccrequest://", "org.dcconsortium://", "https://lcw.app/request")


def _decode_uri(text: str) -> str:
    # JavaScript's decodeURI leaves the escapes of reserved characters (;/?:@&=+$,#) alone
    reserved = {f"%{ord(c):02X}" for c in ";/?:@&=+$,#"}
    out, i = [], 0
    while i < len(text):
        chunk = text[i : i + 3]
        if text[i] == "%" and chunk.upper() not in reserved:
            j = i
            while j < len(text) and text[j] == "%" and text[j : j + 3].upper() not in reserved:
                j += 3
            out.append(unquote(text[i:j], errors="strict"))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _as_lcw_reads(link: str) -> dict[str, object]:
    assert link.startswith(LCW_PREFIXES)
    [request] = parse_qs(urlsplit(link).query, strict_parsing=True)["request"]
    message = json.loads(_decode_uri(request))
    assert isinstance(message, dict) and "protocols" in message  # an exchange invitation
    return message


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){1,3}", fullmatch=True)
tokens = st.from_regex(r"[A-Za-z0-9_-]{10,43}\.[A-Za-z0-9_-]{43}", fullmatch=True)


@given(hosts, st.sampled_from(["", ":8443"]), tokens)
def test_lcw_reads_the_exchange_url_and_origin_from_our_link(
    host: str, port: str, token: str
) -> None:
    origin = f"https://{host}{port}"
    exchange = Exchange(f"{origin}/exchanges/{token}", datetime(2026, 12, 1, tzinfo=UTC), origin)
    message = _as_lcw_reads(exchange.deep_link)
    assert message == {
        "credentialRequestOrigin": origin,
        "protocols": {"vcapi": exchange.exchange_url},
    }
