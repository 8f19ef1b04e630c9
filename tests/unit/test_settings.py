"""Settings: found by the rule, TOML file plus environment, paths relative to the file,
safe defaults, typos refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from vcissue.errors import SettingsError
from vcissue.settings import find_config, load_settings, read_passphrase

GOOD = """
[store]
url = "sqlite:///data/vcissue.db"
[keys]
dir = "keys"
passphrase_file = "secret"
[status]
base_url = "https://certs.example/status-lists"
publish_dir = "public"
[qualifications]
files = ["q/ecomentor.json"]
[policy]
revocation_approvers = 1
[policy.revocation_approvers_per_qualification]
ecomentor = 2
"""


def test_file_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text(GOOD)
    settings = load_settings(config, env={})
    assert settings.store_url == f"sqlite:///{tmp_path}/data/vcissue.db"
    assert settings.keys_dir == tmp_path / "keys"
    assert settings.publish_dir == tmp_path / "public"
    assert settings.qualification_files == (tmp_path / "q" / "ecomentor.json",)
    policies = settings.issuer_settings().policies
    assert policies.of("revoke", "ecomentor").approvers == 2
    assert policies.of("revoke", "kcs").approvers == 1


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text(GOOD)
    env = {
        "VCISSUE_STORE_URL": "postgresql://u@db/x",
        "VCISSUE_REVOCATION_APPROVERS": "3",
        "VCISSUE_KEY_PASSPHRASE": "from-env",
    }
    settings = load_settings(config, env=env)
    assert settings.store_url == "postgresql://u@db/x"
    assert settings.revocation_approvers == 3
    (tmp_path / "secret").write_text("from-file\n")
    assert read_passphrase(settings, env) == b"from-file"  # the configured file wins
    bare = tmp_path / "bare.toml"
    bare.write_text("")
    assert read_passphrase(load_settings(bare, env=env), env) == b"from-env"
    assert read_passphrase(load_settings(bare, env={}), {}) is None


def test_the_rule_config_then_environment_then_the_working_directory(tmp_path: Path) -> None:
    named, from_env, local = (tmp_path / n for n in ("named.toml", "env.toml", "vcissue.toml"))
    for path in (named, from_env, local):
        path.write_text("")
    env = {"VCISSUE_CONFIG": str(from_env)}
    assert find_config(named, env, tmp_path) == named
    assert find_config(None, env, tmp_path) == from_env
    assert find_config(None, {}, tmp_path) == local
    local.unlink()
    with pytest.raises(SettingsError, match=r"--config FILE, else \$VCISSUE_CONFIG, else"):
        find_config(None, {}, tmp_path)


def test_defaults_are_the_safe_ones(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text("")
    settings = load_settings(config, env={})
    assert settings.revocation_approvers == 2  # revocation is final: two people decide
    assert settings.publish_dir == tmp_path / "public" / "status-lists"  # changes republish
    config.write_text('[status]\npublish_dir = ""\n')
    assert load_settings(config, env={}).publish_dir is None  # served from the store only
    assert settings.issuer_settings().list_validity == timedelta(days=30)  # = snapshot age
    assert settings.register_lookups_per_minute == 30  # per client: enumeration resistance
    config.write_text("[register]\nlookups_per_minute = 5\n")
    assert load_settings(config, env={}).register_lookups_per_minute == 5


def test_list_validity_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text('[status]\nlist_validity = "PT12H"\n')
    assert load_settings(config, env={}).issuer_settings().list_validity == timedelta(hours=12)
    env = {"VCISSUE_STATUS_LIST_VALIDITY": "P1W"}
    assert load_settings(config, env=env).list_validity == timedelta(weeks=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[store]\nurll = 'x'\n", "unknown keys"),
        ("[stor]\nurl = 'x'\n", "unknown section"),
        ("[store\n", "not valid TOML"),
        ("[policy]\nrevocation_approvers = 0\n", "at least 1"),
        ("[qualifications]\nfiles = 'one.json'\n", "list of paths"),
        ("[issuing]\nsuite = 'rsa-2048'\n", "cryptosuite"),
        ("[policy.decisions.burn]\nrole = 'approver'\n", "unknown decision kind 'burn'"),
        ("[policy.decisions.revoke]\nrole = 'janitor'\n", "unknown role 'janitor'"),
        ("[policy.decisions.revoke]\napprovers = 0\n", "at least 1"),
        ("[policy.decisions.revoke]\nquorum = 2\n", "holds role and approvers"),
        ("[policy.qualifications.kcs.award]\nrole = 'x'\n", "unknown role"),
        ("[policy.qualifications.kcs.burn]\nrole = 'issuer'\n", "policy.qualifications.kcs"),
        ("[policy]\ndecision_expiry = 'soon'\n", "decision_expiry"),
        ("[status]\nlist_validity = 'P1M'\n", "weeks, days, hours"),
        ("[status]\nlist_validity = 'PT5M'\n", "at least ten minutes"),
        ("[status]\nlist_validity = '1 day'\n", "list_validity"),
        ("[register]\nlookups_per_minute = 0\n", "register.lookups_per_minute"),
        ("[register]\nlookups = 5\n", "unknown keys"),
    ],
)
def test_bad_settings_are_typed_errors(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(config, env={})


def test_policy_tables_override_defaults_per_kind_and_per_qualification(tmp_path: Path) -> None:
    config = tmp_path / "vcissue.toml"
    config.write_text(
        "[policy]\n"
        "decision_expiry = 'P7D'\n"
        "[policy.decisions.withdraw]\n"
        "approvers = 2\n"
        "[policy.qualifications.kcs-level2.award]\n"
        "role = 'approver'\n"
        "approvers = 2\n"
    )
    policies = load_settings(config, env={}).issuer_settings().policies
    assert policies.of("withdraw").approvers == 2
    assert policies.of("withdraw").role == "approver"  # role kept from the default
    assert policies.of("award", "kcs-level2") == policies.of("award").__class__("approver", 2)
    assert policies.of("award", "ecomentor").approvers == 1
    assert policies.of("revoke").approvers == 2  # the safe default stays
    assert policies.expires_after.days == 7


def test_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "absent.toml", env={})
