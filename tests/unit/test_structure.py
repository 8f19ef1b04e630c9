"""VC Data Model 2.0 structure rules (vcissue.verify.structure), the W3C DM 2.0 suite's cases.

Each rule with a credential that keeps it and one that breaks it; the verifier reports a
broken rule as a failed ``structure`` check (FORGED). The page's copy of the rules is held
to the same words by tests/interop/test_page_structure.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vcissue.verify import TrustList, verify_credential
from vcissue.verify.structure import structure_problems

ISSUER = "did:key:z6MkhTNL7i2etLerDK8Acz5t528giE5KA4p75T6ka1E1D74r"
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"


def vc(**extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


GOOD = {
    "plain": {},
    "subjects": {"credentialSubject": [{"id": "did:example:a"}, {"name": "B"}]},
    "status": {"credentialStatus": {"type": "BitstringStatusListEntry"}},
    "status-with-url-id": {"credentialStatus": {"id": "https://x.example/1#2", "type": "T"}},
    "statuses": {"credentialStatus": [{"type": "A"}, {"type": ["B", "C"]}]},
    "schema": {"credentialSchema": {"id": "https://x.example/schema", "type": "JsonSchema"}},
    "refresh": {"refreshService": {"type": "ExampleRefreshService"}},
    "terms": {"termsOfUse": [{"type": "IssuerPolicy", "id": "did:example:terms/1"}]},
    "evidence": {"evidence": [{"type": ["Evidence"], "name": "portfolio"}]},
    "related-sri": {
        "relatedResource": {"id": "https://www.w3.org/ns/credentials/v2", "digestSRI": SRI}
    },
    "related-multibase": {
        "relatedResource": [{"id": "https://x.example/a", "digestMultibase": "uabc"}]
    },
}

BAD = {
    "no-subject": ({"credentialSubject": None}, "credentialSubject must be an object"),
    "empty-subject": ({"credentialSubject": {}}, "credentialSubject must make one or more"),
    "one-empty-subject": (
        {"credentialSubject": [{"id": "did:example:a"}, {}]},
        "credentialSubject[1] must make one or more claims",
    ),
    "status-no-type": ({"credentialStatus": {"id": "did:example:status"}}, "must have a type"),
    "status-space-id": (
        {"credentialStatus": {"type": "T", "id": "https ://not-a-url/4"}},
        "credentialStatus.id must be a URL",
    ),
    "status-ids": (
        {"credentialStatus": {"type": "T", "id": ["did:example:1", "did:example:2"]}},
        "credentialStatus.id must be a URL",
    ),
    "status-string": ({"credentialStatus": "https://x.example/1"}, "non-empty list of objects"),
    "status-empty-list": ({"credentialStatus": []}, "non-empty list of objects"),
    "schema-no-type": ({"credentialSchema": {"id": "did:example:schemas/1"}}, "must have a type"),
    "schema-no-id": ({"credentialSchema": {"type": "JsonSchema"}}, "must have an id"),
    "refresh-no-type": ({"refreshService": {"id": "did:example:refresh/1"}}, "must have a type"),
    "terms-no-type": ({"termsOfUse": {}}, "termsOfUse must have a type"),
    "evidence-no-type": ({"evidence": [{"name": "x"}]}, "evidence[0] must have a type"),
    "evidence-empty-type": ({"evidence": {"type": []}}, "evidence must have a type"),
    "related-strings": (
        {"relatedResource": ["https://www.w3.org/ns/credentials/v2"]},
        "relatedResource must be an object or a non-empty list of objects",
    ),
    "related-no-id": ({"relatedResource": [{"digestMultibase": "uabc"}]}, ".id must be a URL"),
    "related-twice": (
        {
            "relatedResource": [
                {"id": "https://x.example/a", "digestSRI": SRI},
                {"id": "https://x.example/a", "digestMultibase": "uabc"},
            ]
        },
        "relatedResource[1].id https://x.example/a is listed twice",
    ),
    "related-no-digest": (
        {"relatedResource": [{"id": "https://x.example/a"}]},
        "must have a digestSRI or a digestMultibase",
    ),
}


@pytest.mark.parametrize("name", GOOD)
def test_kept(name: str) -> None:
    assert structure_problems(vc(**GOOD[name])) == []


@pytest.mark.parametrize("name", BAD)
def test_broken(name: str) -> None:
    change, words = BAD[name]
    problems = structure_problems(vc(**change))
    assert any(words in problem for problem in problems), problems


def test_a_broken_rule_is_a_failed_structure_check() -> None:
    change, _ = BAD["status-no-type"]
    result = verify_credential(vc(**change), trust=TrustList(), now=datetime.now(UTC))
    check = result.check("structure")
    assert check.outcome.value == "failed"
    assert "credentialStatus must have a type" in check.message
    assert result.verdict.value == "FORGED"
