"""The error tree and its codes are a public contract: pin them."""

from __future__ import annotations

from vcissue import errors

EXPECTED = {
    "VcissueError": (None, "vcissue-error"),
    "MalformedInput": ("VcissueError", "malformed-input"),
    "QualificationError": ("MalformedInput", "qualification-invalid"),
    "QrPayloadError": ("MalformedInput", "qr-payload"),
    "ContextError": ("VcissueError", "context-unknown"),
    "CanonicalizationError": ("VcissueError", "canonicalization-failed"),
    "WorkLimitError": ("CanonicalizationError", "work-limit"),
    "ProofError": ("VcissueError", "proof-invalid"),
    "KeyMaterialError": ("VcissueError", "key-material"),
    "DidError": ("VcissueError", "did-unresolvable"),
    "CredentialError": ("VcissueError", "credential-invalid"),
    "StatusListError": ("VcissueError", "status-list"),
    "StatusFetchError": ("StatusListError", "status-fetch"),
    "StoreError": ("VcissueError", "store"),
    "UnknownCredentialError": ("VcissueError", "credential-unknown"),
    "PolicyError": ("VcissueError", "policy-violation"),
}


def test_error_tree_is_pinned() -> None:
    found = {
        name: obj
        for name, obj in vars(errors).items()
        if isinstance(obj, type) and issubclass(obj, errors.VcissueError)
    }
    assert set(found) == set(EXPECTED)
    for name, (parent, code) in EXPECTED.items():
        cls = found[name]
        assert cls.code == code
        if parent:
            assert cls.__bases__ == (found[parent],)


def test_codes_are_unique() -> None:
    codes = [code for _, code in EXPECTED.values()]
    assert len(codes) == len(set(codes))
