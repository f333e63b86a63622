"""A contract change: read from its input, and what it does, decided from what was read.

Everything here is pure: :func:`plan_change` takes the contract as stored (and the partners
a change names) and returns the contract after it, the change as it is recorded and how
the cards and plates issued under the contract follow; :mod:`hub.domain.processes` reads
what a plan needs, runs it and writes the outcome (its statements in
:mod:`hub.domain.process_writes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from graph_schema import enums as e
from hub import encoding
from hub.domain import deliveries
from hub.domain import problems as codes
from hub.domain.problems import Path, Problem, Rejected
from hub.domain.references import Ref

State = dict[str, Any]
# A card or plate issued under a contract, as read: its id, state and version.
Issued = tuple[str, State, int]
# One of them to write: its id, its state before and after, and the version it had.
Moved = tuple[str, State, State, int]


def effective_contract_status(state: dict[str, Any], today: dt.date) -> str:
    """Terminated from the effective date; expired after the end date."""
    status = str(state.get("status", "DRAFT"))
    termination = state.get("terminationDate")
    end = state.get("endDate")
    if status == "TERMINATED" and termination and dt.date.fromisoformat(termination) > today:
        return "ACTIVE"
    if status == "ACTIVE" and end and dt.date.fromisoformat(end) < today:
        return "EXPIRED"
    return status


@dataclass(frozen=True)
class ContractChange:
    contract: Ref
    process: str
    effective_date: dt.date
    new_lessee: Ref | None = None
    new_end_date: dt.date | None = None
    # The caller's id of the change: a contract applies a change of one id once.
    change_id: str | None = None
    party_role: str | None = None  # LCOP: the role that passes to ``party``
    party: Ref | None = None
    keep_card_holders: bool = False  # LCOO: the cards stay with their holders
    item: str | None = None  # the UIID of the one item the change addresses
    # CHOA of an item: its new product and single services (None: unchanged)
    product: str | None = None
    services: list[dict[str, Any]] | None = None
    item_end: dt.date | None = None  # CHOA of an item: its new end date


PROCESSES = ("LCOO", "ETER", "TERM", "BLEX", "CHOA", "LCOP")


MAX_CHANGE_ID = 128


def _date(
    value: Any, path: Path, problems: list[Problem], label: str = "ContractChange"
) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        found: dt.date | None = value
    else:
        try:
            found = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(
                Problem(path, codes.INVALID_VALUE, f"{value!r} is not a date (YYYY-MM-DD)")
            )
            return None
    assert found is not None
    late = deliveries.plausible_date(found, path, label)
    if late is not None:
        problems.append(late)
        return None
    return found


# The fields of a ContractChangeInput, as a change file's columns name them.
FIELDS = (
    "contract", "process", "effectiveDate", "newLessee", "newEndDate", "item", "attributes",
    "party", "keepCardHolders", "changeId",
)  # fmt: skip


# The change id of a change the API was given without one (see content_id).
REQUEST_ID = "request:"


def content_id(data: dict[str, Any], prefix: str) -> str:
    """The change id of a change given without one: made of its content, so that sending
    the same change again applies nothing twice."""
    digest = hashlib.sha256(encoding.canonical(data, default=str).encode()).hexdigest()
    return prefix + digest[:32]


def change_of(data: dict[str, Any], path: Path) -> tuple[ContractChange | None, list[Problem]]:
    """The change a ContractChangeInput (or a line of a change file, the same fields)
    describes, or what is wrong with it, each problem naming its field under ``path``."""
    problems: list[Problem] = []
    process = str(data.get("process") or "").strip().upper()
    if not process:
        problems.append(Problem((*path, "process"), codes.REQUIRED, "a change needs its process"))
    elif process not in PROCESSES:
        options = ", ".join(PROCESSES)
        problems.append(
            Problem((*path, "process"), codes.INVALID_VALUE, f"{process!r} is not one of {options}")
        )
    effective = _date(data.get("effectiveDate"), (*path, "effectiveDate"), problems)
    if effective is None and not data.get("effectiveDate"):
        problems.append(
            Problem((*path, "effectiveDate"), codes.REQUIRED, "a change needs its effectiveDate")
        )
    end = _date(data.get("newEndDate"), (*path, "newEndDate"), problems)
    contract = deliveries.reference("Contract", data.get("contract"), (*path, "contract"))
    if contract is None:
        problems.append(Problem((*path, "contract"), codes.REQUIRED, "name the contract"))
    change_id = data.get("changeId")
    if change_id is not None:
        change_id = str(change_id).strip()
        if not change_id or len(change_id) > MAX_CHANGE_ID:
            problems.append(
                Problem(
                    (*path, "changeId"),
                    codes.INVALID_VALUE,
                    f"a changeId is 1 to {MAX_CHANGE_ID} characters",
                )
            )
    if problems or contract is None or effective is None:
        return None, problems
    lessee = deliveries.reference("BusinessPartner", data.get("newLessee"), (*path, "newLessee"))
    party = data.get("party") or {}
    # Partners named for another process would be resolved and acted on without reason
    # (a TERM with a newLessee handed the cards over to a partner who was never lessee).
    for name, given, owner in (
        ("newLessee", lessee, "LCOO"),
        ("party", party, "LCOP"),
        ("newEndDate", end, "BLEX"),
    ):
        if given and process != owner:
            message = f"{name} belongs to {owner}; {process} does not take it"
            problems.append(Problem((*path, name), codes.INVALID_VALUE, message))
    role = str(party.get("role") or "").strip().upper() or None
    if party and role not in e.ContractPartyRole.__members__:
        options = ", ".join(e.ContractPartyRole.__members__)
        problems.append(
            Problem((*path, "party", "role"), codes.INVALID_VALUE, f"the role is one of {options}")
        )
    elif role == "LESSEE":
        problems.append(
            Problem(
                (*path, "party", "role"),
                codes.INVALID_VALUE,
                "the lessee changes by LCOO, with newLessee",
            )
        )
    partner = deliveries.reference(
        "BusinessPartner", party.get("partner"), (*path, "party", "partner")
    )
    item, product, services, item_end = _item_change(data, process, path, problems)
    keep = _flag(data.get("keepCardHolders"), (*path, "keepCardHolders"), problems)
    if problems:
        return None, problems
    return (
        ContractChange(
            contract,
            process,
            effective,
            lessee,
            end,
            change_id or None,
            role,
            partner,
            keep,
            item,
            product,
            services,
            item_end,
        ),
        [],
    )


def _flag(value: Any, path: Path, problems: list[Problem]) -> bool:
    """A yes-or-no field, as an API input or a file's text (true/false, yes/no, 1/0, x)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "x"):
        return True
    if text not in ("false", "no", "0", ""):
        problems.append(Problem(path, codes.INVALID_VALUE, f"{value!r} is not true or false"))
    return False


