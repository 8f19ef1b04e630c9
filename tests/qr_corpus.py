"""One corpus of QR texts, valid and hostile, for both decoders (``vcissue.qr`` and the
page's ``verifier_web/src/core/payload.js``): every case must end the same way in both.

Each case is ``(name, text, compare_value)``: ``compare_value`` is False where JavaScript
numbers cannot hold the value exactly (a 400-digit integer is accepted by both but read as
Infinity by the page), so only acceptance is compared. Built deterministically, except the
signed certificates (fresh keys); the fuzz part uses a fixed seed.
"""

from __future__ import annotations

import json
import random
import zlib
from typing import Any

from tests.factories import AWARDED, Body, ecomentor
from vcissue import proofs
from vcissue.credential import build, new_credential_id
from vcissue.model import Award, Holder
from vcissue.qr import (
    MAX_INFLATED_BYTES,
    base43_decode,
    base43_encode,
    base45_encode,
    encode_payload,
    encode_payload_v1,
    verifier_link,
)
from vcissue.qrpack import NO_PACK_ID, PackSet, SchemePack, build_pack, compact_json
from vcissue.status import status_entry

STATUS_BASE = "https://certification.example/status-lists"
VERIFIER = "https://certification.example/V"
Case = tuple[str, str, bool]


def certificate(body: Body) -> dict[str, Any]:
    entries = [
        status_entry(f"{STATUS_BASE}/revocation-1", 48213, "revocation"),
        status_entry(f"{STATUS_BASE}/suspension-1", 9120, "suspension"),
    ]
    award = Award(Holder("Zoë Ørsted-Łukasiewicz"), ecomentor(), awarded=AWARDED)
    unsigned = build(
        award, body.profile, credential_id=new_credential_id(bytes(range(16))), status=entries
    )
    return proofs.sign(unsigned, body.key, created=AWARDED)


def v1(data: bytes) -> str:
    return "VC1:" + base45_encode(data)


def v2(pack_id: bytes, raw: bytes) -> str:
    return "VC2:" + base43_encode(pack_id + raw)


def raw_deflate(data: bytes, dictionary: bytes | None = None) -> bytes:
    if dictionary is None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    else:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=dictionary)
    return compressor.compress(data) + compressor.flush()


