"""Which properties a read returns for each label (the model's, never the internal state)."""

from __future__ import annotations

from functools import cache

from graph_schema import MODEL

EXTRA = {"Address": (".position",), "ContractItem": (".position",)}


@cache
def projection(label: str, variable: str = "x") -> str:
    """``x {.id, .vin, ...}`` for a label, or every property for a record of any label."""
    if label == "*":
        return f"{variable} {{.*, __label: head(labels({variable}))}}"
    fields = [f".{prop.name}" for prop in MODEL.node(label).properties]
    fields.extend(EXTRA.get(label, ()))
    return f"{variable} {{{', '.join(fields)}}}"
