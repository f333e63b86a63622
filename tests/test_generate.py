"""hub generate: a deterministic sample world, its IDoc files and PDFs, loaded end to end."""

import csv
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.stores import file_store
from loaders import idoc
from loaders.generate import generate, systems
from loaders.load import Loader, Summary
from loaders.pdf import text_pdf
from tests.harness import RunningHub, hub_command, ok


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_world_other_seed_other_world(tmp_path: Path) -> None:
    generate(tmp_path / "a", 40, seed=5, duplicate_rate=0.3)
    generate(tmp_path / "b", 40, seed=5, duplicate_rate=0.3)
    generate(tmp_path / "c", 40, seed=6, duplicate_rate=0.3)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


@pytest.mark.parametrize("today", [dt.date(2026, 12, 6), dt.date(2031, 3, 1)])
def test_contracts_run_around_the_day_the_world_is_made(tmp_path: Path, today: dt.date) -> None:
    generate(tmp_path, 300, seed=4, today=today)
    lines = (tmp_path / "crm" / "contracts.ndjson").read_text(encoding="utf-8").splitlines()
    contracts = [json.loads(line) for line in lines]
    active = [c for c in contracts if c["status"] == "ACTIVE"]
    assert active and all(dt.date.fromisoformat(c["endDate"]) >= today for c in active)
    assert any(dt.date.fromisoformat(c["startDate"]) <= today for c in active)
    ended = [c for c in contracts if c["status"] == "EXPIRED"]
    assert ended and all(dt.date.fromisoformat(c["endDate"]) < today for c in ended)


