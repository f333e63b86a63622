"""hub load honours deletions: an IDoc sent with function 003 or the deletion flag, and a
CSV or NDJSON row with deleted true, delete the system's source instead of loading it."""

from __future__ import annotations

import json
from pathlib import Path

from loaders.load import Loader, Summary
from tests.harness import RunningHub, ok

STATE = """
query($key: String!) {
  businessPartner(source: {system: "ERP", key: $key}) {
    deletedAt changeHistory { nodes { action source { system key } } }
  }
}
"""


def load(hub: RunningHub, tmp: Path, *paths: Path) -> Summary:
    summary: Summary = hub.run(Loader(hub.store, "ERP", tmp / "rejects.ndjson").load(list(paths)))
    return summary


def debmas(path: Path, segments: list[str]) -> Path:
    idocs = "".join(
        f"<IDOC><EDI_DC40><MESTYP>DEBMAS</MESTYP></EDI_DC40>{s}</IDOC>" for s in segments
    )
    path.write_text(f"<DEBMAS07>{idocs}</DEBMAS07>", encoding="utf-8")
    return path


def customer(key: str, msgfn: str = "005", flag: str = "") -> str:
    return (
        f"<E1KNA1M SEGMENT='1'><MSGFN>{msgfn}</MSGFN><KUNNR>{key}</KUNNR>"
        f"<NAME1>Spedition {key}</NAME1><LOEVM>{flag}</LOEVM></E1KNA1M>"
    )


def deleted_at(hub: RunningHub, key: str) -> object:
    return ok(hub, STATE, {"key": key})["businessPartner"]["deletedAt"]


def test_an_idoc_with_function_003_or_the_deletion_flag_deletes_the_customer(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    keys = [f"D{unique}{n}" for n in range(3)]
    load(hub, tmp_path, debmas(tmp_path / "create.xml", [customer(k) for k in keys]))
    assert all(deleted_at(hub, k) is None for k in keys)

    (tmp_path / "later").mkdir()
    summary = load(
        hub,
        tmp_path,
        debmas(
            tmp_path / "later" / "delete.xml",
            [customer(keys[0], msgfn="003"), customer(keys[1], flag="X"), customer(keys[2])],
        ),
    )

    assert summary.counts["BusinessPartner"]["deleted"] == 2 and summary.rejected == 0
    assert deleted_at(hub, keys[0]) is not None and deleted_at(hub, keys[1]) is not None
    assert deleted_at(hub, keys[2]) is None
    history = ok(hub, STATE, {"key": keys[0]})["businessPartner"]["changeHistory"]["nodes"]
    assert [e["action"] for e in history] == ["CREATED", "DELETED"]
    assert history[-1]["source"] == {"system": "ERP", "key": keys[0]}


def test_ndjson_and_csv_rows_marked_deleted_delete_and_unknown_keys_are_rejected(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    rows = [
        {"source": {"key": f"N{unique}{n}"}, "kind": "PERSON", "lastName": f"N{n}"}
        for n in range(2)
    ]
    created = tmp_path / "partners.ndjson"
    created.write_text("".join(json.dumps(r) + "\n" for r in rows))
    load(hub, tmp_path, created)

    (tmp_path / "later").mkdir()
    gone = tmp_path / "later" / "partners.ndjson"
    gone.write_text(
        json.dumps({"source": {"key": f"N{unique}0"}, "deleted": True})
        + "\n"
        + json.dumps({"source": {"key": f"never-{unique}"}, "deleted": True})
        + "\n"
    )
    as_csv = tmp_path / "later" / "partners.csv"
    as_csv.write_text(f"source.key,deleted\nN{unique}1,X\n", encoding="utf-8")
    summary = load(hub, tmp_path, gone, as_csv)

    assert summary.counts["BusinessPartner"]["deleted"] == 2
    assert summary.rejected == 1
    reject = json.loads((tmp_path / "rejects.ndjson").read_text().splitlines()[0])
    assert "NOT_FOUND" in json.dumps(reject)
    assert deleted_at(hub, f"N{unique}0") is not None
    assert deleted_at(hub, f"N{unique}1") is not None

    # Delivered again, the partner lives again under its id.
    load(hub, tmp_path, created)
    assert deleted_at(hub, f"N{unique}0") is None


def test_a_file_may_deliver_a_key_delete_it_and_deliver_it_again(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    key = f"R{unique}"
    lines = [
        {"source": {"key": key}, "kind": "PERSON", "lastName": "Erst"},
        {"source": {"key": key}, "deleted": True},
        {"source": {"key": f"S{unique}"}, "kind": "PERSON", "lastName": "Zwischen"},
        {"source": {"key": f"S{unique}"}, "deleted": True},
        {"source": {"key": f"S{unique}"}, "kind": "PERSON", "lastName": "Wieder"},
    ]
    extract = tmp_path / "partners.ndjson"
    extract.write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = load(hub, tmp_path, extract)
    assert summary.rejected == 0, (tmp_path / "rejects.ndjson").read_text()
    assert deleted_at(hub, key) is not None
    assert deleted_at(hub, f"S{unique}") is None


def test_an_idocs_country_without_any_other_part_of_an_address_is_refused_not_dropped(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    alone = customer(f"L{unique}").replace("</E1KNA1M>", "<LAND1>DEU</LAND1></E1KNA1M>")
    summary = load(hub, tmp_path, debmas(tmp_path / "country.xml", [alone]))
    assert summary.rejected == 1
    rejects = (tmp_path / "rejects.ndjson").read_text(encoding="utf-8")
    assert "addresses" in rejects and "DEU" in rejects
