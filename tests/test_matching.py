"""Duplicate detection on arrival, the match queue and stewards' rejections."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from graph_schema import matching as rules
from hub.domain import deliveries, kinds, service
from hub.domain.upsert import Delivery, Outcome
from hub.domain.upsert import upsert as upsert_work
from hub.ids import from_global
from hub.mastering import matcher as matcher_module
from hub.mastering import normalize as norm
from hub.mastering.compare import compare
from hub.mastering.matcher import (
    Frequencies,
    GraphMatcher,
    ProfileCache,
    count_terms,
    uncount_terms,
)
from hub.mastering.profile import blocking_keys, completed, profile
from hub.store import Transaction
from tests.harness import RunningHub, ok

_counter = itertools.count()

UPSERT = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) {
    businessPartner { id name sources { system key } }
    created changed
    matchOutcome { action score candidate { id status score explanation
      features { feature score weight left right } left { id } right { id } } }
    userErrors { field code message }
  }
}
"""

OPEN_PAGE = """
query($min: Float, $after: String) {
  matchCandidates(minScore: $min, first: 100, after: $after) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


def open_candidates(hub: RunningHub, least: float = 0.0) -> set[str]:
    """The ids of every open candidate scoring at least ``least``, page by page: the shared
    store holds the candidates of every test."""
    found: set[str] = set()
    after = None
    while True:
        page = hub.graphql(OPEN_PAGE, {"min": least, "after": after})["data"]["matchCandidates"]
        found |= {edge["node"]["id"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


REJECT = """
mutation($id: ID!, $reason: String) {
  rejectMatchCandidate(id: $id, reason: $reason) {
    matchCandidate { id status reason decidedBy decidedOnBehalfOf decidedAt }
    userErrors { field code message }
  }
}
"""


def unique(prefix: str) -> str:
    """A name no other test uses and unlike any other, so tests never match each other's
    partners: syllables drawn from a hash of a counter and this run's process."""
    digest = hashlib.sha256(f"{os.getpid()}-{next(_counter)}".encode()).digest()
    consonants, vowels = "bcdfghklmnprstvwz", "aeiou"
    word = "".join(consonants[b % 17] + vowels[(b // 17) % 5] for b in digest[:6])
    return prefix + word


def person(
    system: str, key: str, first: str | None, last: str, **extra: object
) -> dict[str, object]:
    return {
        "source": {"system": system, "key": key},
        "kind": "PERSON",
        "firstName": first,
        "lastName": last,
        **extra,
    }


def munich(street: str = "Bahnhofstraße", number: str = "12") -> list[dict[str, str]]:
    return [
        {
            "street": street,
            "houseNumber": number,
            "postalCode": "80331",
            "city": "München",
            "country": "DE",
        }
    ]


def upsert(hub: RunningHub, data: dict[str, object]) -> dict[str, Any]:
    body = hub.graphql(UPSERT, {"input": data})
    assert "errors" not in body, body
    payload = body["data"]["upsertBusinessPartner"]
    assert payload["userErrors"] == [], payload
    return payload  # type: ignore[no-any-return]


# ---- normalisation and scoring (no database) ----------------------------------------------


def test_umlaut_spellings_normalise_alike() -> None:
    assert norm.text("Müller") == norm.text("Mueller") == "mueller"
    assert norm.text("Straße") == norm.text("STRASSE")


def test_street_abbreviations_and_house_numbers_normalise_alike() -> None:
    assert norm.street("Bahnhofstr.") == norm.street("Bahnhofstraße") == "bahnhofstrasse"
    assert norm.street("Bahnhof Str.") == "bahnhofstrasse"
    assert norm.house_number("12 a") == norm.house_number("12A") == "12a"


def test_legal_forms_normalise_to_one_token() -> None:
    assert norm.organization("Weber GmbH") == ("weber", "gmbh")
    assert norm.organization("Weber Gesellschaft mit beschränkter Haftung") == ("weber", "gmbh")
    assert norm.organization("Weber Gesellschaft mbH") == ("weber", "gmbh")
    assert norm.organization("杭州赵氏科技有限公司") == ("hang zhou zhao shi ke ji", "ltd")


def test_phone_and_email_have_canonical_forms() -> None:
    assert norm.phone("+49 89 1234567") == norm.phone("089 1234567")
    assert norm.email(" Anna.Mueller+crm@Example.COM ") == "anna.mueller@example.com"


def test_chinese_names_in_characters_and_pinyin_compare_equal() -> None:
    chars = profile({"kind": "PERSON", "firstName": "芳", "lastName": "王"})
    pinyin = profile({"kind": "PERSON", "firstName": "Fang", "lastName": "Wang"})
    assert (chars.first, chars.last) == (pinyin.first, pinyin.last)
    assert set(blocking_keys(chars)) & set(blocking_keys(pinyin))


def test_same_tax_number_in_same_country_is_a_match() -> None:
    a = profile(
        {
            "kind": "ORGANIZATION",
            "organizationName": "Weber GmbH",
            "taxNumber": "DE123456789",
            "addresses": munich(),
        }
    )
    b = profile(
        {
            "kind": "ORGANIZATION",
            "organizationName": "Spedition Weber",
            "taxNumber": "123456789",
            "addresses": munich("Hauptstraße", "1"),
        }
    )
    verdict = compare(a, b)
    assert verdict.score == 1.0
    assert verdict.rule and "tax number" in verdict.rule


def test_persons_with_different_birth_dates_are_never_merged_automatically() -> None:
    father = profile(
        person("CRM", "1", "Hans", "Huber", birthDate="1950-03-01", addresses=munich())
    )
    son = profile(person("ERP", "2", "Hans", "Huber", birthDate="1980-07-09", addresses=munich()))
    verdict = compare(father, son)
    assert verdict.score < 0.9
    assert verdict.rule and "birth dates" in verdict.rule


def test_two_digits_count_as_swapped_only_when_each_took_the_others_place() -> None:
    def birth_similarity(a: str, b: str) -> float:
        left = profile(person("CRM", "1", "Jie", "Liu", birthDate=a))
        right = profile(person("ERP", "2", "Jie", "Liu", birthDate=b))
        (found,) = [f for f in compare(left, right).features if f.feature == "birthDate"]
        return found.similarity

    assert birth_similarity("1951-08-09", "1915-08-09") == 0.5
    assert birth_similarity("1951-08-09", "1975-08-09") == 0.0


def test_a_source_silent_on_identifiers_is_compared_with_the_partners_own() -> None:
    whole = profile(
        person("CRM", "1", "Lena", "Schulz", birthDate="1968-03-04", addresses=munich())
    )
    erp_view = profile(person("ERP", "2", "Lena", "Schulz", addresses=munich()))
    namesake = profile(
        person("CRM", "3", "Lena", "Schulz", birthDate="1993-10-11", addresses=munich())
    )
    alone = compare(erp_view, namesake)  # alone, the extract cannot tell them apart
    assert rules.REVIEW <= alone.score < rules.AUTO_MERGE
    assert alone.rule == "no evidence beyond name and place"
    view = completed(erp_view, whole)
    assert (view.birth, view.last) == (whole.birth, erp_view.last)
    assert compare(view, namesake).score < rules.REVIEW  # one household, two birth dates


def test_a_batch_counts_its_own_values_before_it_is_written() -> None:
    empty_hub = Frequencies({})
    batch = [profile(person("CRM", str(n), f"Vorname{n}", "Müller")) for n in range(300)]
    with_batch = empty_hub.including(batch)
    assert with_batch("personName", "mueller") > 100 * empty_hub("personName", "mueller")
    assert with_batch("personName", "vorname7") < 2 * empty_hub("personName", "vorname7")


def test_a_couple_at_one_address_is_never_merged_automatically() -> None:
    husband = profile(person("CRM", "1", "John", "Block", phone="030 1234567", addresses=munich()))
    wife = profile(person("ERP", "2", "Mary", "Block", birthDate="1971-05-02", addresses=munich()))
    verdict = compare(husband, wife)
    assert verdict.score < rules.REVIEW  # not even proposed: one household, two people
    (first,) = [f for f in verdict.features if f.feature == "firstName"]
    assert first.weight < 0
    initial = compare(husband, profile(person("ERP", "3", "J", "Block", addresses=munich())))
    assert "first names" not in (initial.rule or "")  # an initial is no other name


def test_a_person_and_an_organisation_are_never_the_same() -> None:
    a = profile(person("CRM", "1", "Hans", "Weber", addresses=munich()))
    b = profile({"kind": "ORGANIZATION", "organizationName": "Hans Weber", "addresses": munich()})
    assert compare(a, b).score == 0.0


def test_every_feature_explains_its_weight() -> None:
    a = profile(person("CRM", "1", "Anna", "Müller", birthDate="1980-01-02", addresses=munich()))
    b = profile(
        person(
            "ERP", "2", "Anna", "Mueller", birthDate="1980-01-02", addresses=munich("Bahnhofstr.")
        )
    )
    verdict = compare(a, b)
    names = {f.feature for f in verdict.features}
    assert {"lastName", "firstName", "street", "houseNumber", "postalCode", "city"} <= names
    assert "lastName +" in verdict.explanation


# ---- on arrival, through the API ------------------------------------------------------------


def test_new_partner_reports_created(hub: RunningHub) -> None:
    last = unique("Neu")
    payload = upsert(hub, person("CRM", f"c-{last}", "Ida", last, addresses=munich()))
    assert payload["created"] is True
    assert payload["matchOutcome"]["action"] == "CREATED"


def test_repeated_delivery_reports_matched_existing(hub: RunningHub) -> None:
    last = unique("Wdh")
    data = person("CRM", f"c-{last}", "Ida", last, addresses=munich())
    upsert(hub, data)
    again = upsert(hub, data)
    assert again["matchOutcome"]["action"] == "MATCHED_EXISTING"
    assert again["changed"] is False


def test_profile_cache_keeps_the_recently_used_and_never_grows_past_its_size() -> None:
    cache = ProfileCache(size=2)
    texts = [f'{{"kind": "PERSON", "lastName": "{name}"}}' for name in ("Ahn", "Bauer", "Cho")]
    first = cache(texts[0])
    assert first.last == "ahn"
    bauer = cache(texts[1])
    assert cache(texts[0]) is first  # a hit, and now the most recently used
    cache(texts[2])  # evicts Bauer, the least recently used
    assert len(cache) == 2
    assert cache(texts[0]) is first
    again = cache(texts[1])
    assert again == bauer and again is not bauer  # read again after its eviction


def test_profiles_prepared_in_another_thread_are_used_and_bounded() -> None:
    matcher = GraphMatcher(remembered=3)
    states = [{"kind": "PERSON", "lastName": f"Name{i}", "firstName": "Ada"} for i in range(5)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(matcher.prepare, states[:2]))
    prepared = matcher._profiled(dict(states[0]))  # an equal state: the prepared profile
    assert prepared is matcher._profiled(states[0])
    assert prepared[1] == blocking_keys(prepared[0])
    for state in states[2:]:
        matcher.prepare(state)
    assert len(matcher._profiles) == 3  # the oldest went first
    assert matcher._profiled(states[0]) is not prepared
    assert matcher._profiled(states[0]) == prepared


def test_blocking_keys_are_linked_once_and_counted_exactly(hub: RunningHub) -> None:
    last = unique("Blk")
    data = person("CRM", f"c-{last}", "Ida", last, addresses=munich(), email=f"{last}@x.de")
    partner_id = upsert(hub, data)["businessPartner"]["id"]
    # A change adds keys (a second address) to a partner that has keys already.
    upsert(hub, {**data, "addresses": munich() + munich("Marienplatz", "1")})
    upsert(hub, {**data, "addresses": munich() + munich("Marienplatz", "1")})
    rows = hub.run(
        hub.store.query(
            "MATCH (p:BusinessPartner {id: $id}) WITH p.matchKeys AS keys "
            "UNWIND keys AS key MATCH (m:MatchKey {value: key}) "
            "RETURN m.value AS key, size([x IN m.members WHERE x = $id]) AS links, "
            "m.size AS size, size(m.members) AS partners, "
            "size([k IN keys WHERE k = key]) AS listed",
            {"id": from_global(partner_id)[1]},  # type: ignore[index]
        )
    )
    assert rows
    assert all(row["links"] == 1 and row["listed"] == 1 for row in rows), rows
    assert all(row["size"] == row["partners"] for row in rows), rows
    assert any(row["key"].startswith("h:") and "1" in row["key"] for row in rows), rows


def test_a_partner_leaves_the_blocks_its_values_no_longer_give(hub: RunningHub) -> None:
    last = unique("Mov")
    data = person("CRM", f"c-{last}", "Ida", last, addresses=munich(), email=f"{last}@x.de")
    hub_key = from_global(upsert(hub, data)["businessPartner"]["id"])[1]  # type: ignore[index]

    def blocks_of_partner() -> dict[str, int]:
        rows = hub.run(
            hub.store.query(
                "MATCH (m:MatchKey) WHERE $id IN m.members RETURN m.value AS key, m.size AS size",
                {"id": hub_key},
            )
        )
        return {row["key"]: row["size"] for row in rows}

    before = blocks_of_partner()
    assert any(key.endswith("|80331") for key in before), before
    # The customer moves to Hamburg and changes the e-mail address.
    moved = [{"street": "Alsterweg", "houseNumber": "4", "postalCode": "20095",
              "city": "Hamburg", "country": "DE"}]  # fmt: skip
    upsert(hub, {**data, "addresses": moved, "email": f"{last}@y.de"})
    after = blocks_of_partner()
    assert not any(key.endswith("|80331") or "muenchen" in key.lower() for key in after), after
    assert f"e:{last.lower()}@x.de" not in after and f"e:{last.lower()}@y.de" in after
    assert any(key.endswith("|20095") for key in after), after
    (listed,) = hub.run(
        hub.store.query(
            "MATCH (p:BusinessPartner {id: $id}) RETURN p.matchKeys AS keys", {"id": hub_key}
        )
    )
    assert sorted(listed["keys"]) == sorted(after)
    left = hub.run(
        hub.store.query(
            "UNWIND $keys AS key MATCH (m:MatchKey {value: key}) "
            "RETURN m.value AS key, m.size AS size, size(m.members) AS members",
            {"keys": sorted(set(before) - set(after))},
        )
    )
    assert left and all(row["size"] == row["members"] for row in left), left


PAIRS = """
query($first: Int, $status: MatchCandidateStatus) {
  matchCandidates(first: $first, status: $status, orderBy: NEWEST) { edges { node {
    id status score explanation left { id } right { id } } } }
}
"""


def candidate_between(
    hub: RunningHub, a: str, b: str, status: str = "OPEN"
) -> dict[str, Any] | None:
    """The candidate of the two partners in ``status``, if there is one, among the newest:
    other tests' candidates are no concern for a pair just proposed or decided."""
    variables = {"first": 100, "status": status}
    edges = hub.graphql(PAIRS, variables)["data"]["matchCandidates"]["edges"]
    for edge in edges:
        node = edge["node"]
        if {node["left"]["id"], node["right"]["id"]} == {a, b}:
            return node  # type: ignore[no-any-return]
    return None


def test_a_partner_its_system_corrects_into_another_is_proposed_to_a_steward(
    hub: RunningHub,
) -> None:
    last = unique("Kor")
    mobile = "+49 171 5550101"
    crm = person("CRM", f"c-{last}", "Annika", last, birthDate="1980-05-05", phone=mobile,
                 addresses=munich())  # fmt: skip
    first = upsert(hub, crm)["businessPartner"]["id"]
    hamburg = [{"street": "Alsterweg", "houseNumber": "4", "postalCode": "20095",
                "city": "Hamburg", "country": "DE"}]  # fmt: skip
    dealer = person("DEALER", f"d-{last}", "Annika", last, addresses=hamburg)
    apart = upsert(hub, dealer)
    second = apart["businessPartner"]["id"]
    assert second != first and apart["matchOutcome"]["candidate"] is None, apart
    assert candidate_between(hub, first, second) is None
    # The dealer's system completes its record: now it names the CRM's customer.
    corrected = upsert(hub, {**dealer, "birthDate": "1980-05-05", "phone": mobile})
    assert corrected["businessPartner"]["id"] == second  # not merged on arrival
    proposed = candidate_between(hub, first, second)
    assert proposed is not None and proposed["status"] == "OPEN", proposed
    assert proposed["score"] >= rules.REVIEW
    # Delivered again unchanged, it proposes nothing more.
    upsert(hub, {**dealer, "birthDate": "1980-05-05", "phone": mobile})
    edges = hub.graphql(PAIRS, {"first": 100})["data"]["matchCandidates"]["edges"]
    pairs = [
        e for e in edges if {e["node"]["left"]["id"], e["node"]["right"]["id"]} == {first, second}
    ]
    assert len(pairs) == 1


def landline(name: str) -> str:
    """A landline of a household no other test's shares: an area code and digits of
    ``name``'s hash (a line shared with another test's people would make them rivals)."""
    digits = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10**7
    return f"+49 6221 {digits:07d}"


def test_a_spouse_does_not_join_through_a_record_with_only_an_initial(hub: RunningHub) -> None:
    last = unique("Gru")
    line = {"phone": landline(last), "addresses": munich("Lindenweg", "8")}
    husband = upsert(hub, person("CRM", f"c-{last}", "Michael", last, **line))
    initial = upsert(hub, person("ERP", f"e-{last}", "M.", last, **line))
    assert initial["businessPartner"]["id"] == husband["businessPartner"]["id"]
    wife = upsert(hub, person("DEALER", f"d-{last}", "Monika", last, **line))
    assert wife["businessPartner"]["id"] != husband["businessPartner"]["id"], wife
    assert wife["matchOutcome"]["action"] != "AUTO_MERGED"


def test_a_record_that_bridges_two_partners_proposes_them(hub: RunningHub) -> None:
    last = unique("Bri")
    mobile, mail = "+49 171 4001104", f"v.{last.lower()}@mailbox.org"
    potsdam = [{"street": "Gutenbergstraße", "houseNumber": "3", "postalCode": "14467",
                "city": "Potsdam", "country": "DE"}]  # fmt: skip
    crm = upsert(hub, person("CRM", f"c-{last}", "Vincent", last, birthDate="1984-01-31",
                             phone=mobile, addresses=potsdam))  # fmt: skip
    leasing = upsert(hub, person("LEASING", f"l-{last}", "Vincent", last, email=mail,
                                 addresses=munich()))  # fmt: skip
    first, second = crm["businessPartner"]["id"], leasing["businessPartner"]["id"]
    assert first != second
    # A dealer's record with the birth date and mobile of one, the e-mail address of the other.
    bridge = upsert(hub, person("DEALER", f"d-{last}", "Vincent", last, birthDate="1984-01-31",
                                phone=mobile, email=mail, addresses=munich()))  # fmt: skip
    joined = bridge["businessPartner"]["id"]
    assert bridge["matchOutcome"]["action"] == "AUTO_MERGED" and joined in (first, second)
    other = second if joined == first else first
    proposed = candidate_between(hub, joined, other)
    assert proposed is not None and proposed["score"] >= rules.AUTO_MERGE, proposed


def test_new_partners_of_one_batch_sharing_a_key_count_once_each(hub: RunningHub) -> None:
    street = unique("Gasse")
    # Two strangers at one address, delivered in one batch: both are created, and the
    # address key they share counts both.
    rows = [
        person("CRM", f"c-{street}-{n}", first, unique("Nachbar"), addresses=munich(street, "7"))
        for n, first in enumerate(("Ida", "Otto"))
    ]
    built = [deliveries.BUILDERS["BusinessPartner"](row, ()) for row in rows]
    batch = [delivery for delivery, problems in built if delivery is not None and not problems]
    outcomes = hub.run(service.upsert_batch(hub.store, kinds.BUSINESS_PARTNER, batch))
    assert [o.created for o in outcomes] == [True, True], outcomes
    blocks = hub.run(
        hub.store.query(
            "UNWIND $ids AS id MATCH (p:BusinessPartner {id: id}) WITH p.matchKeys AS keys "
            "UNWIND keys AS key MATCH (m:MatchKey {value: key}) "
            "WITH DISTINCT m RETURN m.value AS key, m.size AS size, size(m.members) AS partners",
            {"ids": [o.id for o in outcomes]},
        )
    )
    shared = [b for b in blocks if b["partners"] == 2]
    assert shared, blocks
    assert all(b["size"] == b["partners"] for b in blocks), blocks


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements transactions run from now until ``monkeypatch`` is undone."""
    sent: list[str] = []
    run = Transaction._run

    async def recorded(self: Transaction, cypher: str, params: Any) -> Any:
        sent.append(" ".join(cypher.split()))
        return await run(self, cypher, params)

    monkeypatch.setattr(Transaction, "_run", recorded)
    return sent


def test_a_merge_on_arrival_reads_what_it_decides_on_in_one_statement(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = unique("Einmal")
    data = person("CRM", f"c-{last}", "Ida", last, birthDate="1971-02-03", addresses=munich())
    first = upsert(hub, data)
    sent = _statements(monkeypatch)
    merged = upsert(hub, {**data, "source": {"system": "ERP", "key": f"e-{last}"}})
    monkeypatch.undo()
    assert merged["matchOutcome"]["action"] == "AUTO_MERGED"
    assert merged["businessPartner"]["id"] == first["businessPartner"]["id"]
    # Blocks, candidates, the population and the partner's sources: one read.
    reads = [c for c in sent if "MatchKey {value: k}) WITH collect" in c]
    assert len(reads) == 1, sent
    assert not [c for c in sent if "MatchTerm {term: t}" in c and c not in reads], sent
    assert not [c for c in sent if "RETURN g.id AS id, g.overrides AS overrides" in c], sent


def test_candidates_the_database_ranks_otherwise_are_read_as_the_hub_ranks_them(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = unique("Rang")
    home = {"birthDate": "1972-03-04", "addresses": munich("Birkenweg", "9")}
    first = upsert(hub, person("CRM", f"c-{last}", "Ida", last, **home))
    upsert(hub, person("CRM", f"n-{last}", "Olga", last, birthDate="1950-01-01", **{
        "addresses": home["addresses"]}))  # fmt: skip
    sent = _statements(monkeypatch)
    # The hub ranks the two candidates the other way round from the database, this once.
    ranked = matcher_module.closest
    monkeypatch.setattr(matcher_module, "closest", lambda shared: ranked(shared)[::-1])
    merged = upsert(hub, person("ERP", f"e-{last}", "Ida", last, **home))
    monkeypatch.undo()
    assert merged["matchOutcome"]["action"] == "AUTO_MERGED", merged["matchOutcome"]
    assert merged["businessPartner"]["id"] == first["businessPartner"]["id"]
    assert len([c for c in sent if c.startswith("UNWIND $terms AS t")]) == 1, sent


def test_a_name_erp_cut_short_finds_its_person_arriving_later(hub: RunningHub) -> None:
    last = unique("Schmidt-Hohenlohe-")  # 30 letters: the field's 35 end in "..., AND"
    cut = f"{last.upper()}, ANDREAS"[:35]
    line = {"phone": "+49 89 5550123", "addresses": munich("Lindenweg", "4")}
    upsert(hub, person("ERP", f"e-{last}", None, cut, **line))
    crm = upsert(hub, person("CRM", f"c-{last}", "Andreas", last, birthDate="1966-07-08", **line))
    outcome = crm["matchOutcome"]
    assert outcome["action"] in ("AUTO_MERGED", "QUEUED_FOR_REVIEW"), outcome


def test_same_person_from_another_system_is_merged_into_one_golden_record(hub: RunningHub) -> None:
    last = unique("Mül")
    crm = upsert(
        hub,
        person(
            "CRM",
            f"c-{last}",
            "Anna",
            last,
            birthDate="1980-01-02",
            phone="+49 170 1234567",
            addresses=munich(),
        ),
    )
    # ERP knows no birth date: the mobile number is the evidence beyond name and place.
    erp = upsert(
        hub,
        person(
            "ERP", f"e-{last}", "Anna", last, phone="0170 1234567", addresses=munich("Bahnhofstr.")
        ),
    )
    assert erp["matchOutcome"]["action"] == "AUTO_MERGED"
    assert erp["matchOutcome"]["score"] >= 0.9
    assert erp["created"] is False
    partner = erp["businessPartner"]
    assert partner["id"] == crm["businessPartner"]["id"]
    assert {(s["system"], s["key"]) for s in partner["sources"]} == {
        ("CRM", f"c-{last}"),
        ("ERP", f"e-{last}"),
    }
    # Its change event says it was matching that merged it, and how sure it was.
    history = hub.graphql(
        "query($id: ID!) { businessPartner(id: $id) { changeHistory(first: 10) { edges { node "
        "{ action reason source { system key } } } } } }",
        {"id": partner["id"]},
    )
    assert "errors" not in history, history
    event = history["data"]["businessPartner"]["changeHistory"]["edges"][-1]["node"]
    assert event["source"] == {"system": "ERP", "key": f"e-{last}"}
    assert event["reason"].startswith("merged on arrival, score ")


def history_of(hub: RunningHub, partner_id: str, fields: str) -> list[dict[str, Any]]:
    """The ``fields`` of a partner's change events, oldest first."""
    query = "query($id: ID!) { businessPartner(id: $id) { changeHistory(first: 100) { nodes { %s } } } }"
    found: list[dict[str, Any]] = ok(hub, query % fields, {"id": partner_id})["businessPartner"][
        "changeHistory"
    ]["nodes"]
    return found


def test_a_partner_queued_on_arrival_is_not_said_to_be_merged(hub: RunningHub) -> None:
    last = unique("Que")
    _, second, _ = queued_pair(hub, last, ("1949-05-05", "1979-09-09"), "Buchenweg")
    created = history_of(hub, second["businessPartner"]["id"], "action reason")[0]
    assert created["action"] == "CREATED"
    assert created["reason"].startswith("queued for a steward, score "), created


def father_and_son(
    hub: RunningHub, last: str, born: tuple[str, str], street: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Same name, address and e-mail, another birth date: father and son sharing a family
    mailbox, or a wrong birth date in one system. A steward decides."""
    return tuple(  # type: ignore[return-value]
        upsert(
            hub,
            person(
                system,
                f"{system[0].lower()}-{last}",
                "Paul",
                last,
                birthDate=birth,
                email=f"familie.{last}@example.org",
                addresses=munich(street, "3"),
            ),
        )
        for system, birth in (("CRM", born[0]), ("ERP", born[1]))
    )


def queued_pair(
    hub: RunningHub, last: str, born: tuple[str, str], street: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """:func:`father_and_son`, and the candidate the second delivery queued."""
    first, second = father_and_son(hub, last, born, street)
    candidate = second["matchOutcome"]["candidate"]
    assert candidate is not None, second
    return first, second, candidate


def household(n: int) -> tuple[str, dict[str, Any]]:
    """A surname no other test uses, and the landline and address of the ``n``-th household
    of that name in these tests."""
    return unique("Lin"), {
        "phone": f"+49 89 555{n}417",
        "addresses": munich("Amselweg", str(4 + 2 * n)),
    }


def crm_hans(hub: RunningHub, key: str, last: str, born: str, line: dict[str, Any]) -> Any:
    """A CRM record of Hans ``last``, born ``born``, of the household ``line``."""
    return upsert(hub, person("CRM", f"{key}-{last}", "Hans", last, birthDate=born, **line))


def erp_hans(hub: RunningHub, last: str, line: dict[str, Any]) -> dict[str, Any]:
    """An ERP customer master of Hans ``last``: the name in one field, no birth date."""
    return upsert(hub, person("ERP", f"e-{last}", None, f"{last.upper()}, HANS", **line))


def test_an_erp_record_joins_the_only_person_of_its_name_on_the_households_line(
    hub: RunningHub,
) -> None:
    last, line = household(0)
    wife = upsert(hub, person("CRM", f"w-{last}", "Petra", last, birthDate="1956-03-02", **line))
    hans = crm_hans(hub, "h", last, "1954-08-09", line)
    erp = erp_hans(hub, last, line)
    assert erp["matchOutcome"]["action"] == "AUTO_MERGED", erp["matchOutcome"]
    assert erp["businessPartner"]["id"] == hans["businessPartner"]["id"]
    assert wife["businessPartner"]["id"] != hans["businessPartner"]["id"]


def test_a_systems_second_record_of_one_name_on_one_line_waits_for_a_steward(
    hub: RunningHub,
) -> None:
    last, line = household(8)
    first = upsert(hub, person("ERP", f"g-{last}", None, f"{last.upper()}, KARL", **line))
    second = upsert(hub, person("ERP", f"f-{last}", None, f"{last.upper()}, KARL", **line))
    # Two customer masters of one name at one line: the ERP knows two Karls there.
    assert second["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW", second["matchOutcome"]
    assert second["businessPartner"]["id"] != first["businessPartner"]["id"]
    # Another system's record is the one Karl that system knows of, as before.
    crm = upsert(hub, person("CRM", f"k-{last}", "Karl", last, **line))
    assert crm["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW"  # two Karls known now


def test_a_systems_second_person_of_one_name_and_household_waits_for_a_steward(
    hub: RunningHub,
) -> None:
    """Father and son in one CRM: the father with his birth date, the son with his e-mail
    address, one landline. CRM keeping two records says it knows two people there."""
    last, line = household(9)
    father = upsert(hub, person("CRM", f"f-{last}", "Klaus", last, birthDate="1964-04-01", **line))
    son = upsert(
        hub, person("CRM", f"s-{last}", "Klaus", last, email=f"k.{last}@posteo.de", **line)
    )
    assert son["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW", son["matchOutcome"]
    assert son["businessPartner"]["id"] != father["businessPartner"]["id"]


def test_an_erp_record_waits_for_a_steward_when_two_of_its_name_share_the_line(
    hub: RunningHub,
) -> None:
    last, line = household(1)
    father = crm_hans(hub, "f", last, "1950-01-02", line)
    son = crm_hans(hub, "s", last, "1979-04-05", line)
    assert son["matchOutcome"]["action"] == "CREATED", son["matchOutcome"]  # not proposed
    erp = erp_hans(hub, last, line)
    assert erp["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW", erp["matchOutcome"]
    assert erp["businessPartner"]["id"] not in {
        father["businessPartner"]["id"],
        son["businessPartner"]["id"],
    }


def test_an_erp_record_on_the_father_goes_to_a_steward_when_his_son_of_one_name_turns_up(
    hub: RunningHub,
) -> None:
    last, line = household(2)
    father = crm_hans(hub, "f", last, "1951-02-13", line)
    erp = erp_hans(hub, last, line)  # the only Hans of the household the hub knows: his
    assert erp["businessPartner"]["id"] == father["businessPartner"]["id"]
    son = crm_hans(hub, "s", last, "1980-06-17", line)
    assert son["businessPartner"]["id"] != father["businessPartner"]["id"], son["matchOutcome"]
    # Nothing in the ERP record tells father from son: it leaves the father, and waits for
    # a steward against both.
    rows = hub.run(
        hub.store.query(
            "MATCH (:SourceRecord {entity: 'BusinessPartner', system: 'ERP', key: $key})"
            "-[:SOURCE_OF]->(e:BusinessPartner) "
            "MATCH (e)<-[:LEFT|RIGHT]-(c:MatchCandidate {status: 'OPEN'})-[:LEFT|RIGHT]->"
            "(o:BusinessPartner) WHERE o <> e "
            "MATCH (o)<-[:SOURCE_OF]-(s:SourceRecord) "
            "RETURN s.key AS key, c.explanation AS why, "
            "COUNT { (e)<-[:SOURCE_OF]-(:SourceRecord) } AS sources",
            {"key": f"e-{last}"},
        )
    )
    assert sorted(row["key"] for row in rows) == [f"f-{last}", f"s-{last}"], rows
    assert all("one of two people of one name" in row["why"] for row in rows)
    assert rows[0]["sources"] == 1
    sources = hub.graphql(
        'query($key: String!) { businessPartner(source: {system: "CRM", key: $key}) '
        "{ sources { system key } } }",
        {"key": f"f-{last}"},
    )["data"]["businessPartner"]["sources"]
    assert sources == [{"system": "CRM", "key": f"f-{last}"}]


def test_an_erp_record_on_the_son_goes_to_a_steward_when_his_father_of_one_name_turns_up(
    hub: RunningHub,
) -> None:
    """The other order: the ERP record joined the son, the only Hans the hub knew there; the
    father, born a generation before the son, is the household's second Hans."""
    last, line = household(11)
    son = crm_hans(hub, "s", last, "1980-06-17", line)
    erp = erp_hans(hub, last, line)
    assert erp["businessPartner"]["id"] == son["businessPartner"]["id"]
    # The father gives his mobile number, not the household's line: the address is theirs.
    father = crm_hans(hub, "f", last, "1951-02-13", {**line, "phone": "+49 171 5550117"})
    assert father["businessPartner"]["id"] != son["businessPartner"]["id"], father["matchOutcome"]
    erp_partner = hub.graphql(
        'query($key: String!) { businessPartner(source: {system: "ERP", key: $key}) { id } }',
        {"key": f"e-{last}"},
    )["data"]["businessPartner"]["id"]
    assert erp_partner not in {son["businessPartner"]["id"], father["businessPartner"]["id"]}


def test_a_record_with_a_placeholder_birth_date_on_the_father_does_not_take_in_his_son(
    hub: RunningHub,
) -> None:
    last, line = household(4)
    # Two systems no rule ranks: the later delivery's values would win.
    father = upsert(
        hub, person("DEALER", f"f-{last}", "Hans", last, birthDate="1953-05-12", **line)
    )
    leasing = upsert(
        hub, person("LEASING", f"l-{last}", "Hans", last, birthDate="1900-01-01", **line)
    )
    assert leasing["businessPartner"]["id"] == father["businessPartner"]["id"]
    golden = hub.graphql(
        'query($key: String!) { businessPartner(source: {system: "LEASING", key: $key}) '
        "{ birthDate } }",
        {"key": f"l-{last}"},
    )["data"]["businessPartner"]
    assert golden == {"birthDate": "1953-05-12"}  # a placeholder is no birth date
    son = crm_hans(hub, "s", last, "1984-08-17", line)
    assert son["businessPartner"]["id"] != father["businessPartner"]["id"], son["matchOutcome"]


def test_a_birth_date_an_outranked_source_gives_does_not_take_in_its_namesake(
    hub: RunningHub,
) -> None:
    last, line = household(5)
    daughter = upsert(hub, person("CRM", f"d-{last}", "Anna", last, birthDate="1985-04-17", **line))
    dealer = {"addresses": line["addresses"]}
    upsert(hub, person("DEALER", f"x-{last}", "Anna", last, birthDate="1985-04-17", **dealer))
    # The dealer corrects its record to another day; the CRM's value stays the partner's.
    upsert(hub, person("DEALER", f"x-{last}", "Anna", last, birthDate="1958-09-03", **dealer))
    mother = upsert(hub, person("CRM", f"m-{last}", "Anna", last, birthDate="1958-09-03", **line))
    assert mother["businessPartner"]["id"] != daughter["businessPartner"]["id"], mother


def _partner_of(hub: RunningHub, system: str, key: str) -> str:
    found = hub.graphql(
        "query($s: SourceRefInput!) { businessPartner(source: $s) { id } }",
        {"s": {"system": system, "key": key}},
    )
    return str(found["data"]["businessPartner"]["id"])


def test_a_source_corrected_to_another_person_leaves_the_partner_for_a_steward(
    hub: RunningHub,
) -> None:
    last, line = household(6)
    crm = upsert(hub, person("CRM", f"p-{last}", "Peter", last, birthDate="1990-03-08", **line))
    dealer = person("DEALER", f"p-{last}", "Peter", last, birthDate="1990-03-08", **line)
    assert upsert(hub, dealer)["matchOutcome"]["action"] == "AUTO_MERGED"
    # A new e-mail address is no reason to doubt the merge.
    upsert(hub, {**dealer, "email": f"peter.{last}@web.de".lower()})
    assert _partner_of(hub, "DEALER", f"p-{last}") == crm["businessPartner"]["id"]
    # Corrected to another birth date: the two no longer merge; a steward decides.
    upsert(hub, {**dealer, "birthDate": "1991-07-14"})
    split = _partner_of(hub, "DEALER", f"p-{last}")
    assert split != crm["businessPartner"]["id"]
    ids = [from_global(g) for g in (split, crm["businessPartner"]["id"])]
    pair = hub.run(
        hub.store.query(
            "MATCH (c:MatchCandidate {status: 'OPEN'})-[:LEFT]->(l) MATCH (c)-[:RIGHT]->(r) "
            "WHERE l.id IN $ids AND r.id IN $ids RETURN c.score AS score",
            {"ids": [i[1] for i in ids if i is not None]},
        )
    )
    assert [row["score"] for row in pair] == [rules.BIRTH_DATE_CEILING]


def test_a_source_that_moves_or_marries_stays_with_its_partner(hub: RunningHub) -> None:
    last, line = household(7)
    born = {"birthDate": "1961-05-05"}
    crm = upsert(hub, person("CRM", f"w-{last}", "Werner", last, **born, **line))
    dealer = person("DEALER", f"w-{last}", "Werner", last, **born, **line)
    assert upsert(hub, dealer)["businessPartner"]["id"] == crm["businessPartner"]["id"]
    # A move (another town and line) and a new surname are a person's changes, not doubts.
    elsewhere = {"phone": "+49 40 1234567", "addresses": [{"street": "Ring", "houseNumber": "2",
                 "postalCode": "20095", "city": "Hamburg", "country": "DE"}]}  # fmt: skip
    upsert(hub, {**dealer, **elsewhere, "lastName": f"Neu{last}"})
    assert _partner_of(hub, "DEALER", f"w-{last}") == crm["businessPartner"]["id"]
    # A birth date typed again with a typo is no other person either.
    upsert(hub, {**dealer, **elsewhere, "birthDate": "1961-05-06"})
    assert _partner_of(hub, "DEALER", f"w-{last}") == crm["businessPartner"]["id"]


def test_an_erp_record_before_the_son_in_one_batch_waits_for_a_steward(hub: RunningHub) -> None:
    last, line = household(3)
    father = crm_hans(hub, "f", last, "1951-02-13", line)
    rows = [  # one load batch: the ERP record first, then the son
        person("ERP", f"e-{last}", None, f"{last.upper()}, HANS", **line),
        person("CRM", f"s-{last}", "Hans", last, birthDate="1980-06-17", **line),
    ]
    built = [deliveries.BUILDERS["BusinessPartner"](row, ()) for row in rows]
    batch = [delivery for delivery, problems in built if delivery is not None and not problems]
    erp, son = hub.run(service.upsert_batch(hub.store, kinds.BUSINESS_PARTNER, batch))
    assert erp.match is not None and son.match is not None
    father_id = from_global(father["businessPartner"]["id"])
    assert father_id is not None
    assert erp.match.action == "QUEUED_FOR_REVIEW", erp.match
    assert erp.id not in {father_id[1], son.id}
    # Queued against the father, and the son against the ERP record.
    assert erp.match.golden == father_id[1]
    assert son.match.action == "QUEUED_FOR_REVIEW", son.match


def test_uncertain_pair_is_queued_for_a_steward(hub: RunningHub) -> None:
    first, second = father_and_son(hub, unique("Rev"), ("1950-02-03", "1979-11-12"), "Gartenweg")
    outcome = second["matchOutcome"]
    assert outcome["action"] == "QUEUED_FOR_REVIEW", outcome
    assert second["created"] is True
    candidate = outcome["candidate"]
    assert candidate["status"] == "OPEN"
    assert candidate["left"]["id"] == second["businessPartner"]["id"]
    assert candidate["right"]["id"] == first["businessPartner"]["id"]
    assert {f["feature"] for f in candidate["features"]} >= {"lastName", "birthDate"}
    assert "birth dates" in candidate["explanation"]
    assert candidate["id"] in open_candidates(hub, outcome["score"])
    node = hub.graphql(
        "query($id: ID!) { node(id: $id) { ... on MatchCandidate { id status } } }",
        {"id": candidate["id"]},
    )["data"]["node"]
    assert node == {"id": candidate["id"], "status": "OPEN"}


def test_a_misspelt_common_name_weighs_as_little_as_the_name_it_resembles(
    hub: RunningHub,
) -> None:
    surname = unique("Brenn")
    common = [profile({"kind": "PERSON", "firstName": "Lena", "lastName": surname})] * 2000

    async def counted(tx: Transaction) -> None:
        await count_terms(tx, common)

    async def uncounted(tx: Transaction) -> None:
        await uncount_terms(tx, common)

    hub.run(hub.store.write(counted))  # as if 2,000 partners bore the name
    try:
        home = munich("Lindenweg", "4")
        upsert(hub, person("CRM", unique("k"), "Hans", surname, addresses=home))
        typo = surname[:-2] + surname[-1]  # one letter dropped: a name nobody else has
        second = upsert(hub, person("DLR", unique("k"), "Hans", typo, addresses=home))
    finally:
        hub.run(hub.store.write(uncounted))  # the other tests' frequencies stay as they were
    candidate = second["matchOutcome"]["candidate"]
    assert candidate is not None, second["matchOutcome"]
    (last,) = [f for f in candidate["features"] if f["feature"] == "lastName"]
    # Weighed as the rare misspelling, the agreement would count its full level (7).
    assert last["score"] < 1.0
    assert last["weight"] <= 5.0, last


def test_rejected_pair_is_recorded_and_never_proposed_again(hub: RunningHub) -> None:
    last = unique("Rej")
    _, _, candidate = queued_pair(hub, last, ("1951-04-05", "1981-06-07"), "Lindenweg")
    body = hub.graphql(
        REJECT,
        {"id": candidate["id"], "reason": "neighbours"},
        headers={"X-Hub-User": "steward.anna"},
    )
    rejected = body["data"]["rejectMatchCandidate"]
    assert rejected["userErrors"] == []
    assert rejected["matchCandidate"]["status"] == "REJECTED"
    assert rejected["matchCandidate"]["reason"] == "neighbours"
    # The authenticated caller decided (here the local developer); the front end's user is
    # recorded as whom it acted for.
    assert rejected["matchCandidate"]["decidedBy"] == "local-developer"
    assert rejected["matchCandidate"]["decidedOnBehalfOf"] == "steward.anna"
    assert rejected["matchCandidate"]["decidedAt"]
    again = hub.graphql(REJECT, {"id": candidate["id"]})["data"]["rejectMatchCandidate"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    # Both partners' histories hold the decision, naming the candidate by its API ID.
    history = history_of(hub, candidate["left"]["id"], "action changes { field after }")
    (decision,) = [e for e in history if e["action"] == "REJECTED"]
    assert decision["changes"][0]["after"] == {"id": candidate["id"], "status": "REJECTED"}
    # A changed delivery of the same partner is matched again, but the pair stays rejected.
    changed = upsert(
        hub,
        person(
            "ERP",
            f"e-{last}",
            "Paul",
            last,
            email=f"{last}@example.com",
            addresses=munich("Gartenweg", "5"),
        ),
    )
    assert changed["matchOutcome"]["action"] == "MATCHED_EXISTING"
    assert candidate["id"] not in open_candidates(hub)


CANDIDATE = """
query($id: ID!) {
  node(id: $id) { ... on MatchCandidate { status score explanation features { feature score } } }
}
"""


def test_a_queued_candidate_is_scored_again_when_one_side_changes(hub: RunningHub) -> None:
    last = unique("Fresh")
    _, _, candidate = queued_pair(hub, last, ("1951-04-05", "1981-06-07"), "Eschenweg")
    assert "birth dates" in candidate["explanation"]
    # ERP corrects the birth date: the steward now sees the evidence as it is.
    corrected = person(
        "ERP", f"e-{last}", "Paul", last, birthDate="1951-04-05",
        email=f"familie.{last}@example.org", addresses=munich("Eschenweg", "3"),
    )  # fmt: skip
    assert upsert(hub, corrected)["matchOutcome"]["action"] == "MATCHED_EXISTING"
    fresh = hub.graphql(CANDIDATE, {"id": candidate["id"]})["data"]["node"]
    assert fresh["status"] == "OPEN"
    assert fresh["score"] > candidate["score"]
    assert "birth dates" not in fresh["explanation"]
    assert {"feature": "birthDate", "score": 1.0} in fresh["features"]
    # ERP now describes someone else: the pair leaves the queue.
    other = person("ERP", f"e-{last}", "Ferdinand", last, birthDate="1990-10-30",
                   email=f"ferdinand.{last}@example.org",
                   addresses=munich("Eschenweg", "3"))  # fmt: skip
    upsert(hub, other)
    assert hub.graphql(CANDIDATE, {"id": candidate["id"]})["data"]["node"] is None


ACCEPT = """
mutation($id: ID!, $overrides: [AttributeOverrideInput!], $reason: String) {
  acceptMatchCandidate(id: $id, overrides: $overrides, reason: $reason) {
    matchCandidate { id status reason decidedBy decidedAt }
    businessPartner { id birthDate sources { system key } }
    userErrors { field code message }
  }
}
"""


def test_accepting_a_candidate_merges_the_pair_in_one_step(hub: RunningHub) -> None:
    last = unique("Acc")
    first, _, candidate = queued_pair(hub, last, ("1951-04-05", "1981-06-07"), "Ahornweg")
    accepted = hub.graphql(
        ACCEPT,
        {
            "id": candidate["id"],
            "overrides": [{"attribute": "birthDate", "value": "1951-04-05"}],
            "reason": "one person, ERP has a wrong birth date",
        },
    )["data"]["acceptMatchCandidate"]
    assert accepted["userErrors"] == []
    assert accepted["matchCandidate"]["status"] == "MERGED"
    assert accepted["matchCandidate"]["decidedBy"] == "local-developer"
    partner = accepted["businessPartner"]
    # The partner the candidate was raised for joins the one it resembles.
    assert partner["id"] == first["businessPartner"]["id"]
    assert partner["birthDate"] == "1951-04-05"
    assert {s["system"] for s in partner["sources"]} == {"CRM", "ERP"}
    again = hub.graphql(ACCEPT, {"id": candidate["id"]})["data"]["acceptMatchCandidate"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"


def test_accepting_with_a_bad_override_names_it_and_merges_nothing(hub: RunningHub) -> None:
    last = unique("Acb")
    _, _, candidate = queued_pair(hub, last, ("1952-04-05", "1982-06-07"), "Ulmenweg")
    refused = hub.graphql(
        ACCEPT, {"id": candidate["id"], "overrides": [{"attribute": "shoeSize", "value": "44"}]}
    )["data"]["acceptMatchCandidate"]
    assert refused["businessPartner"] is None
    assert refused["userErrors"][0]["field"] == ["overrides", "0", "attribute"]
    assert candidate["id"] in open_candidates(hub)  # still open


def test_rejecting_an_unknown_candidate_names_the_id(hub: RunningHub) -> None:
    body = hub.graphql(REJECT, {"id": "nonsense"})
    errors = body["data"]["rejectMatchCandidate"]["userErrors"]
    assert errors[0]["field"] == ["id"]
    assert errors[0]["code"] == "INVALID_ID"


def one_person(system: str, last: str) -> dict[str, object]:
    """One person as ``system`` delivers her: what two systems delivering at once both say."""
    return person(
        system,
        f"{system}-{last}",
        "Greta",
        last,
        birthDate="1971-05-06",
        phone="+49 40 7654321",
        addresses=munich("Rosenweg", "8"),
    )


def test_concurrent_upserts_of_one_new_partner_never_make_two_silent_duplicates(
    hub: RunningHub,
) -> None:
    last = unique("Par")
    barrier = threading.Barrier(2)

    def send(system: str) -> dict[str, Any]:
        data = one_person(system, last)
        barrier.wait()
        return upsert(hub, data)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(send, ["CRM", "ERP"]))
    ids = {r["businessPartner"]["id"] for r in results}
    actions = sorted(r["matchOutcome"]["action"] for r in results)
    assert len(ids) == 1 or "QUEUED_FOR_REVIEW" in actions, actions
    if len(ids) == 1:
        assert actions == ["AUTO_MERGED", "CREATED"]


def test_a_new_partner_matched_before_another_writer_created_it_is_matched_again(
    hub: RunningHub,
) -> None:
    # Two processes (workers, replicas) deliver one new person: the second matched before
    # the first committed, and links its partner after. Its link sees the block it read
    # has a new member, and the delivery is matched again, against the first's partner.
    last = unique("Race")

    def delivery(system: str) -> Delivery:
        built, problems = deliveries.BUILDERS["BusinessPartner"](one_person(system, last), ())
        assert built is not None and not problems, problems
        return built

    class Paused(GraphMatcher):
        """Waits, the first time it links, until the other writer has committed."""

        def __init__(self) -> None:
            super().__init__()
            self.links = 0
            self.matched = asyncio.Event()
            self.go_on = asyncio.Event()

        async def record(self, tx: Transaction, *args: Any, **kwargs: Any) -> None:
            self.links += 1
            if self.links == 1:
                self.matched.set()
                await self.go_on.wait()
            await super().record(tx, *args, **kwargs)

    async def race() -> tuple[list[Outcome], list[Outcome], int]:
        paused = Paused()

        def write(matcher: GraphMatcher, row: Delivery) -> Callable[[Transaction], Any]:
            return lambda tx: upsert_work(tx, kinds.BUSINESS_PARTNER, [row], service.now(), matcher)

        second = asyncio.create_task(service.run_keyed(hub.store, write(paused, delivery("ERP"))))
        await paused.matched.wait()
        first = await service.run_keyed(hub.store, write(GraphMatcher(), delivery("CRM")))
        paused.go_on.set()
        return first, await second, paused.links

    first, second, links = hub.run(race())
    assert first[0].created
    assert links == 2, "the second writer matched again"
    decision = second[0].match
    assert decision is not None and decision.action == "AUTO_MERGED", decision
    assert second[0].id == first[0].id


@pytest.mark.parametrize(
    "spelling", ["Weber Gesellschaft mit beschränkter Haftung", "Weber Gesellschaft mbH"]
)
def test_organisation_with_another_legal_form_spelling_is_merged(
    hub: RunningHub, spelling: str
) -> None:
    tax = f"DE{next(_counter) + 300000000}"
    name = unique("Spedition ")
    crm = upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"o-{tax}"},
            "kind": "ORGANIZATION",
            "organizationName": f"{name} Weber GmbH",
            "taxNumber": tax,
            "addresses": munich(),
        },
    )
    erp = upsert(
        hub,
        {
            "source": {"system": "ERP", "key": f"o-{tax}"},
            "kind": "ORGANIZATION",
            "organizationName": spelling.replace("Weber", f"{name} Weber"),
            "addresses": munich(),
        },
    )
    assert erp["matchOutcome"]["action"] == "AUTO_MERGED", erp["matchOutcome"]
    assert erp["businessPartner"]["id"] == crm["businessPartner"]["id"]
