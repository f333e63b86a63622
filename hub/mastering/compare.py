"""Scoring a pair of partner profiles: per-feature comparisons combined into one score.

Every compared feature reports its similarity, the weight it added and both values, so a
steward sees why two records were proposed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler

from graph_schema import matching as rules
from hub.mastering import normalize as norm
from hub.mastering.profile import Place, Profile
from hub.mastering.weights import DECLARED, Weights


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
    # The score when no other partner of the household is a candidate as well: the landline
    # the two share is then the person's own. None when that would change nothing.
    alone: float | None = None

    @property
    def explanation(self) -> str:
        if self.rule:
            return self.rule
        parts = [f"{f.feature} {f.weight:+.1f}" for f in self.features if f.weight]
        return ", ".join(parts) or "no comparable values"


Frequency = Callable[[str, str], float]
"""How common a value of a feature is among partners (0 to 1), for term-frequency weights."""


def _unknown(feature: str, value: str) -> float:
    return 0.0


class _Weigher:
    def __init__(self, frequency: Frequency, weights: Weights) -> None:
        self.frequency = frequency
        self.weights = weights

    def feature(self, name: str, similarity: float, left: str, right: str) -> Feature:
        """A feature's evidence. Agreement on a common value (Müller, Hamburg) says less
        than agreement on a rare one: an agreement weighs at most what the frequency of
        the more common of the two values allows."""
        weight = self.weights.weight(name, similarity)
        if weight > 0 and name in rules.TERM_FEATURES:
            if similarity < 1.0 and min(len(left), len(right)) < rules.MIN_FUZZY_LENGTH:
                weight = self.weights.weight(name, 0.0)  # Li and Liu: two names, no typo
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


def _last_names(a: str, b: str) -> float:
    """Jaro-Winkler similarity, raised for surnames that sound alike in German (Meier and
    Mayer). Only for spellings already fairly close, and only for surnames: Cologne
    phonetics ignores vowels, so Lena and Leon would sound alike."""
    similarity = _similar(a, b)
    if rules.SOUND_FLOOR <= similarity < rules.SOUND_ALIKE:
        code = norm.koelner(a)
        if len(code) >= 2 and code == norm.koelner(b):
            return rules.SOUND_ALIKE
    return similarity


def _first_names(a: str, b: str) -> float:
    """Jaro-Winkler similarity, 0.95 for a call name and the name it stands for, and 0 for
    a name's masculine and feminine forms (Paul and Paula: twins, not a typo)."""
    if a and b and a != b:
        if norm.given_name(a) == norm.given_name(b):
            return 0.95
        if norm.other_sex(a, b):
            return 0.0
    return _similar(a, b)


def _cut_from(a: Profile, b: Profile) -> bool:
    """Whether one first name is where a field limit cut the other: "an" of "andreas"."""
    return any(
        cut.cut and not whole.cut and len(cut.first) >= 2 and whole.first.startswith(cut.first)
        for cut, whole in ((a, b), (b, a))
    )


def _names(w: _Weigher, a: Profile, b: Profile) -> list[Feature]:
    straight = (_first_names(a.first, b.first), _last_names(a.last, b.last))
    crossed = (_similar(a.first, b.last), _similar(a.last, b.first))
    if sum(crossed) > sum(straight) + 0.1:  # first and last name swapped in one system
        # Which record swapped them is unknown: the pair that agrees less is taken for the
        # first names, so that twins (one surname, two first names) stay two people.
        pairs = sorted(((crossed[0], a.first, b.last), (crossed[1], a.last, b.first)), reverse=True)
        (last, a_last, b_last), (first, a_first, b_first) = pairs
        first = _first_names(a_first, b_first)
    else:
        first, last = straight
        if first < 1.0 and _cut_from(a, b):
            first = 1.0
        # Two names written in characters name two people unless the characters agree: 王
        # and 汪 are both Wang, 磊 and 蕾 both Lei.
        (a_first, a_last), (b_first, b_last) = (a.first, a.last), (b.first, b.last)
        if a.first == b.first and a.hanzi[0] and b.hanzi[0] and a.hanzi[0] != b.hanzi[0]:
            first, a_first, b_first = 0.0, a.hanzi[0], b.hanzi[0]
        if a.last == b.last and a.hanzi[1] and b.hanzi[1] and a.hanzi[1] != b.hanzi[1]:
            last, a_last, b_last = 0.0, a.hanzi[1], b.hanzi[1]
    out = []
    if a_last and b_last:
        out.append(w.feature("lastName", last, a_last, b_last))
    if a_first and b_first:
        out.append(w.feature("firstName", first, a_first, b_first))
    return out


