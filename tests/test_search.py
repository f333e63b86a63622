"""Filters as people search: case, accents, umlauts and script; every operator; collation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.domain import rekeying
from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import UPSERT as CONTRACT
from tests.test_partners import upsert
from tests.test_stewardship import MERGE
from tests.test_vehicles import vehicle

PARTNERS = """
query($where: BusinessPartnerWhere, $orderBy: [BusinessPartnerOrderBy!]) {
  businessPartners(where: $where, orderBy: $orderBy, first: 100) { edges { node { id name } } }
}
"""
VEHICLES = """
query($where: VehicleWhere, $orderBy: [VehicleOrderBy!]) {
  vehicles(where: $where, orderBy: $orderBy, first: 100) { edges { node { vin make } } }
}
"""


def organization(hub: RunningHub, system: str, key: str, name: str) -> str:
    payload = upsert(
        hub,
        {
            "source": {"system": system, "key": key},
            "kind": "ORGANIZATION",
            "organizationName": name,
        },
    )
    assert payload["userErrors"] == [], payload
    return str(payload["businessPartner"]["id"])


def partner_names(hub: RunningHub, unique: str, where: dict[str, Any], **args: Any) -> list[str]:
    scoped = {"AND": [{"name": {"containsExact": unique}}, where]}
    edges = ok(hub, PARTNERS, {"where": scoped, **args})["businessPartners"]["edges"]
    return [edge["node"]["name"].replace(unique, "").strip() for edge in edges]


def test_muller_is_found_however_it_is_spelt(hub: RunningHub, unique: str) -> None:
    for n, name in enumerate(["Müller", "MUELLER", "müller", "Mueller", "Muller", "Meier"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{name} {unique}")
    found = partner_names(hub, unique, {"name": {"contains": "Müller"}})
    assert sorted(found) == sorted(["Müller", "MUELLER", "müller", "Mueller"])
    assert sorted(partner_names(hub, unique, {"name": {"contains": "MÜLLER"}})) == sorted(found)
    # Without the umlaut, the spelling without it is found too.
    plain = partner_names(hub, unique, {"name": {"startsWith": "muller"}})
    assert sorted(plain) == sorted(["Müller", "müller", "Muller"])
    assert partner_names(hub, unique, {"name": {"containsExact": "müller"}}) == ["müller"]
    assert partner_names(hub, unique, {"name": {"startsWithExact": "Mu"}}) == ["Mueller", "Muller"]


def test_a_search_of_nothing_but_punctuation_finds_that_punctuation(
    hub: RunningHub, unique: str
) -> None:
    for n, name in enumerate(["Weber & Söhne", "Weber und Söhne", "Weber-Söhne 100%"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{name} {unique}")
    assert partner_names(hub, unique, {"name": {"contains": "&"}}) == ["Weber & Söhne"]
    assert partner_names(hub, unique, {"name": {"contains": "%"}}) == ["Weber-Söhne 100%"]
    assert len(partner_names(hub, unique, {"name": {"contains": ""}})) == 3


def test_a_filter_of_too_many_conditions_is_refused_with_its_limit(
    hub: RunningHub, unique: str
) -> None:
    many = [{"name": {"eq": f"{unique}-{n}"}} for n in range(250)]
    for operator in ("OR", "AND"):
        found = hub.graphql(PARTNERS, {"where": {operator: many}})
        (error,) = found["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert f"{operator} lists 250 conditions; at most 100" in error["message"]
    assert "errors" not in hub.graphql(PARTNERS, {"where": {"OR": many[:100]}})


def test_letters_without_an_accent_to_drop_are_found_and_sorted_by_their_base_letter(
    hub: RunningHub, unique: str
) -> None:
    for n, name in enumerate(["Łukasz Nowak", "Søren Ørsted", "Đorđe Ilić", "Æbelø Autohaus"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{unique} {name}")
    for query, found in (("lukasz", "Łukasz Nowak"), ("Orsted", "Søren Ørsted"),
                         ("oersted", "Søren Ørsted"), ("dorde", "Đorđe Ilić"),
                         ("aebelo", "Æbelø Autohaus")):  # fmt: skip
        assert partner_names(hub, unique, {"name": {"contains": query}}) == [found], query
    ordered = partner_names(hub, unique, {}, orderBy=[{"field": "NAME"}])
    assert ordered == ["Æbelø Autohaus", "Đorđe Ilić", "Łukasz Nowak", "Søren Ørsted"]


def test_chinese_characters_find_the_pinyin_spelling_of_the_same_partner(
    hub: RunningHub, unique: str
) -> None:
    # ERP, trusted for organisation names, spells it in pinyin; CRM in characters.
    erp = organization(hub, "ERP", f"{unique}-erp", f"Wang Fang Trading {unique}")
    crm = organization(hub, "CRM", f"{unique}-crm", f"王芳贸易 {unique}")
    result = ok(hub, MERGE, {"input": {"survivor": {"id": erp}, "merged": [{"id": crm}]}})
    assert result["mergeBusinessPartners"]["userErrors"] == []
    assert partner_names(hub, unique, {"name": {"contains": "王芳"}}) == ["Wang Fang Trading"]
    only_hanzi = organization(hub, "ERP", f"{unique}-li", f"李娜 {unique}")
    found = ok(hub, PARTNERS, {"where": {"name": {"startsWith": "li na"}}})["businessPartners"]
    assert only_hanzi in [edge["node"]["id"] for edge in found["edges"]]


def chinese_partners(hub: RunningHub, unique: str) -> None:
    for n, (name, city) in enumerate([("王芳", "北京"), ("李娜", "上海"), ("上海汽车", "北京市")]):
        upsert(hub, {"source": {"system": "CRM", "key": f"{unique}-{n}"}, "kind": "ORGANIZATION",
                     "organizationName": f"{name} {unique}",
                     "addresses": [{"city": city, "country": "CN"}]})  # fmt: skip


def test_pinyin_written_as_one_word_finds_the_hanzi_record(hub: RunningHub, unique: str) -> None:
    chinese_partners(hub, unique)
    for query in ("wangfang", "Wangfang", "wang fang", "WANG FANG"):
        assert partner_names(hub, unique, {"name": {"contains": query}}) == ["王芳"], query
    assert partner_names(hub, unique, {"name": {"contains": "shanghai"}}) == ["上海汽车"]
    for query in ("beijing", "Beijing", "bei jing"):
        found = partner_names(hub, unique, {"city": {"contains": query}})
        assert sorted(found) == sorted(["王芳", "上海汽车"]), query
    assert partner_names(hub, unique, {"city": {"contains": "Shanghai"}}) == ["李娜"]


def test_pinyin_cut_short_finds_the_hanzi_record_it_starts(hub: RunningHub, unique: str) -> None:
    chinese_partners(hub, unique)
    found = partner_names(hub, unique, {"city": {"startsWith": "beij"}})
    assert sorted(found) == sorted(["王芳", "上海汽车"])
    assert partner_names(hub, unique, {"name": {"startsWith": "wangf"}}) == ["王芳"]
    assert partner_names(hub, unique, {"name": {"startsWith": "Shanghaiqi"}}) == ["上海汽车"]
    # A start is the start of the value, not of a syllable within a word.
    assert partner_names(hub, unique, {"city": {"startsWith": "jing"}}) == []


def test_records_keyed_before_pinyin_was_joined_are_keyed_again(
    hub: RunningHub, unique: str
) -> None:
    upsert(hub, {"source": {"system": "CRM", "key": f"{unique}-c"}, "kind": "ORGANIZATION",
                 "organizationName": f"重庆火锅 {unique}",
                 "addresses": [{"city": "重庆", "country": "CN"}]})  # fmt: skip
    # As version 3 keyed them: the pinyin syllable by syllable only.
    hub.run(
        hub.store.query(
            "MATCH (x:BusinessPartner)-[:HAS_ADDRESS]->(a:Address) WHERE x.name CONTAINS $u "
            "SET a.citySearch = '|chong qing|重庆|', a.textKeysVersion = 3, "
            "x.nameSearch = $name, x.organizationNameSearch = $name",
            {
                "u": unique,
                "name": f"|chong qing huo guo {unique.lower()}|重庆火锅 {unique.lower()}|",
            },
        )
    )
    hub.run(hub.store.query("MATCH (s:HubSetting {name: 'textKeys'}) DELETE s"))
    assert partner_names(hub, unique, {"city": {"contains": "chongqing"}}) == []
    assert partner_names(hub, unique, {"name": {"contains": "chongqing"}}) == []
    assert hub.run(rekeying.bring_up_to_date(hub.store, "de")) >= 1
    assert partner_names(hub, unique, {"city": {"contains": "chongqing"}}) == ["重庆火锅"]
    assert partner_names(hub, unique, {"name": {"contains": "chongqinghuoguo"}}) == ["重庆火锅"]


def test_city_search_ignores_the_umlaut_spelling(hub: RunningHub, unique: str) -> None:
    upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"{unique}-m"},
            "kind": "ORGANIZATION",
            "organizationName": f"Bäckerei {unique}",
            "addresses": [{"city": "München", "country": "DE"}],
        },
    )
    assert partner_names(hub, unique, {"city": {"eq": "München"}}) == ["Bäckerei"]
    assert partner_names(hub, unique, {"city": {"contains": "MUENCHEN"}}) == ["Bäckerei"]
    assert partner_names(hub, unique, {"city": {"contains": "Berlin"}}) == []


def fleet(hub: RunningHub, unique: str) -> None:
    for n, (make, year) in enumerate(
        [("BMW", 2018), ("Škoda", 2020), ("skoda", 2022), (None, 2019), ("Audi", None)]
    ):
        values: dict[str, Any] = {"source": {"system": "VMS", "key": f"{unique}-{n}"}}
        values["vin"] = vin_for(unique, n)
        if make:
            values["make"] = make
        if year:
            values["modelYear"] = year
        assert vehicle(hub, values)["userErrors"] == []


def vins(hub: RunningHub, unique: str, where: dict[str, Any], **args: Any) -> list[int]:
    mine = {"vin": {"in": [vin_for(unique, n) for n in range(5)]}}
    edges = ok(hub, VEHICLES, {"where": {"AND": [mine, where]}, **args})["vehicles"]["edges"]
    numbers = {vin_for(unique, n): n for n in range(5)}
    return [numbers[edge["node"]["vin"]] for edge in edges]


def test_every_operator_on_numbers_text_and_times(hub: RunningHub, unique: str) -> None:
    before = dt.datetime.now(dt.UTC).isoformat()
    fleet(hub, unique)
    by_vin = [{"field": "VIN"}]
    assert vins(hub, unique, {"modelYear": 2020}) == [1]
    assert vins(hub, unique, {"modelYearFilter": {"gte": 2019, "lt": 2022}}, orderBy=by_vin) == [
        1,
        3,
    ]
    assert vins(hub, unique, {"modelYearFilter": {"gt": 2019}}, orderBy=by_vin) == [1, 2]
    assert vins(hub, unique, {"modelYearFilter": {"lte": 2018}}) == [0]
    assert vins(hub, unique, {"modelYearFilter": {"isNull": True}}) == [4]
    assert vins(hub, unique, {"modelYearFilter": {"in": [2018, 2022]}}, orderBy=by_vin) == [0, 2]
    assert vins(hub, unique, {"modelYearFilter": {"notIn": [2018, 2022]}}, orderBy=by_vin) == [
        1,
        3,
        4,
    ]
    # Not equal holds for a vehicle without a make too.
    assert vins(hub, unique, {"make": {"neq": "BMW"}}, orderBy=by_vin) == [1, 2, 3, 4]
    assert vins(hub, unique, {"make": {"isNull": False}}, orderBy=by_vin) == [0, 1, 2, 4]
    assert vins(hub, unique, {"make": {"eq": "skoda"}}) == [2]
    assert vins(hub, unique, {"make": {"contains": "SKODA"}}, orderBy=by_vin) == [1, 2]
    assert vins(hub, unique, {"createdAt": {"gte": before}}, orderBy=by_vin) == [0, 1, 2, 3, 4]
    assert vins(hub, unique, {"updatedAt": {"lt": before}}) == []
    assert vins(hub, unique, {"NOT": {"vin": {"startsWith": vin_for(unique, 0).lower()}}}) != []


def test_names_sort_by_german_rules(hub: RunningHub, unique: str) -> None:
    for n, name in enumerate(["Autohaus Schwarz", "Autohaus Schäfer", "autohaus Bauer", "Zoo"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{unique} {name}")
    order = [{"field": "NAME"}]
    assert partner_names(hub, unique, {}, orderBy=order) == [
        "autohaus Bauer",
        "Autohaus Schäfer",
        "Autohaus Schwarz",
        "Zoo",
    ]
    descending = partner_names(hub, unique, {}, orderBy=[{"field": "NAME", "direction": "DESC"}])
    assert descending == ["Zoo", "Autohaus Schwarz", "Autohaus Schäfer", "autohaus Bauer"]
    fleet(hub, unique)
    makes = [
        e["node"]["make"]
        for e in ok(
            hub,
            VEHICLES,
            {
                "where": {"vin": {"in": [vin_for(unique, n) for n in range(5)]}},
                "orderBy": [{"field": "MAKE"}, {"field": "VIN"}],
            },
        )["vehicles"]["edges"]
    ]
    assert makes == ["Audi", "BMW", "skoda", "Škoda", None]


def _revisions(hub: RunningHub, number: str, **extra: Any) -> None:
    """Revisions 10, 2, B and 1 of one document, in that order."""
    for revision in ("10", "2", "B", "1"):
        data = {
            "source": {"system": "PDM", "key": f"{number}-{revision}"},
            "number": number,
            "revision": revision,
            "type": "TECHNICAL_OFFER",
            **extra,
        }
        ok(
            hub,
            "mutation($i: DocumentInput!) { upsertDocument(input: $i) { userErrors { code } } }",
            {"i": data},
        )


def test_numbers_in_names_and_revisions_sort_by_value(hub: RunningHub, unique: str) -> None:
    for n, name in enumerate(["Filiale 10", "Filiale 9", "Filiale 100", "Filiale 9a"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{unique} {name}")
    assert partner_names(hub, unique, {}, orderBy=[{"field": "NAME"}]) == [
        "Filiale 9",
        "Filiale 9a",
        "Filiale 10",
        "Filiale 100",
    ]
    number = f"N-{unique}"
    _revisions(hub, number)
    listed = ok(
        hub,
        "query($n: String!) { documents(where: {number: {eq: $n}}, orderBy: [{field: REVISION}]) "
        "{ edges { node { revision } } } }",
        {"n": number},
    )["documents"]["edges"]
    assert [e["node"]["revision"] for e in listed] == ["1", "2", "10", "B"]


def test_a_records_documents_list_their_revisions_by_value(hub: RunningHub, unique: str) -> None:
    vehicle(hub, {"source": {"system": "VMS", "key": f"{unique}-v"}, "vin": vin_for(unique, 7)})
    _revisions(hub, f"R-{unique}", about=[{"source": {"system": "VMS", "key": f"{unique}-v"}}])

    def revisions(**paging: int) -> list[str]:
        found = ok(
            hub,
            "query($vin: String!, $first: Int, $last: Int) { vehicle(vin: $vin) { "
            "documents(first: $first, last: $last) { edges { node { revision } } } } }",
            {"vin": vin_for(unique, 7), **paging},
        )["vehicle"]["documents"]["edges"]
        return [e["node"]["revision"] for e in found]

    # Read with the vehicle, and (from the end) by a statement of its own: one order.
    assert revisions(first=10) == ["1", "2", "10", "B"]
    assert revisions(last=2) == ["10", "B"]
    assert revisions(first=3) == ["1", "2", "10"]


def test_chinese_names_sort_by_their_pinyin_among_latin_ones(hub: RunningHub, unique: str) -> None:
    for n, name in enumerate(["Zhang Wei", "王芳", "Weber", "Bauer", "张伟"]):
        organization(hub, "CRM", f"{unique}-{n}", f"{unique} {name}")
    assert partner_names(hub, unique, {}, orderBy=[{"field": "NAME"}]) == [
        "Bauer",
        "王芳",
        "Weber",
        "Zhang Wei",
        "张伟",
    ]


def test_records_stored_before_keys_existed_are_keyed_on_start(
    hub: RunningHub, unique: str
) -> None:
    organization(hub, "CRM", f"{unique}-old", f"Gärtnerei {unique}")
    hub.run(
        hub.store.query(
            "MATCH (x:BusinessPartner) WHERE x.name CONTAINS $u "
            "REMOVE x.nameSearch, x.nameSort, x.organizationNameSearch",
            {"u": unique},
        )
    )
    hub.run(hub.store.query("MATCH (s:HubSetting {name: 'textKeys'}) DELETE s"))
    assert partner_names(hub, unique, {"name": {"contains": "gaertnerei"}}) == []
    assert hub.run(rekeying.bring_up_to_date(hub.store, "de")) >= 1
    assert partner_names(hub, unique, {"name": {"contains": "gaertnerei"}}) == ["Gärtnerei"]
    # Current keys are left alone.
    assert hub.run(rekeying.bring_up_to_date(hub.store, "de")) == 0


def test_addresses_keyed_by_an_earlier_version_are_keyed_again(
    hub: RunningHub, unique: str
) -> None:
    upsert(hub, {"source": {"system": "CRM", "key": f"{unique}-l"}, "kind": "ORGANIZATION",
                 "organizationName": f"Piekarnia {unique}",
                 "addresses": [{"city": "Łódź", "country": "PL"}]})  # fmt: skip
    # As the hub kept it before ł was read as l.
    hub.run(
        hub.store.query(
            "MATCH (a:Address {city: 'Łódź'}) SET a.citySearch = '|łodz|' REMOVE a.textKeysVersion"
        )
    )
    hub.run(hub.store.query("MATCH (s:HubSetting {name: 'textKeys'}) DELETE s"))
    assert partner_names(hub, unique, {"city": {"contains": "Lodz"}}) == []
    assert hub.run(rekeying.bring_up_to_date(hub.store, "de")) >= 1
    assert partner_names(hub, unique, {"city": {"contains": "Lodz"}}) == ["Piekarnia"]


FACETS = """
query($where: VehicleWhere) {
  vehicleFacets(where: $where) {
    total
    make { value count }
    modelYear(top: 2) { value count }
  }
  contractFacets(where: {number: {startsWith: "none-such"}}) { total status { value count } }
}
"""


def test_facets_count_each_value_under_the_lists_filter(hub: RunningHub, unique: str) -> None:
    fleet(hub, unique)
    vehicle(hub, {"source": {"system": "VMS", "key": f"{unique}-5"}, "vin": vin_for(unique, 5),
                  "make": "BMW", "modelYear": 2018})  # fmt: skip
    mine = {"vin": {"in": [vin_for(unique, n) for n in range(6)]}}
    data = ok(hub, FACETS, {"where": mine})
    facets = data["vehicleFacets"]
    assert facets["total"] == 6
    assert facets["make"][0] == {"value": "BMW", "count": 2}
    assert sorted((f["value"] or "", f["count"]) for f in facets["make"][1:]) == [
        ("", 1),
        ("Audi", 1),
        ("skoda", 1),
        ("Škoda", 1),
    ]
    assert facets["modelYear"][0] == {"value": "2018", "count": 2}
    assert len(facets["modelYear"]) == 2
    narrowed = ok(hub, FACETS, {"where": {"AND": [mine, {"make": {"contains": "skoda"}}]}})
    assert narrowed["vehicleFacets"]["total"] == 2
    assert data["contractFacets"] == {"total": 0, "status": []}
    body = hub.graphql("{ vehicleFacets { make(top: 0) { value } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


CONTRACTS = """
query($where: ContractWhere) { contracts(where: $where, first: 100) { edges { node { number } } } }
"""


def test_vocabularies_and_dates_take_every_operator(hub: RunningHub, unique: str) -> None:
    ended = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    for n, (status, start, end) in enumerate(
        [("ACTIVE", "2024-01-01", "2030-12-31"), ("DRAFT", "2025-03-01", None),
         ("ACTIVE", "2020-01-01", ended)]
    ):  # fmt: skip
        values: dict[str, Any] = {
            "source": {"system": "CRM", "key": f"K-{unique}-{n}"},
            "number": f"L-{unique}-{n}",
            "type": "LEASING" if n else "SERVICE",
            "status": status,
            "startDate": start,
        }
        if end:
            values["endDate"] = end
        payload = ok(hub, CONTRACT, {"input": values})["upsertContract"]
        assert payload["userErrors"] == [], payload

    def numbers(where: dict[str, Any]) -> list[int]:
        mine = {"number": {"startsWithExact": f"L-{unique}-"}}
        edges = ok(hub, CONTRACTS, {"where": {"AND": [mine, where]}})["contracts"]["edges"]
        return sorted(int(e["node"]["number"].rsplit("-", 1)[1]) for e in edges)

    assert numbers({"typeFilter": {"neq": "SERVICE"}}) == [1, 2]
    assert numbers({"typeFilter": {"in": ["SERVICE", "FINANCING"]}}) == [0]
    # Status as the record reads today: the third one's end has passed.
    assert numbers({"status": "EXPIRED"}) == [2]
    assert numbers({"statusFilter": {"in": ["ACTIVE", "DRAFT"]}}) == [0, 1]
    assert numbers({"statusFilter": {"notIn": ["DRAFT"]}}) == [0, 2]
    assert numbers({"endDate": {"isNull": True}}) == [1]
    assert numbers({"endDate": {"neq": "2030-12-31"}}) == [1, 2]
    assert numbers({"startDate": {"gte": "2024-01-01", "lt": "2025-03-01"}}) == [0]
    assert numbers({"startDate": {"in": ["2020-01-01", "2025-03-01"]}}) == [1, 2]


def test_a_list_of_roles_takes_includes_any_all_and_empty(hub: RunningHub, unique: str) -> None:
    for n, roles in enumerate([["CUSTOMER"], ["CUSTOMER", "LESSEE"], ["VENDOR"], []]):
        payload = upsert(
            hub,
            {
                "source": {"system": "CRM", "key": f"{unique}-{n}"},
                "kind": "ORGANIZATION",
                "organizationName": f"{unique} Firma {n}",
                "roles": roles,
            },
        )
        assert payload["userErrors"] == [], payload

    def firms(roles: dict[str, Any]) -> list[str]:
        return partner_names(hub, unique, {"roles": roles}, orderBy=[{"field": "NAME"}])

    assert firms({"includes": "CUSTOMER"}) == ["Firma 0", "Firma 1"]
    assert firms({"includesAny": ["LESSEE", "VENDOR"]}) == ["Firma 1", "Firma 2"]
    assert firms({"includesAll": ["CUSTOMER", "LESSEE"]}) == ["Firma 1"]
    assert firms({"isEmpty": True}) == ["Firma 3"]
    assert firms({"isEmpty": False}) == ["Firma 0", "Firma 1", "Firma 2"]
    mine = {"name": {"containsExact": unique}}
    facets = ok(hub, ROLE_FACETS, {"where": mine})["businessPartnerFacets"]
    counted = {bucket["value"]: bucket["count"] for bucket in facets["roles"]}
    assert counted == {"CUSTOMER": 2, "LESSEE": 1, "VENDOR": 1, None: 1}  # none: Firma 3
    empty = ok(hub, ROLE_FACETS, {"where": {"AND": [mine, {"roles": {"isEmpty": True}}]}})
    assert empty["businessPartnerFacets"]["roles"] == [{"value": None, "count": 1}]


ROLE_FACETS = """
query($where: BusinessPartnerWhere) { businessPartnerFacets(where: $where) {
  total roles { value count } } }
"""
