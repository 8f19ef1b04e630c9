"""The error tree and its codes are a public contract: pin them.

The tree is walked from ``VcissueError`` through ``__subclasses__()`` (so an error class
defined anywhere in vcissue is found once its module is imported) and compared with the
tree drawn below and in the ``vcissue.errors`` docstring.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import vcissue
from vcissue import errors

TREE = """
VcissueError                  vcissue-error
+-- MalformedInput            malformed-input
|   +-- QualificationError    qualification-invalid
|   +-- QrPayloadError        qr-payload
+-- ContextError              context-unknown
+-- CanonicalizationError     canonicalization-failed
|   +-- WorkLimitError        work-limit
+-- ProofError                proof-invalid
|   +-- ProofExpiredError     proof-expired
|   +-- KeyWindowError        key-window
+-- KeyMaterialError          key-material
+-- DidError                  did-unresolvable
+-- CredentialError           credential-invalid
+-- StatusListError           status-list
|   +-- StatusFetchError      status-fetch
+-- StoreError                store
|   +-- DuplicateError        store-duplicate
|   +-- ConflictError         store-conflict
|   +-- NotFoundError         store-not-found
|   +-- SchemaVersionError    store-schema-version
+-- UnknownCredentialError    credential-unknown
+-- PolicyError               policy-violation
|   +-- NotPermitted          not-permitted
+-- SettingsError             settings
+-- WalletError               wallet-protocol
+-- VerificationFailed        verification-failed
+-- NotifyError               notify
|   +-- DeliveryError         notify-delivery
|   +-- WebhookSignatureError webhook-signature
"""


def drawn() -> dict[str, tuple[str | None, str]]:
    """name -> (parent name, code), from the drawing."""
    found: dict[str, tuple[str | None, str]] = {}
    stack: list[str] = []
    for line in TREE.strip().splitlines():
        match = re.fullmatch(r"([| ]*)(?:\+-- )?(\w+)\s+([\w-]+)", line)
        assert match, line
        depth = 0 if not match.group(1) and "+--" not in line else line.index("+--") // 4 + 1
        del stack[depth:]
        found[match.group(2)] = (stack[-1] if stack else None, match.group(3))
        stack.append(match.group(2))
    return found


def walked() -> dict[str, tuple[str | None, str]]:
    # import every module so error classes defined outside errors.py would be found too
    for module in pkgutil.walk_packages(vcissue.__path__, "vcissue."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: dict[str, tuple[str | None, str]] = {}
    stack: list[type[errors.VcissueError]] = [errors.VcissueError]
    while stack:
        cls = stack.pop()
        parent = cls.__bases__[0].__name__ if cls is not errors.VcissueError else None
        found[cls.__name__] = (parent, cls.code)
        stack.extend(cls.__subclasses__())
    return found


def test_error_tree_is_pinned() -> None:
    assert walked() == drawn()


def test_every_error_lives_in_errors_py_and_the_docstring_draws_the_tree() -> None:
    for name in drawn():
        assert getattr(errors, name).__module__ == "vcissue.errors"
    docstring = errors.__doc__ or ""
    for line in TREE.strip().splitlines():
        assert line in docstring, line


def test_codes_are_unique() -> None:
    codes = [code for _, code in drawn().values()]
    assert len(codes) == len(set(codes))