def _organizations(a: str, b: str) -> float:
    """Similarity of two organisation names, the words run together as well: Hangzhou
    Tianhong Fangzhi and 杭州天虹纺织 (hang zhou tian hong fang zhi) are one name."""
    return max(_similar(a, b), _similar(a.replace(" ", ""), b.replace(" ", "")))


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
        out.append(w.feature("postalCode", _postal(x.postal, y.postal), x.postal, y.postal))
    if x.city and y.city:
        out.append(w.feature("city", _similar(x.city, y.city), x.city, y.city))
    return out


def _postal(a: str, b: str) -> float:
    """Postal codes are codes, not text: 1 for the same, 0.5 for the same region (the first
    two characters of codes of one length), 0 otherwise."""
    if a == b:
        return 1.0
    return 0.5 if len(a) == len(b) and a[:2] == b[:2] else 0.0


def _phones(w: _Weigher, a: Profile, b: Profile) -> list[Feature]:
    found = _exact(w, "phone", a.phone, b.phone)
    if found and found[0].weight > 0 and not (a.mobile or b.mobile):
        found[0] = found[0]._replace(weight=found[0].weight * rules.LANDLINE_SHARE)
    return found


def _emails(w: _Weigher, a: Profile, b: Profile) -> list[Feature]:
    """An e-mail address is one person's, unless it is a role's (info@...): a company's
    central address, shared by its sister companies and branches, weighs as a landline does
    when it agrees and says nothing when it does not."""
    found = _exact(w, "email", a.email, b.email)
    if found and (norm.is_role_mailbox(a.email) or norm.is_role_mailbox(b.email)):
        weight = found[0].weight
        found[0] = found[0]._replace(weight=max(weight * rules.LANDLINE_SHARE, 0.0))
    return found


def _former_name(a: Profile, b: Profile, found: list[Feature]) -> list[Feature]:
    """Where the last names differ: one's e-mail address naming the other's surname, and not
    its own (anna.huber73@web.de, ahuber@..., annahuber@... of Anna Schmidt, née Huber).
    The address is shown as the left value, the surname it names as the right.

    Both records may give that one address: the agreement on it is evidence of one mailbox,
    and this explains the surnames that disagree (she kept the address she had as a Huber),
    provided the address names the record's first name as well: a family's mailbox in one
    partner's name is no former surname of the other (Peter Schmidt and anna.huber@...).
    """
    by = {f.feature: f for f in found}
    last, given = by.get("lastName"), by.get("firstName")
    if last is None or last.weight >= 0 or a.last == b.last:
        return []  # one surname read alike (王 and 汪) is no surname changed
    # It explains why the surnames disagree: at least what that disagreement weighed.
    weight = max(rules.FORMER_NAME, -last.weight)
    same_given = given is not None and given.similarity >= rules.SOUND_ALIKE
    if same_given and a.mobile and b.mobile and a.phone == b.phone:
        # One first name and one mobile number (a person's own) under two surnames.
        return [Feature("formerName", 1.0, weight, f"mobile {a.phone}", b.last)]
    for mine, other in ((a, b), (b, a)):
        former, own = other.last.replace(" ", ""), mine.last.replace(" ", "")
        if len(former) < rules.FORMER_NAME_LENGTH or not mine.email:
            continue
        local = mine.email.partition("@")[0]
        first = mine.first.replace(" ", "")
        words = set(_LETTERS.findall(local))
        named = words & {former, first + former, first[:1] + former}
        if a.email == b.email and not (first in words or named - {former}):
            continue
        if named and not any(own in word for word in words):
            return [Feature("formerName", 1.0, weight, mine.email, other.last)]
    if same_given and a.birth and a.birth == b.birth and _one_region(a, b):
        # One first name and one birthday under two surnames, in one postal region: a woman
        # who married and moved nearby, or two people a steward tells apart.
        return [Feature("formerName", 1.0, weight, f"born {a.birth}", b.last)]
    return []


