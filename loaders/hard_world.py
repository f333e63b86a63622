"""A labelled world of the partner records that make matching hard, deterministic for a seed.

Master data is hard where different people look alike and one person looks different from
system to system. This world is made of households and companies as a German/Chinese leasing
business receives them from CRM, ERP, a dealer portal and a leasing system:

- **hard negatives**, different partners that look alike: a father and his son (or a mother
  and her daughter) with one name, address and landline; spouses sharing a landline and an
  e-mail domain; twins; namesakes in the same city (common German names, common Chinese names,
  homophone characters); sister companies with one name in nearby cities, half of them with
  the group's central ``info@`` mailbox; a company and its branch ("... Niederlassung
  Potsdam", "... NL Potsdam"), half of them giving the company's tax number for both;
- **hard positives**, one partner spelt differently: ERP records in upper-case ASCII without a
  birth date, ``MUELLER, HANS`` in one field, names cut at 35 characters; dealer typos; call
  names (Hans for Johannes); first and last name swapped; placeholder birth dates; people who
  moved; women whose surname changed at marriage; Hanzi in one system, pinyin in another.

Every pair of records carries a label: ``same:<variation>`` for two records of one partner,
the kind of relation for two related partners, ``unrelated`` otherwise (:meth:`label`).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

# Proportions of households and companies, roughly as a customer base has them.
SCENARIOS: tuple[tuple[str, float], ...] = (
    ("person", 0.50),
    ("chinese_person", 0.08),
    ("parent_child", 0.07),
    ("spouses", 0.07),
    ("twins", 0.02),
    ("namesakes", 0.06),
    ("chinese_namesakes", 0.04),
    ("company", 0.10),
    ("sister_companies", 0.03),
    ("branch", 0.03),
)
# Share of partners a second system also delivers, and how it spells them.
DUPLICATE_RATE = 0.45
PERSON_VARIATIONS = (
    "erp_upper",
    "erp_comma",
    "dealer_typo",
    "call_name",
    "swapped",
    "placeholder_birth",
    "moved",
    "exact",
)
MARRIED_SHARE = 0.15  # of the women's duplicates: the surname changed at marriage
COMPANY_VARIATIONS = ("erp_upper", "truncated", "legal_form", "exact")
# How an ERP system names a branch: "... GmbH Niederlassung Potsdam", "... GmbH NL Potsdam".
BRANCH_WORDS = ("Niederlassung", "NL", "Zweigniederlassung", "Filiale", "Geschäftsstelle")
SPELT_OUT = {
    "GmbH": "Gesellschaft mit beschränkter Haftung",
    "AG": "Aktiengesellschaft",
    "KG": "Kommanditgesellschaft",
}

MALE = ("Hans", "Johannes", "Peter", "Klaus", "Thomas", "Michael", "Stefan", "Andreas",
        "Jürgen", "Wolfgang", "Lukas", "Jonas", "Paul", "Felix", "Josef", "Friedrich",
        "Wilhelm", "Matthias", "Christian", "Bernhard")  # fmt: skip
FEMALE = ("Anna", "Maria", "Elisabeth", "Katharina", "Sabine", "Petra", "Monika", "Ursula",
          "Lena", "Sophie", "Laura", "Julia", "Margarete", "Susanne", "Claudia", "Andrea",
          "Christine", "Barbara", "Gabriele", "Hannah")  # fmt: skip
# A name's masculine and feminine forms: what mixed twins are often called.
MIXED_TWINS = (("Paul", "Paula"), ("Christian", "Christiane"), ("Michael", "Michaela"),
               ("Daniel", "Daniela"), ("Jan", "Jana"), ("Andreas", "Andrea"),
               ("Simon", "Simone"), ("Mario", "Maria"))  # fmt: skip
# A name and its call name: no parents give them to twins.
ONE_NAME = ({"Hans", "Johannes"},)
# Common surnames come up far more often than rare ones: namesakes are common names.
COMMON_LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
               "Becker", "Schulz", "Hoffmann")  # fmt: skip
RARE_LAST = ("Brennecke", "Lößner", "Kühnel", "Wendland", "Osterloh", "Pfeiffer", "Rathgeber",
             "Dörrie", "Haberland", "Steinmetz", "Quandt", "Ziegenbein", "Zöllner", "Voßkamp",
             "Abendroth", "Gutknecht", "Lindemann", "Rübsam", "Tiedemann", "Westphal",
             "Hüttemann", "Kleinschmidt", "Schäfer-Lüdenscheidt", "Großkopf")  # fmt: skip
CALL_NAMES = {"Johannes": "Hans", "Josef": "Sepp", "Friedrich": "Fritz", "Wilhelm": "Willi",
              "Bernhard": "Bernd", "Katharina": "Kathi", "Elisabeth": "Lisa",
              "Margarete": "Grete", "Matthias": "Matze", "Christian": "Chris",
              "Michael": "Micha", "Andreas": "Andi", "Gabriele": "Gabi",
              "Christine": "Tina", "Susanne": "Susi", "Barbara": "Babsi"}  # fmt: skip
# (city, postal code prefix, area code): neighbouring cities for sister companies.
CITIES = (("Berlin", "10", "30"), ("Potsdam", "14", "331"), ("München", "80", "89"),
          ("Freising", "85", "8161"), ("Hamburg", "20", "40"), ("Lüneburg", "21", "4131"),
          ("Köln", "50", "221"), ("Bonn", "53", "228"), ("Leipzig", "04", "341"),
          ("Halle", "06", "345"))  # fmt: skip
STREETS = ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Lindenallee",
           "Mühlenweg", "Königstraße", "Rosenstraße", "Kirchstraße", "Bergstraße",
           "Waldstraße", "Ringstraße", "Friedrichstraße", "Parkstraße", "Wiesenweg")  # fmt: skip
# Surnames and given names with their pinyin; the second list holds homophones.
CN_LAST = (("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
           ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"))  # fmt: skip
CN_HOMOPHONE_LAST = {"王": "汪", "李": "黎", "张": "章", "刘": "柳", "陈": "晨", "杨": "阳",
                     "黄": "皇", "赵": "肇"}  # fmt: skip
CN_FIRST = (("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
            ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
            ("勇", "Yong"))  # fmt: skip
CN_HOMOPHONE_FIRST = {"伟": "玮", "芳": "方", "娜": "纳", "敏": "民", "静": "晶", "强": "墙",
                      "磊": "垒", "军": "君", "洋": "阳", "勇": "涌"}  # fmt: skip
CN_CITIES = (("上海", "Shanghai", "200"), ("北京", "Beijing", "100"),
             ("广州", "Guangzhou", "510"))  # fmt: skip
CN_STREETS = (("南京路", "Nanjing Road"), ("人民路", "Renmin Road"),
              ("中山路", "Zhongshan Road"), ("解放路", "Jiefang Road"),
              ("建设路", "Jianshe Road"), ("和平路", "Heping Road"))  # fmt: skip
COMPANY_WORDS = ("Autohaus", "Logistik", "Spedition", "Bau", "Elektro", "Transporte",
                 "Gebäudeservice", "Fuhrpark", "Kühltransporte", "Mobilität")  # fmt: skip
PLACEHOLDER_BIRTH = ("1900-01-01", "1901-01-01", "1970-01-01")


@dataclass
class HardWorld:
    rows: list[Row] = field(default_factory=list)
    entity_of: dict[str, str] = field(default_factory=dict)  # "SYSTEM/key" -> partner
    variation_of: dict[str, str] = field(default_factory=dict)  # "SYSTEM/key" -> how spelt
    relations: dict[frozenset[str], str] = field(default_factory=dict)  # partners -> kind

    def label(self, a: str, b: str) -> str:
        """The kind of a pair of source records ("SYSTEM/key")."""
        x, y = self.entity_of[a], self.entity_of[b]
        if x == y:
            variation = self.variation_of.get(b) or self.variation_of.get(a) or "exact"
            return f"same:{variation}"
        return self.relations.get(frozenset((x, y)), "unrelated")

    def true_pairs(self) -> set[tuple[str, str]]:
        members: dict[str, list[str]] = {}
        for source, entity in self.entity_of.items():
            members.setdefault(entity, []).append(source)
        return {
            (a, b) if a < b else (b, a)
            for group in members.values()
            for i, a in enumerate(group)
            for b in group[i + 1 :]
        }


def _ascii_upper(text: str) -> str:
    spelt = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    spelt = spelt.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    plain = unicodedata.normalize("NFKD", spelt).encode("ascii", "ignore").decode()
    return plain.upper()


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
        self.world = HardWorld()
        self.partners = 0
        self.keys = 0
        self.mailboxes: set[str] = set()

    # ---- values ------------------------------------------------------------------------------

    def birth(self, born_from: int = 1945, born_to: int = 2002) -> str:
        year = self.rng.randint(born_from, born_to)
        return f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def address(self, city: tuple[str, str, str] | None = None) -> dict[str, str]:
        name, prefix, _ = city or self.rng.choice(CITIES)
        return {
            "street": self.rng.choice(STREETS),
            "houseNumber": str(self.rng.randint(1, 180)),
            "postalCode": prefix + f"{self.rng.randint(0, 999):03d}",
            "city": name,
            "country": "DE",
        }

    def landline(self, city: str) -> str:
        area = next(code for name, _, code in CITIES if name == city)
        return f"+49 {area} {self.rng.randint(1000000, 9999999)}"

    def mobile(self) -> str:
        prefix = self.rng.choice(("151", "160", "170", "176"))
        return f"+49 {prefix} {self.rng.randint(1000000, 99999999)}"

    def last_name(self) -> str:
        pool = COMMON_LAST if self.rng.random() < 0.45 else RARE_LAST
        return self.rng.choice(pool)

    # ---- records -----------------------------------------------------------------------------

    def partner(self) -> str:
        self.partners += 1
        return f"P{self.partners}"

    def add(self, entity: str, system: str, row: Row, variation: str | None = None) -> None:
        self.keys += 1
        key = f"{system[:1]}{self.keys:06d}"
        self.world.rows.append({"source": {"system": system, "key": key}, **row})
        self.world.entity_of[f"{system}/{key}"] = entity
        if variation:
            self.world.variation_of[f"{system}/{key}"] = variation

    def relate(self, a: str, b: str, kind: str) -> None:
        self.world.relations[frozenset((a, b))] = kind

    def person(self, first: str, last: str, birth: str | None, address: dict[str, str],
               phone: str | None, email: str | None) -> Row:  # fmt: skip
        row: Row = {"kind": "PERSON", "firstName": first, "lastName": last,
                    "addresses": [address]}  # fmt: skip
        for name, value in (("birthDate", birth), ("phone", phone), ("email", email)):
            if value:
                row[name] = value
        return row

    def email(self, first: str, last: str) -> str:
        domain = self.rng.choice(("web.de", "gmx.de", "t-online.de", "posteo.de"))
        local = _ascii_upper(f"{first}.{last}").lower().replace(" ", "").replace("-", "")
        return self.mailbox(f"{local}{self.rng.randint(1, 99)}", domain)

    def mailbox(self, local: str, domain: str) -> str:
        """``local@domain``, unless another person has it: a mailbox is one person's, so two
        namesakes who drew one address get two."""
        address = f"{local}@{domain}"
        while address in self.mailboxes:
            address = f"{local}{self.rng.randint(100, 9999)}@{domain}"
        self.mailboxes.add(address)
        return address

    # ---- a person and how another system spells them ----------------------------------------

    def deliver_person(self, row: Row, female: bool) -> None:
        """Deliver ``row`` from CRM and, for a share, once more from another system."""
        entity = self.partner()
        self.add(entity, "CRM", row)
        if self.rng.random() < DUPLICATE_RATE:
            self.duplicate_person(entity, row, female)

    def duplicate_person(self, entity: str, row: Row, female: bool) -> None:
        known = "birthDate" in row or "email" in row  # what a new surname leaves to go by
        if female and known and self.rng.random() < MARRIED_SHARE:
            variation = "married_name"
        else:
            variation = self.rng.choice(PERSON_VARIATIONS)
        other = {**row, "addresses": [dict(a) for a in row["addresses"]]}
        spell = getattr(self, f"_{variation}", None)
        system, variation = spell(row, other) if spell else ("DEALER", variation)
        self.add(entity, system, other, variation)

    # Each variation changes ``other`` (a copy of ``row``) as a system would spell it, and
    # returns that system and the variation it ended up being.

    def _erp(self, other: Row) -> None:
        for name in ("birthDate", "email"):
            other.pop(name, None)
        address = other["addresses"][0]
        address["street"] = _ascii_upper(address["street"]).replace("STRASSE", "STR.")
        address["city"] = _ascii_upper(address["city"])

    def _erp_upper(self, row: Row, other: Row) -> tuple[str, str]:
        self._erp(other)
        other["firstName"] = _ascii_upper(row["firstName"])
        other["lastName"] = _ascii_upper(row["lastName"])
        return "ERP", "erp_upper"

    def _erp_comma(self, row: Row, other: Row) -> tuple[str, str]:
        self._erp(other)
        other["lastName"] = f"{_ascii_upper(row['lastName'])}, {_ascii_upper(row['firstName'])}"
        other["lastName"] = other["lastName"][:35]
        other.pop("firstName")
        return "ERP", "erp_comma"

    def _dealer_typo(self, row: Row, other: Row) -> tuple[str, str]:
        name = self.rng.choice(("firstName", "lastName"))
        other[name] = self.typo(other[name])
        return "DEALER", "dealer_typo"

    def _call_name(self, row: Row, other: Row) -> tuple[str, str]:
        if row["firstName"] not in CALL_NAMES:
            return "DEALER", "exact"
        other["firstName"] = CALL_NAMES[row["firstName"]]
        return "DEALER", "call_name"

    def _swapped(self, row: Row, other: Row) -> tuple[str, str]:
        other["firstName"], other["lastName"] = row["lastName"], row["firstName"]
        return "DEALER", "swapped"

    def _placeholder_birth(self, row: Row, other: Row) -> tuple[str, str]:
        other["birthDate"] = self.rng.choice(PLACEHOLDER_BIRTH)
        return "LEASING", "placeholder_birth"

    def _moved(self, row: Row, other: Row) -> tuple[str, str]:
        if "email" not in row and "birthDate" not in row:
            return "LEASING", "exact"  # nothing would be left to find them by
        other["addresses"] = [self.address()]
        other.pop("phone", None)
        return "LEASING", "moved"

    def _married_name(self, row: Row, other: Row) -> tuple[str, str]:
        other["lastName"] = self.last_name()
        if "phone" in other and not other["phone"].startswith("+49 1"):
            other.pop("phone")  # a new household, a new landline
        other["addresses"] = [self.address()]
        other["email"] = row.get("email") or self.email(row["firstName"], row["lastName"])
        return "LEASING", "married_name"

    def typo(self, word: str) -> str:
        if len(word) < 4:
            return word
        i = self.rng.randint(1, len(word) - 2)
        kind = self.rng.random()
        if kind < 0.4:  # a letter swapped with the next
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if kind < 0.7:  # a letter dropped
            return word[:i] + word[i + 1 :]
        return word[:i] + self.rng.choice("aeinrst") + word[i + 1 :]

    # ---- scenarios ----------------------------------------------------------------------------

    def contact(self, first: str, last: str, city: str) -> tuple[str | None, str | None]:
        phone = self.mobile() if self.rng.random() < 0.5 else self.landline(city)
        email = self.email(first, last) if self.rng.random() < 0.6 else None
        return phone, email

    def single_person(self) -> None:
        female = self.rng.random() < 0.5
        first = self.rng.choice(FEMALE if female else MALE)
        last = self.last_name()
        address = self.address()
        phone, email = self.contact(first, last, address["city"])
        birth = self.birth() if self.rng.random() < 0.8 else None
        self.deliver_person(self.person(first, last, birth, address, phone, email), female)

    def household(self, scenario: str) -> None:
        """Two people at one address with one landline, told apart by first name or birth
        date only; each may be delivered again by another system."""
        female = self.rng.random() < 0.5
        names = FEMALE if female else MALE
        last = self.last_name()
        address = self.address()
        landline = self.landline(address["city"])
        if scenario == "parent_child":
            first = second = self.rng.choice(names)
            born = self.birth(1940, 1965)
            other_born = self.birth(int(born[:4]) + 22, int(born[:4]) + 38)
        elif scenario == "twins":
            if self.rng.random() < 0.3:  # a boy and a girl, often given one name's two forms
                first, second = self.rng.choice(MIXED_TWINS)
            else:
                first, second = self.rng.sample(names, 2)
                while {first, second} in ONE_NAME:
                    first, second = self.rng.sample(names, 2)
            born = other_born = self.birth(1960, 2002)
        else:  # spouses
            first, second = self.rng.choice(MALE), self.rng.choice(FEMALE)
            born, other_born = self.birth(1945, 1990), self.birth(1945, 1990)
        domain = self.rng.choice(("web.de", "gmx.de"))
        made = []
        for given, birth in ((first, born), (second, other_born)):
            own_mobile = self.mobile() if self.rng.random() < 0.4 else None
            email = None
            if scenario == "spouses" and self.rng.random() < 0.6:
                email = self.mailbox(
                    f"{_ascii_upper(given).lower()}.{_ascii_upper(last).lower()}", domain
                )
            row = self.person(given, last, birth, address, own_mobile or landline, email)
            entity = self.partner()
            self.add(entity, "CRM", row)
            if self.rng.random() < DUPLICATE_RATE:
                self.duplicate_person(entity, row, given in FEMALE)
            made.append(entity)
        self.relate(made[0], made[1], scenario)

    def namesakes(self) -> None:
        """Two people with one common name in one city, each at their own address."""
        female = self.rng.random() < 0.5
        first = self.rng.choice(FEMALE if female else MALE)
        last = self.rng.choice(COMMON_LAST)
        city = self.rng.choice(CITIES)
        made = []
        for _ in range(2):
            address = self.address(city)
            phone, email = self.contact(first, last, address["city"])
            birth = self.birth() if self.rng.random() < 0.7 else None
            entity = self.partner()
            row = self.person(first, last, birth, address, phone, email)
            self.add(entity, "CRM", row)
            if self.rng.random() < DUPLICATE_RATE:
                self.duplicate_person(entity, row, female)
            made.append(entity)
        self.relate(made[0], made[1], "namesakes")

    def chinese_row(self, last: str, first: str, city: tuple[str, str, str], birth: str | None,
                    pinyin: bool) -> Row:  # fmt: skip
        hanzi_city, pinyin_city, prefix = city
        hanzi_street, pinyin_street = self.rng.choice(CN_STREETS)
        address = {
            "street": pinyin_street if pinyin else hanzi_street,
            "houseNumber": str(self.rng.randint(1, 400)),
            "postalCode": prefix + f"{self.rng.randint(0, 999):03d}",
            "city": pinyin_city if pinyin else hanzi_city,
            "country": "CN",
        }
        phone = f"+86 1{self.rng.choice('3589')}{self.rng.randint(100000000, 999999999)}"
        return self.person(first, last, birth, address, phone, None)

    def chinese_person(self) -> None:
        (last, last_py), (first, first_py) = self.rng.choice(CN_LAST), self.rng.choice(CN_FIRST)
        city = self.rng.choice(CN_CITIES)
        row = self.chinese_row(last, first, city, self.birth(), pinyin=False)
        entity = self.partner()
        self.add(entity, "CRM", row)
        if self.rng.random() < DUPLICATE_RATE:
            other = {**row, "firstName": first_py, "lastName": last_py}
            street = dict(CN_STREETS)[row["addresses"][0]["street"]]
            other["addresses"] = [{**row["addresses"][0], "street": street, "city": city[1]}]
            self.add(entity, "LEASING", other, "hanzi_pinyin")

    def chinese_namesakes(self) -> None:
        """Two people whose names read alike: the same characters, or homophones."""
        (last, _), (first, _) = self.rng.choice(CN_LAST), self.rng.choice(CN_FIRST)
        city = self.rng.choice(CN_CITIES)
        if self.rng.random() < 0.5:
            other_last, other_first = CN_HOMOPHONE_LAST[last], first
        else:
            other_last, other_first = last, CN_HOMOPHONE_FIRST[first]
        made = []
        for family, given in ((last, first), (other_last, other_first)):
            birth = self.birth() if self.rng.random() < 0.7 else None
            entity = self.partner()
            self.add(entity, "CRM", self.chinese_row(family, given, city, birth, pinyin=False))
            made.append(entity)
        self.relate(made[0], made[1], "chinese_namesakes")

    # ---- companies ----------------------------------------------------------------------------

    def company_name(self) -> str:
        word = self.rng.choice(COMPANY_WORDS)
        owner = self.rng.choice(RARE_LAST + COMMON_LAST)
        extra = self.rng.choice(("", " & Söhne", " Nord", " Service und Vertrieb"))
        return f"{word} {owner}{extra}"

    def company_row(self, name: str, form: str, city: tuple[str, str, str]) -> Row:
        address = self.address(city)
        return {
            "kind": "ORGANIZATION",
            "organizationName": f"{name} {form}",
            "addresses": [address],
            "phone": self.landline(address["city"]),
        }

    def company(self) -> None:
        city = self.rng.choice(CITIES)
        row = self.company_row(self.company_name(), self.rng.choice(("GmbH", "AG", "KG")), city)
        if self.rng.random() < 0.6:
            row["taxNumber"] = f"DE{self.rng.randint(100000000, 999999999)}"
        entity = self.partner()
        self.add(entity, "CRM", row)
        if self.rng.random() < DUPLICATE_RATE:
            self.duplicate_company(entity, row)

    def duplicate_company(self, entity: str, row: Row) -> None:
        variation = self.rng.choice(COMPANY_VARIATIONS)
        other = {**row, "addresses": [dict(a) for a in row["addresses"]]}
        other.pop("taxNumber", None)
        name = row["organizationName"]
        if variation == "erp_upper":
            other["organizationName"] = _ascii_upper(name)[:35]
            address = other["addresses"][0]
            address["street"] = _ascii_upper(address["street"])
        elif variation == "truncated":  # the legal form spelt out, and cut at 35 characters
            base, _, form = name.rpartition(" ")
            other["organizationName"] = f"{base} {SPELT_OUT[form]}"[:35]
        elif variation == "legal_form":
            other["organizationName"] = name.replace("GmbH", "Gesellschaft mbH")
        self.add(entity, "ERP", other, variation)

    def sister_companies(self) -> None:
        """One name in two neighbouring cities: two companies of one group, half of them
        with the group's central mailbox."""
        name = self.company_name()
        pair = self.rng.randrange(0, len(CITIES), 2)
        central = None
        if self.rng.random() < 0.5:
            domain = "-".join(_ascii_upper(name).lower().replace("&", " ").split())
            while f"info@{domain}.de" in self.mailboxes:  # another group of that name
                domain += str(self.rng.randint(0, 9))
            central = f"info@{domain}.de"
            self.mailboxes.add(central)
        made = []
        for city in CITIES[pair : pair + 2]:
            entity = self.partner()
            row = self.company_row(name, "GmbH", city)
            if central is not None:
                row["email"] = central
            self.add(entity, "CRM", row)
            made.append(entity)
        self.relate(made[0], made[1], "sister_companies")

    def branch(self) -> None:
        """A company and a branch of it in the next city, named as ERP systems name them;
        half of the pairs give the company's tax number for both."""
        name = self.company_name()
        pair = self.rng.randrange(0, len(CITIES), 2)
        head, branch_city = CITIES[pair], CITIES[pair + 1]
        main = self.partner()
        row = self.company_row(name, "GmbH", head)
        word = self.rng.choice(BRANCH_WORDS)
        branch_row = self.company_row(f"{name} GmbH {word} {branch_city[0]}", "", branch_city)
        branch_row["organizationName"] = branch_row["organizationName"].strip()
        if self.rng.random() < 0.5:
            row["taxNumber"] = branch_row["taxNumber"] = f"DE{self.rng.randint(10**8, 10**9 - 1)}"
        self.add(main, "CRM", row)
        branch = self.partner()
        self.add(branch, "ERP", branch_row)
        self.relate(main, branch, "branch")


def hard_world(households: int, seed: int = 1) -> HardWorld:
    """A world of about ``households`` households and companies; see the module docstring."""
    builder = _Builder(seed)
    names, weights = zip(*SCENARIOS, strict=True)
    for scenario in builder.rng.choices(names, weights, k=households):
        if scenario == "person":
            builder.single_person()
        elif scenario in ("parent_child", "spouses", "twins"):
            builder.household(scenario)
        else:
            getattr(builder, scenario)()
    builder.rng.shuffle(builder.world.rows)
    return builder.world
