"""A generated world's supplier invoices, with the verdict each line should get.

Fuel stations bill fuel per fuel card; tyre dealers, workshops, toll operators and car washes
bill per licence plate. The extract mixes lines the contracts cover with lines they do not,
cards nobody issued, blocked cards, cards outside their validity, lines after a contract was
terminated and tyres beyond an item's yearly cap. The verdicts are worked out here from what
the generator wrote, independently of the hub's checks, so that checking the extract and
comparing tests those checks (``docs/leasing.md`` states the rules).

Lines are listed in the order to check them: a cap counts the lines checked before.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

COLUMNS = [
    "supplier",
    "invoiceNumber",
    "lineNumber",
    "identification.kind",
    "identification.number",
    "date",
    "serviceCode",
    "quantity",
    "amount",
    "currency",
]
# Who bills what: fuel stations per fuel card; per licence plate the others, each with its
# service code, the quantities it bills and a typical price per unit.
FUEL_STATIONS = ["Aral", "Shell", "TotalEnergies", "Sinopec"]
PLATE_SUPPLIERS: list[tuple[list[str], str, list[int], float]] = [
    (["Vergölst", "Reifen Müller"], "TYRES", [2, 4], 90.0),
    (["ATU", "Bosch Car Service"], "MAINTENANCE", [1], 450.0),
    (["Toll Collect"], "TOLL", [1], 40.0),
    (["Mr. Wash", "Waschpark"], "CAR_WASH", [1], 15.0),
]
# A supplier, the service code, the quantity and the amount of one line.
Billed = tuple[str, str, int, Decimal]
LINES_PER_INVOICE = 20
UNKNOWN_SHARE = 0.03
HISTORY_DAYS = 420  # lines run from this many days before the day the world is made


@dataclass(frozen=True)
class Service:
    percent: int
    cap: float | None = None  # per contract year


@dataclass
class Terms:
    """A contract as far as the verdicts need it."""

    number: str
    status: str
    start: dt.date
    end: dt.date
    services: dict[str, Service]


@dataclass
class Issued:
    """A card or plate as the generator wrote it."""

    kind: str
    number: str
    contract: Terms | None
    blocked: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    known: bool = True  # False: a number no one issued


@dataclass
class Extract:
    rng: random.Random
    today: dt.date
    objects: list[Issued] = field(default_factory=list)
    used: dict[tuple[str, dt.date], float] = field(default_factory=dict)  # tyres per year
    invoiced: Counter[str] = field(default_factory=Counter)  # lines per supplier so far

    def add(self, issued: Issued) -> None:
        self.objects.append(issued)

    def write(self, lines_path: Path, verdicts_path: Path) -> Counter[str]:
        """Write about two lines per object, and tyre changes of some covered vehicles, with
        the verdict of each; returns the count per verdict."""
        counted: Counter[str] = Counter()
        with (
            open(lines_path, "w", encoding="utf-8", newline="") as lines_out,
            open(verdicts_path, "w", encoding="utf-8", newline="") as verdicts_out,
        ):
            lines, verdicts = csv.writer(lines_out), csv.writer(verdicts_out)
            lines.writerow(COLUMNS)
            verdicts.writerow(["supplier", "invoiceNumber", "lineNumber", "verdict"])
            for issued, day, billed in self._bills():
                row = self._row(issued, day, *billed)
                verdict = self._verdict(issued, day, billed[1], billed[2])
                lines.writerow(row)
                verdicts.writerow([*row[:3], verdict])
                counted[verdict] += 1
        return counted

    def _bills(self) -> Iterator[tuple[Issued, dt.date, Billed]]:
        """What is billed for which object on which day, in the order to check it."""
        rng = self.rng
        with_contract = [o for o in self.objects if o.contract is not None]
        for _ in range(2 * len(self.objects)):
            day = self._day()
            if rng.random() < UNKNOWN_SHARE or not self.objects:
                number = f"7099 {rng.randint(1000, 9999)} {rng.randint(10**7, 10**8 - 1)}"
                issued = Issued("FUEL_CARD", number, None, known=False)
            else:
                pool = with_contract if with_contract and rng.random() < 0.8 else self.objects
                issued = rng.choice(pool)
                terms = issued.contract
                if terms is not None and terms.status == "TERMINATED" and rng.random() < 0.5:
                    day = min(self.today, terms.end + dt.timedelta(days=rng.randint(1, 60)))
            yield issued, day, self._billed(issued)
        # Tyres change twice a year: with a puncture between, more than a yearly cap of 8.
        for issued in with_contract:
            tyres = issued.contract.services.get("TYRES") if issued.contract else None
            if issued.kind != "LICENSE_PLATE" or tyres is None or rng.random() >= 0.3:
                continue
            supplier = rng.choice(PLATE_SUPPLIERS[0][0])
            days = sorted(self._day() for _ in range(rng.choice([2, 3])))
            for day in days:
                quantity = 4 if day != days[1] or len(days) == 2 else 2
                yield issued, day, (supplier, "TYRES", quantity, self._amount(90 * quantity))

    def _billed(self, issued: Issued) -> Billed:
        """Who bills the object what: a fuel station fuel; for a plate, mostly a service its
        contract lists."""
        rng = self.rng
        if issued.kind == "FUEL_CARD":
            return rng.choice(FUEL_STATIONS), "FUEL", 1, self._amount(70)
        listed = set(issued.contract.services) if issued.contract else set()
        offered = [s for s in PLATE_SUPPLIERS if s[1] in listed]
        names, code, quantities, price = rng.choice(
            offered if offered and rng.random() < 0.75 else PLATE_SUPPLIERS
        )
        quantity = rng.choice(quantities)
        return rng.choice(names), code, quantity, self._amount(price * quantity)

    def _amount(self, around: float) -> Decimal:
        cents = max(100, round(around * 100 * self.rng.uniform(0.4, 1.6)))
        return Decimal(cents) / 100

    def _row(
        self, issued: Issued, day: dt.date, supplier: str, code: str, quantity: int, amount: Decimal
    ) -> list[str]:
        n = self.invoiced[supplier]
        self.invoiced[supplier] += 1
        prefix = "".join(ch for ch in supplier.upper() if ch.isalpha())[:4]
        return [
            supplier,
            f"{prefix}-{self.today.year}-{n // LINES_PER_INVOICE + 1:05d}",
            str(n % LINES_PER_INVOICE + 1),
            issued.kind,
            issued.number,
            day.isoformat(),
            code,
            str(quantity),
            f"{amount:.2f}",
            "EUR",
        ]

    def _day(self) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(0, HISTORY_DAYS))

    def _verdict(self, issued: Issued, day: dt.date, code: str, quantity: int) -> str:
        """The rules of docs/leasing.md, in their order, for the cases a world holds."""
        refused = _refused(issued, day)
        if refused is not None:
            return refused
        terms = issued.contract
        if terms is None or terms.status == "DRAFT" or day < terms.start:
            return "NOT_COVERED"
        service = terms.services.get(code)
        if service is None or service.percent == 0:
            return "NOT_COVERED"
        if service.cap is None:
            return "COVERED"
        year = _contract_year(terms.start, day)
        before = self.used.get((terms.number, year), 0.0)
        counted = max(min(quantity, service.cap - before), 0.0)
        self.used[terms.number, year] = before + counted
        return "COVERED" if counted == quantity else "QUOTA_EXCEEDED"


def _refused(issued: Issued, day: dt.date) -> str | None:
    """The verdict of a line neither covered nor billed on, if it is one."""
    if not issued.known:
        return "UNKNOWN_OBJECT"
    if issued.blocked:
        return "BLOCKED_OBJECT"
    if issued.contract is not None and day > issued.contract.end:
        return "CONTRACT_ENDED"
    if (issued.valid_from and day < issued.valid_from) or (
        issued.valid_to and day > issued.valid_to
    ):
        return "OBJECT_EXPIRED"
    return None


def _contract_year(start: dt.date, day: dt.date) -> dt.date:
    """The first day of the contract year ``day`` lies in (contracts start on a 1st)."""
    first = start.replace(year=day.year)
    return first if first <= day else start.replace(year=day.year - 1)