def test_world_has_every_system_non_ascii_names_and_ground_truth(tmp_path: Path) -> None:
    counts = generate(tmp_path, 300, seed=1, duplicate_rate=0.2)
    for name in (
        "crm/partners.ndjson",
        "crm/contracts.ndjson",
        "crm/identification_objects.ndjson",
        "erp/debmas.xml",
        "erp/cremas.xml",
        "vms/vehicles.csv",
        "pdm/documents.ndjson",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    text = (tmp_path / "crm/partners.ndjson").read_text(encoding="utf-8")
    assert re.search("[äöüß]", text) and re.search("[\u4e00-\u9fff]", text)
    with (tmp_path / "truth.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    erp = [row for row in truth if row["system"] == "ERP"]
    assert len(erp) == counts["erp_customers"] + (counts["partners"] - 300)
    assert 0.1 < counts["erp_customers"] / 300 < 0.3
    entities = {row["entity"] for row in truth}
    assert len(entities) == counts["partners"]


def test_generated_pdf_is_well_formed() -> None:
    pdf = text_pdf(["Technical offer", "Müller & Söhne (draft)"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref")
    offsets = [int(line.split()[0]) for line in pdf[start:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())


def test_idoc_masters_load_as_partners(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    idoc.write(
        tmp_path / "debmas.xml",
        "CUSTOMER",
        [
            {
                "KUNNR": f"K{unique}1",
                "ANRED": "Frau",
                "NAME1": f"Weiß{unique}",
                "NAME2": "Käthe",
                "STRAS": "Lindenallee 12a",
                "PSTLZ": "04109",
                "ORT01": "Leipzig",
                "LAND1": "DE",
            },
            {
                "KUNNR": f"K{unique}2",
                "ANRED": "Firma",
                "NAME1": f"Fuhrpark {unique} Gesellschaft",
                "NAME2": "mbH",
                "STRAS": "Am Marktplatz",
                "LAND1": "DE",
                "STCEG": "DE123456789",
            },
        ],
    )
    idoc.write(
        tmp_path / "cremas.xml",
        "VENDOR",
        [{"LIFNR": f"L{unique}", "ANRED": "Firma", "NAME1": f"Autohaus {unique}"}],
    )
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "rejects.ndjson").load([tmp_path]))
    assert summary.counts["BusinessPartner"]["created"] == 3 and summary.rejected == 0
    person = ok(
        hub,
        '{ businessPartner(source: {system: "ERP", key: "K%s1"}) { kind name roles addresses { street houseNumber city } } }'
        % unique,
    )
    assert person["businessPartner"] == {
        "kind": "PERSON",
        "name": f"Käthe Weiß{unique}",
        "roles": ["CUSTOMER"],
        "addresses": [{"street": "Lindenallee", "houseNumber": "12a", "city": "Leipzig"}],
    }
    company = ok(
        hub,
        '{ businessPartner(source: {system: "ERP", key: "K%s2"}) { kind name taxNumber addresses { street houseNumber } } }'
        % unique,
    )
    assert company["businessPartner"] == {
        "kind": "ORGANIZATION",
        "name": f"Fuhrpark {unique} Gesellschaft mbH",
        "taxNumber": "DE123456789",
        "addresses": [{"street": "Am Marktplatz", "houseNumber": None}],
    }
    vendor = ok(hub, '{ businessPartner(source: {system: "ERP", key: "L%s"}) { roles } }' % unique)
    assert vendor["businessPartner"]["roles"] == ["VENDOR"]


def test_broken_idoc_file_is_rejected_not_fatal(hub: RunningHub, tmp_path: Path) -> None:
    (tmp_path / "debmas.xml").write_text("<DEBMAS07><IDOC><E1KNA1M><KUNNR>1</KUNNR>")
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "rejects.ndjson").load([tmp_path]))
    assert summary.rejected == 1
    assert "XML" in (tmp_path / "rejects.ndjson").read_text()


def test_an_idoc_of_another_message_type_is_rejected_not_dropped(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    (tmp_path / "mixed.xml").write_text(
        "<IDOCS>"
        f"<IDOC><EDI_DC40><MESTYP>DEBMAS</MESTYP></EDI_DC40><E1KNA1M><KUNNR>M{unique}</KUNNR>"
        f"<NAME1>Gärtnerei {unique}</NAME1></E1KNA1M></IDOC>"
        "<IDOC><EDI_DC40><MESTYP>MATMAS</MESTYP></EDI_DC40>"
        "<E1MARAM><MATNR>4711</MATNR><MAKTX>Winterreifen</MAKTX></E1MARAM></IDOC>"
        "<IDOC><EDI_DC40><MESTYP>ORDERS</MESTYP></EDI_DC40><E1EDK01><BELNR>1</BELNR></E1EDK01>"
        "</IDOC>"
        "</IDOCS>",
        encoding="utf-8",
    )
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "rejects.ndjson").load([tmp_path]))
    assert summary.rejected == 2 and summary.counts["BusinessPartner"]["created"] == 1
    material, order = [
        json.dumps(json.loads(line), ensure_ascii=False)
        for line in (tmp_path / "rejects.ndjson").read_text().splitlines()
    ]
    assert "E1MARAM" in material and "a file of its own" in material
    assert "ORDERS" in order and "DEBMAS, CREMAS and MATMAS" in order


@dataclass(frozen=True)
class Loaded:
    path: Path
    counts: dict[str, int]
    summary: Summary
    rejects: Path


# A world made on a fixed day: its invoice extract holds every verdict.
WORLD_DAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def loaded(hub: RunningHub, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """One generated world, loaded once for the tests of this module."""
    root = tmp_path_factory.mktemp("generated")
    counts = generate(root / "world", 50, seed=99, duplicate_rate=0.5, today=WORLD_DAY)
    rejects = root / "rejects.ndjson"
    loader = Loader(hub.store, "CRM", rejects, files=file_store(hub.services.settings))
    summary = hub.run(loader.load(list(systems(root / "world"))))
    return Loaded(root / "world", counts, summary, rejects)


def test_a_generated_world_loads_without_rejects_and_its_files_are_served(
    hub: RunningHub, loaded: Loaded
) -> None:
    world, counts, summary = loaded.path, loaded.counts, loaded.summary
    assert summary.rejected == 0, loaded.rejects.read_text()
    assert summary.counts["Document"]["created"] == counts["documents"]
    first = json.loads((world / "pdm/documents.ndjson").read_text().splitlines()[0])
    data = ok(
        hub,
        '{ document(number: "%s", revision: "%s") { file { url mediaType } about { __typename } } }'
        % (first["number"], first["revision"]),
    )
    assert data["document"]["file"]["mediaType"] == "application/pdf"
    assert {a["__typename"] for a in data["document"]["about"]} == {"Vehicle", "BusinessPartner"}
    with hub.client() as client:
        assert client.get(data["document"]["file"]["url"]).content.startswith(b"%PDF")


CHECK = """
mutation($lines: [InvoiceLineInput!]!) { checkInvoiceLines(lines: $lines) { verdict } }
"""


def test_the_hub_gives_the_generated_invoice_lines_their_expected_verdicts(
    hub: RunningHub, loaded: Loaded
) -> None:
    with open(loaded.path / "invoices" / "invoice_lines.csv", encoding="utf-8") as lines:
        rows = list(csv.DictReader(lines))
    with open(loaded.path / "invoices" / "expected_verdicts.csv", encoding="utf-8") as verdicts:
        expected = [row["verdict"] for row in csv.DictReader(verdicts)]
    assert len(rows) == len(expected) == loaded.counts["invoice_lines"]
    sent = [
        {
            "supplier": row["supplier"],
            "invoiceNumber": row["invoiceNumber"],
            "lineNumber": int(row["lineNumber"]),
            "identification": {
                "kind": row["identification.kind"],
                "number": row["identification.number"],
            },
            "date": row["date"],
            "serviceCode": row["serviceCode"],
            "quantity": float(row["quantity"]),
            "amount": row["amount"],
            "currency": row["currency"],
        }
        for row in rows
    ]
    got = [
        checked["verdict"]
        for start in range(0, len(sent), 500)  # in file order: a cap counts earlier lines
        for checked in ok(hub, CHECK, {"lines": sent[start : start + 500]})["checkInvoiceLines"]
    ]
    wrong = [
        (row["supplier"], row["invoiceNumber"], row["lineNumber"], want, found)
        for row, want, found in zip(rows, expected, got, strict=True)
        if want != found
    ]
    assert wrong == []
    assert set(expected) == {
        "COVERED",
        "NOT_COVERED",
        "BLOCKED_OBJECT",
        "OBJECT_EXPIRED",
        "CONTRACT_ENDED",
        "QUOTA_EXCEEDED",
        "UNKNOWN_OBJECT",
    }


def test_the_generated_world_issues_cards_under_items_and_ends_contracts_early(
    hub: RunningHub, loaded: Loaded
) -> None:
    with open(loaded.path / "crm" / "contracts.ndjson", encoding="utf-8") as contracts:
        terminated = [c for c in map(json.loads, contracts) if c["status"] == "TERMINATED"]
    assert terminated and all(c["endDate"] < WORLD_DAY.isoformat() for c in terminated)
    with open(loaded.path / "crm" / "identification_objects.ndjson", encoding="utf-8") as ids:
        cards = [o for o in map(json.loads, ids) if o["kind"] == "FUEL_CARD"]
    query = """query($n: String!) { identificationObject(kind: FUEL_CARD, number: $n) {
        contract { number } item { uiid kind } } }"""
    found = ok(hub, query, {"n": cards[0]["number"]})["identificationObject"]
    assert found["item"] == {"uiid": cards[0]["item"]["uiid"], "kind": "SERVICE"}
    assert found["contract"]["number"] == "LC-" + cards[0]["source"]["key"][3:]


@pytest.mark.slow
def test_serve_demo_fills_an_empty_store_once(tmp_path: Path) -> None:
    def start() -> tuple[subprocess.Popen[str], dict[str, Any]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_DATA_DIR=str(tmp_path / "var"), HUB_EMBEDDED_HEAP="1g", HUB_LOG_FORMAT="json"
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--demo", "--port", "0"],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        events: dict[str, Any] = {}
        deadline = time.monotonic() + 180
        while "hub_ready" not in events and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            entry = json.loads(line)
            events[entry["event"]] = entry
        return process, events

    def stop(process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)

    process, events = start()
    try:
        assert events["demo_loaded"]["rows"] > 5000
        url = events["hub_ready"]["url"]
        body = httpx.post(
            url,
            json={
                "query": "{ businessPartners { totalCount } vehicles { totalCount } "
                "matchCandidates { totalCount } "
                "invoiceLines(where: {verdicts: [UNKNOWN_OBJECT]}, first: 1) { edges { node { "
                "verdict billTo { name } } } } }"
            },
        ).json()
        assert body["data"]["businessPartners"]["totalCount"] > 1000
        assert body["data"]["vehicles"]["totalCount"] > 1000
        # Duplicates a steward can try the queue on.
        assert body["data"]["matchCandidates"]["totalCount"] > 0, body
        # The world's invoices were checked: the queue of unknown cards has lines.
        (unknown,) = body["data"]["invoiceLines"]["edges"]
        assert unknown["node"] == {
            "verdict": "UNKNOWN_OBJECT",
            "billTo": {"name": "Unknown customer"},
        }
        assert events["demo_invoices_checked"]["COVERED"] > 0
        # The README's example queries find something in it, whatever the day.
        readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL)
        examples = [b for b in blocks if "mutation" not in b and "subscription" not in b]
        assert len(examples) == 4
        for example in examples:
            answer = httpx.post(url, json={"query": example}).json()
            assert "errors" not in answer, answer
            (found,) = answer["data"].values()
            assert found and found.get("totalCount", 1) > 0, (example, answer)
    finally:
        stop(process)
    again, events = start()
    try:
        assert "demo_skipped" in events and "demo_loaded" not in events
    finally:
        stop(again)


def test_generating_into_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    result = hub_command("generate", str(blocker), "--partners", "5", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "cannot write the world" in result.stderr
