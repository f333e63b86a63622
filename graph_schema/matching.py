"""How business partners are matched: thresholds and the evidence each feature carries.

A pair's score is a probability. Each compared feature adds a weight (log2 of how much more
likely the observed agreement is for the same partner than for two different ones, as in
Fellegi and Sunter's model) to a prior; missing values add nothing.

- ``score >= AUTO_MERGE``: the records are merged without a person;
- ``REVIEW <= score < AUTO_MERGE``: a match candidate waits for a steward;
- below ``REVIEW``: nothing.

Deterministic rules come before the weights: the same tax number in the same country is a
match; a person and an organisation are not. Persons are merged without a steward only on
evidence beyond name and place (a birth date, or a strong identifier: tax number, e-mail,
mobile number, a shared vehicle or card); clearly different birth dates or first names, or
another generation marker (jun., sen.), hold a pair back for a steward, and keep two people
of one household apart.
"""

from __future__ import annotations

AUTO_MERGE = 0.9
REVIEW = 0.75
# Another candidate of the delivery scoring this much could be the one it means: the landline
# they share is then no one's own (see hub.mastering.compare.alone).
RIVAL = 0.6
PRIOR = -11.0  # log2 odds that two records sharing a blocking key are the same partner
# Persons with different birth dates score at most this unless two strong identifiers
# agree: a father and son look alike in everything else, so such a pair is never merged
# without a person. None turns the rule off (data whose birth dates are often wholly wrong).
BIRTH_DATE_CEILING: float | None = 0.85
# Persons with clearly different first names (not an initial, not a call name) score at
# most this unless two strong identifiers agree: siblings and twins share a surname and
# often a birth date. None turns the rule off.
FIRST_NAME_CEILING: float | None = 0.85
# Persons score at most this without evidence beyond name and place: two Hans Müllers of
# one city, or a son delivered without a birth date at his father's address, are a
# steward's decision.
EVIDENCE_CEILING: float | None = 0.85
# Two people of one household (same street and house number, or the same landline) with
# different birth dates or first names score at most this: parent and child, spouses and
# twins are not proposed at all. So do two generations (jun. and sen.) and two branches.
APART = 0.5
# Birth years this far apart, with one name in one household, are two generations.
GENERATION_YEARS = 15
# Strong identifiers: what one person has and another rarely shares. A phone number counts
# only when it is a mobile number; a landline is a household's, unless no other candidate
# of the delivery is a person of the same name in that household.
STRONG_FEATURES = frozenset({"taxNumber", "email", "phone", "sharedVehicle", "sharedCard"})
# A landline's agreement weighs this share of a mobile number's: a household shares it.
LANDLINE_SHARE = 0.5
# One person's e-mail address names the other's surname where their surnames differ: a woman
# often keeps her address when she takes her husband's name. The weight of that evidence, at
# least what the surnames' disagreement took away (it explains that disagreement); it holds
# a pair for a steward at most (EVIDENCE_CEILING), never merges it by itself.
FORMER_NAME = 6.0
FORMER_NAME_LENGTH = 4  # shorter surnames (Li, Ott) are found in too many addresses

# Similarity levels: (at least this similar, weight). The first level reached applies; below
# every level the feature disagrees and ``DISAGREE`` applies.
LEVELS: dict[str, tuple[tuple[float, float], ...]] = {
    "lastName": ((0.99, 7.5), (0.93, 7.0), (0.85, 5.0)),
    "firstName": ((0.99, 7.0), (0.93, 6.5), (0.85, 3.0)),
    "name": ((0.99, 10.0), (0.94, 8.0), (0.88, 4.0)),
    "legalForm": ((1.0, 0.5),),
    "birthDate": ((1.0, 14.0), (0.5, 4.5)),
    "street": ((0.99, 9.0), (0.9, 8.0)),
    "houseNumber": ((1.0, 5.5),),
    "postalCode": ((1.0, 8.0), (0.5, 1.0)),  # equal, or the same region
    "city": ((0.95, 8.0), (0.85, 5.0)),
    "email": ((1.0, 12.0),),
    "phone": ((1.0, 12.0),),
    "taxNumber": ((1.0, 14.0),),
    "sharedVehicle": ((1.0, 8.0),),
    "sharedCard": ((1.0, 6.0),),
}
DISAGREE: dict[str, float] = {
    "lastName": -8.0,
    "firstName": -8.0,
    "name": -6.0,
    "legalForm": -1.0,
    "birthDate": -6.0,
    "street": -3.5,
    "houseNumber": -2.5,
    "postalCode": -2.5,
    "city": -3.5,
    "email": -1.0,
    "phone": -1.0,
    "taxNumber": -10.0,
    "sharedVehicle": 0.0,
    "sharedCard": 0.0,
}

# Agreement on these weighs by how common the value is (at most its level's weight):
# log2(M_EXACT / share of partners with that value).
# Each feature maps to the term list its frequencies come from; first and last names share
# one, since a name swapped into the other field is just as common.
TERM_FEATURES = {
    "lastName": "personName",
    "firstName": "personName",
    "name": "name",
    "street": "street",
    "postalCode": "postalCode",
    "city": "city",
}
M_EXACT = 0.9
TERM_PRIOR_RECORDS = 1000  # frequencies count as if this many partners had been seen before
MIN_FUZZY_LENGTH = 4  # shorter values agree exactly or not at all
# Surnames that sound alike by Cologne phonetics (Meier and Mayer) are at least this
# similar, when their spellings are at least SOUND_FLOOR similar already.
SOUND_ALIKE = 0.93
SOUND_FLOOR = 0.75

# Street, house number, postal code and city say one thing together: where the partner is.
# Their joint evidence is capped, so two people at the same address are not one person.
PLACE_FEATURES = frozenset({"street", "houseNumber", "postalCode", "city"})
PLACE_CAP = 12.0
# Nor is another address strong evidence against: people move, and a second system often
# holds an older address. Its joint evidence against is floored.
PLACE_FLOOR = -4.0
NEIGHBOUR_CAP = 1.0  # same street, another house number

# A blocking key shared by more records than this says too little to compare them all.
MAX_BLOCK = 200
# A delivery is compared with at most this many candidates: those sharing the most keys.
MAX_CANDIDATES = 8
