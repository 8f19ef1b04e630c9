"""Benchmark: CPU to verify (or refuse) hostile credentials of up to 1 MB, per shape and size.

    .venv/bin/python bench/bench_hostile.py [--max-bytes 1000000] [--json OUT]
        [--family NAME ...] [--stop-after 20]

Every input is what an unauthenticated caller can send to a verifier: a credential
whose issuer is the caller's own did:key, signed with that key (so it reaches
canonicalisation exactly as an honest one does), with a hostile part grafted on.
Where signing refuses the document (a bound was hit) the credential carries a
proof of the same shape whose signature is wrong: the verifier does the same work
before it finds out. For each family of shapes and a ladder of sizes up to
``--max-bytes`` of JSON, plus the largest input of the family that passes the JSON
bounds (the row marked "(bound)": the most work the bounds let through), it prints
the JSON values, the input bytes, the CPU seconds (``time.process_time``) of
``verify_credential`` on those bytes, the outcome (``verified``, ``refused: <limit>``
for a ``WorkLimitError`` naming the bound, or the first failed check), the CPU with the
JSON bounds checked right after parsing (the change docs/bounds.md proposes for
verify.py; simulated here, the outcome shown when it differs) and the CPU of
``jsonld.canonize`` on the unsigned document. Every figure is taken with the memo of
processed contexts cleared (a caller can evict it). The references are the EcoMentor
certificate and two credentials with 80 learning outcomes, measured in the same run,
with how much of each bound they use. A family's ladder stops once one size costs more
than ``--stop-after`` CPU seconds (the larger sizes would only cost more). Then proof sets
and chains: for the costliest shapes, the largest document that passes the JSON bounds
with ``proofs.MAX_PROOFS`` proofs, verified with one valid proof, a set of them and a chain
(each proof naming the one before). The load average is printed at the start and the end.
Never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import AWARDED, Body  # noqa: E402
from tests.unit.test_bounds import learning_outcomes_credential  # noqa: E402

from vcissue import proofs  # noqa: E402
from vcissue.errors import MalformedInput, VcissueError, WorkLimitError  # noqa: E402
from vcissue.jsonld import ContextSet, bounds_usage, canonize, check_json_bounds  # noqa: E402
from vcissue.keys import SigningKey, did_key, multibase_b58_encode  # noqa: E402
from vcissue.rdfc import DEFAULT_LIMITS  # noqa: E402
from vcissue.status import Bitstring, status_list_credential  # noqa: E402
from vcissue.system import system_random  # noqa: E402
from vcissue.verify import (  # noqa: E402
    TrustedIssuer,
    TrustList,
    parse_credential,
    verify_credential,
)

P = "https://example.org/p"
Q = "https://example.org/q"
STATUS_URL = "https://attacker.example/status/1"
SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000)
NOW = AWARDED + timedelta(days=1)

Graft = Callable[[dict[str, Any], int], None]


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    subject: dict[str, Any] = doc["credentialSubject"]
    return subject


def literal_values(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = [f"v{i}" for i in range(n)]


def iri_values(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = [{"@id": f"urn:x:{i}"} for i in range(n)]


def list_items(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = {"@list": [f"v{i}" for i in range(n)]}


def list_identical(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = {"@list": ["x"] * n}


def wide_object(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = {f"https://example.org/p{i}": "v" for i in range(n)}


def many_types(doc: dict[str, Any], n: int) -> None:
    _subject(doc)["type"] = ["AchievementSubject", *(f"urn:t:{i}" for i in range(n))]


def _chain(depth: int, leaf: str) -> dict[str, Any]:
    node: dict[str, Any] = {Q: leaf}
    for _ in range(depth):
        node = {P: node}
    return node


def deep_nesting(doc: dict[str, Any], n: int) -> None:
    # credentialSubject sits at depth 2 and the parser's cap is 48: chains as deep as allowed.
    _subject(doc)[P] = [_chain(42, f"leaf{i}") for i in range(n)]


def _clique(size: int) -> list[dict[str, Any]]:
    return [
        {"@id": f"_:c{i}", P: [{"@id": f"_:c{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]


def clique_default(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = _clique(n)


def clique_named(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = {"@graph": _clique(n)}


def symmetric_pairs(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = [
        {"@id": f"_:a{i}", Q: {"@id": f"_:b{i}", Q: {"@id": f"_:a{i}"}}} for i in range(n)
    ]


def results(doc: dict[str, Any], n: int) -> None:
    _subject(doc)["result"] = [
        {"type": ["Result"], "status": "Completed", "value": "pass"} for _ in range(n)
    ]


def alignments(doc: dict[str, Any], n: int) -> None:
    _subject(doc)["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://example.org/x"}
        for _ in range(n)
    ]


def status_entries(doc: dict[str, Any], n: int) -> None:
    doc["credentialStatus"] = [
        {
            "id": f"{STATUS_URL}#{i}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(i),
            "statusListCredential": STATUS_URL,
        }
        for i in range(n)
    ]


def huge_string(doc: dict[str, Any], n: int) -> None:
    _subject(doc)[P] = "a" * n


def escaped_string(doc: dict[str, Any], n: int) -> None:
    # six bytes of JSON each, six of N-Quads each: the escaping path at full length
    _subject(doc)[P] = "\u0001" * n


def context_repeat(doc: dict[str, Any], n: int) -> None:
    doc["@context"] = [*doc["@context"], *[doc["@context"][-1]] * n]


SCOPED_TYPES = [  # the OB 3.0 types with a type-scoped context
    *("Achievement", "AchievementSubject", "Address", "Alignment", "EndorsementSubject"),
    *("Evidence", "GeoCoordinates", "IdentifierEntry", "IdentityObject", "Image", "Profile"),
    *("Related", "Result", "ResultDescription", "RubricCriterionLevel"),
]
CLASHING = {
    frozenset(("Achievement", "Result")),
    frozenset(("AchievementSubject", "IdentifierEntry")),
}


def type_combinations(doc: dict[str, Any], n: int) -> None:
    # Each distinct run of type-scoped contexts on a node is one more context processing.
    rng = random.Random(n)
    nodes = []
    for _ in range(n):
        chosen: list[str] = []
        size = rng.randint(2, 12)
        for type_ in rng.sample(SCOPED_TYPES, len(SCOPED_TYPES)):
            if all(frozenset((type_, other)) not in CLASHING for other in chosen):
                chosen.append(type_)
            if len(chosen) == size:
                break
        nodes.append({"type": chosen, Q: "x"})
    _subject(doc)[P] = nodes


FAMILIES: dict[str, Graft] = {
    "literal_values": literal_values,
    "iri_values": iri_values,
    "list_items": list_items,
    "list_identical": list_identical,
    "wide_object": wide_object,
    "many_types": many_types,
    "deep_nesting": deep_nesting,
    "clique_default": clique_default,
    "clique_named": clique_named,
    "symmetric_pairs": symmetric_pairs,
    "results": results,
    "alignments": alignments,
    "status_entries": status_entries,
    "huge_string": huge_string,
    "escaped_string": escaped_string,
    "context_repeat": context_repeat,
    "type_combinations": type_combinations,
}


class Attacker:
    """A caller with its own did:key: the issuer of every hostile credential."""

    def __init__(self) -> None:
        self.key = SigningKey.generate(rng=system_random)
        self.did = did_key(self.key.public)
        self.base = Body().unsigned()
        self.base["issuer"] = {**self.base["issuer"], "id": self.did}
        self.trust = TrustList.of(TrustedIssuer(self.did, "attacker"))
        # the status list the status_entries family points at, signed by the same key
        listed = status_list_credential(
            STATUS_URL, "revocation", Bitstring(131_072), issuer=self.did, valid_from=AWARDED
        )
        self.status_list = proofs.sign(listed, self.key, created=AWARDED)
        self.bogus_proof = {
            **proofs.sign(self.base, self.key, created=AWARDED)["proof"],
            "proofValue": proofs.sign({**self.base, "name": "other"}, self.key, created=AWARDED)[
                "proof"
            ]["proofValue"],
        }

    def unsigned(self, graft: Graft, n: int) -> dict[str, Any]:
        doc = json.loads(json.dumps(self.base))
        graft(doc, n)
        return doc  # type: ignore[no-any-return]

    def size(self, graft: Graft, n: int) -> int:
        doc = {**self.unsigned(graft, n), "proof": self.bogus_proof}
        return len(json.dumps(doc).encode())

    def units_for(self, graft: Graft, target: int) -> int:
        """The largest n whose credential is at most ``target`` bytes (bisection)."""
        low, high = 1, 2
        while self.size(graft, high) <= target:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if self.size(graft, middle) <= target:
                low = middle
            else:
                high = middle
        return low

    def units_at_bound(self, graft: Graft, target: int) -> int:
        """The largest n (bytes at most ``target``) whose document passes the JSON bounds."""

        def passes(n: int) -> bool:
            try:
                check_json_bounds({**self.unsigned(graft, n), "proof": self.bogus_proof})
            except WorkLimitError:
                return False
            return True

        low, high = 1, self.units_for(graft, target)
        if passes(high):
            return high
        while high - low > 1:
            middle = (low + high) // 2
            if passes(middle):
                low = middle
            else:
                high = middle
        return low

    def signed(self, doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
        try:
            return proofs.sign(doc, self.key, created=AWARDED), "signed"
        except VcissueError as error:
            return {**doc, "proof": self.bogus_proof}, f"not signed ({_limit_or(error)})"

    def status_lists(self, url: str) -> dict[str, Any]:
        if url != STATUS_URL:
            raise VcissueError(f"unknown status list {url}")
        return self.status_list


def _limit_or(error: BaseException) -> str:
    found = re.search(r"\[limit (\w+)\]", str(error))
    return f"refused: {found.group(1)}" if found else f"{type(error).__name__}: {error}"[:90]


def _outcome(result: Any) -> str:
    if result.verified:
        return "verified"
    for check in result.failures:
        found = re.search(r"\[limit (\w+)\]", check.message)
        if found:
            return f"refused: {found.group(1)}"
    check = result.failures[0]
    return f"failed {check.id}: {check.message}"[:90]


def _cold_memo() -> None:
    # A caller can evict the memo of processed active contexts (it holds a bounded number
    # of context lists and a caller chooses its lists), so every hostile input is timed
    # without it; pyld's cache of the bundled context documents themselves stays warm.
    ContextSet.bundled()._active._entries.clear()


def cpu(fn: Callable[[], Any], *, cold: bool = True) -> tuple[float, Any]:
    if cold:
        _cold_memo()
    started = time.process_time()
    try:
        value = fn()
    except Exception as error:  # the bench reports any crash as an outcome
        value = error
    return time.process_time() - started, value


def verify_with_precheck(data: bytes, attacker: Attacker) -> Any:
    """verify_credential as it would run with the JSON bounds checked right after parsing.

    The change docs/bounds.md proposes for verify.py (not made here): the OB schema
    validation and the context check run before the proof, on the whole document, so
    without it they see inputs the bounds would have refused.
    """
    try:
        vc = parse_credential(data)
        check_json_bounds(vc)
    except (MalformedInput, WorkLimitError) as error:
        return error
    return verify_credential(vc, trust=attacker.trust, now=NOW, status_lists=attacker.status_lists)


def _describe_outcome(result: Any) -> str:
    if isinstance(result, WorkLimitError | MalformedInput):
        return _limit_or(result)
    if isinstance(result, BaseException):
        traceback.print_exception(result, limit=3, file=sys.stderr)
        return f"CRASH {type(result).__name__}: {result}"[:90]
    return _outcome(result)


def measure(attacker: Attacker, graft: Graft, n: int, *, at_bound: bool) -> dict[str, Any]:
    unsigned = attacker.unsigned(graft, n)
    signed, signing = attacker.signed(unsigned)
    data = json.dumps(signed).encode()
    verify_s, result = cpu(
        lambda: verify_credential(
            data, trust=attacker.trust, now=NOW, status_lists=attacker.status_lists
        )
    )
    precheck_s, precheck = cpu(lambda: verify_with_precheck(data, attacker))
    canonize_s, canonical = cpu(lambda: canonize(unsigned))
    return {
        "n": n,
        "at_bound": at_bound,
        "json_values": _count_values(signed),
        "bytes": len(data),
        "verify_cpu_s": verify_s,
        "outcome": _describe_outcome(result),
        "verify_precheck_cpu_s": precheck_s,
        "outcome_precheck": _describe_outcome(precheck),
        "canonize_cpu_s": canonize_s,
        "canonize": _limit_or(canonical) if isinstance(canonical, BaseException) else "ok",
        "signing": signing,
    }


PROOF_SHAPES = ("wide_object", "symmetric_pairs", "results")


def _with_proofs(attacker: Attacker, doc: dict[str, Any], count: int, chain: bool) -> Any:
    """``doc`` with ``count`` valid proofs by the attacker's key: a set, or a chain in which
    each proof names the one before (and so signs the document with it)."""
    made: list[dict[str, Any]] = []
    for i in range(count):
        options = {
            "id": f"urn:p:{i}",
            **({"previousProof": f"urn:p:{i - 1}"} if chain and made else {}),
        }
        proof = proofs.sign(doc, attacker.key, created=AWARDED, options=options)["proof"]
        if chain and made:
            del proof["proofValue"]
            suite = proofs.suite_named(proof["cryptosuite"])
            data = proofs.hash_data(
                suite, {**doc, "proof": [made[-1]]}, proof, ContextSet.bundled()
            )
            proof["proofValue"] = multibase_b58_encode(attacker.key.sign(data.combined))
        made.append(proof)
    return {**doc, "proof": made}


def measure_proofs(attacker: Attacker, family: str, max_bytes: int) -> list[dict[str, Any]]:
    """The largest document of ``family`` that passes the JSON bounds with
    ``proofs.MAX_PROOFS`` proofs, verified with one proof, a set of them and a chain."""
    graft, count = FAMILIES[family], proofs.MAX_PROOFS
    room = [
        {**attacker.bogus_proof, "id": f"urn:p:{i}", "previousProof": "urn:p:0"}
        for i in range(count)
    ]
    n = attacker.units_at_bound(graft, max_bytes)
    while n > 1:
        try:
            check_json_bounds({**attacker.unsigned(graft, n), "proof": room})
            break
        except WorkLimitError:
            n -= max(1, n // 200)
    doc = attacker.unsigned(graft, n)
    rows = []
    for shape, document in (
        ("1 proof", proofs.sign(doc, attacker.key, created=AWARDED)),
        (f"set of {count}", _with_proofs(attacker, doc, count, chain=False)),
        (f"chain of {count}", _with_proofs(attacker, doc, count, chain=True)),
    ):
        data = json.dumps(document).encode()
        verify_s, result = cpu(
            lambda data=data: verify_credential(data, trust=attacker.trust, now=NOW)
        )
        rows.append(
            {
                "family": family,
                "proofs": shape,
                "n": n,
                "bytes": len(data),
                "verify_cpu_s": verify_s,
                "outcome": _describe_outcome(result),
            }
        )
    return rows


def _count_values(document: Any) -> int:
    count, stack = 0, [document]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def legit_figures(runs: int = 10) -> dict[str, Any]:
    """Legitimate credentials: CPU to verify, and how much of each bound they use."""
    body = Body()
    credentials = {
        "EcoMentor certificate": body.unsigned(),
        "80 learning outcomes (alignments)": learning_outcomes_credential(body, 80),
        "80 outcomes + result descriptions + results": learning_outcomes_credential(
            body, 80, with_results=True
        ),
    }
    figures: dict[str, Any] = {}
    for name, unsigned in credentials.items():
        data = json.dumps(proofs.sign(unsigned, body.key, created=AWARDED)).encode()
        assert verify_credential(data, trust=body.trust, now=NOW).verified, name

        def run(data: bytes = data) -> Any:
            return verify_credential(data, trust=body.trust, now=NOW)

        warm = sum(cpu(run, cold=False)[0] for _ in range(runs))
        cold = sum(cpu(run)[0] for _ in range(runs))
        usage = bounds_usage(unsigned)
        headroom = {
            limit: getattr(DEFAULT_LIMITS, limit) / used
            for limit, used in usage.items()
            if used and hasattr(DEFAULT_LIMITS, limit)
        }
        figures[name] = {
            "bytes": len(data),
            "verify_cpu_s": warm / runs,
            "verify_cold_memo_cpu_s": cold / runs,
            "usage": usage,
            "least_headroom": min(headroom.items(), key=lambda item: item[1]),
        }
    return figures


def reference_cpu(n: int = 50) -> tuple[int, float, float]:
    """Bytes of the EcoMentor certificate and CPU to verify it, warm and with a cold memo."""
    body = Body()
    data = json.dumps(body.issue()).encode()
    assert verify_credential(data, trust=body.trust, now=NOW).verified
    warm = cold = 0.0
    for _ in range(n):
        warm += cpu(lambda: verify_credential(data, trust=body.trust, now=NOW), cold=False)[0]
        cold += cpu(lambda: verify_credential(data, trust=body.trust, now=NOW))[0]
    return len(data), warm / n, cold / n


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-bytes", type=int, default=1_000_000)
    parser.add_argument("--json", help="write the figures as JSON here")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--stop-after", type=float, default=20.0, help="CPU seconds")
    args = parser.parse_args()

    attacker = Attacker()
    reference_bytes, reference_s, reference_cold_s = reference_cpu()
    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "reference": {"what": "EcoMentor certificate", "bytes": reference_bytes},
        "reference_verify_cpu_s": reference_s,
        "reference_verify_cold_memo_cpu_s": reference_cold_s,
        "families": {},
        "loadavg_start": os.getloadavg(),
    }
    print(f"machine {figures['machine']}, Python {figures['python']}")
    print(
        f"reference: EcoMentor certificate, {reference_bytes} B, verify {reference_s:.4f} s CPU"
        f" ({reference_cold_s:.4f} s with a cold memo, as every row below)"
    )
    figures["legit"] = legit_figures()
    for name, legit in figures["legit"].items():
        limit, ratio = legit["least_headroom"]
        print(
            f"legit: {name}: {legit['bytes']} B, verify {legit['verify_cpu_s']:.4f} s "
            f"(cold memo {legit['verify_cold_memo_cpu_s']:.4f} s), least headroom "
            f"{ratio:.0f}x ({limit}), usage {legit['usage']}"
        )
    print(
        f"{'family':<25} {'n':>7} {'values':>7} {'bytes':>8} {'verify s':>8}  "
        f"{'outcome':<34} {'pre s':>6} {'canon s':>7}"
    )
    sizes = sorted({*(s for s in SIZES if s < args.max_bytes), args.max_bytes})
    for name in args.family or FAMILIES:
        rows: list[Any] = []
        figures["families"][name] = rows
        ladder = [(target, False) for target in sizes] + [(args.max_bytes, True)]
        for target, at_bound in ladder:
            graft = FAMILIES[name]
            n = (attacker.units_at_bound if at_bound else attacker.units_for)(graft, target)
            if at_bound and n in {earlier["n"] for earlier in rows}:
                continue  # the largest size already passes the JSON bounds
            row = measure(attacker, graft, n, at_bound=at_bound)
            rows.append(row)
            label = f"{name} (bound)" if at_bound else name
            print(
                f"{label:<25} {row['n']:>7} {row['json_values']:>7} {row['bytes']:>8} "
                f"{row['verify_cpu_s']:>8.3f}  {row['outcome'][:34]:<34} "
                f"{row['verify_precheck_cpu_s']:>6.3f} {row['canonize_cpu_s']:>7.3f}"
                + (
                    ""
                    if row["outcome_precheck"] == row["outcome"]
                    else f"  (with the pre-check: {row['outcome_precheck']})"
                ),
                flush=True,
            )
            slowest = max(row["verify_cpu_s"], row["verify_precheck_cpu_s"], row["canonize_cpu_s"])
            if slowest > args.stop_after:
                print(f"{label:<25} (larger sizes not run: over {args.stop_after} s)", flush=True)
                break
    figures["proof_sets"] = []
    print(f"{'proofs on a document at the bound':<40} {'bytes':>8} {'verify s':>8}  outcome")
    for family in PROOF_SHAPES:
        for row in measure_proofs(attacker, family, args.max_bytes):
            figures["proof_sets"].append(row)
            label = f"{family}, {row['proofs']}"
            print(
                f"{label:<40} {row['bytes']:>8} {row['verify_cpu_s']:>8.3f}  {row['outcome'][:40]}",
                flush=True,
            )
    figures["worst_proof_sets_cpu_s"] = max(row["verify_cpu_s"] for row in figures["proof_sets"])
    print(f"worst proof set or chain: {figures['worst_proof_sets_cpu_s']:.3f} s CPU")
    figures["loadavg_end"] = os.getloadavg()
    print(
        f"load average at the start {figures['loadavg_start']}, at the end {figures['loadavg_end']}"
    )
    for column in ("verify_cpu_s", "verify_precheck_cpu_s"):
        worst = max(
            (row[column], name, row["bytes"])
            for name, rows in figures["families"].items()
            for row in rows
        )
        figures[f"worst_{column}"] = {"cpu_s": worst[0], "family": worst[1], "bytes": worst[2]}
        print(f"worst {column}: {worst[1]} at {worst[2]} B, {worst[0]:.3f} s CPU")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
