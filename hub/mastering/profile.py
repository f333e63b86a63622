"""A partner as the matcher sees it: normalised values, its neighbours, its blocking keys."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import jellyfish

from graph_schema import survivorship as field_limits
from hub.mastering import normalize as norm


@dataclass(frozen=True)
class Place:
    street: str
    number: str
    postal: str
    city: str


@dataclass(frozen=True)
class Profile:
    kind: str
    first: str = ""
    last: str = ""
    # The first and last name as written in Chinese characters, where they are: 磊 and 蕾
    # read alike (lei), yet name two people.
    hanzi: tuple[str, str] = ("", "")
    organization: str = ""
    legal_form: str = ""
    birth: str = ""
    tax: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""
    mobile: bool = False  # the phone is a mobile number: one person's, not a household's
    generation: str = ""  # jun, sen, ii, ...: tells a father from his son of one name
    # The first name may be cut short: it ends a one-field name ("SCHMIDT-WITTGENSTEIN-
    # HOHENLOHE, AN") exactly as long as an ERP's field limit.
    cut: bool = False
    branch: str = ""  # the branch an organisation's name names ("potsdam")
    # An organisation's name as long as a field limit allows (or a character short: a cut
    # that ended at a space): its end, a branch's name perhaps, may be lost.
    name_cut: bool = False
    places: tuple[Place, ...] = ()
    vehicles: frozenset[str] = field(default_factory=frozenset)
    cards: frozenset[str] = field(default_factory=frozenset)

    @property
    def person(self) -> bool:
        return self.kind == "PERSON"


def profile(
    state: dict[str, Any],
    vehicles: frozenset[str] = frozenset(),
    cards: frozenset[str] = frozenset(),
) -> Profile:
    """The profile of a partner's state (the shape of its upsert input)."""
    addresses = state.get("addresses") or []
    places = tuple(
        Place(
            *norm.street_and_number(a.get("street"), a.get("houseNumber")),
            norm.postal_code(a.get("postalCode")),
            norm.city(a.get("city")),
        )
        for a in addresses
    )
    organization, legal_form = norm.organization(state.get("organizationName"))
    organization, branch = norm.branch(organization)
    country = next((a.get("country") or "" for a in addresses if a.get("country")), "")
    first, last, hanzi = _person_names(state.get("firstName"), state.get("lastName"))
    cut = _cut_in_one_field(state.get("firstName"), state.get("lastName"))
    # A name written in characters has no generation marker: its pinyin's "jun" is 俊.
    first, first_marker = (first, "") if hanzi[0] else norm.generation(first)
    last, last_marker = (last, "") if hanzi[1] else norm.generation(last)
    return Profile(
        kind=state.get("kind") or "",
        first=first,
        last=last,
        hanzi=hanzi,
        organization=organization,
        legal_form=legal_form,
        birth=norm.date(state.get("birthDate")),
        tax=norm.tax_number(state.get("taxNumber")),
        country=country.upper(),
        email=norm.email(state.get("email")),
        phone=norm.phone(state.get("phone")),
        mobile=norm.is_mobile(state.get("phone")),
        generation=last_marker or first_marker,
        cut=cut,
        branch=branch,
        name_cut=_name_cut(state.get("organizationName")),
        places=places,
        vehicles=vehicles,
        cards=cards,
    )


def _person_names(first: str | None, last: str | None) -> tuple[str, str, tuple[str, str]]:
    """Normalised first and last name, without titles, and each as written in Chinese
    characters where it is; ``MUELLER, HANS`` in the last name alone, as ERP systems keep a
    person's name in one field, is split, and so is a Chinese name in characters (吴超: 吴 and
    超)."""
    if not first and last and "," in last:
        last, _, first = last.partition(",")
    elif not first and last and norm.has_cjk(last):
        last, first = norm.chinese_name(last)
    hanzi = (_hanzi(first), _hanzi(last))
    return norm.without_titles(norm.text(first)), norm.without_titles(norm.text(last)), hanzi


def _hanzi(name: str | None) -> str:
    return norm.simplified("".join(name.split())) if name and norm.has_cjk(name) else ""


def _name_cut(name: str | None) -> bool:
    if not isinstance(name, str):
        return False
    return any(len(name) in (limit, limit - 1) for limit in field_limits.CUT_LENGTHS)


def _cut_in_one_field(first: str | None, last: str | None) -> bool:
    return (
        not first
        and isinstance(last, str)
        and "," in last
        and len(last) in field_limits.CUT_LENGTHS
    )


# What tells two partners apart when everything else looks alike.
IDENTIFIERS = ("birth", "tax", "country", "email", "phone")


def completed(view: Profile, whole: Profile) -> Profile:
    """One source's view of a partner, with the identifiers it leaves out taken from the
    partner as a whole.

    A source's own spellings help to find a partner; what it does not say must not make the
    partner look like someone else. Compared alone, an extract without birth dates or tax
    numbers would match a namesake the partner's other sources tell apart.
    """
    missing = {
        name: getattr(whole, name)
        for name in IDENTIFIERS
        if not getattr(view, name) and getattr(whole, name)
    }
    if "phone" in missing:
        missing["mobile"] = whole.mobile
    return replace(view, **missing) if missing else view


def terms(p: Profile) -> list[str]:
    """``feature:value`` for every value whose frequency weighs an agreement."""
    values = [("personName", p.last), ("personName", p.first), ("name", p.organization)]
    for place in p.places[:1]:
        values += [("street", place.street), ("postalCode", place.postal), ("city", place.city)]
    return [f"{feature}:{value}" for feature, value in values if value]


@lru_cache(maxsize=65536)
def sound(word: str) -> str:
    """A phonetic code, so that a typo in a vowel or a doubled letter keeps the key."""
    return jellyfish.nysiis(word.replace(" ", "")) if word else ""


def _contact_keys(p: Profile) -> list[str]:
    values = (("t", p.tax), ("e", p.email), ("p", p.phone))
    return [f"{prefix}:{value}" for prefix, value in values if value]


def _person_keys(p: Profile) -> list[str]:
    keys = []
    names = sorted(x for x in (sound(p.first), sound(p.last)) if x)
    if len(names) == 2:
        keys.append(f"n:{names[0]}|{names[1]}")
    if p.birth:
        keys.append(f"b:{p.birth}")
    for place in p.places[:3]:
        for name, other in ((p.last, p.first), (p.first, p.last)):
            if name and other and place.postal:
                keys.append(f"s:{sound(name)}|{other[0]}|{place.postal}")
        if p.last and p.first and place.city:
            keys.append(f"c:{sound(p.last)}|{p.first[0]}|{sound(place.city)}")
    return keys


def _place_keys(p: Profile) -> list[str]:
    keys = []
    for place in p.places[:3]:
        if place.postal and place.number:
            keys.append(f"a:{place.postal}|{place.number}|{place.street[:3]}")
        if place.street and place.number:
            keys.append(f"h:{sound(place.street)}|{place.number}")
    return keys


def blocking_keys(p: Profile) -> list[str]:
    """Keys two records of the same partner very likely share; only records sharing one are
    compared. Each key is selective on its own; together they survive a typo in any field."""
    keys = _contact_keys(p) + _place_keys(p)
    if p.person:
        keys += _person_keys(p)
    elif p.organization:
        keys += [f"o:{p.organization.replace(' ', '')}", f"o:{sound(p.organization)}"]
    return sorted(set(keys))
