"""Which properties a read returns for each label (the model's, never the internal state)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from graph_schema import MODEL
from graph_schema.model import sort_key_of

EXTRA = {
    label: (".position",)
    for label in ("Address", "ContractItem", "MaterialDescription", "MaterialPrice")
}

# The records a GraphQL selection can narrow: what every row of them carries whatever is
# selected (the key, and what their object type cannot be built without) ...
ALWAYS: dict[str, tuple[str, ...]] = {
    "BusinessPartner": ("id", "kind"),
    "Vehicle": ("id", "vin"),
    "Contract": ("id", "number", "type", "status"),
    "IdentificationObject": ("id", "kind", "number", "status"),
    "Document": ("id", "number", "revision", "type", "deletedAt"),
    "Material": ("id", "number"),
    "Project": ("id", "number", "status"),
}

# The kinds whose lineage is read from their sources, not from a property of the record.
_WITH_LINEAGE = (
    "BusinessPartner",
    "Vehicle",
    "Contract",
    "IdentificationObject",
    "Document",
    "Material",
    "Project",
)

# ... and the fields that read other properties than the one of their own name.
READS: dict[tuple[str, str], tuple[str, ...]] = {
    **{(label, "lineage"): () for label in _WITH_LINEAGE},
    ("Contract", "status"): ("status", "endDate", "terminationDate"),
    ("IdentificationObject", "status"): ("status", "validTo"),
    ("Document", "file"): ("fileSha256", "fileSize", "fileMediaType", "fileName"),
}

# Fields every record answers without a stored property of that name.
WITHOUT_PROPERTY = frozenset({"id", "__typename"})


@cache
def projection(label: str, variable: str = "x") -> str:
    """``x {.id, .vin, ...}`` for a label, or every property for a record of any label."""
    if label == "*":
        return f"{variable} {{.*, __label: head(labels({variable}))}}"
    fields = [f".{prop.name}" for prop in MODEL.node(label).record_properties]
    fields.extend(EXTRA.get(label, ()))
    return f"{variable} {{{', '.join(fields)}}}"


@cache
def collated(label: str) -> dict[str, str]:
    """The stored sort key of each of a label's collated texts, with the text it sorts
    (``nameSort``: ``name``); none for a record of any label."""
    if label == "*":
        return {}
    return {sort_key_of(p.name): p.name for p in MODEL.node(label).properties if p.collated}


@cache
def _stored(label: str) -> frozenset[str]:
    return frozenset(prop.name for prop in MODEL.node(label).record_properties)


def narrowed(label: str, variable: str, fields: Iterable[str], related: Iterable[str]) -> str:
    """The projection of only what the selected ``fields`` read, or the whole record.

    ``related`` names the fields that read related records instead (they need only the key).
    Nothing is left out for a label or a field the rules above do not know: narrowing is an
    optimisation and never the reason a value goes missing. A collated text's sort key
    among ``fields`` (a related record's order reads it) is read either way.
    """
    sort_keys = [field for field in fields if field in collated(label)]
    if label not in ALWAYS:
        return with_sort_keys(projection(label, variable), sort_keys)
    stored, wanted = _stored(label), dict.fromkeys(ALWAYS[label])
    skipped = WITHOUT_PROPERTY | frozenset(related)
    for field in fields:
        if (label, field) in READS:
            wanted.update(dict.fromkeys(READS[label, field]))
        elif field in stored or field in sort_keys:
            wanted[field] = None
        elif field not in skipped:
            return with_sort_keys(projection(label, variable), sort_keys)
    return f"{variable} {{{', '.join(f'.{name}' for name in wanted)}}}"


def with_sort_keys(shown: str, sort_keys: Iterable[str]) -> str:
    """A map projection (``x {.id, ...}``) that also reads the given sort keys."""
    added = "".join(f", .{key}" for key in sort_keys)
    return shown[:-1] + added + "}" if added else shown
