"""A sample world as the source systems would export it, deterministic for a seed.

``hub generate OUT --partners N --seed S --duplicate-rate R`` writes::

    OUT/crm/partners.ndjson          business partners (persons, organisations, dealers), some
                                     contact persons or subsidiaries of another
    OUT/crm/contracts.ndjson         leasing and service contracts with parties and items
    OUT/crm/identification_objects.ndjson   fuel cards and licence plates
    OUT/erp/debmas.xml               customers as SAP IDoc (ERP keys), some with variations
    OUT/erp/cremas.xml               vendors (the dealers) as SAP IDoc
    OUT/erp/matmas.xml               the vehicle models as SAP material masters, with prices
    OUT/vms/vehicles.csv             vehicles with owners, dealers and their model's material
    OUT/pdm/documents.ndjson         document revisions about partners, vehicles, contracts
    OUT/pdm/files/*.pdf              their files
    OUT/pdm/projects.ndjson          fleet projects of organisations: customer, dealer, vehicles
                                     and their configuration documents
    OUT/invoices/invoice_lines.csv   suppliers' invoice lines per card or plate: fuel, tyres,
                                     workshop, toll, car wash (hub load SUPPLIERS OUT/invoices)
    OUT/invoices/expected_verdicts.csv   the verdict each line should get
    OUT/truth.csv                    which source records are the same real entity

A share ``R`` of the CRM customers also appears in ERP under its own key, spelt the way a
second system spells it: typos, first and last name swapped, Straße as Str., GmbH as
Gesellschaft mbH, another address, fields missing. Names and addresses are German or Chinese.
Some contracts were terminated early and some fuel cards are blocked, so that the invoice
extract (:mod:`loaders.invoice_extract`) meets every verdict.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from loaders import idoc
from loaders.invoice_extract import Extract, Issued, Service, Terms
from loaders.pdf import text_pdf

Row = dict[str, Any]


def _listed(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")]


# Enough names, streets and postal codes that a 100,000-partner world looks like a customer
# base spread over a country, not a few thousand neighbours: in a world of a few streets in
# one postal code per city, every house number would hold dozens of strangers.
DE_FIRST = _listed(
    "Anna, Lukas, Marie, Jonas, Sophie, Felix, Lena, Paul, Jürgen, Käthe, Björn, Sören, Hannah, "
    "Maximilian, Greta, Leon, Emma, Mia, Ben, Elias, Noah, Luisa, Clara, Jakob, Emil, Ida, Theo, "
    "Frieda, Moritz, Jörg, Uwe, Renate, Sabine, Thomas, Andreas, Petra, Monika, Stefan, Ursula, "
    "Michael"
)
DE_LAST = _listed(
    "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
    "Schröder, Krüger, Weiß, Groß, Köhler, Lößner, Koch, Richter, Klein, Wolf, Schäfer, "
    "Neumann, Schwarz, Zimmermann, Braun, Hofmann, Hartmann, Lange, Schmitt, Werner, Krause, "
    "Meier, Lehmann, Schmid, Böhm, Jäger, Vogel, Friedrich, Keller, Günther"
)
DE_STREETS = _listed(
    "Hauptstraße, Bahnhofstraße, Gartenstraße, Schillerstraße, Goethestraße, "
    "Lindenallee, Am Marktplatz, Mühlenweg, Königstraße, Rosenstraße, Dorfstraße, "
    "Schulstraße, Birkenweg, Kirchstraße, Bergstraße, Waldstraße, Ringstraße, "
    "Poststraße, Friedrichstraße, Parkstraße, Wiesenweg, Feldstraße, Lessingstraße, "
    "Blumenstraße, Mozartstraße, Eichendorffstraße, Beethovenstraße, Uhlandstraße, "
    "Kantstraße, Amselweg, Ahornweg, Tulpenweg, Marktstraße, Industriestraße, "
    "Talstraße, Sonnenstraße, Kastanienallee, Brunnenstraße, Jahnstraße, Am Anger"
)
# Cities with the span of their postal codes.
DE_CITIES = [
    ("München", 80331, 81929),
    ("Berlin", 10115, 14199),
    ("Hamburg", 20095, 22769),
    ("Köln", 50667, 51149),
    ("Frankfurt am Main", 60306, 60599),
    ("Stuttgart", 70173, 70629),
    ("Leipzig", 4103, 4357),
    ("Nürnberg", 90402, 90491),
    ("Dresden", 1067, 1328),
    ("Hannover", 30159, 30669),
    ("Düsseldorf", 40210, 40629),
    ("Bremen", 28195, 28779),
]
DE_TRADES = ["Autohaus", "Spedition", "Logistik", "Bau", "Elektro", "Fuhrpark"]
DE_FORMS = ["GmbH", "AG", "GmbH & Co. KG"]
CN_SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
]
CN_GIVEN = [
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("洋", "Yang"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("军", "Jun"),
    ("勇", "Yong"),
    ("霞", "Xia"),
    ("平", "Ping"),
    ("刚", "Gang"),
    ("秀英", "Xiuying"),
    ("桂英", "Guiying"),
    ("建华", "Jianhua"),
    ("晓明", "Xiaoming"),
    ("丽娟", "Lijuan"),
]
# Cities with the span of their postal codes (a code per district, in steps of 100 here).
CN_CITIES = [
    ("上海", 200000, 202100),
    ("北京", 100000, 102600),
    ("广州", 510000, 511400),
    ("深圳", 518000, 518100),
    ("杭州", 310000, 311800),
    ("成都", 610000, 611900),
    ("南京", 210000, 211800),
    ("武汉", 430000, 431400),
]
CN_STREETS = [
    "南京路",
    "淮海中路",
    "长安街",
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "光明路",
    "文化路",
    "朝阳路",
    "胜利路",
    "青年路",
    "东风路",
    "北京路",
]
CN_TRADES = ["汽车服务", "物流", "租赁", "运输", "科技"]
MAKES = [
    ("WBA", "BMW", ["X1", "X3", "320i", "520d"]),
    ("WVW", "VW", ["Golf", "Passat", "ID.4"]),
    ("WAU", "Audi", ["A4", "A6", "Q5"]),
    ("WDD", "Mercedes-Benz", ["C 200", "E 220"]),
    ("LSV", "SAIC VW", ["Lavida", "Tiguan L"]),
    ("LFV", "FAW-VW", ["Sagitar", "Magotan"]),
    ("LGX", "BYD", ["Han", "Tang", "Seal"]),
]
# Chinese makes describe their models in Chinese too.
CHINESE_MAKES = frozenset({"SAIC VW", "FAW-VW", "BYD"})
OPTIONS = ["S423", "P337", "S2VB", "S5AC", "S6NS", "P7LP", "S430", "S494"]
SERVICES = ["MAINTENANCE", "TYRES", "FUEL", "TOLL", "CAR_WASH", "INSURANCE"]
TYRES_PER_YEAR = 8.0  # the tyres a service item covers per contract year
TERMINATED_SHARE = 0.08  # of active contracts, terminated early
BLOCKED_SHARE = 0.05  # of fuel cards
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass
class Partner:
    """One real-world partner and how CRM knows it."""

    index: int
    row: Row
    country: str
    erp: Row | None = None
    vehicles: list[str] = field(default_factory=list)


def _crm_key(i: int) -> str:
    return f"CRM-{i:07d}"


def _erp_key(i: int) -> str:
    return f"{100000 + i:010d}"


class World:
    def __init__(
        self, partners: int, seed: int, duplicate_rate: float, today: dt.date | None = None
    ) -> None:
        if partners < 1:
            raise ValueError("--partners must be at least 1")
        if not 0.0 <= duplicate_rate <= 1.0:
            raise ValueError("--duplicate-rate must be between 0 and 1")
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
        # Relationships draw from a generator of their own: the rest of a seed's world stays
        # as it was before the world had them.
        self.links = random.Random(seed + 7919)  # noqa: S311 - sample data, not secrets
        # So do terminations, blocked cards and the invoice extract.
        self.bills = random.Random(seed + 104729)  # noqa: S311 - sample data, not secrets
        self.count = partners
        self.duplicate_rate = duplicate_rate
        self.dealers = max(1, partners // 50)
        # Contracts and cards run around the day the world is made, so that a question about
        # "active contracts" or "valid cards" has answers whenever it is asked.
        self.today = today or dt.date.today()
        self.extract = Extract(self.bills, self.today)

    # ---- partners -----------------------------------------------------------------------------

    def _person(self, i: int) -> Partner:
        rng = self.rng
        if rng.random() < 0.7:
            first, last = rng.choice(DE_FIRST), rng.choice(DE_LAST)
            postal, city = _place(rng, "DE")
            street, country = rng.choice(DE_STREETS), "DE"
            # Most private customers give a mobile number; a landline is a household's.
            if rng.random() < 0.6:
                phone = (
                    f"+49 1{rng.choice('567')}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
                )
            else:
                phone = f"+49 {rng.randint(30, 99)} {rng.randint(100000, 9999999)}"
        else:
            (s_chars, s_pinyin), (g_chars, g_pinyin) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
            first, last = g_chars, s_chars
            postal, city = _place(rng, "CN")
            street, country = rng.choice(CN_STREETS), "CN"
            phone = (
                f"+86 1{rng.randint(30, 99)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            )
            first, last = (g_pinyin, s_pinyin) if rng.random() < 0.3 else (first, last)
        email_name = _ascii(f"{first}.{last}".lower()) or f"kunde{i}"
        row: Row = {
            "source": {"key": _crm_key(i)},
            "kind": "PERSON",
            "firstName": first,
            "lastName": last,
            "birthDate": _date(rng, 1950, 2003),
            "email": f"{email_name}{i}@example.com",
            "phone": phone,
            "roles": ["CUSTOMER"],
            "addresses": [
                {
                    "street": street,
                    "houseNumber": str(rng.randint(1, 180)),
                    "postalCode": postal,
                    "city": city,
                    "country": country,
                }
            ],
        }
        return Partner(i, row, country)

    def _organisation(self, i: int, role: str = "CUSTOMER") -> Partner:
        rng = self.rng
        if rng.random() < 0.7:
            trade = "Autohaus" if role == "DEALER" else rng.choice(DE_TRADES)
            name = f"{trade} {rng.choice(DE_LAST)} {rng.choice(DE_FORMS)}"
            postal, city = _place(rng, "DE")
            street, country = rng.choice(DE_STREETS), "DE"
            tax = f"DE{rng.randint(100000000, 999999999)}"
        else:
            postal, city = _place(rng, "CN")
            name = f"{city}{rng.choice(CN_SURNAMES)[0]}氏{rng.choice(CN_TRADES)}有限公司"
            street, country = rng.choice(CN_STREETS), "CN"
            tax = "91" + "".join(rng.choice(VIN_CHARS) for _ in range(16))
        row: Row = {
            "source": {"key": _crm_key(i)},
            "kind": "ORGANIZATION",
            "organizationName": name,
            "taxNumber": tax,
            "email": f"info{i}@example.com",
            "roles": [role] if role != "CUSTOMER" else ["CUSTOMER", "LESSEE"],
            "addresses": [
                {
                    "street": street,
                    "houseNumber": str(rng.randint(1, 180)),
                    "postalCode": postal,
                    "city": city,
                    "country": country,
                }
            ],
        }
        return Partner(i, row, country)

    def _erp_variant(self, partner: Partner) -> dict[str, str]:
        """How ERP spells the same partner: a few typical differences, chosen at random."""
        rng, row = self.rng, partner.row
        address = dict(row["addresses"][0])
        street = address["street"]
        if rng.random() < 0.5:
            street = street.replace("straße", "str.").replace("Straße", "Str.")
        if rng.random() < 0.1:
            address["postalCode"], address["city"] = _place(rng, partner.country)
        record = {
            "KUNNR": _erp_key(partner.index),
            "STRAS": f"{street} {address['houseNumber']}",
            "PSTLZ": address["postalCode"],
            "ORT01": address["city"],
            "LAND1": address["country"],
        }
        if row["kind"] == "PERSON":
            first, last = row["firstName"], row["lastName"]
            if rng.random() < 0.15:
                last = _typo(rng, last)
            if rng.random() < 0.1:
                first, last = last, first
            record.update(ANRED="Frau" if rng.random() < 0.5 else "Herr", NAME1=last, NAME2=first)
            if rng.random() < 0.7:
                record["TELF1"] = row["phone"]
        else:
            name = row["organizationName"]
            if rng.random() < 0.5:
                name = name.replace("GmbH", "Gesellschaft mbH", 1)
            if rng.random() < 0.1:
                name = _typo(rng, name)
            record.update(ANRED="Firma", NAME1=name[:35], NAME2=name[35:])
            if rng.random() < 0.8:
                record["STCEG"] = row["taxNumber"]
        return record

    # ---- vehicles, contracts, identification objects, documents ---------------------------------

    def _vin(self, wmi: str) -> str:
        return wmi + "".join(self.rng.choice(VIN_CHARS) for _ in range(14))

    def generate(self, out: Path) -> dict[str, int]:
        for folder in ("crm", "erp", "vms", "pdm/files", "invoices"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        with (
            open(out / "crm" / "partners.ndjson", "w", encoding="utf-8") as partners_out,
            open(out / "crm" / "contracts.ndjson", "w", encoding="utf-8") as contracts_out,
            open(out / "crm" / "identification_objects.ndjson", "w", encoding="utf-8") as ids_out,
            open(out / "pdm" / "documents.ndjson", "w", encoding="utf-8") as documents_out,
            open(out / "pdm" / "projects.ndjson", "w", encoding="utf-8") as projects_out,
            open(out / "vms" / "vehicles.csv", "w", encoding="utf-8", newline="") as vehicles_out,
            open(out / "truth.csv", "w", encoding="utf-8", newline="") as truth_out,
        ):
            truth = csv.writer(truth_out)
            truth.writerow(["entity", "system", "key"])
            vehicles = csv.writer(vehicles_out)
            vehicles.writerow(
                [
                    "source.key",
                    "vin",
                    "make",
                    "model",
                    "modelYear",
                    "configuration",
                    "owner.source.system",
                    "owner.source.key",
                    "dealer.source.system",
                    "dealer.source.key",
                    "material.number",
                ]
            )
            dealers = [self._organisation(i, "DEALER") for i in range(self.dealers)]
            customers_erp: list[dict[str, str]] = []
            for dealer in dealers:
                _line(partners_out, dealer.row)
                truth.writerow([f"P{dealer.index}", "CRM", _crm_key(dealer.index)])
            vendors = [_vendor(d) for d in dealers]
            for d in dealers:
                truth.writerow([f"P{d.index}", "ERP", _erp_key(d.index)])
            counts["partners"] = self.dealers
            counts.update(
                vehicles=0,
                contracts=0,
                identification_objects=0,
                documents=0,
                relationships=0,
                projects=0,
            )
            organisations: list[str] = []
            for i in range(self.dealers, self.dealers + self.count):
                partner = self._person(i) if self.rng.random() < 0.75 else self._organisation(i)
                counts["relationships"] += self._relate(partner, organisations)
                _line(partners_out, partner.row)
                counts["partners"] += 1
                truth.writerow([f"P{i}", "CRM", _crm_key(i)])
                if self.rng.random() < self.duplicate_rate:
                    customers_erp.append(self._erp_variant(partner))
                    truth.writerow([f"P{i}", "ERP", _erp_key(i)])
                dealer = self.rng.choice(dealers)
                fleet = [
                    self._vehicle(
                        partner,
                        dealer,
                        vehicles,
                        contracts_out,
                        ids_out,
                        documents_out,
                        out,
                        counts,
                    )
                    for _ in range(self.rng.choice([1, 1, 1, 2, 2, 3]))
                ]
                if partner.row["kind"] != "PERSON" and self.links.random() < 0.3:
                    _line(projects_out, self._project(partner, dealer, fleet, counts["projects"]))
                    counts["projects"] += 1
            idoc.write(out / "erp" / "debmas.xml", "CUSTOMER", customers_erp)
            idoc.write(out / "erp" / "cremas.xml", "VENDOR", vendors)
            idoc.write_materials(out / "erp" / "matmas.xml", materials())
            counts["materials"] = len(MATERIALS)
        counts["erp_customers"] = len(customers_erp)
        verdicts = self.extract.write(
            out / "invoices" / "invoice_lines.csv", out / "invoices" / "expected_verdicts.csv"
        )
        counts["invoice_lines"] = sum(verdicts.values())
        return counts

    def _relate(self, partner: Partner, organisations: list[str]) -> int:
        """Some persons are contact persons of an organisation met before, some organisations
        subsidiaries of one; how many relationships the partner got."""
        key = partner.row["source"]["key"]
        if partner.row["kind"] != "PERSON":
            organisations.append(key)
        earlier = [k for k in organisations if k != key]
        if not earlier:
            return 0
        chance, kind = (0.15, "CONTACT_PERSON_OF")
        if partner.row["kind"] != "PERSON":
            chance, kind = (0.2, "SUBSIDIARY_OF")
        if self.links.random() >= chance:
            return 0
        other = {"source": {"system": "CRM", "key": self.links.choice(earlier)}}
        partner.row["relationships"] = [{"type": kind, "partner": other}]
        return 1

    def _vehicle(
        self,
        partner: Partner,
        dealer: Partner,
        vehicles: Any,
        contracts_out: IO[str],
        ids_out: IO[str],
        documents_out: IO[str],
        out: Path,
        counts: dict[str, int],
    ) -> tuple[str, list[Row]]:
        """Write a vehicle with its contract, cards and documents; its VIN and its documents'
        references."""
        rng = self.rng
        n = counts["vehicles"]
        documents: list[Row] = []
        wmi, make, models = rng.choice(MAKES)
        model = rng.choice(models)
        vin = self._vin(wmi)
        vms_key = f"VMS-{n:08d}"
        vehicles.writerow(
            [
                vms_key,
                vin,
                make,
                model,
                rng.randint(2015, 2026),
                "|".join(rng.sample(OPTIONS, rng.randint(0, 4))),
                "CRM",
                partner.row["source"]["key"],
                "CRM",
                dealer.row["source"]["key"],
                MATERIALS[make, model],
            ]
        )
        counts["vehicles"] += 1
        owner = {"source": {"system": "CRM", "key": partner.row["source"]["key"]}}
        plate_prefix = "M" if partner.country == "DE" else "沪"
        plate: Row = {
            "source": {"key": f"LP-{n:08d}"},
            "kind": "LICENSE_PLATE",
            "number": f"{plate_prefix}-{_plate_letters(n // 10000)} {n % 10000:04d}",
            "vehicle": {"vin": vin},
            "holder": owner,
        }
        terms = None
        if rng.random() < 0.6:
            terms = self._contract(n, vin, owner, contracts_out)
            counts["contracts"] += 1
            if "FUEL" in terms.services:
                self._fuel_card(n, vin, owner, terms, ids_out)
                counts["identification_objects"] += 1
            plate["item"] = {"uiid": f"UI-{n:08d}-1"}
        _line(ids_out, plate)
        counts["identification_objects"] += 1
        self.extract.add(Issued("LICENSE_PLATE", plate["number"], terms))
        if rng.random() < 0.3:
            for revision in ("A", "B")[: rng.randint(1, 2)]:
                number = f"CFG-{n:08d}"
                name = f"{number}_{revision}.pdf"
                (out / "pdm" / "files" / name).write_bytes(
                    text_pdf(
                        [
                            f"Vehicle configuration {number} revision {revision}",
                            f"VIN {vin}",
                            f"Make {make}",
                        ]
                    )
                )
                _line(
                    documents_out,
                    {
                        "source": {"key": f"DOC-{number}-{revision}"},
                        "number": number,
                        "revision": revision,
                        "type": "CONFIGURATION",
                        "title": f"Configuration of {vin}",
                        "releaseStatus": "RELEASED" if revision == "A" else "IN_WORK",
                        "about": [{"source": {"system": "VMS", "key": f"VMS-{n:08d}"}}, owner],
                        "file": f"files/{name}",
                    },
                )
                documents.append({"number": number, "revision": revision})
                counts["documents"] += 1
        return vin, documents

    def _contract(self, n: int, vin: str, owner: Row, out: IO[str]) -> Terms:
        """Write the leasing contract of the ``n``-th vehicle: a financing item and a service
        item; some active ones were terminated early."""
        rng = self.rng
        start_year = self.today.year - 1 - rng.randint(0, 4)
        services = rng.sample(SERVICES, rng.randint(1, 4))
        status = rng.choice(["ACTIVE", "ACTIVE", "ACTIVE", "DRAFT"])
        start = dt.date(start_year, rng.randint(1, 12), 1)
        end = dt.date(start_year + rng.choice([3, 4, 5]), 12, 31)
        if status == "ACTIVE" and end < self.today:
            status = "EXPIRED"
        if status == "ACTIVE" and self.bills.random() < TERMINATED_SHARE:
            early = self.today - dt.timedelta(days=self.bills.randint(20, 200))
            if early > start:
                status, end = "TERMINATED", early
        single: list[Row] = []
        covered: dict[str, Service] = {}
        for code in services:
            percent = rng.choice([0, 100, 100])
            cap = TYRES_PER_YEAR if code == "TYRES" else None
            covered[code] = Service(percent, cap)
            service: Row = {"code": code, "coveragePercent": percent}
            if cap is not None:
                service.update(quantityCap=cap, capPeriod="CONTRACT_YEAR")
            single.append(service)
        number = f"LC-{n:08d}"
        _line(
            out,
            {
                "source": {"key": f"K-{n:08d}"},
                "number": number,
                "type": "LEASING",
                "status": status,
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "parties": [{"role": "LESSEE", "partner": owner}],
                "items": [
                    {
                        "uiid": f"UI-{n:08d}-1",
                        "kind": "FINANCING",
                        "product": "LEASE",
                        "coveredVehicles": [{"vin": vin}],
                    },
                    {
                        "uiid": f"UI-{n:08d}-2",
                        "kind": "SERVICE",
                        "product": "FULL_SERVICE",
                        "singleServices": single,
                        "coveredVehicles": [{"vin": vin}],
                    },
                ],
            },
        )
        return Terms(number, status, start, end, covered)

    def _fuel_card(self, n: int, vin: str, owner: Row, terms: Terms, out: IO[str]) -> None:
        """Write the fuel card issued under the contract's service item; a few are blocked.
        It is valid for four calendar years from the year its contract started."""
        first, last = dt.date(terms.start.year, 1, 1), dt.date(terms.start.year + 3, 12, 31)
        card: Row = {
            "source": {"key": f"FC-{n:08d}"},
            "kind": "FUEL_CARD",
            "number": f"7077 {self.rng.randint(1000, 9999)} {n:08d}",
            "validFrom": first.isoformat(),
            "validTo": last.isoformat(),
            "vehicle": {"vin": vin},
            "holder": owner,
            "item": {"uiid": f"UI-{n:08d}-2"},  # the service item, and so its contract
        }
        if self.bills.random() < BLOCKED_SHARE:
            card.update(status="BLOCKED", blockedReason="reported lost")
        _line(out, card)
        blocked = "status" in card
        self.extract.add(Issued("FUEL_CARD", card["number"], terms, blocked, first, last))

    def _project(
        self, partner: Partner, dealer: Partner, fleet: list[tuple[str, list[Row]]], n: int
    ) -> Row:
        """A fleet project of an organisation, as PDM keeps it."""
        links = self.links
        start = self.today - dt.timedelta(days=links.randint(0, 700))
        return {
            "source": {"key": f"PRJ-{n:06d}"},
            "number": f"PRJ-{n:06d}",
            "name": f"Fleet {partner.row['organizationName']}"[:80],
            "type": "FLEET_RENEWAL",
            "phase": links.choice(["OFFER", "DESIGN", "DELIVERY", "OPERATION"]),
            "status": links.choice(["PLANNED", "ACTIVE", "ACTIVE", "COMPLETED"]),
            "startDate": start.isoformat(),
            "partners": [
                {
                    "role": "CUSTOMER",
                    "partner": {"source": {"system": "CRM", "key": partner.row["source"]["key"]}},
                },
                {
                    "role": "DEALER",
                    "partner": {"source": {"system": "CRM", "key": dealer.row["source"]["key"]}},
                },
            ],
            "vehicles": [{"vin": vin} for vin, _ in fleet],
            "documents": [doc for _, docs in fleet for doc in docs],
        }


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _ascii(text: str) -> str:
    """An e-mail local part as German spells umlauts in addresses (Müller -> mueller)."""
    return text.translate(_TRANSLITERATION).encode("ascii", "ignore").decode().strip(".")


_PLATE = "ABCDEFGHKLMNPRSTUVWXYZ"


def _plate_letters(block: int) -> str:
    """Two letters per block of 10,000 vehicles, so that every plate is different."""
    return _PLATE[block // len(_PLATE) % len(_PLATE)] + _PLATE[block % len(_PLATE)]


def _place(rng: random.Random, country: str) -> tuple[str, str]:
    """A postal code and its city."""
    if country == "DE":
        city, low, high = rng.choice(DE_CITIES)
        return f"{rng.randint(low, high):05d}", city
    city, low, high = rng.choice(CN_CITIES)
    return f"{rng.randrange(low, high + 1, 100):06d}", city


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _line(out: IO[str], row: Row) -> None:
    out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _vendor(dealer: Partner) -> dict[str, str]:
    """A dealer as ERP's vendor master knows it."""
    name, address = dealer.row["organizationName"], dealer.row["addresses"][0]
    return {
        "LIFNR": _erp_key(dealer.index),
        "ANRED": "Firma",
        "NAME1": name[:35],
        "NAME2": name[35:],
        "STRAS": f"{address['street']} {address['houseNumber']}",
        "PSTLZ": address["postalCode"],
        "ORT01": address["city"],
        "LAND1": address["country"],
        "STCEG": dealer.row["taxNumber"],
    }