# The processes that may address one item of a contract instead of the whole contract.
ITEM_PROCESSES = ("ETER", "TERM", "BLEX", "CHOA")


def _item_change(
    data: dict[str, Any], process: str, path: Path, problems: list[Problem]
) -> tuple[str | None, str | None, list[dict[str, Any]] | None, dt.date | None]:
    """The item a change addresses, and for a CHOA its new product, services and end."""
    item = data.get("item") or None
    uiid = deliveries.item_uiid(item, (*path, "item"), problems)
    if uiid is not None and process not in ITEM_PROCESSES:
        message = f"{process} changes the contract's parties, not one item"
        problems.append(Problem((*path, "item"), codes.INVALID_VALUE, message))
    attributes = data.get("attributes") or {}
    if not attributes:
        return uiid, None, None, None
    if process != "CHOA":
        message = "only CHOA changes an item's attributes"
        problems.append(Problem((*path, "attributes"), codes.INVALID_VALUE, message))
    if uiid is None and not item:
        message = "a change of attributes names the item (item: {uiid})"
        problems.append(Problem((*path, "item"), codes.REQUIRED, message))
    product = attributes.get("product")
    services = None
    if attributes.get("singleServices") is not None:
        where = (*path, "attributes", "singleServices")
        services, found = deliveries.single_services(attributes, where)
        problems.extend(found)
    where = (*path, "attributes", "endDate")
    end = _date(attributes.get("endDate"), where, problems, "ContractItem")
    named = (str(product).strip() or None) if product is not None else None
    return uiid, named, services, end