def _one_region(a: Profile, b: Profile) -> bool:
    """Whether an address of each lies in one postal region (the code's first two places)."""
    return any(_postal(x.postal, y.postal) > 0 for x in a.places for y in b.places if x.postal)


_LETTERS = re.compile(r"[a-z]+")


def _evidence_of(former: Feature) -> str:
    """What shows a former surname, as its reason says it."""
    if former.left.startswith("mobile "):
        return "with one mobile number"
    if former.left.startswith("born "):
        return "with one first name and birth date nearby"
    return "in an e-mail address"


def _exact(w: _Weigher, name: str, a: str, b: str) -> list[Feature]:
    return [w.feature(name, float(a == b), a, b)] if a and b else []


def _shared(w: _Weigher, name: str, a: frozenset[str], b: frozenset[str]) -> list[Feature]:
    common = a & b
    if not common:
        return []
    shown = ", ".join(sorted(common)[:3])
    return [Feature(name, 1.0, w.weights.weight(name, 1.0) * min(len(common), 2), shown, shown)]


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
    if (street is not None and street.weight < 0) or _other_town(by_name):
        # The same city and another street, or a Hauptstraße 1 in another town: not the
        # same place.
        total = min(total, 0.0)
    return max(min(total, rules.PLACE_CAP), rules.PLACE_FLOOR)


