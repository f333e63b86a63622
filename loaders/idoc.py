"""SAP IDoc XML for customer and vendor masters (DEBMAS / CREMAS), read and written.

One file holds many ``IDOC`` elements under the basic type's root element. The fields used
(segment ``E1KNA1M`` for customers, ``E1LFA1M`` for vendors):

========  ======================================================
KUNNR     customer number (DEBMAS) — the ERP key
LIFNR     vendor number (CREMAS) — the ERP key
ANRED     form of address: Herr / Frau / Mr. / Ms. mark a person
NAME1     a person's family name, or an organisation's name
NAME2     a person's given name, or the rest of an organisation's
STRAS     street and house number ("Hauptstr. 5")
PSTLZ     postal code
ORT01     city
LAND1     country (ISO code)
STCEG     VAT registration number
TELF1     phone
========  ======================================================
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

Row = dict[str, Any]

PERSON_FORMS = frozenset({"herr", "frau", "mr.", "ms.", "mrs.", "先生", "女士"})
SEGMENTS = {"E1KNA1M": ("KUNNR", "CUSTOMER"), "E1LFA1M": ("LIFNR", "VENDOR")}
ROOTS = {"CUSTOMER": ("DEBMAS07", "DEBMAS"), "VENDOR": ("CREMAS05", "CREMAS")}

_HOUSE_NUMBER = re.compile(
    r"^(?P<street>.*?)[\s,]+(?P<number>\d+\s*[a-zA-Z]?(?:[-/]\d+\s*[a-zA-Z]?)?)$"
)


def split_street(text: str) -> tuple[str, str | None]:
    """``Hauptstr. 5a`` -> (``Hauptstr.``, ``5a``); a street without a number stays whole."""
    match = _HOUSE_NUMBER.match(text.strip())
    if not match:
        return text.strip(), None
    return match["street"].strip(), match["number"].replace(" ", "")


def partner_from_segment(segment: dict[str, str]) -> Row | None:
    """The BusinessPartnerInput an E1KNA1M / E1LFA1M segment describes (None: not a master)."""
    known = SEGMENTS.get(segment.get("_tag", ""))
    if known is None:
        return None
    key_field, role = known
    person = segment.get("ANRED", "").strip().lower() in PERSON_FORMS
    row: Row = {"source": {"key": segment.get(key_field, "")}, "roles": [role]}
    if person:
        row.update(kind="PERSON", lastName=segment.get("NAME1"), firstName=segment.get("NAME2"))
    else:
        name = " ".join(p for p in (segment.get("NAME1"), segment.get("NAME2")) if p)
        row.update(kind="ORGANIZATION", organizationName=name)
    street, number = split_street(segment.get("STRAS", ""))
    address = {
        "street": street or None,
        "houseNumber": number,
        "postalCode": segment.get("PSTLZ"),
        "city": segment.get("ORT01"),
        "country": segment.get("LAND1"),
    }
    if any(address.values()):
        row["addresses"] = [{k: v for k, v in address.items() if v}]
    for field, name in (("STCEG", "taxNumber"), ("TELF1", "phone"), ("SMTP_ADDR", "email")):
        if segment.get(field):
            row[name] = segment[field]
    return row


def read_segments(source: Path | BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Master segments in document order, streamed; the number counts IDocs from 1.

    An IDoc without a customer or vendor master (a material master, MATMAS, say) yields one
    item without ``_tag`` that names its message type, so it is reported, not skipped.
    """
    number = 0
    masters = 0
    message = ""
    # The files come from the enterprise's own ERP; ElementTree expands no external entities.
    for _, element in ET.iterparse(source, events=("end",)):  # noqa: S314
        if element.tag == "IDOC":
            number += 1
            if not masters:
                yield number, {"MESTYP": message or "unknown"}
            masters, message = 0, ""
            element.clear()
        elif element.tag == "MESTYP":
            message = (element.text or "").strip()
        elif element.tag in SEGMENTS:
            masters += 1
            fields = {child.tag: (child.text or "").strip() for child in element}
            fields["_tag"] = element.tag
            yield number + 1, fields


def write(path: Path, role: str, records: list[dict[str, str]]) -> None:
    """An IDoc file of customer (role CUSTOMER) or vendor masters."""
    basic_type, message = ROOTS[role]
    segment = "E1KNA1M" if role == "CUSTOMER" else "E1LFA1M"
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{basic_type}>\n')
        for number, record in enumerate(records, start=1):
            fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in record.items() if v)
            out.write(
                f'<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>{number:016d}</DOCNUM>'
                f"<IDOCTYP>{basic_type}</IDOCTYP><MESTYP>{message}</MESTYP></EDI_DC40>"
                f'<{segment} SEGMENT="1"><MSGFN>005</MSGFN>{fields}</{segment}></IDOC>\n'
            )
        out.write(f"</{basic_type}>\n")
