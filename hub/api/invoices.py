"""Invoice-line checks in the API: ``checkInvoiceLines`` and the ``invoiceLines`` list (see
:mod:`hub.domain.invoices` for the rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from hub.api import enums as e
from hub.api.access import ReadsTheRecord, needs
from hub.api.context import Info
from hub.api.inputs import to_data
from hub.api.relay import PageInfo
from hub.api.types import BusinessPartner, Contract, IdentificationObject
from hub.auth.principal import Scope
from hub.domain import invoices
from hub.errors import BadRequest
from hub.ids import from_global
from hub.read import invoice_lines
from hub.read.cursors import scope
from hub.read.pagination import LONG_PAGE_SIZE
from hub.read.values import native

MAX_PAGE = LONG_PAGE_SIZE
# An amount an invoice line may carry, in any currency.


@strawberry.enum(description="What an invoice-line check found.")
class InvoiceVerdict(Enum):
    COVERED = strawberry.enum_value(
        "COVERED", description="A service item of the contract covers the service."
    )
    NOT_COVERED = strawberry.enum_value(
        "NOT_COVERED",
        description="No item covers it (or at 0 %), no contract, or none in force that day: "
        "billed to the lessee.",
    )
    BLOCKED_OBJECT = strawberry.enum_value(
        "BLOCKED_OBJECT", description="The card or plate is blocked: refuse the line."
    )
    OBJECT_EXPIRED = strawberry.enum_value(
        "OBJECT_EXPIRED", description="The day lies outside the object's validity: refuse it."
    )
    CONTRACT_ENDED = strawberry.enum_value(
        "CONTRACT_ENDED", description="The day lies after the contract ended: refuse it."
    )
    QUOTA_EXCEEDED = strawberry.enum_value(
        "QUOTA_EXCEEDED",
        description="Over the single service's quantity cap for the period: the part within "
        "the cap is covered, the rest billed to the lessee.",
    )
    UNKNOWN_OBJECT = strawberry.enum_value(
        "UNKNOWN_OBJECT",
        description="No such card or plate: billed to the placeholder partner, for a person to "
        "resolve.",
    )


@strawberry.input(description="A card or plate as printed on an invoice.")
class IdentificationRefInput:
    kind: e.IdentificationKind = strawberry.field(description="Its kind.")
    number: str = strawberry.field(
        description="Its number; spaces, hyphens, dots, slashes and case do not matter."
    )


@strawberry.input(description="One line of a supplier's invoice.")
class InvoiceLineInput:
    supplier: str = strawberry.field(description="Who invoiced, e.g. the fuel station chain.")
    invoice_number: str = strawberry.field(description="The supplier's invoice number.")
    line_number: int = strawberry.field(description="The line within the invoice.")
    identification: IdentificationRefInput = strawberry.field(description="The card or plate.")
    date: dt.date = strawberry.field(description="The day of the service.")
    service_code: str = strawberry.field(description="The service, e.g. FUEL, TYRES, TOLL.")
    amount: Decimal = strawberry.field(description="Amount invoiced.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    quantity: float = strawberry.field(default=1.0, description="How much of the service.")


@strawberry.type(description="An invoice line as the hub checked it.")
class InvoiceLineCheck:
    id: strawberry.ID = strawberry.field(description="Identifier of the stored check.")
    supplier: str = strawberry.field(description="Who invoiced.")
    invoice_number: str = strawberry.field(description="The supplier's invoice number.")
    line_number: int = strawberry.field(description="The line within the invoice.")
    date: dt.date = strawberry.field(description="The day of the service.")
    service_code: str = strawberry.field(description="The service invoiced.")
    quantity: float = strawberry.field(description="How much of it.")
    amount: Decimal = strawberry.field(description="Amount invoiced.")
    currency: str = strawberry.field(description="Its currency.")
    verdict: InvoiceVerdict = strawberry.field(description="What the check found.")
    explanation: str = strawberry.field(description="Why, in words for the clerk.")
    covered_amount: Decimal = strawberry.field(description="The part the contract covers.")
    rebill_amount: Decimal = strawberry.field(
        description="The part billed to `billTo` (the lessee, or the placeholder partner)."
    )
    item_uiid: str | None = strawberry.field(description="The contract item that covers it.")
    object_id: strawberry.Private[str | None]
    contract_id: strawberry.Private[str | None]
    bill_to_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, check: invoices.Check) -> InvoiceLineCheck:
        line = check.line
        return cls(
            id=strawberry.ID(check.id),
            supplier=line.supplier,
            invoice_number=line.invoice_number,
            line_number=line.line_number,
            date=line.date,
            service_code=line.service_code,
            quantity=line.quantity,
            amount=line.amount,
            currency=line.currency,
            verdict=InvoiceVerdict(check.verdict),
            explanation=check.explanation,
            covered_amount=check.covered,
            rebill_amount=check.rebill,
            item_uiid=check.item_uiid,
            object_id=check.object_id,
            contract_id=check.contract_id,
            bill_to_id=check.bill_to_id,
        )

    @strawberry.field(
        description="The card or plate, when the hub knows it.", permission_classes=[ReadsTheRecord]
    )
    async def identification_object(self, info: Info) -> IdentificationObject | None:
        row = await _load(info, "IdentificationObject", self.object_id)
        return IdentificationObject.from_row(row) if row else None

    @strawberry.field(
        description="The contract it was issued under.", permission_classes=[ReadsTheRecord]
    )
    async def contract(self, info: Info) -> Contract | None:
        row = await _load(info, "Contract", self.contract_id)
        return Contract.from_row(row) if row else None

    @strawberry.field(
        description="Who is billed: the lessee, or the placeholder partner.",
        permission_classes=[ReadsTheRecord],
    )
    async def bill_to(self, info: Info) -> BusinessPartner | None:
        row = await _load(info, "BusinessPartner", self.bill_to_id)
        return BusinessPartner.from_row(row) if row else None


async def _load(info: Info, label: str, hub_id: str | None) -> dict[str, Any] | None:
    return await info.context.loaders.node(label).load(hub_id) if hub_id else None


@strawberry.input(description="Which checked lines to list; all given conditions must hold.")
class InvoiceLineWhere:
    verdicts: list[InvoiceVerdict] | None = strawberry.field(
        default=None, description="Any of these verdicts (an empty list: none)."
    )
    supplier: str | None = strawberry.field(
        default=None, description="This supplier's lines, in any case (aral finds Aral)."
    )
    contract: strawberry.ID | None = strawberry.field(
        default=None, description="Lines of this contract (its ID)."
    )
    date_from: dt.date | None = strawberry.field(default=None, description="Days from this one.")
    date_to: dt.date | None = strawberry.field(default=None, description="Days up to this one.")


@strawberry.type(description="An invoice line check in a list.")
class InvoiceLineEdge:
    cursor: str = strawberry.field(description="Pass as `after` to go on after it.")
    node: InvoiceLineCheck = strawberry.field(description="The check.")


@strawberry.type(description="A page of checked invoice lines, by day, then invoice and line.")
class InvoiceLineConnection:
    edges: list[InvoiceLineEdge] = strawberry.field(description="The checks of this page.")
    page_info: PageInfo = strawberry.field(description="Where the next page starts.")
    counted: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of checks in the whole list (all pages).")
    async def total_count(self) -> int:
        return await self.counted()


def _lines(given: list[InvoiceLineInput]) -> list[invoices.Line]:
    if not given:
        raise BadRequest("lines: give at least one line")
    if len(given) > invoices.MAX_LINES:
        raise BadRequest(f"lines: at most {invoices.MAX_LINES} in one request")
    lines, problems = [], []
    for index, line in enumerate(given):
        made, found = invoices.line_of(to_data(line), ("lines", str(index)))
        if made is not None:
            lines.append(made)
        problems += found
    if problems:
        # Every bad line at once: a client corrects them in one go, not one per request.
        named = [f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems]
        shown = "; ".join(named[:_NAMED])
        more = f"; and {len(named) - _NAMED} more" if len(named) > _NAMED else ""
        listed = [{"field": list(p.path), "code": p.code, "message": p.message} for p in problems]
        raise BadRequest(shown + more, {"problems": listed})
    return lines


_NAMED = 10  # problems spelt out in the message; extensions.problems lists every one


@strawberry.type
class InvoiceMutation:
    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Check suppliers' invoice lines against the graph: each gets a verdict, "
        "the covered and re-billed amounts and who is billed. A line is stored once per "
        "supplier, invoice and line number; checking it again answers with what was stored. "
        "At most 1,000 lines.",
    )
    async def check_invoice_lines(
        self, info: Info, lines: list[InvoiceLineInput]
    ) -> list[InvoiceLineCheck]:
        checked = await invoices.check(
            info.context.store, _lines(lines), info.context.principal.name
        )
        return [InvoiceLineCheck.of(c) for c in checked]


@strawberry.type
class InvoiceQuery:
    @strawberry.field(
        metadata=needs(Scope.READ),
        description="Checked invoice lines, by day, then supplier, invoice and line number. "
        "`where: {verdicts: [UNKNOWN_OBJECT]}` is the queue of lines for unknown cards.",
    )
    async def invoice_lines(
        self,
        info: Info,
        where: InvoiceLineWhere | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> InvoiceLineConnection:
        if not 0 <= first <= MAX_PAGE:
            raise BadRequest(f"first: must be between 0 and {MAX_PAGE}")
        only = _filter(where)
        # A cursor is bound to the filter it was taken with.
        cursors = info.context.cursors.bound(scope("invoiceLines", repr(only)))
        start = _after(cursors.decode(after, "after")) if after is not None else None
        rows, more = await invoice_lines.page(info.context.store, only, start, first)
        edges = [
            InvoiceLineEdge(
                cursor=cursors.encode(_cursor(invoice_lines.position_of(row))),
                node=InvoiceLineCheck.of(invoices.from_stored(row)),
            )
            for row in rows
        ]
        store = info.context.store
        return InvoiceLineConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else after,
            ),
            counted=lambda: invoice_lines.count(store, only),
        )


def _cursor(position: invoice_lines.Position) -> list[Any]:
    day, supplier, invoice, line = position
    return [native(day).isoformat(), supplier, invoice, line]


def _after(position: list[Any]) -> invoice_lines.Position:
    try:
        day, supplier, invoice, line = position
        return (dt.date.fromisoformat(day), str(supplier), str(invoice), int(line))
    except (TypeError, ValueError) as exc:
        raise BadRequest("after: not a cursor of this list") from exc


def _filter(where: InvoiceLineWhere | None) -> invoice_lines.LineFilter:
    if where is None:
        return invoice_lines.LineFilter()
    contract = None
    if where.contract is not None:
        decoded = from_global(where.contract)
        if decoded is None or decoded[0] != "Contract":
            raise BadRequest("where.contract: not the ID of a contract")
        contract = decoded[1]
    return invoice_lines.LineFilter(
        verdicts=(
            tuple(str(v.value) for v in where.verdicts) if where.verdicts is not None else None
        ),
        supplier=where.supplier.strip().lower() if where.supplier is not None else None,
        contract=contract,
        date_from=where.date_from,
        date_to=where.date_to,
    )
