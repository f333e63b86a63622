"""upsertDocument with file upload (GraphQL multipart request), download and revisions."""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.harness import RunningHub, ok, serve_beside
from tests.test_partners import person, upsert

UPSERT = """
mutation($input: DocumentInput!, $file: Upload) {
  upsertDocument(input: $input, file: $file) {
    created changed userErrors { field code message }
    document { id number revision type title releaseStatus version
      file { sha256 sizeBytes mediaType url }
      about { id ... on BusinessPartner { name } }
      previousRevision { revision }
      revisions { revision } }
  }
}
"""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def document(
    hub: RunningHub, data: dict[str, Any], content: bytes | None = None, name: str = "offer.pdf"
) -> dict[str, Any]:
    if content is None:
        return ok(hub, UPSERT, {"input": data, "file": None})["upsertDocument"]  # type: ignore[no-any-return]
    operations = {"query": UPSERT, "variables": {"input": data, "file": None}}
    with hub.client() as client:
        response = client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (name, content, "application/octet-stream")},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["upsertDocument"]  # type: ignore[no-any-return]


def offer(unique: str, revision: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": {"system": "PDM", "key": f"DOC-{unique}-{revision}"},
        "number": f"TO-{unique}",
        "revision": revision,
        "type": "TECHNICAL_OFFER",
        "title": "Offer",
        **extra,
    }


def test_upload_stores_the_file_by_content_and_serves_it(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    result = document(
        hub,
        offer(unique, "A", about=[{"source": {"system": "CRM", "key": f"P-{unique}"}}]),
        PDF + unique.encode(),
    )
    assert result["userErrors"] == [] and result["created"]
    file = result["document"]["file"]
    assert file["sha256"] == hashlib.sha256(PDF + unique.encode()).hexdigest()
    assert file["mediaType"] == "application/pdf"
    assert file["sizeBytes"] == len(PDF) + len(unique)
    assert result["document"]["about"][0]["name"] == f"Anna Müller {unique}"
    with hub.client() as client:
        download = client.get(file["url"])
    assert download.status_code == 200
    assert download.content == PDF + unique.encode()
    assert download.headers["content-type"] == "application/pdf"
    stored = list((hub.services.files.root / file["sha256"][:2]).glob(file["sha256"]))
    assert len(stored) == 1


def test_same_content_twice_is_stored_once_and_changes_nothing(
    hub: RunningHub, unique: str
) -> None:
    content = PDF + b"same" + unique.encode()
    first = document(hub, offer(unique, "A"), content)
    again = document(hub, offer(unique, "A"), content)
    assert (again["created"], again["changed"]) == (False, False)
    other = document(hub, offer(unique + "X", "A"), content)
    assert other["document"]["file"]["sha256"] == first["document"]["file"]["sha256"]


def test_new_revision_links_to_the_previous_one(hub: RunningHub, unique: str) -> None:
    document(hub, offer(unique, "1"))
    document(hub, offer(unique, "3"))
    middle = document(hub, offer(unique, "2"))
    assert middle["document"]["previousRevision"] == {"revision": "1"}
    latest = ok(
        hub,
        '{ document(number: "TO-%s") { revision previousRevision { revision } revisions { revision } } }'
        % unique,
    )
    assert latest["document"] == {
        "revision": "3",
        "previousRevision": {"revision": "2"},
        "revisions": [{"revision": "1"}, {"revision": "2"}, {"revision": "3"}],
    }


def test_document_about_an_unknown_record_is_not_found(hub: RunningHub, unique: str) -> None:
    result = document(
        hub, offer(unique, "A", about=[{"source": {"system": "CRM", "key": "missing"}}])
    )
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "about", "0"], "NOT_FOUND")
    ]


def test_unknown_file_is_404(hub: RunningHub) -> None:
    with hub.client() as client:
        assert client.get("/files/" + "0" * 64).status_code == 404
        assert client.get("/files/not-a-hash").status_code == 404


def test_file_links_follow_the_scheme_and_host_a_trusted_proxy_forwards(
    hub: RunningHub, unique: str
) -> None:
    upsert(hub, person(unique))
    made = document(hub, offer(unique, "A", about=[{"source": {"system": "CRM", "key": f"P-{unique}"}}]),
                     PDF)  # fmt: skip
    query = "query($id: ID!) { node(id: $id) { ... on Document { file { url } } } }"
    variables = {"id": made["document"]["id"]}
    behind_tls = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example.com"}
    # Not configured as a proxy: the forwarded headers say nothing.
    direct = hub.graphql(query, variables, headers=behind_tls)
    assert direct["data"]["node"]["file"]["url"].startswith(hub.url + "/files/")
    settings = make_settings(hub.services.settings.data_dir, trusted_proxies="127.0.0.1")
    with serve_beside(hub, settings) as proxied:
        url = proxied.graphql(query, variables, headers=behind_tls)["data"]["node"]["file"]["url"]
        assert url.startswith("https://hub.example.com/files/"), url
        plain = proxied.graphql(query, variables)["data"]["node"]["file"]["url"]
        assert plain.startswith(proxied.url + "/files/")


