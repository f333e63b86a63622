"""docker-compose.yml cannot run here; this keeps its wiring honest."""

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_neo4j_service_runs_neo4j_5_with_auth_volume_and_healthcheck() -> None:
    neo4j = _compose()["services"]["neo4j"]
    assert neo4j["image"].split(":")[0] == "neo4j"
    assert neo4j["image"].split(":")[1].startswith("5.")  # pinned to a 5.x release
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert any(volume.endswith(":/data") for volume in neo4j["volumes"])
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert set(_compose()["volumes"]) >= {v.split(":")[0] for v in neo4j["volumes"]}


def test_hub_is_built_from_the_dockerfile_and_waits_for_healthy_neo4j() -> None:
    hub = _compose()["services"]["hub"]
    assert (ROOT / hub["build"]["context"] / hub["build"]["dockerfile"]).is_file()
    assert hub["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert any(port.endswith(":8000") for port in hub["ports"])


def test_hub_environment_points_at_the_neo4j_service_with_its_credentials() -> None:
    compose = _compose()
    env = compose["services"]["hub"]["environment"]
    assert env["HUB_NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["HUB_NEO4J_USER"] == "neo4j"
    neo4j_password = re.search(
        r"\$\{(\w+)", compose["services"]["neo4j"]["environment"]["NEO4J_AUTH"]
    )
    hub_password = re.search(r"\$\{(\w+)", env["HUB_NEO4J_PASSWORD"])
    assert neo4j_password and hub_password
    assert neo4j_password.group(1) == hub_password.group(1)
    assert env["HUB_HOST"] == "0.0.0.0"
    assert env["HUB_AUTH"] == "required", "a server on the network never runs open"


def test_every_hub_variable_in_compose_is_a_real_setting() -> None:
    known = {f"HUB_{name.upper()}" for name in Settings.model_fields}
    env = _compose()["services"]["hub"]["environment"]
    assert set(env) <= known


def test_dockerfile_installs_the_packages_and_serves_on_all_interfaces() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    for package in ("hub", "graph_schema", "loaders"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert 'pip install ".${HUB_EXTRAS}"' in dockerfile
    assert "HUB_HOST=0.0.0.0" in dockerfile
    assert 'CMD ["hub", "serve"]' in dockerfile


def test_the_image_for_neo4j_leaves_the_embedded_database_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("arcadedb") for d in project["dependencies"])
    assert any(
        d.startswith("arcadedb-embedded") for d in project["optional-dependencies"]["embedded"]
    )
    assert "master-data-hub[embedded]" in project["optional-dependencies"]["dev"]
    assert 'ARG HUB_EXTRAS=""' in (ROOT / "Dockerfile").read_text()
    build = _compose()["services"]["hub"]["build"]
    assert "args" not in build  # compose runs the hub against Neo4j


def test_every_hub_replica_keeps_document_files_on_one_shared_volume() -> None:
    compose = _compose()
    hub = compose["services"]["hub"]
    files_dir = hub["environment"]["HUB_FILES_DIR"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in hub["volumes"]}
    assert files_dir in mounts, "HUB_FILES_DIR must be a mounted volume"
    assert mounts[files_dir] in compose["volumes"], "a named volume, which replicas share"


def test_the_image_makes_every_mounted_folder_for_the_hubs_user() -> None:
    # A volume mounted where the image has no folder belongs to root: the hub, running as
    # its own user, could not write the files it is sent.
    dockerfile = (ROOT / "Dockerfile").read_text()
    hub = _compose()["services"]["hub"]
    made = re.search(r"mkdir -p ([^&\n]+)&& chown hub:hub ([^\n]+)", dockerfile)
    assert made is not None
    for mount in (v.split(":")[1] for v in hub["volumes"]):
        assert mount in made.group(1).split() and mount in made.group(2).split(), mount
        assert f'"{mount}"' in dockerfile.split("VOLUME", 1)[1].split("\n", 1)[0], mount


def test_the_hub_stops_gracefully_and_reads_the_other_settings_of_env() -> None:
    hub = _compose()["services"]["hub"]
    assert hub["init"] is True, "SIGTERM reaches the hub, which is not PID 1"
    assert int(hub["stop_grace_period"].rstrip("s")) > 30, "longer than the hub's own grace"
    assert hub["env_file"] == [{"path": ".env", "required": False}]
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
