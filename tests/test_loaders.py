"""hub load: CSV and NDJSON extracts through the write path, with rejects and resumption."""

import asyncio
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub.domain import service
from hub.domain.batch_matching import BatchSummary
from hub.domain.files import FileStore
from hub.errors import RetryLater
from hub.store import Transaction
from loaders import load as load_module
from loaders.fields import Fields
from loaders.formats import FormatError, Reading, check_encoding, read, unflatten
from loaders.load import Loader, Summary, skipped_in
from loaders.progress import LiveLine, MatchLine, render
from tests.harness import RunningHub, hub_command, ok, vin_for


def write_ndjson(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def partners(token: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "source": {"key": f"{token}-{i}"},
            "kind": "PERSON",
            "firstName": "Jonas",
            "lastName": f"L{token}{i}",
        }
        for i in range(n)
    ]


def load(
    hub: RunningHub, tmp: Path, paths: list[Path], batch_size: int = 1000, **options: Any
) -> Summary:
    loader = Loader(hub.store, "CRM", tmp / "rejects.ndjson", batch_size=batch_size, **options)
    summary: Summary = hub.run(loader.load(paths))
    return summary


def test_csv_rows_load_with_nested_columns_and_lists(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    write_ndjson(tmp_path / "partners.ndjson", partners(unique, 1))
    (tmp_path / "vehicles.csv").write_text(
        "source.key,vin,make,modelYear,configuration,owner.source.key\n"
        f"V-{unique},{vin_for(unique)},BMW,2022,S423|P337,{unique}-0\n"
    )
    summary = load(hub, tmp_path, [tmp_path])
    assert summary.counts["Vehicle"]["created"] == 1
    assert summary.rejected == 0
    vehicle = ok(
        hub,
        '{ vehicle(vin: "%s") { modelYear configuration owner { lastName } sources { system } } }'
        % vin_for(unique),
    )
    assert vehicle["vehicle"] == {
        "modelYear": 2022,
        "configuration": ["P337", "S423"],
        "owner": {"lastName": f"L{unique}0"},
        "sources": [{"system": "CRM"}],
    }


def test_rows_not_in_the_files_encoding_are_rejected_and_load_once_it_is_named(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # An extract saved as Latin-1: "Müller" is the byte 0xfc, which UTF-8 cannot decode.
    rows = [{**p, "lastName": f"Müller{unique}{i}"} for i, p in enumerate(partners(unique, 2))]
    rows[0]["lastName"] = f"Meier{unique}"
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (tmp_path / "partners.ndjson").write_bytes(lines.encode("latin-1"))
    csv_text = f"source.key,kind,firstName,lastName\nC-{unique},PERSON,Jörg,Weiß{unique}\n"
    (tmp_path / "crm-partners.csv").write_bytes(csv_text.encode("latin-1"))
    files = [tmp_path / "partners.ndjson", tmp_path / "crm-partners.csv"]

    summary = load(hub, tmp_path, files)
    assert dict(summary.counts["BusinessPartner"]) == {"created": 1, "rejected": 2}
    assert summary.read_bytes == summary.total_bytes == sum(f.stat().st_size for f in files)
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert [(r["file"].rsplit("/", 1)[-1], r["line"]) for r in rejects] == [
        ("partners.ndjson", 2),
        ("crm-partners.csv", 2),
    ]
    assert "byte 0xfc" in rejects[0]["errors"][0]["message"]
    assert "--encoding" in rejects[0]["errors"][0]["message"]
    assert f"M\\xfcller{unique}1" in rejects[0]["row"]  # the byte, shown, not lost
    assert "column firstName" in rejects[1]["errors"][0]["message"]

    again = Loader(hub.store, "CRM", tmp_path / "again.ndjson", encoding="latin-1")
    summary = hub.run(again.load(files))
    assert summary.counts["BusinessPartner"]["rejected"] == 0
    found = ok(
        hub,
        '{ a: businessPartner(source: {system: "CRM", key: "%s-1"}) { lastName } '
        'b: businessPartner(source: {system: "CRM", key: "C-%s"}) { firstName } }'
        % (unique, unique),
    )
    assert found == {"a": {"lastName": f"Müller{unique}1"}, "b": {"firstName": "Jörg"}}


def test_a_csv_header_or_extra_cell_not_in_the_encoding_is_one_reject_each(tmp_path: Path) -> None:
    header = tmp_path / "partners.csv"
    header.write_bytes("source.key,kind,Straße\nP1,PERSON,x\nP2,PERSON,y\n".encode("latin-1"))
    [line] = list(read(header))
    assert line.row is None and line.number == 1
    assert "byte 0xdf" in (line.error or "") and "no row of the file was read" in (line.error or "")
    assert "Stra\\xdfe" in line.raw

    extra = tmp_path / "vehicles.csv"
    extra.write_bytes("source.key,vin\nV1,X,Weiß\nV2,Y\n".encode("latin-1"))
    first, second = list(read(extra))
    assert "byte 0xdf" in (first.error or "") and "past the header" in (first.error or "")
    assert second.row == {"source": {"key": "V2"}, "vin": "Y"}


def test_a_csv_row_with_a_stray_quote_is_rejected_with_its_text_and_the_rows_after_it_read(
    tmp_path: Path,
) -> None:
    file = tmp_path / "partners.csv"
    file.write_text('source.key,lastName\nP1,Meier\nP2,"Sch"ulz\nP3,Kurz\nP4,"Lang\nP5,Ende\n')
    lines = [(x.number, x.row["source"]["key"] if x.row else x.error) for x in read(file)]
    assert lines == [
        (2, "P1"),
        (3, "not CSV: ',' expected after '\"'"),
        (4, "P3"),
        (5, "not CSV: unexpected end of data"),  # an unclosed quote takes the rest along
    ]
    # The rejects keep the text of the lines the reader took along: nothing is lost.
    assert [x.raw for x in read(file) if x.row is None] == ['P2,"Sch"ulz\n', 'P4,"Lang\nP5,Ende\n']


def test_an_idoc_file_that_stops_being_xml_is_one_reject_keeping_the_rest(tmp_path: Path) -> None:
    idoc = (
        '<IDOC BEGIN="1"><EDI_DC40><MESTYP>DEBMAS</MESTYP></EDI_DC40><E1KNA1M SEGMENT="1">'
        "<MSGFN>005</MSGFN><KUNNR>%s</KUNNR><NAME1>%s</NAME1><LAND1>DE</LAND1>"
        "<ORT01>Köln</ORT01></E1KNA1M></IDOC>\n"
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<DEBMAS07>\n'
        + idoc % ("0000900011", "Erste GmbH")
        + idoc % ("0000900012", "Meier & Sohn")  # an & not escaped
        + idoc % ("0000900013", "Dritte AG")
        + "</DEBMAS07>\n"
    )
    file = tmp_path / "debmas.xml"
    file.write_text(text, encoding="utf-8")
    found = list(read(file))
    assert [x.row["source"]["key"] for x in found if x.row] == ["0000900011"]
    (reject,) = [x for x in found if x.row is None]
    assert reject.number == 4 and "not read from line 4 on (2 IDocs" in (reject.error or "")
    # The IDoc after the error is kept in the reject, not passed over.
    assert "0000900013" in reject.raw and "Dritte AG" in reject.raw


def test_a_file_unreadable_in_the_named_encoding_is_one_reject_for_the_rest(
    tmp_path: Path,
) -> None:
    rows = "".join(json.dumps(r) + "\n" for r in partners("x", 3))
    file = tmp_path / "partners.ndjson"
    file.write_bytes(rows.encode("utf-16-le"))  # no byte-order mark: utf-16 cannot start
    [line] = list(read(file, "utf-16"))
    assert line.row is None and "cannot be read from here on as utf-16" in (line.error or "")
    assert [x.row is not None for x in read(file, "utf-16-le")] == [True, True, True]


@pytest.mark.parametrize("name", ["klingon", "hex"])
def test_only_text_encodings_are_accepted(name: str) -> None:
    with pytest.raises(FormatError, match="unknown encoding"):
        check_encoding(name)


def test_a_rejected_row_holding_a_lone_surrogate_is_written_to_the_rejects_file(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # A JSON escape can spell a lone surrogate, which no UTF-8 file holds as it is.
    row = '{"source": {"key": "S-%s"}, "kind": "PERSON", "firstName": "Jo\\udc80"}' % unique
    file = write_ndjson(tmp_path / "partners.ndjson", [row])
    summary = load(hub, tmp_path, [file])
    assert summary.rejected == 1
    [rejected] = (tmp_path / "rejects.ndjson").read_text().splitlines()
    errors = json.loads(rejected)["errors"]
    assert {"field": ["firstName"], "code": "INVALID_VALUE"} in [
        {"field": e["field"], "code": e["code"]} for e in errors
    ]
    assert "Jo\\udc80" in rejected


def test_an_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    write_ndjson(tmp_path / "partners.ndjson", partners("x", 1))
    result = hub_command(
        "load",
        "crm",
        str(tmp_path / "partners.ndjson"),
        "--encoding",
        "klingon",
        env={"HUB_DATA_DIR": str(tmp_path / "var")},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "unknown encoding 'klingon'" in result.stderr


def test_the_live_line_shows_how_much_of_the_input_is_read_and_the_time_left() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    summary = Summary(total_bytes=4000, read_bytes=1000)
    summary.add("BusinessPartner", "created")
    live = LiveLine(out)
    live(summary)
    line = out.getvalue()
    assert line.startswith("\r[######..................]  25% ")
    assert "1 rows" in line
    assert "left" in line
    line_drawn_at = len(out.getvalue())
    time.sleep(0.11)  # the line is redrawn at most ten times a second
    live(Summary(total_bytes=4000, read_bytes=4000))
    redrawn = out.getvalue()[line_drawn_at:]
    assert "100%" in redrawn and "left" not in redrawn
    assert len(redrawn) == len(line)  # the longer line before it is covered


def test_without_a_terminal_the_last_progress_line_is_the_final_state() -> None:
    out = io.StringIO()  # a log file or a pipe: a line every ten seconds
    live = LiveLine(out)
    for done in (1000, 2000, 4000):
        live(Summary(total_bytes=4000, read_bytes=done))
    assert len(out.getvalue().splitlines()) == 1  # only the first was due
    live.finish()
    last = out.getvalue().splitlines()[-1]
    assert "100%" in last, out.getvalue()


def test_the_match_line_shows_the_total_and_the_time_left() -> None:
    out = io.StringIO()
    line = MatchLine(out)
    line(BatchSummary(partners=400, total=1000, merged=3, queued=2))
    text = out.getvalue()
    assert "400 of 1,000 partners" in text and "40%" in text and "left" in text, text


def test_reloading_creates_nothing_twice(hub: RunningHub, unique: str, tmp_path: Path) -> None:
    file = write_ndjson(tmp_path / "partners.ndjson", partners(unique, 5))
    first = load(hub, tmp_path, [file])
    again = load(hub, tmp_path, [file])
    assert first.counts["BusinessPartner"]["created"] == 5
    assert dict(again.counts["BusinessPartner"]) == {"unchanged": 5}


def test_bad_rows_are_rejected_with_file_line_and_codes_and_good_rows_kept(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    rows: list[Any] = [
        *partners(unique, 2),
        "{broken",
        {"source": {"key": f"{unique}-x"}, "kind": "PERSON", "email": "nope"},
        {"source": {"key": f"{unique}-y"}, "kind": "ROBOT", "lastName": "X"},
        {"source": {"key": f"{unique}-z"}, "kind": "PERSON", "lastName": {"not": "text"}},
    ]
    file = write_ndjson(tmp_path / "partners.ndjson", rows)
    summary = load(hub, tmp_path, [file])
    assert summary.counts["BusinessPartner"]["created"] == 2
    assert summary.rejected == 4
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [3, 4, 5, 6]
    assert all(r["file"] == str(file) for r in rejects)
    assert rejects[1]["row"]["email"] == "nope"
    assert {(tuple(e["field"]), e["code"]) for e in rejects[1]["errors"]} == {
        (("lastName",), "REQUIRED"),
        (("email",), "INVALID_EMAIL"),
    }
    assert rejects[2]["errors"][0]["code"] == "INVALID_VALUE"
    assert "ROBOT" in rejects[2]["errors"][0]["message"]
    assert rejects[3]["errors"][0]["field"] == ["lastName"]


def rejected_rows(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp / "rejects.ndjson").read_text().splitlines()]


def test_a_csv_column_the_kind_does_not_know_refuses_the_file_naming_the_closest_column(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    (tmp_path / "vehicles.csv").write_text(
        "source.key,vin,make,colour,owner.source.kee,make.name\n"
        f"V-{unique},{vin_for(unique)},BMW,blue,{unique}-0,x\n"
    )
    summary = load(hub, tmp_path, [tmp_path / "vehicles.csv"])
    assert summary.rows == 1 and summary.rejected == 1
    [reject] = rejected_rows(tmp_path)
    assert reject["line"] == 1
    errors = {tuple(e["field"]): e for e in reject["errors"]}
    assert set(errors) == {("colour",), ("owner", "source", "kee"), ("make", "name")}
    assert "make holds a value, not fields" in errors["make", "name"]["message"]
    assert {e["code"] for e in errors.values()} == {"UNKNOWN_FIELD"}
    assert "did you mean key?" in errors["owner", "source", "kee"]["message"]
    assert "no row of the file was read" in errors["colour",]["message"]
    # Nothing near it: the columns there are, not a guess (colour is no "source").
    assert "did you mean" not in errors["colour",]["message"]
    assert "known here: source, vin" in errors["colour",]["message"]
    assert ok(hub, '{ vehicle(vin: "%s") { vin } }' % vin_for(unique)) == {"vehicle": None}


def test_an_ndjson_field_the_kind_does_not_know_rejects_its_row_and_keeps_the_others(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    rows: list[Any] = partners(unique, 3)
    rows[1]["lastname"] = "typo"
    rows[2]["addresses"] = [{"city": "Köln"}, {"citty": "Bonn", "zip": "53111"}]
    file = write_ndjson(tmp_path / "partners.ndjson", rows)
    summary = load(hub, tmp_path, [file])
    assert summary.counts["BusinessPartner"]["created"] == 1
    first, second = rejected_rows(tmp_path)
    assert [(e["field"], e["code"]) for e in first["errors"]] == [(["lastname"], "UNKNOWN_FIELD")]
    assert "did you mean lastName?" in first["errors"][0]["message"]
    assert [e["field"] for e in second["errors"]] == [
        ["addresses", "1", "citty"],
        ["addresses", "1", "zip"],
    ]
    assert "did you mean city?" in second["errors"][0]["message"]
    assert second["row"]["addresses"][1]["zip"] == "53111"


def test_bad_rows_beyond_what_one_statement_carries_are_all_kept_and_the_good_one_loaded(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # 900 refused rows of 20 KB: with their parsed rows, about 36 MB, more than the 16 MiB
    # one statement's parameters may take.
    rows: list[Any] = partners(unique, 901)
    for row in rows[:900]:
        row["remarks"] = "x" * 20_000
    file = write_ndjson(tmp_path / "partners.ndjson", rows)
    summary = load(hub, tmp_path, [file], batch_size=250)
    assert summary.rejected == 900
    assert summary.counts["BusinessPartner"]["created"] == 1
    (kept,) = hub.run(
        hub.store.query(
            "MATCH (r:RejectedRow {file: $file, status: 'OPEN'}) RETURN count(r) AS n",
            {"file": str(file)},
        )
    )
    assert kept["n"] == 900


def test_long_rows_load_in_smaller_batches_than_the_batch_size(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # 400 organisations of 19 KB each (long names, ten addresses): 1,000 of them to a batch
    # made statements the embedded store never answered, and the load waited for ever.
    letters = random.Random(unique)

    def text() -> str:
        return "".join(letters.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(900))

    rows = [
        {
            "source": {"key": f"{unique}-long-{i}"},
            "kind": "ORGANIZATION",
            "organizationName": text(),
            "addresses": [
                {"street": text(), "houseNumber": str(n), "postalCode": "10115", "city": text()}
                for n in range(10)
            ],
        }
        for i in range(400)
    ]
    file = write_ndjson(tmp_path / "partners.ndjson", rows)
    loader = Loader(hub.store, "CRM", tmp_path / "rejects.ndjson")
    summary = hub.run(asyncio.wait_for(loader.load([file]), 120))
    assert summary.rejected == 0
    assert summary.counts["BusinessPartner"]["created"] == 400


def test_ignoring_unknown_fields_loads_the_rows_and_counts_what_was_left_out(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    rows: list[Any] = partners(unique, 2)
    rows[0]["legacyId"] = "A-1"
    rows[1]["addresses"] = [{"city": "Köln", "district": "Ehrenfeld"}]
    ndjson = write_ndjson(tmp_path / "partners.ndjson", rows)
    (tmp_path / "vehicles.csv").write_text(
        f"source.key,vin,colour\nV-{unique},{vin_for(unique)},blue\n"
    )
    summary = load(hub, tmp_path, [ndjson, tmp_path / "vehicles.csv"], ignore_unknown=True)
    assert summary.rejected == 0
    assert summary.counts["BusinessPartner"]["created"] == 2
    assert summary.counts["Vehicle"]["created"] == 1
    assert summary.ignored[str(ndjson)] == {"legacyId": 1, "addresses.district": 1}
    assert summary.ignored[str(tmp_path / "vehicles.csv")] == {"colour": 1}
    assert "unknown fields ignored: colour (1 rows)" in render(summary)


def test_bad_rows_between_batches_are_each_reported_once_and_every_good_row_loaded(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # Batches of two: the next batch is read, and its bad rows found, while one is written.
    good = partners(unique, 7)
    rows: list[Any] = [*good[:3], "{broken", *good[3:5], "{also broken", *good[5:], "{last"]
    file = write_ndjson(tmp_path / "partners.ndjson", rows)
    summary = load(hub, tmp_path, [file], batch_size=2)
    assert summary.counts["BusinessPartner"]["created"] == 7
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert sorted(r["line"] for r in rejects) == [4, 7, 10]


def test_reference_to_a_record_later_in_the_load_resolves(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    about_later = {
        "source": {"key": f"D1-{unique}"},
        "number": f"N1-{unique}",
        "revision": "A",
        "type": "COMPLAINT",
        "about": [{"source": {"key": f"D2-{unique}"}}],
    }
    later = {
        "source": {"key": f"D2-{unique}"},
        "number": f"N2-{unique}",
        "revision": "A",
        "type": "CONTRACT",
    }
    missing = {
        **about_later,
        "source": {"key": f"D3-{unique}"},
        "number": f"N3-{unique}",
        "about": [{"source": {"key": "never-delivered"}}],
    }
    file = write_ndjson(tmp_path / "documents.ndjson", [about_later, later, missing])
    summary = load(hub, tmp_path, [file], batch_size=1)
    assert summary.counts["Document"]["created"] == 2
    assert summary.rejected == 1
    rejected = json.loads((tmp_path / "rejects.ndjson").read_text())
    assert rejected["line"] == 3
    assert rejected["errors"][0]["code"] == "NOT_FOUND"


def test_references_arriving_late_resolve_over_several_passes_and_the_rest_are_rejected_once(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    # Each document is about the next one: at first only the last resolves, then one more
    # on every pass over the rows kept back.
    chain = 5
    documents: list[Any] = [
        {
            "source": {"key": f"C{i}-{unique}"},
            "number": f"C{i}-{unique}",
            "revision": "A",
            "type": "CONTRACT",
            "about": [{"source": {"key": f"C{i + 1}-{unique}"}}] if i < chain - 1 else [],
        }
        for i in range(chain)
    ]
    orphans = [
        {**documents[0], "source": {"key": f"O{i}-{unique}"}, "number": f"O{i}-{unique}"}
        | {"about": [{"source": {"key": f"never-{unique}-{i}"}}]}
        for i in range(3)
    ]
    rows = [orphans[0], *documents[:2], orphans[1], *documents[2:], orphans[2]]
    file = write_ndjson(tmp_path / "documents.ndjson", rows)
    summary = load(hub, tmp_path, [file], batch_size=2)
    assert dict(summary.counts["Document"]) == {"created": chain, "rejected": 3}
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert sorted(r["line"] for r in rejects) == [1, 4, 8]
    assert sorted(r["row"]["source"]["key"] for r in rejects) == [
        f"O{i}-{unique}" for i in range(3)
    ]
    assert {e["code"] for r in rejects for e in r["errors"]} == {"NOT_FOUND"}
    linked = hub.run(
        hub.store.query(
            "MATCH (d:Document)-[:ABOUT]->(t:Document) WHERE d.number STARTS WITH 'C' "
            "AND d.number ENDS WITH $token RETURN d.number AS d, t.number AS t",
            {"token": unique},
        )
    )
    assert sorted((r["d"], r["t"]) for r in linked) == [
        (f"C{i}-{unique}", f"C{i + 1}-{unique}") for i in range(chain - 1)
    ]


def test_interrupted_load_finishes_when_run_again(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    file = write_ndjson(tmp_path / "partners.ndjson", partners(unique, 6))

    class Killed(Exception):
        """Stands in for Ctrl-C or a kill after the first batch was committed."""

    def interrupt(summary: Summary) -> None:
        raise Killed

    with pytest.raises(Killed):
        load(hub, tmp_path, [file], batch_size=2, progress=interrupt)
    resumed = load(hub, tmp_path, [file], batch_size=2)
    assert dict(resumed.counts["BusinessPartner"]) == {"unchanged": 2, "created": 4}


def loaded_keys(hub: RunningHub, token: str) -> int:
    """Source records of the CRM partners whose keys start with ``token``."""
    rows = hub.run(
        hub.store.query(
            "MATCH (s:SourceRecord {entity: 'BusinessPartner', system: 'CRM'}) "
            "WHERE s.key STARTS WITH $token RETURN count(s) AS n",
            {"token": token},
        )
    )
    return int(rows[0]["n"])


def counted(output: str) -> dict[str, int]:
    """The BusinessPartner line of a load's summary table, by column."""
    line = next(x for x in output.splitlines() if x.startswith("BusinessPartner"))
    cells = [int(c.replace(",", "")) for c in line.split()[1:5]]
    return dict(zip(("created", "updated", "unchanged", "rejected"), cells, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGINT twice", "SIGKILL"])
def test_load_stopped_by_a_signal_finishes_when_run_again(
    hub: RunningHub, unique: str, tmp_path: Path, stop: str
) -> None:
    total = 1500
    # Stopped twice, the second signal must land while a batch is written: larger batches.
    batch = 500 if stop.endswith("twice") else 50
    file = write_ndjson(tmp_path / "partners.ndjson", partners(unique, total))
    env = {"HUB_DATA_DIR": str(hub.services.settings.data_dir), "HUB_LOG_LEVEL": "WARNING"}
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    args = ["load", "crm", str(file), "--batch-size", str(batch), "--rejects", str(tmp_path / "r")]
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", *args],
        env={**base, **env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while loaded_keys(hub, unique) < batch and time.monotonic() < deadline:
        time.sleep(0.02)
    signum = signal.Signals[stop.partition(" ")[0]]
    process.send_signal(signum)
    if stop.endswith("twice"):
        assert process.stderr is not None
        while "stopping after the batch" not in (
            process.stderr.readline() or "stopping after the batch"
        ):
            pass
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    at_stop = loaded_keys(hub, unique)
    assert batch <= at_stop < total, "the load must be stopped half-way to prove anything"
    if signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 128 + signum, err
        assert "run the same command again" in err
        stopped = counted(out)
        written = stopped["created"] + stopped["updated"] + stopped["unchanged"]
        if stop.endswith("twice"):  # at once: the batch being written may be committed too
            assert "may be too" in err
            assert at_stop - batch <= written <= at_stop
        else:  # after the batch being written: the summary counts what is committed
            assert "and no others" in err
            assert written == at_stop

    again = hub_command(*args, env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    counts = counted(again.stdout)
    assert counts["unchanged"] == at_stop
    assert counts["created"] + counts["updated"] + counts["unchanged"] == total
    assert loaded_keys(hub, unique) == total
    third = hub_command(*args, env=env, cwd=tmp_path)
    assert counted(third.stdout)["unchanged"] == total


def test_cli_load_attaches_to_the_running_hub_and_exits_1_on_rejects(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    file = write_ndjson(tmp_path / "crm-partners.ndjson", [*partners(unique, 3), "{"])
    rejects = tmp_path / "rejected.ndjson"
    data_dir = hub.services.settings.data_dir
    result = hub_command(
        "load",
        "crm",
        str(file),
        "--rejects",
        str(rejects),
        env={"HUB_DATA_DIR": str(data_dir)},
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "BusinessPartner" in result.stdout
    assert "1 row rejected" in result.stdout
    assert json.loads(rejects.read_text())["line"] == 4
    assert ok(
        hub, '{ businessPartner(source: {system: "CRM", key: "%s-2"}) { lastName } }' % unique
    ) == {"businessPartner": {"lastName": f"L{unique}2"}}


def test_unknown_file_name_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "misc.csv").write_text("a\n1\n")
    result = hub_command(
        "load",
        "crm",
        str(tmp_path / "misc.csv"),
        env={"HUB_DATA_DIR": str(tmp_path / "var")},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "cannot tell what it holds" in result.stderr


def test_csv_columns_become_nested_inputs_of_their_fields_types() -> None:
    partner = unflatten(
        {
            "source.key": "K",
            "addresses.0.city": "Köln",
            "addresses.1.city": "",
            "roles": "CUSTOMER|VENDOR",
        },
        Fields("BusinessPartner"),
    )
    assert partner == {
        "source": {"key": "K"},
        "addresses": [{"city": "Köln"}],
        "roles": ["CUSTOMER", "VENDOR"],
    }
    vehicle = unflatten({"modelYear": "2020", "configuration": "A1| B2"}, Fields("Vehicle"))
    assert vehicle == {"modelYear": 2020, "configuration": ["A1", "B2"]}
    contract = unflatten({"items.0.singleServices.0.coveragePercent": "100"}, Fields("Contract"))
    assert contract == {"items": [{"singleServices": [{"coveragePercent": 100}]}]}


def test_the_same_source_key_twice_in_one_file_loads_the_first_and_rejects_the_second(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    first = {**partners(unique, 1)[0], "email": f"old-{unique.lower()}@example.com"}
    second = {**first, "email": f"new-{unique.lower()}@example.com"}
    file = write_ndjson(tmp_path / "partners.ndjson", [first, second])
    summary = load(hub, tmp_path, [file])
    assert summary.rejected == 1
    (reject,) = [
        json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()
    ]
    assert reject["line"] == 2
    assert [(e["field"], e["code"]) for e in reject["errors"]] == [(["source", "key"], "DUPLICATE")]
    assert "line 1 of this file" in reject["errors"][0]["message"]
    data = ok(
        hub,
        '{ businessPartners(where: {name: {contains: "L%s0"}}) { totalCount edges { node { email sources { key } } } } }'
        % unique,
    )
    assert data["businessPartners"]["totalCount"] == 1
    node = data["businessPartners"]["edges"][0]["node"]
    assert node["email"] == first["email"]
    assert node["sources"] == [{"key": f"{unique}-0"}]
    # Loaded again, the first row changes nothing and the second is refused again.
    again = load(hub, tmp_path, [file])
    assert again.counts["BusinessPartner"] == {"unchanged": 1, "rejected": 1}


def test_a_csv_header_naming_a_column_twice_or_split_by_semicolons_refuses_the_file(
    tmp_path: Path,
) -> None:
    twice = tmp_path / "partners.csv"
    twice.write_text("source.key,kind,lastName,lastName\nD-1,PERSON,First,Second\n")
    [line] = list(read(twice))
    assert line.row is None and "names lastName more than once" in (line.error or "")
    semicolons = tmp_path / "vehicles.csv"
    semicolons.write_text("source.key;vin\nV-1;WBA\n")
    [line] = list(read(semicolons))
    assert line.row is None and "separated by semicolons" in (line.error or "")


def test_a_csv_row_cut_short_is_rejected_not_loaded_without_its_last_cells(tmp_path: Path) -> None:
    file = tmp_path / "partners.csv"
    file.write_text(
        "source.key,kind,lastName,addresses.0.city\nR-1,PERSON,Short\nR-2,PERSON,Whole,Ulm\nT-3,PER"
    )
    short, whole, truncated = list(read(file))
    assert short.row is None and short.error == "the row has 3 cells, the header 4"
    assert whole.row is not None
    assert truncated.row is None and truncated.error == "the row has 2 cells, the header 4"


def test_a_csv_row_of_the_wrong_width_is_refused_with_the_cells_it_has_kept_for_correction(
    tmp_path: Path,
) -> None:
    file = tmp_path / "partners.csv"
    file.write_text("source.key,kind,lastName\nW-1,PERSON,Wide,extra,more\nW-2,PERSON\n")
    wide, short = list(read(file, reading=Reading(Fields("BusinessPartner"))))
    assert wide.row is None and wide.error == (
        'the row has 5 cells, the header 3; those past it are kept as "cells past the header"'
    )
    assert wide.as_read == {
        "source": {"key": "W-1"},
        "kind": "PERSON",
        "lastName": "Wide",
        "cells past the header": ["extra", "more"],
    }
    assert json.loads(wide.raw)["cells past the header"] == ["extra", "more"]
    assert "null" not in json.loads(wide.raw)
    assert short.row is None and short.as_read == {"source": {"key": "W-2"}, "kind": "PERSON"}


def test_a_csv_row_with_more_cells_than_its_header_keeps_them_under_a_named_key_in_the_rejects(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    file = tmp_path / "partners.csv"
    file.write_text(f"source.key,kind,lastName\n{unique}-1,PERSON,L{unique},extra\n")
    summary = load(hub, tmp_path, [file])
    assert summary.rejected == 1
    [reject] = rejected_rows(tmp_path)
    assert reject["row"] == {
        "source.key": f"{unique}-1",
        "kind": "PERSON",
        "lastName": f"L{unique}",
        "cells past the header": ["extra"],
    }
    assert "4 cells, the header 3" in reject["errors"][0]["message"]


def test_records_named_many_times_in_a_batch_are_looked_up_once_and_each_linked(
    hub: RunningHub, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ndjson(tmp_path / "partners.ndjson", partners(unique, 3))
    (tmp_path / "vehicles.csv").write_text(
        "source.key,vin,make,owner.source.key,dealer.source.key\n"
        + "".join(
            f"V{i}-{unique},{vin_for(unique, i)},BMW,{unique}-{i % 2},{unique}-2\n"
            for i in range(6)
        )
    )
    sent: list[list[Any]] = []
    run = Transaction.run

    async def spy(self: Transaction, cypher: str, params: Any = None) -> Any:
        if params and "refs" in params:
            sent.append(list(params["refs"]))
        return await run(self, cypher, params)

    monkeypatch.setattr(Transaction, "run", spy)
    summary = load(hub, tmp_path, [tmp_path])
    assert summary.counts["Vehicle"]["created"] == 6
    by_source = [refs for refs in sent if refs and "key" in refs[0]]
    assert sorted(r["key"] for r in by_source[-1]) == [f"{unique}-{i}" for i in range(3)]
    for i in range(6):
        vehicle = ok(
            hub,
            '{ vehicle(vin: "%s") { owner { lastName } dealer { lastName } } }'
            % vin_for(unique, i),
        )["vehicle"]
        assert vehicle == {
            "owner": {"lastName": f"L{unique}{i % 2}"},
            "dealer": {"lastName": f"L{unique}2"},
        }


def test_two_new_contracts_listing_one_uiid_in_a_batch_give_it_to_the_first(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    contracts = [
        {
            "source": {"key": f"K{n}-{unique}"},
            "number": f"L{n}-{unique}",
            "type": "SERVICE",
            "items": [{"uiid": f"S-{unique}", "kind": "SERVICE"}],
        }
        for n in (1, 2)
    ]
    file = write_ndjson(tmp_path / "contracts.ndjson", contracts)
    summary = load(hub, tmp_path, [file])
    assert dict(summary.counts["Contract"]) == {"created": 1, "rejected": 1}
    rejected = json.loads((tmp_path / "rejects.ndjson").read_text())
    assert (rejected["line"], rejected["errors"][0]["code"]) == (2, "CONFLICT")
    first = ok(hub, '{ contract(number: "L1-%s") { items { uiid } } }' % unique)
    assert first["contract"]["items"] == [{"uiid": f"S-{unique}"}]


def test_document_rows_naming_no_readable_file_are_rejected_and_the_others_store_theirs(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.pdf").write_bytes(b"%PDF-1.4 " + unique.encode())
    (tmp_path / "files" / "folder.pdf").mkdir()

    def row(n: int, file: str) -> dict[str, Any]:
        return {
            "source": {"key": f"F{n}-{unique}"},
            "number": f"F{n}-{unique}",
            "revision": "A",
            "type": "CONTRACT",
            "file": file,
        }

    rows = [row(1, "files/a.pdf"), row(2, "files/missing.pdf"), row(3, "files/folder.pdf")]
    file = write_ndjson(tmp_path / "documents.ndjson", rows)
    stored = FileStore(tmp_path / "store", max_bytes=1 << 20)
    summary = load(hub, tmp_path, [file], files=stored)
    assert summary.counts["Document"] == {"created": 1, "rejected": 2}
    rejects = [json.loads(x) for x in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    assert [(r["line"], r["errors"][0]["field"], r["errors"][0]["code"]) for r in rejects] == [
        (2, ["file"], "NOT_FOUND"),
        (3, ["file"], "NOT_FOUND"),
    ]
    assert "missing.pdf" in rejects[0]["errors"][0]["message"]
    found = ok(
        hub,
        '{ document(number: "F1-%s", revision: "A") { file { sizeBytes mediaType } } }' % unique,
    )
    assert found["document"]["file"] == {
        "sizeBytes": len(b"%PDF-1.4 " + unique.encode()),
        "mediaType": "application/pdf",
    }


def test_files_a_folder_holds_that_the_load_does_not_read_are_named(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    folder = tmp_path / "crm"
    folder.mkdir()
    write_ndjson(folder / "partners.ndjson", partners(unique, 1))
    for name in ("partner.csv", "partners.txt", "partners.csv.bak", ".DS_Store"):
        (folder / name).write_text("source.key\n")
    (folder / "files").mkdir()
    (folder / "files" / "contract.pdf").write_bytes(b"%PDF")
    summary = load(hub, tmp_path, [folder])
    assert summary.counts["BusinessPartner"]["created"] == 1
    assert sorted(Path(p).name for p in summary.skipped) == [
        "partner.csv", "partners.csv.bak", "partners.txt"
    ]  # fmt: skip
    assert "3 files skipped" in render(summary)


def test_the_changes_a_load_makes_name_hub_load_and_its_system(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    write_ndjson(tmp_path / "partners.ndjson", partners(unique, 1))
    assert load(hub, tmp_path, [tmp_path / "partners.ndjson"]).rejected == 0
    history = ok(
        hub,
        'query($key: String!) { businessPartner(source: {system: "CRM", key: $key}) '
        "{ changeHistory { nodes { action actor { client system } } } } }",
        {"key": f"{unique}-0"},
    )["businessPartner"]["changeHistory"]["nodes"]
    assert [(e["action"], e["actor"]) for e in history] == [
        ("CREATED", {"client": "hub load", "system": "CRM"})
    ]


def test_a_file_saved_as_unicode_text_with_its_byte_order_mark_loads(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    extract = tmp_path / "partners.csv"
    extract.write_text(f"source.key,kind,lastName\nU-{unique},PERSON,Jürgens\n", encoding="utf-16")
    summary = load(hub, tmp_path, [extract])
    assert summary.rejected == 0 and summary.counts["BusinessPartner"]["created"] == 1
    found = ok(
        hub, '{ businessPartner(source: {system: "CRM", key: "U-%s"}) { lastName } }' % unique
    )
    assert found["businessPartner"] == {"lastName": "Jürgens"}


def test_files_in_hidden_folders_are_neither_read_nor_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "notes.txt").write_text("not an extract\n")
    assert skipped_in([tmp_path]) == [tmp_path / "notes.txt"]


def test_a_csv_in_utf_16_without_its_byte_order_mark_is_one_reject_naming_the_encoding(
    tmp_path: Path,
) -> None:
    file = tmp_path / "partners.csv"
    file.write_bytes("source.key,lastName\nP1,Meier\n".encode("utf-16-le"))
    [line] = list(read(file))
    assert line.row is None and "--encoding utf-16-le" in (line.error or "")
    assert [x.row is not None for x in read(file, "utf-16-le")] == [True]


def test_loaded_revisions_link_to_the_ones_they_replace(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    rows = [
        {"source": {"key": f"R{r}-{unique}"}, "number": f"RV-{unique}", "revision": r,
         "type": "CONFIGURATION"}
        for r in ("B", "A", "C")
    ]  # fmt: skip
    load(hub, tmp_path, [write_ndjson(tmp_path / "documents.ndjson", rows)], batch_size=2)
    latest = ok(
        hub,
        '{ document(number: "RV-%s") { revision previousRevision { revision '
        "previousRevision { revision } } } }" % unique,
    )
    assert latest["document"] == {
        "revision": "C",
        "previousRevision": {"revision": "B", "previousRevision": {"revision": "A"}},
    }


def test_a_batch_kept_in_conflict_by_other_writers_is_written_again(
    hub: RunningHub, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Other writers' conflicts, injected: the first two attempts of the batch fail as the
    # store fails them, the third reaches the database.
    real = service.upsert_batch
    attempts: list[int] = []

    async def contended(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) <= 2:
            raise RetryLater("the database met conflicting concurrent writes")
        return await real(*args, **kwargs)

    monkeypatch.setattr(load_module, "PATIENCE", (0.01, 0.01, 0.01))
    monkeypatch.setattr(service, "upsert_batch", contended)
    file = write_ndjson(tmp_path / "partners.ndjson", partners(unique, 3))
    summary = load(hub, tmp_path, [file])
    assert len(attempts) == 3
    assert summary.counts["BusinessPartner"]["created"] == 3


def test_a_batch_in_conflict_past_every_retry_stops_the_load_with_what_was_committed(
    hub: RunningHub, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def contended(*args: Any, **kwargs: Any) -> Any:
        raise RetryLater("the database met conflicting concurrent writes")

    monkeypatch.setattr(load_module, "PATIENCE", (0.01,))
    monkeypatch.setattr(service, "upsert_batch", contended)
    file = write_ndjson(tmp_path / "partners.ndjson", partners(unique, 2))
    with pytest.raises(RetryLater):
        load(hub, tmp_path, [file])
