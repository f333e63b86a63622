"""A partner as matching finds it in the graph: what each of its sources says, with the
identifiers they leave out taken from the partner as a whole, and its neighbours (vehicles
owned, cards held) as evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from hub.mastering.compare import Frequency, Verdict, compare, within_whole
from hub.mastering.doubts import Source, as_delivered, sources_read
from hub.mastering.profile import Profile, blocking_keys, completed, profile
from hub.mastering.weights import DECLARED, Weights
from hub.store import Transaction

_PARTNERS = f"""
MATCH (p:BusinessPartner) WHERE p.mergedInto IS NULL AND p.deletedAt IS NULL AND p.id IN $ids
RETURN p.id AS id, p.state AS state, p.createdAt AS createdAt, p.matchKeys AS matchKeys,
       {sources_read("p")} AS sources,
       [(p)-[:OWNS]->(v:Vehicle) | v.vin] AS vehicles,
       [(p)<-[:HELD_BY]-(i:IdentificationObject) | i.kind + ':' + i.number] AS cards
"""


@dataclass
class GraphPartner:
    id: str
    created: Any
    profiles: list[Profile]  # the golden values first, then each source's view
    keys: list[str]  # the blocking keys of all of them
    linked: list[str]  # the keys whose blocks list it now
    # Its sources as delivered, without its neighbours (of a partner with several, and not
    # those a steward merged in: see hub.mastering.doubts).
    sources: tuple[Source, ...] = ()
    systems: frozenset[str] = frozenset()  # the systems of all its sources

    @property
    def stale(self) -> list[str]:
        """Keys it is linked to that none of its values give any more."""
        return sorted(set(self.linked) - set(self.keys))


def _partner(row: dict[str, Any]) -> GraphPartner:
    vehicles, cards = frozenset(row["vehicles"] or ()), frozenset(row["cards"] or ())
    whole = profile(json.loads(row["state"]), vehicles, cards)
    delivered, sources = as_delivered(row["sources"], lambda text: profile(json.loads(text)))
    views = [replace(p, vehicles=vehicles, cards=cards) for p in delivered]
    profiles = list(dict.fromkeys([whole, *(completed(view, whole) for view in views)]))
    keys = sorted({k for p in profiles for k in blocking_keys(p)})
    systems = frozenset(str(x["system"]) for x in row["sources"] or ())
    return GraphPartner(
        row["id"], row["createdAt"], profiles, keys, row["matchKeys"] or [], sources, systems
    )


async def read_partners(tx: Transaction, ids: list[str]) -> dict[str, GraphPartner]:
    """The partners of ``ids`` that are not merged into another, by id."""
    rows = await tx.run(_PARTNERS, {"ids": ids})
    return {row["id"]: _partner(row) for row in rows if row["state"]}


def by_similarity(
    me: GraphPartner, others: list[GraphPartner], frequency: Frequency, weights: Weights = DECLARED
) -> list[tuple[GraphPartner, Verdict]]:
    """The others by how well they match ``me``, best first; each pair scores as its most
    similar pair of views, each view held to the other partner's own birth date."""

    def held(a: Profile, b: Profile, other: GraphPartner) -> Verdict:
        verdict = compare(a, b, frequency, weights)
        verdict = within_whole(a, other.profiles[0], verdict, other.profiles[1:])
        return within_whole(b, me.profiles[0], verdict, me.profiles[1:])

    scored = [
        (
            other,
            max(
                (held(a, b, other) for a in me.profiles for b in other.profiles),
                key=lambda v: v.score,
            ),
        )
        for other in others
    ]
    return sorted(scored, key=lambda item: -item[1].score)