def build_corpus() -> tuple[PackSet, list[Case]]:
    body = Body()
    pack = build_pack(ecomentor(), body.profile, status_base_url=STATUS_BASE)
    other = SchemePack("other 1", body.did, "https://x.example/s", b"another dictionary" * 9)
    vc = certificate(body)
    data = compact_json(vc)
    packed = encode_payload(vc, pack)
    cases: list[Case] = [
        ("valid: verifier link, scheme pack", verifier_link(VERIFIER, packed), True),
        (
            "valid: lower-case link",
            verifier_link(VERIFIER, packed).lower()[:32] + verifier_link(VERIFIER, packed)[32:],
            True,
        ),
        ("valid: VC2 text alone", packed, True),
        ("valid: VC2 without a pack", encode_payload(vc), True),
        ("valid: VC1 (printed before VC2)", encode_payload_v1(vc), True),
        ("valid: VC1 with scanner white space", "  \n" + encode_payload_v1(vc) + "\r\n", True),
        ("valid: VC2 with trailing line end", packed + "\n", True),
        ("valid: register link", "https://certification.example/register/urn:uuid:1", True),
        (
            "valid: surrogate pair",
            v2(NO_PACK_ID, raw_deflate(b'{"a":"\\ud83d\\ude00"}')),
            True,
        ),
        (
            "valid: 4300-digit integer",
            v2(NO_PACK_ID, raw_deflate(b'{"n":' + b"7" * 4300 + b"}")),
            False,
        ),
        (
            "valid: -4300-digit integer",
            v2(NO_PACK_ID, raw_deflate(b'{"n":-' + b"7" * 4300 + b"}")),
            False,
        ),
        (
            "valid: 48 levels",
            v2(NO_PACK_ID, raw_deflate(b'{"a":' + b"[" * 46 + b"[]" + b"]" * 46 + b"}")),
            True,
        ),
        (
            "valid: exactly the size cap",
            v2(NO_PACK_ID, raw_deflate(b'{"a":"' + b"x" * (MAX_INFLATED_BYTES - 8) + b'"}')),
            True,
        ),
        ("valid: stored blocks", v2(NO_PACK_ID, raw_deflate_stored(b'{"a":1}')), True),
        ("valid: fixed-code block", v2(NO_PACK_ID, fixed_block(b'{"a":1}')), True),
        # -- hostile --
        (
            "hostile: bytes after the DEFLATE stream",
            v2(pack.digest, raw_deflate(data, pack.dictionary) + b"\0"),
            True,
        ),
        ("hostile: bytes after the zlib stream", v1(zlib.compress(data, 9) + b"\0\0"), True),
        (
            "hostile: 4301-digit integer",
            v2(NO_PACK_ID, raw_deflate(b'{"n":' + b"7" * 4301 + b"}")),
            True,
        ),
        (
            "hostile: 5000-digit integer (VC1)",
            v1(zlib.compress(b'{"n":' + b"9" * 5000 + b"}")),
            True,
        ),
        (
            "hostile: -5000-digit integer",
            v2(NO_PACK_ID, raw_deflate(b'{"n":-' + b"9" * 5000 + b"}")),
            True,
        ),
        ("hostile: 1e400", v2(NO_PACK_ID, raw_deflate(b'{"n":1e400}')), True),
        (
            "hostile: 310-digit float",
            v2(NO_PACK_ID, raw_deflate(b'{"n":' + b"9" * 310 + b".5}")),
            True,
        ),
        ("hostile: NaN", v2(NO_PACK_ID, raw_deflate(b'{"n":NaN}')), True),
        ("hostile: lone surrogate value", v2(NO_PACK_ID, raw_deflate(b'{"a":"\\ud800"}')), True),
        ("hostile: lone surrogate key", v2(NO_PACK_ID, raw_deflate(b'{"\\udc00":1}')), True),
        ("hostile: duplicate keys", v2(NO_PACK_ID, raw_deflate(b'{"a":1,"a":2}')), True),
        ("hostile: 49 levels", v2(NO_PACK_ID, raw_deflate(b"[" * 49 + b"]" * 49)), True),
        (
            "hostile: a value at level 49",
            v2(NO_PACK_ID, raw_deflate(b"[" * 48 + b"1" + b"]" * 48)),
            True,
        ),
        (
            "hostile: true at level 49",
            v2(NO_PACK_ID, raw_deflate(b"[" * 48 + b"true" + b"]" * 48)),
            True,
        ),
        (
            "hostile: one byte over the size cap",
            v2(NO_PACK_ID, raw_deflate(b'{"a":"' + b"x" * (MAX_INFLATED_BYTES - 7) + b'"}')),
            True,
        ),
        ("hostile: zip bomb VC2", v2(NO_PACK_ID, raw_deflate(b" " * 4_000_000)), True),
        ("hostile: zip bomb VC1", v1(zlib.compress(b" " * 4_000_000, 9)), True),
        (
            "hostile: truncated DEFLATE",
            v2(pack.digest, raw_deflate(data, pack.dictionary)[:-3]),
            True,
        ),
        ("hostile: truncated zlib", v1(zlib.compress(data, 9)[:-1]), True),
        (
            # Flip every bit of the last checksum byte: overwriting it with a constant left it
            # unchanged whenever it already held that constant (1 run in 256).
            "hostile: bad Adler-32",
            v1(zlib.compress(data, 9)[:-1] + bytes([zlib.compress(data, 9)[-1] ^ 0xFF])),
            True,
        ),
        (
            "hostile: zlib with a preset dictionary",
            v1(zlib_with_dictionary(b'{"a":1}', b'{"a":')),
            True,
        ),
        ("hostile: raw DEFLATE as VC1", v1(raw_deflate(data)), True),
        ("hostile: gzip as VC1", v1(gzip_bytes(data)), True),
        ("hostile: zlib as VC2", v2(NO_PACK_ID, zlib.compress(data)), True),
        ("hostile: unknown pack", v2(b"\x01\x02\x03\x04", raw_deflate(data)), True),
        ("hostile: the wrong pack", v2(other.digest, raw_deflate(data, pack.dictionary)), True),
        (
            "hostile: dictionary reference without a pack",
            v2(NO_PACK_ID, raw_deflate(data, pack.dictionary)),
            True,
        ),
        ("hostile: only a pack id", "VC2:" + base43_encode(pack.digest), True),
        ("hostile: empty VC2", "VC2:", True),
        ("hostile: Base45 space in VC2", packed[:20] + " " + packed[21:], True),
        ("hostile: percent in VC2", packed[:20] + "%" + packed[21:], True),
        ("hostile: lower case in VC2", packed[:4] + packed[4:].lower(), True),
        ("hostile: dangling character", packed + "0", True),
        ("hostile: triplet over 65535", "VC2:" + ":::", True),
        ("hostile: pair over 255", "VC2:" + base43_encode(pack.digest) + "::", True),
        ("hostile: VC3", "VC3:ABC", True),
        ("hostile: vc2 lower-case prefix", "vc2:" + packed[4:], True),
        ("hostile: empty", "", True),
        ("hostile: white space only", " \n\t", True),
        ("hostile: longer than any QR", "VC2:" + "0" * 8200, True),
        ("hostile: link with another fragment", "https://certification.example/V#top", True),
        ("hostile: UTF-8 BOM", v2(NO_PACK_ID, raw_deflate(b'\xef\xbb\xbf{"a":1}')), True),
        ("hostile: not UTF-8", v2(NO_PACK_ID, raw_deflate(b'{"a":"\xff"}')), True),
        (
            "hostile: CESU surrogate bytes",
            v2(NO_PACK_ID, raw_deflate(b'{"a":"\xed\xa0\x80"}')),
            True,
        ),
        ("hostile: an array", v2(NO_PACK_ID, raw_deflate(b"[1]")), True),
        ("hostile: not JSON", v2(NO_PACK_ID, raw_deflate(b"{a:1}")), True),
        ("hostile: stored block with wrong NLEN", v2(NO_PACK_ID, b"\x01\x03\x00\x00\x00abc"), True),
        ("hostile: block type 3", v2(NO_PACK_ID, b"\x07\x00"), True),
        ("hostile: not ours", "hello world", True),
    ]
    cases += link_cases(verifier_link(VERIFIER, packed))
    cases += register_cases()
    cases += more_payload_cases(pack, data, packed)
    cases += fuzz(packed, encode_payload_v1(vc))
    cases += fuzz_text(packed)
    return PackSet([pack, other]), cases


