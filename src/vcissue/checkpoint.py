"""Signed checkpoints of the audit log, as Certificate Transparency publishes signed tree
heads (RFC 6962, 3.5): the body signs (sequence, head hash, time) with its key after each
change and publishes it beside the status lists. Whoever keeps a copy can later prove the
log still extends it: the entry at that sequence must still have that hash, and the chain
from there on must be intact. A log rewritten consistently from the start, or deleted,
then no longer matches any checkpoint a third party kept.

Form (JSON)::

    {"format": "vcissue-audit-checkpoint/2", "log": DID, "seq": N, "head": "<64 hex>",
     "state": "<512 hex>", "time": "2026-11-30T10:00:00Z", "key": "DID#key-2",
     "signature": "z..."}

``signature`` is Ed25519 (multibase base58btc) over the UTF-8 bytes of the other fields as
JSON with sorted keys and no whitespace. ``state`` (format 2) is the digest of what the log
says every credential is after entry ``seq`` (``issuer.replay.state_digest``): with it,
``audit verify`` replays only the entries after the checkpoint. Format 1 (no ``state``, as
published before) still reads and verifies; it only allows a full replay. Pure: the key,
time and trust come in as arguments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import KeyMaterialError, MalformedInput, ProofError
from .keys import SigningKey, multibase_b58_decode, multibase_b58_encode
from .proofs import ProofCheck, format_datetime, parse_datetime
from .verify.trust import TrustList

__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_NAME", "Checkpoint", "log_extends"]

CHECKPOINT_FORMAT = "vcissue-audit-checkpoint/2"
_FORMAT_1 = "vcissue-audit-checkpoint/1"  # no state digest
CHECKPOINT_NAME = "audit-checkpoint"
"""The file name beside the status lists: ``{status base URL}/audit-checkpoint``."""
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_STATE = re.compile(r"^[0-9a-f]{512}$")  # 2048 bits (issuer.replay.STATE_BITS)


@dataclass(frozen=True)
class Checkpoint:
    log: str  # the body's DID: whose log this is
    seq: int
    head: str
    time: datetime
    key: str  # the verification method that signed it
    signature: str = ""
    state: str | None = None  # hex digest of the log's state after entry seq (format 2)

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": _FORMAT_1 if self.state is None else CHECKPOINT_FORMAT,
            "log": self.log,
            "seq": self.seq,
            "head": self.head,
            "time": format_datetime(self.time),
            "key": self.key,
        }
        if self.state is not None:
            body["state"] = self.state
        return body

    def _signed_bytes(self) -> bytes:
        return json.dumps(self._body(), sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def sign(
        cls,
        *,
        log: str,
        seq: int,
        head: str,
        time: datetime,
        key: SigningKey,
        state: str | None = None,
    ) -> Checkpoint:
        unsigned = cls(log, seq, head, time, key.verification_method, state=state)
        signature = multibase_b58_encode(key.sign(unsigned._signed_bytes()))
        return cls(log, seq, head, time, key.verification_method, signature, state)

    def to_json(self) -> dict[str, Any]:
        return {**self._body(), "signature": self.signature}

    @classmethod
    def from_json(cls, data: object) -> Checkpoint:
        """A checkpoint from parsed JSON; ``MalformedInput`` naming what is wrong."""
        if not isinstance(data, Mapping) or data.get("format") not in (
            _FORMAT_1,
            CHECKPOINT_FORMAT,
        ):
            raise MalformedInput(f"not an audit checkpoint (format {CHECKPOINT_FORMAT})")
        fields: tuple[str, ...] = ("log", "seq", "head", "time", "key", "signature")
        if data["format"] == CHECKPOINT_FORMAT:
            fields += ("state",)
        missing = [name for name in fields if name not in data]
        if missing or set(data) - {"format", *fields}:
            raise MalformedInput(f"an audit checkpoint has exactly the fields {list(fields)}")
        state = data.get("state")
        if state is not None and (not isinstance(state, str) or not _STATE.match(state)):
            raise MalformedInput("checkpoint state must be 512 lower-case hex digits")
        seq = data["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise MalformedInput("checkpoint seq must be a whole number")
        if not isinstance(data["head"], str) or not _HEX64.match(data["head"]):
            raise MalformedInput("checkpoint head must be 64 lower-case hex digits")
        if not all(isinstance(data[name], str) for name in ("log", "key", "signature")):
            raise MalformedInput("checkpoint log, key and signature must be strings")
        try:
            time = parse_datetime(data["time"])
        except ProofError:
            raise MalformedInput("checkpoint time must be an XSD dateTime") from None
        return cls(data["log"], seq, data["head"], time, data["key"], data["signature"], state)

    def verify(self, trust: TrustList) -> None:
        """The signature is by a key of ``log`` that was the body's to use at ``time``;
        ``ProofError`` (``KeyWindowError`` for a retired or revoked key) saying why not."""
        public, controller, assertion = trust.resolve_key(self.key)
        if controller != self.log or not assertion:
            raise ProofError(f"{self.key} is not an assertion key of {self.log}")
        trust.check_windows((ProofCheck(self.key, controller, "Ed25519", self.time),))
        try:
            signature = multibase_b58_decode(self.signature)
        except KeyMaterialError as error:
            raise ProofError(f"checkpoint signature: {error}") from None
        if not public.verify(signature, self._signed_bytes()):
            raise ProofError("the checkpoint's signature does not match (altered or forged)")


def log_extends(entries: Sequence[tuple[int, str]], checkpoint: Checkpoint) -> list[str]:
    """Why the log, as (seq, hash) of its entries in order (the chain already checked),
    does not extend ``checkpoint``; ``[]`` when it does."""
    if checkpoint.seq == 0:
        return []
    if len(entries) < checkpoint.seq:
        return [
            f"the log ends at entry {len(entries)} but the checkpoint of "
            f"{format_datetime(checkpoint.time)} names entry {checkpoint.seq}: entries were "
            "deleted or the log replaced"
        ]
    seq, digest = entries[checkpoint.seq - 1]
    if seq != checkpoint.seq or digest != checkpoint.head:
        return [
            f"entry {checkpoint.seq} differs from the checkpoint of "
            f"{format_datetime(checkpoint.time)} (head {checkpoint.head[:16]}...): the log "
            "was rewritten"
        ]
    return []
