"""Scoring a pair of partner profiles: per-feature comparisons combined into one score.

Every compared feature reports its similarity, the weight it added and both values, so a
steward sees why two records were proposed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from rapidfuzz.distance import JaroWinkler, Levenshtein

from graph_schema import matching as rules
from hub.mastering.profile import Place, Profile


# Named tuples rather than frozen dataclasses: a batch builds tens of thousands of them,
# and a tuple is made in a fraction of the time.
class Feature(NamedTuple):
    feature: str
    similarity: float
    weight: float
    left: str
    right: str


class Verdict(NamedTuple):
    score: float
    features: tuple[Feature, ...]
    rule: str | None = None  # a deterministic rule that decided, when one did

    @property
    def explanation(self) -> str:
        if self.rule:
            return self.rule
        parts = [f"{f.feature} {f.weight:+.1f}" for f in self.features if f.weight]
        return ", ".join(parts) or "no comparable values"


def _weight(feature: str, similarity: float) -> float:
    for at_least, weight in rules.LEVELS[feature]:
        if similarity >= at_least:
            return weight
    return rules.DISAGREE[feature]


Frequency = Callable[[str, str], float]
"""How common a value of a feature is among partners (0 to 1), for term-frequency weights."""


def _unknown(feature: str, value: str) -> float:
    return 0.0


class _Weigher:
    def __init__(self, frequency: Frequency) -> None:
        self.frequency = frequency

    def feature(self, name: str, similarity: float, left: str, right: str) -> Feature:
        """A feature's evidence. Agreement on a common value (Müller, Hamburg) says less
        than agreement on a rare one: an agreement weighs at most what the frequency of
        the more common of the two values allows."""
        weight = _weight(name, similarity)
        if weight > 0 and name in rules.TERM_FEATURES:
            if similarity < 1.0 and min(len(left), len(right)) < rules.MIN_FUZZY_LENGTH:
                weight = rules.DISAGREE[name]  # Li and Liu are two names, not a typo
            else:
                kind = rules.TERM_FEATURES[name]
                share = self.frequency(kind, left)
                if right != left:
                    share = max(share, self.frequency(kind, right))
                if share > 0:
                    weight = min(weight, math.log2(rules.M_EXACT / share))
        return Feature(name, similarity, weight, left, right)


def _similar(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b) if a and b else 0.0


def _dates(a: str, b: str) -> float:
    """1 for the same date; 0.5 for one mistyped or two swapped digits, or day and month
    swapped; 0 otherwise."""
    if a == b:
        return 1.0
    if a[:4] + a[6:] + a[4:6] == b:
        return 0.5
    differing = [i for i in range(8) if a[i] != b[i]]
    if len(differing) == 1:
        return 0.5
    if len(differing) != 2 or differing[1] != differing[0] + 1:
        return 0.0
    first, second = differing
    return 0.5 if a[first] == b[second] and a[second] == b[first] else 0.0


def _names(w: _Weigher, a: Profile, b: Profile) -> list[Feature]:
    straight = (_similar(a.first, b.first), _similar(a.last, b.last))
    crossed = (_similar(a.first, b.last), _similar(a.last, b.first))
    if sum(crossed) > sum(straight) + 0.1:  # first and last name swapped in one system
        b_first, b_last, (first, last) = b.last, b.first, crossed
    else:
        b_first, b_last, (first, last) = b.first, b.last, straight
    out = []
    if a.last and b_last:
        out.append(w.feature("lastName", last, a.last, b_last))
    if a.first and b_first:
        out.append(w.feature("firstName", first, a.first, b_first))
    return out


def _place_similarity(a: Place, b: Place) -> float:
    return (
        _similar(a.street, b.street)
        + (a.number == b.number) * 1.0
        + (a.postal == b.postal) * 1.0
        + _similar(a.city, b.city)
    )


def _places(w: _Weigher, a: Profile, b: Profile) -> list[Feature]:
    if not a.places or not b.places:
        return []
    if len(a.places) == 1 and len(b.places) == 1:
        x, y = a.places[0], b.places[0]
    else:
        x, y = max(
            ((x, y) for x in a.places for y in b.places),
            key=lambda pair: _place_similarity(*pair),
        )
    out = []
    if x.street and y.street:
        out.append(w.feature("street", _similar(x.street, y.street), x.street, y.street))
    if x.number and y.number:
        out.append(w.feature("houseNumber", float(x.number == y.number), x.number, y.number))
    if x.postal and y.postal:
        postal = Levenshtein.normalized_similarity(x.postal, y.postal)
        out.append(w.feature("postalCode", postal, x.postal, y.postal))
    if x.city and y.city:
        out.append(w.feature("city", _similar(x.city, y.city), x.city, y.city))
    return out


def _exact(w: _Weigher, name: str, a: str, b: str) -> list[Feature]:
    return [w.feature(name, float(a == b), a, b)] if a and b else []


def _shared(name: str, a: frozenset[str], b: frozenset[str]) -> list[Feature]:
    common = a & b
    if not common:
        return []
    shown = ", ".join(sorted(common)[:3])
    return [Feature(name, 1.0, _weight(name, 1.0) * min(len(common), 2), shown, shown)]


def _place_weight(by_name: dict[str, Feature]) -> float:
    """Street, number, postal code and city as one piece of evidence: the same street with
    another house number is a neighbour; a postal code and its city say the same thing."""
    total = sum(f.weight for name, f in by_name.items() if name in rules.PLACE_FEATURES)
    postal, city = by_name.get("postalCode"), by_name.get("city")
    if postal and city and postal.weight > 0 and city.weight > 0:
        total -= min(postal.weight, city.weight)
    number, street = by_name.get("houseNumber"), by_name.get("street")
    if number is not None and street is not None and street.weight < 0 and number.weight > 0:
        total -= number.weight  # number 12 in two different streets is no evidence
    if number is not None and number.weight < 0:
        total = min(total, rules.NEIGHBOUR_CAP)
    return min(total, rules.PLACE_CAP)


def _probability(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def compare(a: Profile, b: Profile, frequency: Frequency = _unknown) -> Verdict:
    """How likely ``a`` and ``b`` describe the same partner, and why."""
    w = _Weigher(frequency)
    if a.kind != b.kind:
        return Verdict(0.0, (), "different kinds of partner are never the same")
    features: list[Feature] = []
    if a.person:
        features += _names(w, a, b)
        if a.birth and b.birth:
            features.append(w.feature("birthDate", _dates(a.birth, b.birth), a.birth, b.birth))
    else:
        if a.organization and b.organization:
            similarity = _similar(a.organization, b.organization)
            features.append(w.feature("name", similarity, a.organization, b.organization))
        if a.legal_form and b.legal_form:
            same = float(a.legal_form == b.legal_form)
            features.append(w.feature("legalForm", same, a.legal_form, b.legal_form))
    features += _places(w, a, b)
    features += _exact(w, "taxNumber", a.tax, b.tax)
    features += _exact(w, "email", a.email, b.email)
    features += _exact(w, "phone", a.phone, b.phone)
    features += _shared("sharedVehicle", a.vehicles, b.vehicles)
    features += _shared("sharedCard", a.cards, b.cards)
    found = tuple(features)
    if a.tax and a.tax == b.tax and a.country and a.country == b.country:
        return Verdict(1.0, found, f"same tax number {a.tax} in the same country")
    by_name = {f.feature: f for f in found}
    place = _place_weight(by_name)
    other = sum(f.weight for f in found if f.feature not in rules.PLACE_FEATURES)
    score = round(_probability(rules.PRIOR + other + min(place, rules.PLACE_CAP)), 4)
    return _ceiling(score, found, by_name) or Verdict(score, found)


def _ceiling(
    score: float, found: tuple[Feature, ...], by_name: dict[str, Feature]
) -> Verdict | None:
    """The verdict when a rule caps the score below what the weights say, else None."""
    birth, first = by_name.get("birthDate"), by_name.get("firstName")
    ceiling = rules.BIRTH_DATE_CEILING
    if birth is not None and birth.similarity == 0.0 and ceiling is not None and score > ceiling:
        return Verdict(ceiling, found, f"different birth dates: {birth.left} and {birth.right}")
    ceiling = rules.FIRST_NAME_CEILING
    if (
        first is not None
        and _other_first_names(first)
        and (birth is None or birth.similarity < 1.0)
        and ceiling is not None
        and score > ceiling
    ):
        return Verdict(ceiling, found, f"different first names: {first.left} and {first.right}")
    return None


def _other_first_names(first: Feature) -> bool:
    """Two first names that disagree, where neither is the other's initial."""
    if first.weight >= 0:
        return False
    short, long = sorted((first.left, first.right), key=len)
    return not (len(short) == 1 and long.startswith(short))