def link_cases(link: str) -> list[Case]:
    """What phones, address bars and people make of a printed link."""
    head, fragment = link.split("#", 1)
    escaped = "".join(f"%{ord(char):02X}" for char in fragment)
    astral = "\U0001f600" * 4000  # 8,000 UTF-16 units, 4,000 code points
    return [
        (
            "valid: link to another host (the fragment is what is verified)",
            "https://other.example/V#" + fragment,
            True,
        ),
        ("valid: link with a lower-case path", head.lower() + "#" + fragment, True),
        ("valid: link with a query", head + "?utm=1#" + fragment, True),
        ("valid: fragment with its colon percent-escaped", head + "#VC2%3A" + fragment[4:], True),
        ("valid: fragment with every character percent-escaped", head + "#" + escaped, True),
        ("valid: fragment with lower-case escapes", head + "#VC2%3a" + fragment[4:], True),
        # The length cap counts code points on both sides (JavaScript's length counts UTF-16).
        ("valid: 4,000 astral characters in the host", f"https://{astral}/V#{fragment}", True),
        (
            "hostile: 8,000 astral characters in the host",
            f"https://{astral * 2}/V#{fragment}",
            True,
        ),
        (
            "hostile: upper-case link with a lower-cased payload",
            head + "#" + fragment[:4] + fragment[4:].lower(),
            True,
        ),
        ("hostile: link lower-cased whole", link.lower(), True),
        ("hostile: fragment with a stray %", head + "#VC2:%" + fragment[4:], True),
        ("hostile: fragment with %zz", head + "#VC2%zz" + fragment[4:], True),
        ("hostile: fragment escape not UTF-8", head + "#VC2:%C3" + fragment[4:], True),
        (
            "hostile: fragment escaping a space",
            head + "#" + fragment[:20] + "%20" + fragment[20:],
            True,
        ),
        ("hostile: fragment cut by a scanner at the first space", head + "#VC2", True),
        ("hostile: link with a trailing space", link + " ", True),
        ("hostile: link with a second fragment", link + "#x", True),
        ("hostile: link with a BOM before it", "\ufeff" + link, True),
        (
            "hostile: http\u017f (long s) scheme, a link only to Unicode case folding",
            "http\u017f://certification.example/V#" + fragment,
            True,
        ),
        ("hostile: form feed before the link", "\x0c" + link, True),
        ("hostile: no-break space before the link", "\xa0" + link, True),
        ("hostile: ideographic space before the payload", "\u3000" + fragment, True),
        ("hostile: NEL before the payload", "\x85" + fragment, True),
        ("hostile: vertical tab before the payload", "\x0b" + fragment, True),
    ]


