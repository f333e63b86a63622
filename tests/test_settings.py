from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.settings import Settings


def test_defaults_run_the_embedded_store_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)
    assert settings.embedded
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.data_dir == Path("./var")
    assert settings.embedded_heap == "auto"  # sized from the machine's memory


def test_environment_variables_configure_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_NEO4J_URI", "bolt://neo4j:7687")
    monkeypatch.setenv("HUB_NEO4J_PASSWORD", "s3cret")
    monkeypatch.setenv("HUB_PORT", "9000")
    monkeypatch.setenv("HUB_EMBEDDED_HEAP", "512M")
    settings = Settings(_env_file=None)
    assert not settings.embedded
    assert settings.neo4j_uri == "bolt://neo4j:7687"
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.port == 9000
    assert settings.embedded_heap == "512m"


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("HUB_LOG_LEVEL=DEBUG\nHUB_DATA_DIR=/srv/hub\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.log_level == "DEBUG"
    assert settings.data_dir == Path("/srv/hub")


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("HUB_NEO4J_URI", "http://neo4j:7474", "bolt://"),
        ("HUB_EMBEDDED_HEAP", "lots", "'auto' or a number followed by m or g"),
        ("HUB_EMBEDDED_JVM_OPTIONS", "UseG1GC", "'UseG1GC' is not a JVM option"),
        ("HUB_EMBEDDED_JVM_OPTIONS", "-XX:+UseG1GC -Xmx8g", "the heap is set by HUB_EMBEDDED_HEAP"),
        ("HUB_EMBEDDED_JVM_OPTIONS", "-cp /elsewhere", "sets the class path"),
        ("HUB_PORT", "70000", "less than or equal"),
        ("HUB_LOG_LEVEL", "LOUD", "DEBUG"),
    ],
)
def test_invalid_values_name_the_rule(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, rule: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=rule):
        Settings(_env_file=None)


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TRUSTED_PROXIES", "10.0.0.5, fd00::1 172.18.0.0/16")
    proxies = Settings(_env_file=None).trusted_proxy_set
    for trusted in ("10.0.0.5", "fd00::1", "172.18.3.7"):
        assert trusted in proxies, trusted
    for other in ("10.0.0.6", "172.19.0.1", "fd00::2", None, "/run/hub.sock"):
        assert other not in proxies, other
    monkeypatch.setenv("HUB_TRUSTED_PROXIES", "")
    assert not Settings(_env_file=None).trusted_proxy_set
    for wrong, said in (
        ("proxy.internal", "not an IP address or network"),
        ("10.0.0.5/8", "not an IP address or network"),
        ("0.0.0.0/0", "would trust every address"),
    ):
        monkeypatch.setenv("HUB_TRUSTED_PROXIES", wrong)
        with pytest.raises(ValidationError, match=said):
            Settings(_env_file=None)
