"""The weights a comparison adds per feature and level: declared in
:mod:`graph_schema.matching`, or learnt from the data (:mod:`hub.mastering.training`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph_schema import matching as rules


def level_of(feature: str, similarity: float) -> int:
    """Which level a similarity reaches: the index of the first level of ``rules.LEVELS``
    it reaches, or the number of levels for a disagreement."""
    for index, (at_least, _) in enumerate(rules.LEVELS[feature]):
        if similarity >= at_least:
            return index
    return len(rules.LEVELS[feature])


_DECLARED = {
    feature: (*(weight for _, weight in levels), rules.DISAGREE[feature])
    for feature, levels in rules.LEVELS.items()
}


def declared(feature: str) -> tuple[float, ...]:
    """The declared weight of each level of ``feature``, disagreement last."""
    return _DECLARED[feature]


@dataclass(frozen=True)
class Weights:
    """Weights per feature and level (disagreement last), and the prior; a feature a model
    leaves out keeps its declared weights."""

    prior: float = rules.PRIOR
    levels: dict[str, tuple[float, ...]] = field(default_factory=dict)
    version: int = 0  # 0: the declared weights

    def weight(self, feature: str, similarity: float) -> float:
        learnt = self.levels.get(feature)
        return (learnt or declared(feature))[level_of(feature, similarity)]


DECLARED = Weights()
