"""The read engine: how the hub answers a query faster than resolving it field by field.

Two parts work together. A root field reads its records with every related record the query
selects below them in one statement (:mod:`hub.engine.prefetch`, entered through
:func:`root_projection`), and the fields below take their rows from it (:func:`prefetched`,
:func:`usable`, :func:`pages_prefetched`). The executor (:mod:`hub.engine.executor`) keeps
per operation what graphql-core would work out again for every request.

Everything the rest of the hub uses of the engine is named here; nothing imports its
modules directly (an import contract holds it). With ``HUB_READ_ENGINE=false`` neither part
runs: the schema executes graphql-core's general way and every field reads its own
relations, with the same answers.
"""

from hub.engine.executor import PlanCache, executor_for, pages_prefetched, remembered
from hub.engine.prefetch import (
    Compiled,
    Prefetched,
    connection_selections,
    prefetched,
    selections_of,
    usable,
)
from hub.engine.roots import root_projection

__all__ = [
    "Compiled",
    "PlanCache",
    "Prefetched",
    "connection_selections",
    "executor_for",
    "pages_prefetched",
    "prefetched",
    "remembered",
    "root_projection",
    "selections_of",
    "usable",
]