# The ERP's material number of each model.
MATERIALS = {
    (make, model): str(4_000_001 + i)
    for i, (make, model) in enumerate(
        (make, model) for _, make, models in MAKES for model in models
    )
}


def materials() -> list[Row]:
    """The vehicle models as the ERP sells them (MaterialInput rows)."""
    rows = []
    for (make, model), number in MATERIALS.items():
        descriptions = [
            {"language": "de", "text": f"{make} {model} Neufahrzeug"},
            {"language": "en", "text": f"{make} {model} new vehicle"},
        ]
        if make in CHINESE_MAKES:
            descriptions.append({"language": "zh", "text": f"{make} {model} 新车"})
        price = 25_000 + (int(number) % 17) * 2_500
        rows.append(
            {
                "number": number,
                "type": "FERT",
                "group": "VEH-" + make.upper().replace(" ", "-"),
                "baseUnit": "ST",
                "descriptions": descriptions,
                "prices": [{"amount": float(price), "currency": "EUR"}],
            }
        )
    return rows


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randint(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def generate(
    out: Path, partners: int, seed: int, duplicate_rate: float = 0.1, today: dt.date | None = None
) -> dict[str, int]:
    """Write a world of ``partners`` customers (plus dealers) under ``out``; its contracts
    run around ``today`` (the day it is made, unless given)."""
    return World(partners, seed, duplicate_rate, today).generate(out)


def systems(out: Path) -> Iterator[tuple[str, Path]]:
    """The folders of a generated world with the system each belongs to, in loading order."""
    for system in ("crm", "erp", "vms", "pdm"):
        yield system.upper(), out / system