def test_a_file_uploaded_through_one_replica_is_downloaded_through_another(
    hub: RunningHub, unique: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared-files"
    replica = make_settings(tmp_path / "one", files_dir=shared)
    other = make_settings(tmp_path / "two", files_dir=shared)
    alone = make_settings(tmp_path / "three")
    with serve_beside(hub, replica) as one, serve_beside(hub, other) as two:
        made = document(one, offer(unique, "A"), PDF + b"shared " + unique.encode())
        path = made["document"]["file"]["url"].split("/files/", 1)[1]
        with two.client() as client:
            download = client.get(f"/files/{path}")
        assert download.status_code == 200
        assert download.content == PDF + b"shared " + unique.encode()
        assert not (tmp_path / "one" / "files").exists()  # kept in the shared folder only
    with serve_beside(hub, alone) as three, three.client() as client:
        missing = client.get(f"/files/{path}")
    assert missing.status_code == 404
    assert any(record.message == "file_missing" for record in caplog.records)


@pytest.mark.parametrize("value", ["abc", 123, {}, [1], True])
def test_a_file_given_as_a_value_is_refused_naming_the_field(
    hub: RunningHub, unique: str, value: Any
) -> None:
    result = ok(hub, UPSERT, {"input": offer(unique, "A"), "file": value})["upsertDocument"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["file"], "INVALID_VALUE")]
    assert "multipart" in result["userErrors"][0]["message"]
    assert result["document"] is None


def test_a_revision_refused_for_its_fields_stores_no_file(hub: RunningHub, unique: str) -> None:
    content = PDF + b"refused " + unique.encode()
    sha256 = hashlib.sha256(content).hexdigest()
    result = document(hub, offer(unique, ""), content)
    assert [e["code"] for e in result["userErrors"]] == ["REQUIRED"]
    assert hub.services.files.path(sha256) is None


def test_a_new_revision_under_the_key_of_another_is_refused_and_loses_nothing(
    hub: RunningHub, unique: str
) -> None:
    first = document(hub, offer(unique, "A"))
    reused = document(hub, {**offer(unique, "B"), "source": offer(unique, "A")["source"]})
    assert [(e["field"], e["code"]) for e in reused["userErrors"]] == [
        (["input", "revision"], "CONFLICT")
    ]
    kept = ok(hub, '{ document(number: "TO-%s", revision: "A") { id } }' % unique)
    assert kept["document"]["id"] == first["document"]["id"]


def test_a_deleted_revision_is_neither_the_latest_nor_listed(hub: RunningHub, unique: str) -> None:
    for revision in ("1", "2", "3"):
        document(hub, offer(unique, revision))
    deleted = ok(
        hub,
        "mutation($s: SourceRefInput!) { deleteRecord(kind: DOCUMENT, source: $s) "
        "{ recordDeleted userErrors { code } } }",
        {"s": offer(unique, "3")["source"]},
    )["deleteRecord"]
    assert deleted == {"recordDeleted": True, "userErrors": []}
    latest = ok(hub, '{ document(number: "TO-%s") { revision revisions { revision } } }' % unique)
    assert latest["document"] == {
        "revision": "2",
        "revisions": [{"revision": "1"}, {"revision": "2"}],
    }
    still = ok(hub, '{ document(number: "TO-%s", revision: "3") { deletedAt } }' % unique)
    assert still["document"]["deletedAt"] is not None


def test_two_documents_with_the_same_bytes_download_under_their_own_names(
    hub: RunningHub, unique: str
) -> None:
    content = b"same bytes " + unique.encode()
    offer_a = document(hub, offer(unique, "A"), content, name="offer.txt")
    other = {**offer(unique, "B"), "number": f"XO-{unique}"}
    offer_b = document(hub, other, content, name='../../other".txt')
    assert offer_b["document"]["file"]["sha256"] == offer_a["document"]["file"]["sha256"]
    with hub.client() as client:
        first = client.get(offer_a["document"]["file"]["url"])
        second = client.get(offer_b["document"]["file"]["url"])
    assert "offer.txt" in first.headers["content-disposition"]
    assert "other" in second.headers["content-disposition"]
    assert "offer.txt" not in second.headers["content-disposition"]
    assert "/" not in second.headers["content-disposition"].replace("utf-8''", "")
    for response in (first, second):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "sandbox"
        assert response.content == content


def test_a_number_or_revision_with_a_line_break_is_refused(hub: RunningHub, unique: str) -> None:
    broken = document(hub, offer(unique, "1\n2"))
    assert [(e["field"], e["code"]) for e in broken["userErrors"]] == [
        (["input", "revision"], "INVALID_VALUE")
    ]
    tabbed = document(hub, {**offer(unique, "A"), "number": f"TO-{unique}\tX"})
    assert [(e["field"], e["code"]) for e in tabbed["userErrors"]] == [
        (["input", "number"], "INVALID_VALUE")
    ]
