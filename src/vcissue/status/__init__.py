"""W3C Bitstring Status List v1.0: bitstrings, status entries, status list credentials,
index allocation.

Pure: no I/O, no clock, no implicit randomness. Fetching a list and checking its proof
belong to the caller (``vcissue.verify``); the time and the random source come in as
arguments. Spec: https://www.w3.org/TR/vc-bitstring-status-list/ (W3C Recommendation).

``bitstring`` (the bits and their encoding), ``list_credential`` (entries, the status
list credential, reading a bit), ``allocation`` (choosing indices).
"""

from .allocation import PROBES, AllocationMap, allocate_index
from .bitstring import DEFAULT_MAX_BITS, MIN_BITS, Bitstring, compression_level_for
from .list_credential import (
    MAX_STATUS_ENTRIES,
    StatusEntry,
    StatusList,
    StatusPurpose,
    parse_status_entries,
    parse_status_entry,
    read_credential_status,
    read_status_list_credential,
    status_entry,
    status_list_credential,
    status_of,
)

__all__ = [
    "DEFAULT_MAX_BITS",
    "MAX_STATUS_ENTRIES",
    "MIN_BITS",
    "PROBES",
    "AllocationMap",
    "Bitstring",
    "StatusEntry",
    "StatusList",
    "StatusPurpose",
    "allocate_index",
    "compression_level_for",
    "parse_status_entries",
    "parse_status_entry",
    "read_credential_status",
    "read_status_list_credential",
    "status_entry",
    "status_list_credential",
    "status_of",
]