def register_cases() -> list[Case]:
    """The online form, read by one grammar on both sides."""
    base = "https://certification.example"
    uuid = "urn:uuid:00010203-0405-4607-8809-0a0b0c0d0e0f"
    return [
        (
            "valid: register link, upper-case scheme and host",
            "HTTPS://CERTIFICATION.EXAMPLE/register/" + uuid,
            True,
        ),
        (
            "valid: register link with a port and a path",
            "http://127.0.0.1:8443/body/register/x",
            True,
        ),
        ("valid: register link, IPv6 host", "https://[::1]/register/x", True),
        (
            "valid: register link with characters quote() escapes",
            base + "/register/a*b(c)!'d;e",
            True,
        ),
        (
            "valid: register link with an escaped space and slash",
            base + "/register/a%20b%2Fc",
            True,
        ),
        ("valid: register link with dot segments kept", base + "/a/../register/x", True),
        ("hostile: register link with port 99999", "https://x.example:99999/register/x", True),
        ("hostile: register link with empty user info", "https://:@x.example/register/x", True),
        ("hostile: register link with backslashes", "https://x.example\\register\\x", True),
        ("hostile: register link with a tab", base + "/register/a\tb", True),
        ("hostile: register link with a CR", base + "/register/a\rb", True),
        ("hostile: register link with a trailing space", base + "/register/x ", True),
        ("hostile: register link with a raw space", base + "/register/a b", True),
        ("hostile: register link with %zz", base + "/register/%zz", True),
        ("hostile: register link, escapes not UTF-8", base + "/register/%C3", True),
        ("hostile: register link, non-ASCII id", base + "/register/%C3%A9", True),
        ("hostile: register link, raw non-ASCII id", base + "/register/é", True),
        ("hostile: register link, NUL in the id", base + "/register/a%00", True),
        ("hostile: register link, three slashes", "https:///x.example/register/x", True),
        ("hostile: register link, IDN host", "https://bücher.example/register/x", True),
        ("hostile: register link, full-width host", "https://\uff58.example/register/x", True),
        ("hostile: register link, space in the host", "https://x .example/register/x", True),
        ("hostile: register link with an empty query", base + "/register/x?", True),
        ("hostile: register link, path in upper case", base + "/REGISTER/x", True),
        ("hostile: register link, ftp", "ftp://x.example/register/x", True),
    ]


