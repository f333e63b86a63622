"""Projects kept alike in CRM and PDM, with the partners, documents and vehicles they
involve."""

from pathlib import Path
from typing import Any

from loaders.load import Loader
from tests.harness import RunningHub, ok, vin_for
from tests.test_documents import document, offer
from tests.test_partners import person, upsert
from tests.test_vehicles import vehicle

UPSERT = """
mutation($input: ProjectInput!) {
  upsertProject(input: $input) {
    created changed userErrors { field code message }
    project { id number name type phase status startDate endDate version
      partners { role partner { name } } documents { number revision }
      vehicles(first: 5) { edges { node { vin } } } sources { system key } }
  }
}
"""


def project(hub: RunningHub, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertProject"]
    return result


def fleet(unique: str, **values: Any) -> dict[str, Any]:
    return {
        "source": {"system": "CRM", "key": f"PR-{unique}"},
        "number": f"PR-{unique}",
        "name": f"Flottenerneuerung {unique}",
        "type": "FLEET_RENEWAL",
        "phase": "OFFER",
        "startDate": "2026-01-01",
        "partners": [
            {"role": "CUSTOMER", "partner": {"source": {"system": "CRM", "key": f"P-{unique}"}}}
        ],
        "documents": [{"number": f"TO-{unique}", "revision": "A"}],
        "vehicles": [{"vin": vin_for(unique)}],
        **values,
    }


def setup(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    assert document(hub, offer(unique, "A"))["userErrors"] == []
    car = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique)}
    assert vehicle(hub, car)["userErrors"] == []


def test_a_project_links_partners_documents_and_vehicles_and_they_show_it(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    made = project(hub, fleet(unique))
    assert made["userErrors"] == [] and made["created"]
    found = made["project"]
    assert found["status"] == "PLANNED"  # the default of a new project
    assert found["partners"] == [{"role": "CUSTOMER", "partner": {"name": f"Anna Müller {unique}"}}]
    assert found["documents"] == [{"number": f"TO-{unique}", "revision": "A"}]
    assert found["vehicles"]["edges"] == [{"node": {"vin": vin_for(unique)}}]
    # PDM keeps the same project under its own key: one project, two sources.
    pdm = fleet(unique, source={"system": "PDM", "key": f"pdm-{unique}"}, phase="DESIGN")
    assert project(hub, pdm)["project"]["id"] == found["id"]
    shown = ok(
        hub,
        '{ document(number: "TO-%s") { projects { number phase } } '
        'businessPartner(source: {system: "CRM", key: "P-%s"}) { projects { name } } '
        'project(number: "PR-%s") { sources { system } } }' % (unique, unique, unique),
    )
    assert shown["document"]["projects"] == [{"number": f"PR-{unique}", "phase": "DESIGN"}]
    assert shown["businessPartner"]["projects"] == [{"name": f"Flottenerneuerung {unique}"}]
    assert {s["system"] for s in shown["project"]["sources"]} == {"CRM", "PDM"}


def test_projects_filter_sort_and_count_by_status(hub: RunningHub, unique: str) -> None:
    for i, (status, name) in enumerate([("ACTIVE", "Zulassung"), ("ACTIVE", "Ausschreibung"),
                                        ("COMPLETED", "Umbau")]):  # fmt: skip
        values = {"source": {"system": "PDM", "key": f"{unique}-{i}"}, "number": f"{unique}-{i}",
                  "name": f"{name} {unique}", "status": status}  # fmt: skip
        assert project(hub, values)["userErrors"] == []
    mine = {"number": {"startsWith": unique}}
    found = ok(
        hub,
        """query($w: ProjectWhere) { projects(where: $w, orderBy: [{field: NAME}]) {
             edges { node { name } } } projectFacets(where: $w) { status { value count } } }""",
        {"w": {"AND": [mine, {"status": {"eq": "ACTIVE"}}]}},
    )
    assert [e["node"]["name"] for e in found["projects"]["edges"]] == [
        f"Ausschreibung {unique}",
        f"Zulassung {unique}",
    ]
    assert found["projectFacets"]["status"] == [{"value": "ACTIVE", "count": 2}]


def test_a_project_naming_what_does_not_exist_is_refused_naming_each(
    hub: RunningHub, unique: str
) -> None:
    refused = project(
        hub,
        fleet(
            unique, endDate="2025-01-01", documents=[{"number": f"NONE-{unique}", "revision": "A"}]
        ),
    )
    assert refused["project"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "endDate"], "INVALID_DATE_RANGE")
    ]
    missing = project(hub, fleet(unique, documents=[{"number": f"NONE-{unique}", "revision": "A"}]))
    assert {(tuple(e["field"]), e["code"]) for e in missing["userErrors"]} >= {
        (("input", "documents", "0"), "NOT_FOUND"),
    }


def test_an_end_before_the_start_another_source_gave_is_refused_and_changes_nothing(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    made = project(hub, fleet(unique, startDate="2026-06-01"))
    assert made["userErrors"] == []
    pdm = {"source": {"system": "PDM", "key": f"P-{unique}"}, "number": f"PR-{unique}"}
    partial = {k: v for k, v in fleet(unique).items() if k != "startDate"}
    for delivered in ({**pdm, "endDate": "2026-03-01"}, {**partial, "endDate": "2026-03-01"}):
        refused = project(hub, delivered)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["input", "endDate"], "INVALID_DATE_RANGE")
        ], delivered
        assert refused["project"] is None and not refused["changed"]
    kept = project(hub, fleet(unique, startDate="2026-06-01"))["project"]
    assert (kept["startDate"], kept["endDate"], kept["version"]) == (
        "2026-06-01",
        None,
        made["project"]["version"],
    )
    later = project(hub, {**pdm, "endDate": "2026-12-31"})
    assert later["userErrors"] == [] and later["project"]["endDate"] == "2026-12-31"


def test_projects_load_from_ndjson(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    setup(hub, unique)
    (tmp_path / "pdm-projects.ndjson").write_text(
        '{"source": {"key": "L-%s"}, "number": "L-%s", "name": "Umbau %s", '
        '"vehicles": [{"vin": "%s"}]}\n' % (unique, unique, unique, vin_for(unique)),
        encoding="utf-8",
    )
    summary = hub.run(Loader(hub.store, "PDM", tmp_path / "rejects.ndjson").load([tmp_path]))
    assert summary.counts["Project"]["created"] == 1 and summary.rejected == 0
    read = ok(hub, '{ project(number: "L-%s") { vehicles { totalCount } } }' % unique)
    assert read["project"]["vehicles"]["totalCount"] == 1
