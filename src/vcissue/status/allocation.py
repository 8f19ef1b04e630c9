"""Index allocation: random, never reused, bounded, uniform among the unused indices.

* Random, never sequential: the spec (2.1, statusListIndex) says indexes SHOULD be
  assigned randomly so that nobody can infer the recency of an assignment or the size
  of the group from a position. Every unused index is equally likely.
* Never reused: an index once allocated stays allocated for the life of the list, even
  after the credential expires or is revoked. A reused index would carry the old
  credential's status (a revocation is final) and would tell observers that a
  credential was retired.
* Bounded: up to ``PROBES`` uniform random probes; when they all land on used indices
  (the list is nearly full) one counting pass picks the k-th unused index for a uniform
  random k. So the draw is exactly uniform among the unused indices in both phases and
  always terminates.
* Full means ``None``: the caller then starts a new list (roll-over); lists are never
  enlarged in place.
* Callers persist the allocation (and flip status bits) in one transaction with the
  credential, so two concurrent issuers never take the same index.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from ..errors import StatusListError
from ..ports import RandomSource
from .bitstring import MIN_BITS, Bitstring

__all__ = ["PROBES", "AllocationMap", "allocate_index"]

PROBES = 64
"""Random probes before ``allocate_index`` falls back to a counting pass (0.9**64 < 0.2 %)."""


UsedIndices = Callable[[int], bool] | Container[int]


_CHUNK = 1024  # bytes counted at once (int.bit_count) while looking for the k-th free bit


def _uniform_unused_scan(
    size: int, is_used: Callable[[int], bool], rng: RandomSource
) -> int | None:
    """The k-th unused index for a uniform k: one pass to count, one to find."""
    free_total = sum(1 for index in range(size) if not is_used(index))
    if not free_total:
        return None
    k = rng.randrange(0, free_total)
    for index in range(size):
        if not is_used(index):
            if k == 0:
                return index
            k -= 1
    raise StatusListError("the set of used indices changed during allocation")


def _uniform_unused_bits(size: int, used: Bitstring, rng: RandomSource) -> int | None:
    """The k-th clear bit below ``size`` for a uniform k (whole chunks counted at once)."""
    data = used.to_bytes()
    full_bytes, tail_bits = divmod(size, 8)
    tail = [full_bytes * 8 + bit for bit in range(tail_bits) if not used.get(full_bytes * 8 + bit)]
    head_free = full_bytes * 8 - int.from_bytes(data[:full_bytes], "big").bit_count()
    if not head_free + len(tail):
        return None
    k = rng.randrange(0, head_free + len(tail))
    if k >= head_free:
        return tail[k - head_free]
    for chunk_start in range(0, full_bytes, _CHUNK):
        chunk = data[chunk_start : min(chunk_start + _CHUNK, full_bytes)]
        free = len(chunk) * 8 - int.from_bytes(chunk, "big").bit_count()
        if k >= free:
            k -= free
            continue
        for offset, byte in enumerate(chunk):
            byte_free = 8 - byte.bit_count()
            if k >= byte_free:
                k -= byte_free
                continue
            for bit in range(8):
                if not byte & (0x80 >> bit):
                    if k == 0:
                        return (chunk_start + offset) * 8 + bit
                    k -= 1
    raise StatusListError("unreachable: k is below the number of free bits")


def allocate_index(size: int, used: UsedIndices | Bitstring, rng: RandomSource) -> int | None:
    """A uniformly random index in ``[0, size)`` not in ``used``; ``None`` when all are used.

    ``used`` is a ``Bitstring`` of allocated indices (see ``AllocationMap``), a
    container of them (a ``set``), or a predicate. See the module docstring for the
    policy; the caller records the returned index as used before the next call.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise StatusListError(f"list size must be a positive integer, not {size!r}")
    is_used: Callable[[int], bool]
    if isinstance(used, Bitstring):
        if size > used.size:
            raise StatusListError(f"allocation map of {used.size} bits is smaller than {size}")
        is_used = used.get
    elif callable(used):
        is_used = used
    elif isinstance(used, Container):
        container = used

        def is_used(index: int) -> bool:
            return index in container

    else:
        raise StatusListError("used must be a Bitstring, a container of indices or a predicate")
    for _ in range(PROBES):
        index = rng.randrange(0, size)
        if not is_used(index):
            return index
    if isinstance(used, Bitstring):
        return _uniform_unused_bits(size, used, rng)
    return _uniform_unused_scan(size, is_used, rng)


class AllocationMap:
    """Which indices of one status list have been handed out (a bit per index, never freed)."""

    __slots__ = ("bits",)

    def __init__(self, bits: Bitstring | None = None, *, size: int = MIN_BITS) -> None:
        self.bits = bits if bits is not None else Bitstring(size)

    @property
    def size(self) -> int:
        return self.bits.size

    @property
    def allocated(self) -> int:
        return self.bits.count()

    @property
    def free(self) -> int:
        return self.size - self.allocated

    def is_used(self, index: int) -> bool:
        return self.bits.get(index)

    def mark(self, index: int) -> None:
        """Record ``index`` as allocated (e.g. when loading allocations from a store)."""
        self.bits.set(index, True)

    def allocate(self, rng: RandomSource) -> int | None:
        """Draw an unused index, mark it and return it; ``None`` when the list is full."""
        index = allocate_index(self.size, self.bits, rng)
        if index is not None:
            self.bits.set(index, True)
        return index