def more_payload_cases(pack: SchemePack, data: bytes, packed: str) -> list[Case]:
    """Compressed-stream and number cases beyond the first list."""
    full = base43_decode(packed[4:])
    stream = raw_deflate(data, pack.dictionary)
    nothing = NO_PACK_ID
    return [
        (
            "valid: 1e-400 (underflows to 0 in both)",
            v2(nothing, raw_deflate(b'{"n":1e-400}')),
            True,
        ),
        (
            "valid: 5000-digit fraction",
            v2(nothing, raw_deflate(b'{"n":1.' + b"5" * 5000 + b"}")),
            True,
        ),
        ("valid: largest double", v2(nothing, raw_deflate(b'{"n":1.7976931348623157e308}')), True),
        (
            "hostile: just past the largest double",
            v2(nothing, raw_deflate(b'{"n":1.7976931348623159e308}')),
            True,
        ),
        (
            "hostile: a 5000-digit exponent",
            v2(nothing, raw_deflate(b'{"n":1e' + b"9" * 5000 + b"}")),
            True,
        ),
        (
            "hostile: 5000 digits before a fraction",
            v2(nothing, raw_deflate(b'{"n":' + b"9" * 5000 + b".0}")),
            True,
        ),
        (
            "hostile: a second DEFLATE stream after the first",
            v2(pack.digest, stream + stream),
            True,
        ),
        ("hostile: 64 zero bytes after the stream", v2(pack.digest, stream + bytes(64)), True),
        (
            "hostile: an empty stored block after the last",
            v2(pack.digest, stream + b"\x01\x00\x00\xff\xff"),
            True,
        ),
        (
            "hostile: pack id with one bit flipped",
            "VC2:" + base43_encode(bytes([full[0] ^ 1]) + full[1:]),
            True,
        ),
        ("hostile: payload cut in half", packed[: 4 + (len(packed) - 4) // 6 * 3], True),
        ("hostile: payload less its last triplet", packed[:-3], True),
        (
            "hostile: zip bomb against the pack",
            v2(pack.digest, raw_deflate(b"x" * 4_000_000, pack.dictionary)),
            True,
        ),
        (
            "hostile: zip bomb in stored blocks",
            v2(nothing, raw_deflate_stored(b"x" * (MAX_INFLATED_BYTES + 1))),
            True,
        ),
        (
            "hostile: zip bomb of nesting",
            v2(nothing, raw_deflate(b"[" * 100_000 + b"]" * 100_000)),
            True,
        ),
        ("hostile: empty stored block only", v2(nothing, b"\x01\x00\x00\xff\xff"), True),
        ("hostile: UTF-16 JSON", v2(nothing, raw_deflate('{"a":1}'.encode("utf-16"))), True),
        ("hostile: overlong UTF-8", v2(nothing, raw_deflate(b'{"a":"\xc0\xaf"}')), True),
        ("hostile: form feed after the JSON", v2(nothing, raw_deflate(b'{"a":1}\x0c')), True),
        ("hostile: raw control character", v2(nothing, raw_deflate(b'{"a":"\x01"}')), True),
    ]


def raw_deflate_stored(data: bytes) -> bytes:
    compressor = zlib.compressobj(0, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def fixed_block(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
    return compressor.compress(data) + compressor.flush()


def zlib_with_dictionary(data: bytes, dictionary: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zdict=dictionary)
    return compressor.compress(data) + compressor.flush()


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def fuzz(packed: str, old: str, count: int = 400) -> list[Case]:
    """Seeded mutations of real payloads: flipped bits and cut tails in the compressed bytes."""
    from vcissue.qr import base45_decode

    chance = random.Random(14)
    packed_bytes = base43_decode(packed[4:])
    old_bytes = base45_decode(old[4:])
    cases: list[Case] = []
    for number in range(count):
        source, encode = (
            (packed_bytes, lambda b: "VC2:" + base43_encode(b))
            if number % 2 == 0
            else (old_bytes, lambda b: "VC1:" + base45_encode(b))
        )
        mutated = bytearray(source)
        for _ in range(chance.randint(1, 3)):
            position = chance.randrange(4 if number % 2 == 0 else 0, len(mutated))
            mutated[position] ^= 1 << chance.randrange(8)
        if chance.random() < 0.2:
            del mutated[chance.randrange(5, len(mutated)) :]
        cases.append((f"fuzz {number}", encode(bytes(mutated)), True))
    return cases


def fuzz_text(packed: str, count: int = 200) -> list[Case]:
    """Seeded edits of the payload text: a character swapped for another (in or out of the
    alphabet, lower-cased), dropped or doubled, as a bad scan or a retyping would."""
    chance = random.Random(1414)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./: %#abcz\x00é"
    cases: list[Case] = []
    for number in range(count):
        text = list(packed)
        for _ in range(chance.randint(1, 2)):
            position = chance.randrange(4, len(text))
            edit = chance.randrange(3)
            if edit == 0:
                text[position] = chance.choice(alphabet)
            elif edit == 1:
                del text[position]
            else:
                text.insert(position, text[position])
        cases.append((f"fuzz text {number}", "".join(text), True))
    return cases


def corpus_json(packs: PackSet, cases: list[Case]) -> str:
    return json.dumps(
        {
            "packs": packs.to_json(),
            "cases": [{"name": name, "text": text} for name, text, _ in cases],
        }
    )