def _apply_change(
    change: ContractChange,
    state: dict[str, Any],
    lessee: dict[str, Any] | None,
    today: dt.date,
    party: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The contract state after the change, or Rejected when the transition is impossible."""
    status = effective_contract_status(state, today)
    stored = state.get("status", "DRAFT")
    process = change.process
    new = dict(state)

    def refuse(message: str, field: str = "process") -> Rejected:
        return Rejected([Problem(("input", field), codes.INVALID_TRANSITION, message)])

    if stored == "TERMINATED":
        raise refuse(f"{process} is not possible: the contract is already terminated")
    if change.item is not None and process in ("ETER", "TERM", "BLEX"):
        if status != "ACTIVE":
            raise refuse(f"{process} of an item needs an active contract; this one is {status}")
        new["items"] = _item_ended(change, state)
    elif process in ("ETER", "TERM"):
        if status != "ACTIVE":
            raise refuse(f"only an active contract can be terminated; this one is {status}")
        _check_termination_day(change.effective_date, state)
        new["status"] = "TERMINATED"
        new["terminationDate"] = change.effective_date.isoformat()
        new["endDate"] = change.effective_date.isoformat()
        new["items"] = [_terminated(i, change.effective_date) for i in state.get("items", [])]
    elif process == "BLEX":
        new = _extended(change, state, status)
    elif process == "LCOO":
        if lessee is None:
            raise Rejected(
                [Problem(("input", "newLessee"), codes.REQUIRED, "LCOO needs newLessee")]
            )
        new["parties"] = _hand_over(state, "LESSEE", lessee, change.effective_date, "newLessee")
    elif process == "CHOA" and change.item is not None:
        new["items"] = _changed_items(change, state)
    elif process == "LCOP":
        if change.party_role is None or party is None:
            message = "LCOP needs party: the role and the partner who takes it"
            raise Rejected([Problem(("input", "party"), codes.REQUIRED, message)])
        new["parties"] = _hand_over(state, change.party_role, party, change.effective_date, "party")
    return new


def _check_termination_day(day: dt.date, state: dict[str, Any]) -> None:
    """A contract's termination takes effect within its term: not before it starts, not
    after it ends."""
    effective, start, end = day.isoformat(), state.get("startDate"), state.get("endDate")
    message = None
    if start and effective < start:
        message = f"the contract starts on {start}; its termination takes effect on or after"
    elif end and effective > end:
        message = f"the contract ends on {end}; a termination takes effect on or before"
    if message is not None:
        raise Rejected([Problem(("input", "effectiveDate"), codes.INVALID_VALUE, message)])


def _extended(change: ContractChange, state: dict[str, Any], status: str) -> dict[str, Any]:
    """The contract after a BLEX: its new end, active again if it had expired; items that
    ended with it go on with it, those that end earlier stay as they are."""
    current = state.get("endDate")
    end = _extension(change, current)
    items = [
        {**i, "endDate": end}
        if current and i.get("endDate") == current and not i.get("terminationDate")
        else i
        for i in state.get("items", [])
    ]
    return {
        **state,
        "endDate": end,
        "items": items,
        "status": "ACTIVE" if status == "EXPIRED" else state.get("status", "DRAFT"),
    }


def _extension(change: ContractChange, current: str | None) -> str:
    """The new end a BLEX gives (ISO), after ``current``, or Rejected."""
    if change.new_end_date is None:
        raise Rejected([Problem(("input", "newEndDate"), codes.REQUIRED, "BLEX needs newEndDate")])
    wanted = change.new_end_date.isoformat()
    if current and wanted <= current:
        message = f"an extension must end after the current end date {current}"
        raise Rejected([Problem(("input", "newEndDate"), codes.INVALID_TRANSITION, message)])
    return wanted


def _item_of(items: list[dict[str, Any]], uiid: str | None) -> dict[str, Any]:
    """The item of ``uiid`` among a contract's (copied) items, or Rejected."""
    found = next((i for i in items if i.get("uiid") == uiid), None)
    if found is None:
        message = f"contract has no item {uiid}"
        raise Rejected([Problem(("input", "item", "uiid"), codes.NOT_FOUND, message)])
    if found.get("terminationDate"):
        message = f"item {uiid} is terminated from {found['terminationDate']}"
        raise Rejected([Problem(("input", "item"), codes.INVALID_TRANSITION, message)])
    return found


def _terminated(item: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """An item terminated from ``day``: it runs until the day before, unless it ended
    earlier (then it stays as it was)."""
    end, terminated = item.get("endDate"), item.get("terminationDate")
    if (terminated and terminated <= day.isoformat()) or (end and end < day.isoformat()):
        return item
    return {**item, "terminationDate": day.isoformat(), "endDate": _day_before(day)}


def _day_before(day: dt.date) -> str:
    return (day - dt.timedelta(days=1)).isoformat()


def _item_ended(change: ContractChange, state: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's items after an ETER, TERM or BLEX of one of them."""
    items = [dict(i) for i in state.get("items", [])]
    found = _item_of(items, change.item)
    contract_end = state.get("endDate")
    current = found.get("endDate") or contract_end
    if change.process != "BLEX":
        day, start = change.effective_date.isoformat(), state.get("startDate")
        if current and day > current:
            message = f"item {change.item} ends on {current}; a termination takes effect before"
            raise Rejected([Problem(("input", "effectiveDate"), codes.INVALID_VALUE, message)])
        if start and day <= start:
            message = f"the contract starts on {start}; an item's termination takes effect after"
            raise Rejected([Problem(("input", "effectiveDate"), codes.INVALID_VALUE, message)])
        items[items.index(found)] = _terminated(found, change.effective_date)
        return items
    wanted = _extension(change, current)
    if contract_end and wanted > contract_end:
        message = (
            f"an item ends at the latest with its contract ({contract_end}): extend the "
            "contract first"
        )
        raise Rejected([Problem(("input", "newEndDate"), codes.INVALID_VALUE, message)])
    found["endDate"] = wanted
    return items


def _changed_items(change: ContractChange, state: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's items with the one a CHOA names changed: its product, its services (a
    mandatory service cannot be removed), its end within the contract's period."""
    items = [dict(i) for i in state.get("items", [])]
    found = _item_of(items, change.item)
    if change.item_end is not None:
        where = ("input", "attributes")
        problem = deliveries.within_contract(change.item_end.isoformat(), state, where)
        if problem is not None:
            raise Rejected([problem])
        found["endDate"] = change.item_end.isoformat()
    if change.product is not None:
        found["product"] = change.product
    if change.services is not None:
        before = {str(s.get("code")).upper(): s for s in found.get("singleServices") or []}
        given = [_inheriting(s, before.get(str(s.get("code")).upper())) for s in change.services]
        kept = {str(s.get("code")).upper() for s in given}
        dropped = [
            code
            for code, s in before.items()
            if s.get("inclusion") == "MANDATORY" and code not in kept
        ]
        lowered = [
            s["code"]
            for s in given
            if (before.get(str(s.get("code")).upper()) or {}).get("inclusion") == "MANDATORY"
            and s.get("inclusion") != "MANDATORY"
        ]
        if lowered:
            message = f"mandatory services stay mandatory: {', '.join(lowered)}"
            raise Rejected(
                [
                    Problem(
                        ("input", "attributes", "singleServices"), codes.INVALID_TRANSITION, message
                    )
                ]
            )
        if dropped:
            message = f"mandatory services cannot be removed: {', '.join(dropped)}"
            problem = Problem(
                ("input", "attributes", "singleServices"), codes.INVALID_TRANSITION, message
            )
            raise Rejected([problem])
        found["singleServices"] = given
    return items


def _inheriting(service: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """A service a CHOA lists, with the inclusion and cap it had where the change gives none."""
    if before is None:
        return service
    kept = {k: before[k] for k in ("inclusion", "quantityCap", "capPeriod") if k in before}
    return {**kept, **service}


def _hand_over(
    state: dict[str, Any], role: str, partner: dict[str, Any], day: dt.date, field: str
) -> list[dict[str, Any]]:
    """The contract's parties once ``partner`` holds ``role`` from ``day``: who held it
    stays listed, until the day before."""
    holding = [p for p in current(state, role)]
    if any(p.get("id") == partner["id"] for p in holding):
        message = f"the partner holds the role {role} already"
        raise Rejected([Problem(("input", field), codes.INVALID_TRANSITION, message)])
    started = [p["validFrom"] for p in holding if p.get("validFrom")]
    if started and day.isoformat() <= max(started):
        message = (
            f"the role {role} passed to its holder on {max(started)}; a change takes effect after"
        )
        raise Rejected([Problem(("input", "effectiveDate"), codes.INVALID_VALUE, message)])
    until = _day_before(day)
    parties = [
        {**p, "validTo": until} if any(p is h for h in holding) else p
        for p in state.get("parties", [])
    ]
    return [*parties, {**partner, "role": role, "validFrom": day.isoformat()}]


def current(state: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The parties of a contract's state that hold ``role`` now (no end given)."""
    return [p for p in state.get("parties", []) if p.get("role") == role and not p.get("validTo")]


def _ends(
    change: ContractChange, base: dict[str, Any], state: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The last day of what the change addresses (the contract or one item) before and after
    it; a termination ends it the day before its effective date. (None, None): no end moves."""
    if change.process in ("ETER", "TERM"):
        return _end_of(base, change.item), _day_before(change.effective_date)
    if change.process == "BLEX" or change.item_end is not None:
        return _end_of(base, change.item), _end_of(state, change.item)
    return None, None


def _end_of(state: dict[str, Any], uiid: str | None) -> str | None:
    """The last day of the contract, or of its item ``uiid`` (the contract's if it has none
    of its own)."""
    item: dict[str, Any] = next((i for i in state.get("items", []) if i.get("uiid") == uiid), {})
    return str(item.get("endDate") or state.get("endDate") or "") or None


def _following(
    state: dict[str, Any], before: str | None, after: str, process: str
) -> dict[str, Any] | None:
    """An object's state once what it was issued under ends on ``after`` instead of
    ``before``; None when it does not change."""
    valid_from, valid_to = state.get("validFrom"), state.get("validTo")
    if before is not None and after > before:
        return {**state, "validTo": after} if valid_to == before else None
    if valid_to is not None and valid_to <= after:
        return None
    if valid_from is not None and valid_from > after:
        reason = f"{process}: what it was issued under ended on {after}, before it was valid"
        return {**state, "status": "BLOCKED", "blockedReason": reason}
    return {**state, "validTo": after}


@dataclass(frozen=True)
class ChangePlan:
    """What a change does: the contract's state after it, the change as the contract
    records it, and the last day of what it addresses before and after (``ends``)."""

    state: State
    record: State
    ends: tuple[str | None, str | None]
    lessees_before: frozenset[str] = frozenset()  # LCOO: whose cards pass to the new lessee

    @property
    def moves_objects(self) -> bool:
        """The cards and plates issued under the contract change with it."""
        before, after = self.ends
        return (after is not None and after != before) or bool(self.lessees_before)


def plan_change(
    change: ContractChange,
    base: State,
    lessee: State | None,
    party: State | None,
    today: dt.date,
) -> ChangePlan:
    """The plan of ``change`` on the contract stored as ``base``, or Rejected; ``lessee``
    and ``party`` are the partners it names, resolved."""
    state = _apply_change(change, base, lessee, today, party)
    moving = change.process == "LCOO" and lessee is not None and not change.keep_card_holders
    before = frozenset(p["id"] for p in current(base, "LESSEE")) if moving else frozenset()
    return ChangePlan(state, recorded(change, lessee, party), _ends(change, base, state), before)


def recorded(change: ContractChange, lessee: State | None, party: State | None) -> State:
    """The change as the contract's history keeps it (without its id and time)."""
    details: State = {"process": change.process, "effectiveDate": change.effective_date}
    if change.change_id is not None:
        details["changeId"] = change.change_id
    if lessee is not None:
        details["newLesseeId"] = lessee["id"]
    if party is not None:
        details.update(partyRole=change.party_role, partyId=party["id"])
    if change.item is not None:
        details["itemUiid"] = change.item
    attributes = {
        name: value
        for name, value in (
            ("product", change.product),
            ("singleServices", change.services),
            ("endDate", change.item_end and change.item_end.isoformat()),
        )
        if value is not None
    }
    if attributes:
        details["attributes"] = json.dumps(attributes, ensure_ascii=False, sort_keys=True)
    if change.new_end_date is not None:
        details["newEndDate"] = change.new_end_date
    return details


def objects_following(
    change: ContractChange, plan: ChangePlan, issued: list[Issued]
) -> list[Moved]:
    """The cards and plates issued under the contract (or, for a change of one item, under
    that item) that follow its end: when it ends earlier (ETER, TERM, a CHOA of an item's
    end) those valid longer end with it, and those not yet valid by then are blocked; when
    it ends later (BLEX, a CHOA) those that ended with it end on the new day. A later
    delivery of the object sets what its source system says."""
    before, after = plan.ends
    if after is None or after == before:
        return []
    moved = []
    for object_id, base, version in issued:
        if change.item is not None and base.get("itemUiid") != change.item:
            continue
        state = _following(base, before, after, change.process)
        if state is not None:
            moved.append((object_id, base, state, version))
    return moved


def objects_handed_over(
    plan: ChangePlan, lessee: State | None, issued: list[Issued]
) -> list[Moved]:
    """After a change of lessee (LCOO), the cards and plates the previous lessee held pass
    to the new one."""
    if lessee is None or not plan.lessees_before:
        return []
    moved = []
    for object_id, base, version in issued:
        holder = base.get("holder")
        if isinstance(holder, dict) and holder.get("id") in plan.lessees_before:
            state = {**base, "holder": {**holder, "id": lessee["id"]}}
            moved.append((object_id, base, state, version))
    return moved
