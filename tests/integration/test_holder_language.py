"""The certificate's language follows the holder's record (issue 14): set at issue from the
CLI, a batch CSV and the service, kept across reissues, used by ``vcissue render --config``
unless ``--lang`` overrides it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import ecomentor
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import START, Desk
from vcissue.batch import BatchRow, parse_batch_csv
from vcissue.errors import CredentialError
from vcissue.model import Award
from vcissue.store import Store


def test_the_language_is_on_the_holders_record_and_survives_reissue(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    award = Award.from_request(
        ecomentor(), holder_name="Ivana Horvat", awarded=START, holder_language="HR"
    )
    assert award.holder.language == "hr"
    record = desk.issuer.issue(award, by=desk.alice).record
    assert record.terms["language"] == "hr"
    renewed = desk.issuer.recertify(record.id, by=desk.alice).result.record
    assert renewed.terms["language"] == "hr"
    plain = desk.issuer.issue(desk.award(), by=desk.alice).record
    assert "language" not in plain.terms  # none given: certificates print in English
    with pytest.raises(CredentialError, match="holder language must be one of en, hr"):
        Award.from_request(ecomentor(), holder_name="X", awarded=START, holder_language="xx")


def test_a_batch_row_names_the_language() -> None:
    text = (
        "holder_name,qualification,language\nIvana,ecomentor,hr\nAna,ecomentor,\nBo,ecomentor,de\n"
    )
    rows = list(parse_batch_csv(text, {"ecomentor": ecomentor()}, now=START))
    assert isinstance(rows[0], BatchRow) and rows[0].award.holder.language == "hr"
    assert isinstance(rows[1], BatchRow) and rows[1].award.holder.language is None
    assert rows[2].line == 4 and "holder language" in rows[2].message  # type: ignore[union-attr]


def test_render_prints_in_the_holders_language_unless_told_otherwise(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    code, _, err = run(
        deployment,
        "issue",
        "--qualification",
        "ecomentor",
        "--holder-name",
        "Ivana Horvat",
        "--holder-language",
        "hr",
        "-o",
        "ivana.json",
        key=staff["registrar"],
    )
    assert code == 0, err
    code, _, err = run(deployment, "render", "ivana.json", "-o", "ivana.html")
    assert code == 0, err
    page = (deployment / "ivana.html").read_text()
    assert '<html lang="hr">' in page and "Broj certifikata" in page
    code, _, err = run(deployment, "render", "ivana.json", "-o", "en.html", "--lang", "en")
    assert code == 0, err
    assert '<html lang="en">' in (deployment / "en.html").read_text()
    code, _, err = run(
        deployment, "issue", "--qualification", "ecomentor", "--holder-name", "X",
        "--holder-language", "klingon", key=staff["registrar"],
    )  # fmt: skip
    assert code == 3 and "[credential-invalid]" in err and "holder language" in err
