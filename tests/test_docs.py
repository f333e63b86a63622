"""Documentation kept in step with the code."""

import re
from pathlib import Path

from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"`(HUB_[A-Z0-9_]+)`", (ROOT / "docs/configuration.md").read_text())
    )
    settings = {f"HUB_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set(), "document these in docs/configuration.md"
    assert documented - settings == set(), "docs/configuration.md names settings that do not exist"


def test_readme_gives_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make serve" in readme
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in (
        "hub serve",
        "hub schema apply",
        "hub schema print",
        "hub load",
        "hub generate",
        "hub clients add",
        "hub clients list",
        "hub clients revoke",
        "hub webhooks add",
        "hub export",
    ):
        assert command in readme
