"""SAP IDoc XML for customer, vendor and material masters (DEBMAS / CREMAS / MATMAS), read
and written.

One file holds many ``IDOC`` elements under the basic type's root element. The fields used
(segment ``E1KNA1M`` for customers, ``E1LFA1M`` for vendors):

========  ======================================================
KUNNR     customer number (DEBMAS) — the ERP key
LIFNR     vendor number (CREMAS) — the ERP key
ANRED     form of address: Herr / Frau / Mr. / Ms. mark a person
STKZN     natural person: X marks a person too
NAME1     a person's family name, or an organisation's name
NAME2     a person's given name, or the rest of an organisation's
STRAS     street and house number ("Hauptstr. 5")
PSTLZ     postal code
ORT01     city
LAND1     country (ISO code)
STCEG     VAT registration number
TELF1     phone
LOEVM     deletion flag: X deletes the customer or vendor
========  ======================================================

A segment sent with function ``MSGFN`` 003, or with the deletion flag (``LOEVM`` for
customers and vendors, ``LVORM`` for materials), says ERP no longer holds the master: the
hub deletes its ERP source (see ``deleteRecord``).

Material masters (MATMAS, segment ``E1MARAM``): ``MATNR`` the number (an all-digit number
without the leading zeros SAP pads it with, as SAP shows it), ``MTART`` type, ``MATKL``
group, ``MEINS`` base unit; its ``E1MAKTM`` segments the descriptions (``SPRAS_ISO``, or
the one-letter ``SPRAS``, and ``MAKTX``); its ``E1MBEWM`` segments prices: the standard
price ``STPRS`` (price control ``VPRSV`` S) or the moving average ``VERPR`` (V), per
``PEINH`` units, in the currency ``WAERS``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from hub.identifiers import material_number

Row = dict[str, Any]

PERSON_FORMS = frozenset({"herr", "frau", "mr.", "ms.", "mrs.", "先生", "女士"})
SEGMENTS = {"E1KNA1M": ("KUNNR", "CUSTOMER"), "E1LFA1M": ("LIFNR", "VENDOR")}
MATERIAL = "E1MARAM"
# The kind of record each message type holds.
KINDS = {"DEBMAS": "BusinessPartner", "CREMAS": "BusinessPartner", "MATMAS": "Material"}
# SAP's one-letter language keys, for descriptions sent without their ISO code.
_LANGUAGES = {"D": "de", "E": "en", "F": "fr", "I": "it", "S": "es", "1": "zh", "J": "ja"}
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
    if deleted(segment, "LOEVM"):
        return {"source": {"key": segment.get(key_field, "")}, "deleted": True}
    person = (
        segment.get("ANRED", "").strip().lower() in PERSON_FORMS
        or segment.get("STKZN", "").strip().upper() == "X"
    )
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
    # A country alone is no address: delivered, it is refused as one, not dropped unseen.
    if any(address[k] for k in ("street", "postalCode", "city", "country")):
        row["addresses"] = [{k: v for k, v in address.items() if v}]
    for field, name in (("STCEG", "taxNumber"), ("TELF1", "phone"), ("SMTP_ADDR", "email")):
        if segment.get(field):
            row[name] = segment[field]
    return row


def deleted(segment: dict[str, Any], flag: str) -> bool:
    """The segment deletes its master: sent with function 003 (delete), or with the
    master's deletion flag (``LOEVM`` for customers and vendors, ``LVORM`` for materials)."""
    function = str(segment.get("MSGFN", "")).strip()
    return function == "003" or str(segment.get(flag, "")).strip().upper() == "X"


def _number(text: str | None) -> float | str | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # reported by validation with the field's path


def material_from_segment(segment: dict[str, Any]) -> Row:
    """The MaterialInput an E1MARAM segment (with its own segments) describes."""
    row: Row = {"source": {"key": material_number(segment.get("MATNR", ""))}}
    if deleted(segment, "LVORM"):
        return {**row, "deleted": True}
    row["number"] = row["source"]["key"]
    for field, name in (("MTART", "type"), ("MATKL", "group"), ("MEINS", "baseUnit")):
        if segment.get(field):
            row[name] = segment[field]
    descriptions = [
        {
            "language": d.get("SPRAS_ISO") or _LANGUAGES.get(d.get("SPRAS", ""), d.get("SPRAS")),
            "text": d.get("MAKTX"),
        }
        for d in segment.get("E1MAKTM", [])
    ]
    if descriptions:
        row["descriptions"] = descriptions
    prices = [_price(p) for p in segment.get("E1MBEWM", [])]
    if prices:
        row["prices"] = prices
    return row


