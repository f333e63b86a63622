"""What a root field reads in its own statement: its records with everything the query
selects below them, compiled once per query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strawberry import Info
from strawberry.types.nodes import Selection, convert_selections

from hub.engine.executor import remembered
from hub.engine.prefetch import Compiled, Variable, compiled_projection
from hub.read.projection import projection


class _Spelt(dict[str, Any]):
    """Variables as their own names, so that a selection shows which arguments vary."""

    def get(self, name: str, default: Any = None) -> Variable:
        return Variable(name)


@dataclass(frozen=True)
class _Syntax:
    """What strawberry's selection converter reads of a resolve info, with variables left
    as :class:`Variable`: the compiled projection is kept for every request of the query."""

    variable_values: _Spelt
    fragments: Any


def root_projection(
    info: Info[Any, Any],
    label: str,
    below: Callable[[list[Selection]], list[Selection]],
    on: bool,
) -> Compiled:
    """The Cypher projection of what the query selects at this field; with the engine off
    (``on`` false), the record alone: its fields read the rest."""

    def compile_() -> Compiled:
        if not on:
            return Compiled(projection(label, "x"), ())
        raw = info._raw_info
        syntax = _Syntax(_Spelt(), raw.fragments)
        selections = convert_selections(syntax, raw.field_nodes)  # type: ignore[arg-type]
        return compiled_projection(label, "x", below(selections))

    return remembered(info, (label, below, on), compile_)