def _probability(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def compare(
    a: Profile, b: Profile, frequency: Frequency = _unknown, weights: Weights = DECLARED
) -> Verdict:
    """How likely ``a`` and ``b`` describe the same partner, and why."""
    w = _Weigher(frequency, weights)
    if a.kind != b.kind:
        return Verdict(0.0, (), "different kinds of partner are never the same")
    features: list[Feature] = []
    if a.person:
        features += _names(w, a, b)
        if a.birth and b.birth:
            features.append(w.feature("birthDate", _dates(a.birth, b.birth), a.birth, b.birth))
    else:
        if a.organization and b.organization:
            similarity = _organizations(a.organization, b.organization)
            features.append(w.feature("name", similarity, a.organization, b.organization))
        if a.legal_form and b.legal_form:
            same = float(a.legal_form == b.legal_form)
            features.append(w.feature("legalForm", same, a.legal_form, b.legal_form))
    features += _places(w, a, b)
    features += _exact(w, "taxNumber", a.tax, b.tax)
    features += _emails(w, a, b)
    features += _phones(w, a, b)
    if a.person:
        features += _former_name(a, b, features)
    features += _shared(w, "sharedVehicle", a.vehicles, b.vehicles)
    features += _shared(w, "sharedCard", a.cards, b.cards)
    found = tuple(features)
    by_name = {f.feature: f for f in found}
    if _one_tax_number(a, b, by_name):
        return Verdict(1.0, found, f"same tax number {a.tax} in the same country")
    place = _place_weight(by_name)
    other = sum(f.weight for f in found if f.feature not in rules.PLACE_FEATURES)
    score = round(_probability(weights.prior + other + min(place, rules.PLACE_CAP)), 4)
    rules_on = _rules(a, b, by_name, place, False)
    former = by_name.get("formerName")
    if former is not None:
        # Evidence for a steward, never a merge by itself: it lifts the pair at most to the
        # ceiling, or leaves it where its other evidence put it.
        without = _probability(weights.prior + other - former.weight + min(place, rules.PLACE_CAP))
        reason = f"another surname {_evidence_of(former)}: {former.right}"
        rules_on.append((max(rules.EVIDENCE_CEILING or 0.0, round(without, 4)), reason))
    holding = [(c, why) for c, why in rules_on if c is not None and c < score]
    if not holding:
        return Verdict(score, found)
    ceiling, reason = min(holding, key=lambda rule: rule[0])
    alone = None
    phone = by_name.get("phone")
    # Only the missing evidence is made up for: a pair a rule holds back for another reason
    # (a birth date, a first name) stays held back.
    if (
        all(why == _NO_EVIDENCE for _, why in holding)
        and phone is not None
        and phone.weight > 0
        and not (a.mobile or b.mobile)
        and not _own_identifiers_differ(found)
    ):
        personal = [c for c, _ in _rules(a, b, by_name, place, True) if c is not None]
        alone = min([score, *personal])
    return Verdict(ceiling, found, reason, alone if alone and alone >= rules.AUTO_MERGE else None)


def _one_tax_number(a: Profile, b: Profile, by: dict[str, Feature]) -> bool:
    """The same tax number in the same country: one partner (the deterministic rule), but
    for two branches of one company, which share its number yet are partners of their own:
    their names say so, or, in two towns, a name cut at a field limit may have lost it."""
    same_branch = a.person or (a.branch == b.branch and not _branch_cut_off(a, b, by))
    return bool(a.tax and a.tax == b.tax and a.country and a.country == b.country and same_branch)


def _branch_cut_off(a: Profile, b: Profile, by: dict[str, Feature]) -> bool:
    """One company's tax number in two towns, and a name that may have lost its end."""
    one_company = bool(a.tax) and a.tax == b.tax
    return one_company and (a.name_cut or b.name_cut) and _other_town(by)


def within_whole(
    mine: Profile, whole: Profile, verdict: Verdict, views: Sequence[Profile] = ()
) -> Verdict:
    """``verdict`` on ``mine`` and a view of a partner (one source's values), held to the
    partner's own birth date and first name (``whole``), and, where its own first name does
    not settle it (an initial, none), to the first names its other ``views`` give: a source
    the partner's values outranked may give another date, or only an initial ("M."), and a
    delivery born on that day, or named Monika, is not the partner's person (Michael) merely
    by matching that source."""
    held: list[tuple[float, str]] = []
    ceiling = rules.BIRTH_DATE_CEILING
    if ceiling is not None and births_conflict(mine, whole, verdict):
        held.append(
            (ceiling, f"different birth dates: {mine.birth} and the partner's {whole.birth}")
        )
    cut = {view.first for view in (whole, *views) if view.cut}
    own, settled = _first_name_held(mine, whole, verdict, cut)
    held += own
    if not settled:
        for view in views:
            held += _first_name_held(mine, view, verdict, cut, whole=False)[0]
    lowest = min(held, default=None)
    if lowest is None or lowest[0] >= verdict.score:
        return verdict
    return Verdict(lowest[0], verdict.features, lowest[1])


def _cut_short(a: str, b: str, cut: set[str]) -> bool:
    """Whether one first name is the other cut short by a field's limit ("an" of "andreas",
    from a record whose name filled its field: ``cut``), not its other form (Jan and Jana)."""
    short, long = sorted((a, b), key=len)
    return short in cut and long.startswith(short) and not norm.other_sex(short, long)


def _first_name_held(
    mine: Profile, other: Profile, verdict: Verdict, cut: set[str], whole: bool = True
) -> tuple[list[tuple[float, str]], bool]:
    """The ceilings the first-name rules put on ``mine`` and the first name of the
    partner's ``whole`` or one of its views, with why; and whether that name settles the
    question (a full first name that ``mine`` agrees with or is held to). Against a view,
    only a name that is another name counts, and it leaves the pair to a steward: a steward
    may have joined the view's record."""
    if not (mine.person and mine.first and other.first):
        return [], False
    if _cut_short(mine.first, other.first, cut):
        return [], True
    by = {f.feature: f for f in verdict.features}
    strong = _strong(mine, other, by, False)
    names = {f.feature: f for f in _names(_Weigher(_unknown, DECLARED), mine, other)}
    first = names.get("firstName")
    if first is None or len(strong) >= 2:
        return [], first is not None
    if not whole:
        return _another_name(first), False
    found = _first_name_rules(first, not strong and _household(mine, other, by))
    held = [(ceiling, f"{why} (the partner's)") for ceiling, why in found if ceiling is not None]
    # An initial decides nothing: Monika and Michael both agree with "M.".
    return held, len(other.first) > 1


def _another_name(first: Feature) -> list[tuple[float, str]]:
    """A view's first name that is another name: the pair goes to a steward."""
    if not _other_first_names(first) or rules.FIRST_NAME_CEILING is None:
        return []
    reason = f"different first names: {first.left} and the partner's {first.right}"
    return [(rules.FIRST_NAME_CEILING, reason)]


def births_conflict(mine: Profile, whole: Profile, verdict: Verdict) -> bool:
    """Whether the two persons' birth dates clearly differ (not by a typo) while fewer than
    two strong identifiers agree in ``verdict``."""
    if not (mine.person and mine.birth and whole.birth) or _dates(mine.birth, whole.birth) > 0:
        return False
    by = {f.feature: f for f in verdict.features}
    if _one_tax_number(mine, whole, by):
        return False  # the rule that decides before any weight or date
    return len(_strong(mine, whole, by, False)) < 2


def alone(best: Verdict, others: Iterable[Verdict]) -> Verdict:
    """``best`` among the verdicts on one delivery, given the ``others``: when none of them
    is proposed as well or is a person of the same name in the same household, the landline
    ``best`` agrees on is no one else's the hub knows of, and counts as the person's own."""
    if best.alone is None or any(_rival(v) for v in others):
        return best
    return Verdict(best.alone, best.features)


def _rival(verdict: Verdict) -> bool:
    if verdict.score >= rules.RIVAL:
        return True
    by = {f.feature: f for f in verdict.features}
    first, last = by.get("firstName"), by.get("lastName")
    same_name = all(f is None or f.similarity >= rules.SOUND_ALIKE for f in (first, last))
    return last is not None and same_name and _one_home(by, phone_counts=True)


def _rules(
    a: Profile, b: Profile, by: dict[str, Feature], place: float, personal_line: bool
) -> list[tuple[float | None, str]]:
    """The ceilings the pair's rules put on its score, with why (the lowest applies); see
    :mod:`graph_schema.matching`. ``personal_line``: a landline the two share is one
    person's, as a mobile number is."""
    if not a.person:
        return _organization_rules(a, b, by)
    out: list[tuple[float | None, str]] = []
    if a.generation != b.generation:
        markers = " and ".join(repr(x) for x in (a.generation, b.generation) if x)
        apart = a.generation and b.generation
        out.append((rules.APART if apart else rules.EVIDENCE_CEILING, f"generations: {markers}"))
    strong = _strong(a, b, by, personal_line)
    # One household (address or landline) and one name, with nothing of their own in common:
    # parent and child. One strong identifier in common (a family mailbox) leaves it open.
    birth, first, last = by.get("birthDate"), by.get("firstName"), by.get("lastName")
    same_name = all(f is not None and f.similarity >= rules.SOUND_ALIKE for f in (first, last))
    household = not strong and _household(a, b, by)
    if birth is not None and birth.similarity == 0.0 and len(strong) < 2:
        reason = f"different birth dates: {birth.left} and {birth.right}"
        if household and same_name and _years_apart(birth) >= rules.GENERATION_YEARS:
            out.append((rules.APART, f"{ONE_HOUSEHOLD}, {reason}"))
        out.append((rules.BIRTH_DATE_CEILING, reason))
    if not strong:
        out += _typo_with_own_identifiers(a, b, by)
    if first is not None and len(strong) < 2:
        out += _first_name_rules(first, household)
    if household and last is not None and last.weight < 0:
        # Twins whose first and last names two systems both swapped differ in the "last".
        reason = f"{ONE_HOUSEHOLD}, different names: {last.left} and {last.right}"
        out.append((rules.FIRST_NAME_CEILING, reason))
    # A birth date one typo away is evidence, unless the typo is in the decade and the two
    # share a name and a household: 1947 and 1974 may be a father and his son.
    generations = household and same_name and _years_apart(birth) >= rules.GENERATION_YEARS
    if not strong and (birth is None or birth.similarity == 0.0 or generations):
        if generations and birth is not None and birth.similarity > 0.0:
            # Not lifted by the landline (see alone): it is the household's either way.
            years = _years_apart(birth)
            reason = f"{ONE_HOUSEHOLD} and one name, born {years} years apart: two generations?"
            out.append((rules.EVIDENCE_CEILING, reason))
        elif _household(a, b, by) or (place > 0 and not _two_homes(a, b, by)):
            out.append((rules.EVIDENCE_CEILING, _NO_EVIDENCE))
        elif place > 0:
            out.append((rules.APART, "no evidence beyond the name, and two homes"))
        else:
            out.append((rules.APART, "no evidence beyond the name"))
    return out


def _two_homes(a: Profile, b: Profile, by: dict[str, Feature]) -> bool:
    """Two houses of one street, each with a landline of its own: neighbours."""
    phone = by.get("phone")
    return (
        _other_house(by)
        and phone is not None
        and phone.similarity == 0.0
        and not (a.mobile or b.mobile)
    )


def _other_house(by: dict[str, Feature]) -> bool:
    """One street, another house number."""
    street, number = by.get("street"), by.get("houseNumber")
    return street is not None and street.weight > 0 and number is not None and number.weight < 0


def _strong(a: Profile, b: Profile, by: dict[str, Feature], personal_line: bool) -> list[str]:
    """The strong identifiers the two agree on: a landline only as ``personal_line``, no
    role's e-mail address."""
    strong = [f.feature for f in by.values() if f.feature in rules.STRONG_FEATURES and f.weight > 0]
    if "phone" in strong and not (a.mobile or b.mobile or personal_line):
        strong.remove("phone")
    if "email" in strong and norm.is_role_mailbox(a.email):
        strong.remove("email")
    return strong


def _organization_rules(
    a: Profile, b: Profile, by: dict[str, Feature]
) -> list[tuple[float | None, str]]:
    if _other_town(by) and not _strong(a, b, by, personal_line=False):
        # One name in two towns, with nothing in common but perhaps the group's central
        # mailbox: two companies of a group, or two sites of one. A landline that reaches
        # both towns is a switchboard's: the group's, or one company's with its site.
        phone = by.get("phone")
        if phone is not None and phone.weight > 0:
            reason = "one name in two towns, and only a switchboard's number in common"
            return [(rules.EVIDENCE_CEILING, reason)]
        return [(rules.APART, "one name in two towns, and no identifier of its own in common")]
    if _branch_cut_off(a, b, by):
        # One tax number is one company; in two towns, with a name that may have lost a
        # branch's part to a field limit ("... GMBH FILIAL"), perhaps two of its sites.
        return [(rules.EVIDENCE_CEILING, "one company in two towns, a name cut short: a branch?")]
    if a.branch != b.branch:
        # A branch and its company in one town may be one site that one system names as the
        # branch: a steward's decision. In another town, or two branches, they are two.
        apart = (a.branch and b.branch) or _other_town(by)
        named = " and ".join(repr(x) for x in (a.branch, b.branch) if x)
        return [(rules.APART if apart else rules.EVIDENCE_CEILING,
                 f"different branches: {named}")]  # fmt: skip
    if a.legal_form and b.legal_form and a.legal_form != b.legal_form:
        # A GmbH & Co. KG and its GmbH are two legal persons of one name.
        reason = f"different legal forms: {a.legal_form} and {b.legal_form}"
        return [(rules.EVIDENCE_CEILING, reason)]
    return []


NO_EVIDENCE = "no evidence beyond name and place"
_NO_EVIDENCE = NO_EVIDENCE
# The rules that tell two people of one household apart begin their reason so.
ONE_HOUSEHOLD = "one household"


def _first_name_rules(first: Feature, household: bool) -> list[tuple[float | None, str]]:
    """Two first names that are not one name are held back; in one household, different
    ones (twins, spouses, siblings: two people) are kept apart."""
    if _beyond_a_typo(first):
        # Lena and Leon look alike to Jaro-Winkler, but no typo makes one of the other;
        # nor of Stefan Stephan, who is more likely one person: a steward's decision.
        return [
            (
                rules.FIRST_NAME_CEILING,
                f"first names more than a typo apart: {first.left} and {first.right}",
            )
        ]
    if not _other_first_names(first):
        return []
    reason = f"different first names: {first.left} and {first.right}"
    held = [(rules.FIRST_NAME_CEILING, reason)]
    return [(rules.APART, f"{ONE_HOUSEHOLD}, {reason}"), *held] if household else held


def _years_apart(birth: Feature | None) -> int:
    return abs(int(birth.left[:4]) - int(birth.right[:4])) if birth is not None else 0


def _household(a: Profile, b: Profile, by: dict[str, Feature]) -> bool:
    """Same street and house number, or the same landline."""
    return _one_home(by, phone_counts=not (a.mobile or b.mobile))


def _one_home(by: dict[str, Feature], phone_counts: bool) -> bool:
    street, number, phone = by.get("street"), by.get("houseNumber"), by.get("phone")
    if (
        street is not None
        and number is not None
        and street.weight > 0
        and number.weight > 0
        and not _other_town(by)
    ):
        return True
    return phone_counts and phone is not None and phone.weight > 0


def _other_town(by: dict[str, Feature]) -> bool:
    """Another city without the same postal code, or another postal region without a city."""
    city, postal = by.get("city"), by.get("postalCode")
    if city is not None and city.weight < 0:
        return postal is None or postal.similarity < 1.0
    return city is None and postal is not None and postal.similarity == 0.0


def _typo_with_own_identifiers(
    a: Profile, b: Profile, by: dict[str, Feature]
) -> list[tuple[float | None, str]]:
    """Identifiers of their own that differ, with birth dates a typo apart (two namesakes
    born a day apart, each with a mobile number of their own, or a typo), or with one birth
    date at two addresses (two namesakes born on one day, or a person who moved and changed
    them all)."""
    birth, differ = by.get("birthDate"), _own_differ(a, b, by)
    if birth is None or birth.similarity == 0.0 or not differ:
        return []
    if birth.similarity < 1.0:
        dates = f"birth dates a typo apart ({birth.left} and {birth.right})"
    elif _two_addresses(by):
        dates = "one birth date at two addresses"
    else:
        return []
    return [(rules.EVIDENCE_CEILING, f"{dates}, {' and '.join(differ)} differ")]


def _two_addresses(by: dict[str, Feature]) -> bool:
    """Both give an address, and they clearly differ: another town, another street, or
    another house of one street (an address left out is no second one)."""
    street = by.get("street")
    return _other_town(by) or (street is not None and street.weight < 0) or _other_house(by)


def _own_differ(a: Profile, b: Profile, by: dict[str, Feature]) -> list[str]:
    """The identifiers of one person's own that both give and that differ: e-mail addresses
    (not a role's), tax numbers, mobile numbers."""
    differ = []
    email, tax, phone = by.get("email"), by.get("taxNumber"), by.get("phone")
    roles = norm.is_role_mailbox(a.email) or norm.is_role_mailbox(b.email)
    if email is not None and email.similarity == 0.0 and not roles:
        differ.append("e-mail addresses")
    if tax is not None and tax.similarity == 0.0:
        differ.append("tax numbers")
    if phone is not None and phone.similarity == 0.0 and a.mobile and b.mobile:
        differ.append("mobile numbers")
    return differ


def _own_identifiers_differ(features: Iterable[Feature]) -> bool:
    """Whether the two have e-mail addresses, tax numbers or mobile numbers, and not the
    same: then a landline they share is the household's, not proof of one person."""
    return any(f.feature in rules.STRONG_FEATURES and f.weight < 0 for f in features)


def _beyond_a_typo(first: Feature) -> bool:
    """Two first names that agree only as near spellings, yet are more than one typo (one
    letter added, dropped, changed, or two swapped) apart, and not a call name."""
    if first.weight <= 0 or first.similarity >= 0.99 or first.left == first.right:
        return False
    if norm.given_name(first.left) == norm.given_name(first.right):
        return False
    # A space typed into or dropped from a name ("rob in", "marie luise") is no second typo.
    joined = OSA.distance(_joined(first.left), _joined(first.right))
    return min(joined, OSA.distance(first.left, first.right)) >= 2


def _joined(name: str) -> str:
    return name.replace(" ", "").replace("-", "")


def _other_first_names(first: Feature) -> bool:
    """Two first names that disagree, where neither is the other's initial."""
    if first.weight >= 0:
        return False
    short, long = sorted((first.left, first.right), key=len)
    return not (len(short) == 1 and long.startswith(short))