def _price(valuation: dict[str, str]) -> Row:
    moving = valuation.get("VPRSV", "S").upper() == "V"
    amount = _number(valuation.get("VERPR" if moving else "STPRS"))
    per = _number(valuation.get("PEINH")) or 1
    if isinstance(amount, float) and isinstance(per, float) and per > 0:
        amount = round(amount / per, 6)
    return {
        "type": "MOVING_AVERAGE" if moving else "STANDARD",
        "amount": amount,
        "currency": valuation.get("WAERS"),
    }


def message_kind(path: Path) -> str:
    """The kind of record an IDoc file holds, by the message type of its first IDoc
    (business partners when it names none the hub reads: each IDoc is then reported)."""
    # Opened here, not by iterparse: a parser left after the first IDoc would keep the file
    # open until the garbage collector found it.
    with path.open("rb") as handle:
        try:
            # From the enterprise's own ERP; ElementTree expands no external entities.
            for _, element in ET.iterparse(handle, events=("end",)):  # noqa: S314
                if element.tag == "MESTYP":
                    return KINDS.get((element.text or "").strip(), "BusinessPartner")
        except ET.ParseError:
            pass  # the reader reports where the file stops being XML
    return "BusinessPartner"


def read_segments(source: Path | BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Master segments in document order, streamed; the number counts IDocs from 1.

    An IDoc without a master the hub reads yields one item without ``_tag`` that names its
    message type, so it is reported, not skipped. A material master's segment carries its
    descriptions and valuations as lists under their segments' names.
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
        elif element.tag in SEGMENTS or element.tag == MATERIAL:
            masters += 1
            fields: dict[str, Any] = _fields(element)
            for part in ("E1MAKTM", "E1MBEWM"):
                fields[part] = [_fields(child) for child in element.iter(part)]
            fields["_tag"] = element.tag
            yield number + 1, fields


def _fields(element: ET.Element) -> dict[str, Any]:
    """A segment's own fields (its child segments left out)."""
    return {child.tag: (child.text or "").strip() for child in element if len(child) == 0}


def write(path: Path, role: str, records: list[dict[str, str]]) -> None:
    """An IDoc file of customer (role CUSTOMER) or vendor masters."""
    basic_type, message = ROOTS[role]
    segment = "E1KNA1M" if role == "CUSTOMER" else "E1LFA1M"
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{basic_type}>\n')
        for number, record in enumerate(records, start=1):
            # Function 005 sends the master, 003 deletes it.
            function = record.get("MSGFN", "005")
            fields = "".join(
                f"<{k}>{escape(v)}</{k}>" for k, v in record.items() if v and k != "MSGFN"
            )
            out.write(
                f'<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>{number:016d}</DOCNUM>'
                f"<IDOCTYP>{basic_type}</IDOCTYP><MESTYP>{message}</MESTYP></EDI_DC40>"
                f'<{segment} SEGMENT="1"><MSGFN>{function}</MSGFN>{fields}</{segment}></IDOC>\n'
            )
        out.write(f"</{basic_type}>\n")


def write_materials(path: Path, materials: list[Row]) -> None:
    """An IDoc file of material masters (MATMAS05) from rows shaped like ``MaterialInput``."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<MATMAS05>\n')
        for number, material in enumerate(materials, start=1):
            matnr = material["number"]
            head = {
                "MATNR": matnr.zfill(18) if matnr.isdigit() else matnr,
                "MTART": material.get("type"),
                "MATKL": material.get("group"),
                "MEINS": material.get("baseUnit"),
            }
            texts = "".join(
                f'<E1MAKTM SEGMENT="1"><MSGFN>005</MSGFN><SPRAS_ISO>{d["language"].upper()}'
                f"</SPRAS_ISO><MAKTX>{escape(d['text'])}</MAKTX></E1MAKTM>"
                for d in material.get("descriptions", [])
            )
            prices = "".join(
                f'<E1MBEWM SEGMENT="1"><MSGFN>005</MSGFN><BWKEY>1000</BWKEY><VPRSV>S</VPRSV>'
                f"<STPRS>{p['amount']:.2f}</STPRS><PEINH>1</PEINH><WAERS>{p['currency']}</WAERS>"
                "</E1MBEWM>"
                for p in material.get("prices", [])
            )
            fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in head.items() if v)
            out.write(
                f'<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>{number:016d}</DOCNUM>'
                "<IDOCTYP>MATMAS05</IDOCTYP><MESTYP>MATMAS</MESTYP></EDI_DC40>"
                f'<E1MARAM SEGMENT="1"><MSGFN>005</MSGFN>{fields}{texts}{prices}</E1MARAM>'
                "</IDOC>\n"
            )
        out.write("</MATMAS05>\n")
