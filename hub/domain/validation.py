"""Field rules with stable codes. Each check returns the normalised value or a Problem."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from hub import identifiers
from hub.domain.problems import (
    INVALID_COUNTRY,
    INVALID_COVERAGE,
    INVALID_DATE_RANGE,
    INVALID_EMAIL,
    INVALID_PHONE,
    INVALID_VALUE,
    INVALID_VIN,
    REQUIRED,
    TOO_MANY,
    Path,
    Problem,
)

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a table reads better than 249 quoted strings
)

# ISO 4217 currency codes in use, funds and precious metals included (not XTS and XXX, the
# codes for testing and for no currency), and in the last row those withdrawn since 2008
# that invoices and price lists of the years before may still name (BGN, HRK, LTL, ...).
ISO_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP
    PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP
    SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV
    WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG
    ANG BGN BYR CUC CYP EEK HRK LTL LVL MRO MTL SKK SLL STD TMM USS VEB VEF XFU ZMK ZWD ZWL
    ZWN ZWR
    """.split()  # noqa: SIM905 - a table reads better than quoted strings
)

# ISO 639-1 language codes, and in the last row those withdrawn that older systems still send
# (in, iw and ji for Indonesian, Hebrew and Yiddish in Java's locales; sh, mo, jw, bh).
ISO_LANGUAGES = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
    bh in iw ji jw mo sh
    """.split()  # noqa: SIM905 - a table reads better than quoted strings
)

_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")

MAX_TEXT = 1000
MAX_KEY = 256

# Control characters other than tab and line breaks, and halves of UTF-16 surrogate pairs: no
# source system means them, a terminal or a downstream interface may act on them (an escape
# sequence), and a lone surrogate cannot even be written as UTF-8.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SYSTEM = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")


# Characters that show as nothing and mean nothing in a name or an address: a zero width
# space, a byte order mark. (Zero width joiners shape some scripts and stay.)
_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None, "\u2060": None})


def composed(value: str) -> str:
    """``value`` in Unicode's composed form (NFC), without invisible characters: two systems
    that spell ü as one character and as u with a combining diaeresis deliver one value."""
    return unicodedata.normalize("NFC", value.translate(_INVISIBLE))


def unprintable(value: str, path: Path) -> Problem | None:
    """A problem naming the first character text may not hold, or None."""
    found = _UNPRINTABLE.search(value)
    if found is None:
        return None
    char = found.group()
    return Problem(
        path,
        INVALID_VALUE,
        f"{path[-1]} holds the control character U+{ord(char):04X} at position "
        f"{found.start() + 1}; text may hold no control characters but tab and line breaks",
    )


def text(value: object, path: Path, *, required: bool = False) -> str | Problem | None:
    """Trimmed text in its composed form (ü one character, however a system spelt it), zero
    width spaces left out; blank counts as missing; numbers (from files) become their
    digits."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | None):
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be text")
    cleaned = composed(str(value)).strip() if value is not None else None
    if not cleaned:
        if required:
            return Problem(path, REQUIRED, f"{path[-1]} is required")
        return None
    if len(cleaned) > MAX_TEXT:
        return Problem(path, INVALID_VALUE, f"{path[-1]} is longer than {MAX_TEXT} characters")
    return unprintable(cleaned, path) or cleaned


def vin(value: object, path: Path) -> str | Problem:
    """17 characters of ISO 3779: digits and capital letters except I, O and Q."""
    cleaned = identifiers.vin(str(value or ""))
    if not cleaned:
        return Problem(path, REQUIRED, "vin is required")
    if not _VIN.match(cleaned):
        return Problem(
            path,
            INVALID_VIN,
            f"VIN {cleaned!r} must be 17 characters of digits and letters without I, O and Q",
        )
    return cleaned


def country(value: object, path: Path) -> str | Problem | None:
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().upper()
    if code not in ISO_COUNTRIES:
        return Problem(path, INVALID_COUNTRY, f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return code


def language(value: str, path: Path) -> str | Problem:
    """An ISO 639-1 language code, lower case."""
    code = value.strip().lower()
    if code not in ISO_LANGUAGES:
        return Problem(path, INVALID_VALUE, f"{value!r} is not an ISO 639-1 language code (de, en)")
    return code


def currency(value: str, path: Path) -> str | Problem:
    """An ISO 4217 currency code, upper case."""
    code = value.strip().upper()
    if code not in ISO_CURRENCIES:
        return Problem(path, INVALID_VALUE, f"{value!r} is not an ISO 4217 currency code (EUR)")
    return code


def email(value: object, path: Path) -> str | Problem | None:
    if value is None or not str(value).strip():
        return None
    cleaned = str(value).strip()
    if not _EMAIL.match(cleaned):
        return Problem(path, INVALID_EMAIL, f"{cleaned!r} is not an e-mail address")
    return identifiers.email_address(cleaned)


def phone(value: object, path: Path) -> str | Problem | None:
    """Digits with an optional leading +, separators removed; 6 to 15 digits (E.164)."""
    if value is None or not str(value).strip():
        return None
    compact = identifiers.phone_number(str(value))
    if not _PHONE.match(compact):
        return Problem(path, INVALID_PHONE, f"{value!r} is not a phone number (6 to 15 digits)")
    return compact


def coverage(value: object, path: Path) -> int | Problem:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (0, 100):
        return Problem(path, INVALID_COVERAGE, f"coverage must be 0 or 100, not {value}")
    return value


def date_order(
    first: dt.date | None, last: dt.date | None, path: Path, first_name: str, last_name: str
) -> Problem | None:
    if first is not None and last is not None and last < first:
        return Problem(
            path, INVALID_DATE_RANGE, f"{last_name} {last} is before {first_name} {first}"
        )
    return None


def plausible(
    value: dt.date | None, path: Path, earliest: str | None, latest: str | None, today: dt.date
) -> Problem | None:
    """A problem when a date lies outside its plausible range (see ``Property.earliest``)."""
    if value is None:
        return None
    if earliest is not None and value < dt.date.fromisoformat(earliest):
        return Problem(
            path, INVALID_VALUE, f"{path[-1]} {value} lies before {earliest}, the earliest allowed"
        )
    if latest == "today" and value > today:
        return Problem(path, INVALID_VALUE, f"{path[-1]} {value} lies in the future")
    if latest is not None and latest != "today" and value > dt.date.fromisoformat(latest):
        return Problem(
            path, INVALID_VALUE, f"{path[-1]} {value} lies after {latest}, the latest allowed"
        )
    return None


def at_most(items: list[object], path: Path, maximum: int) -> Problem | None:
    """A problem when a list holds more than ``maximum`` items."""
    if len(items) <= maximum:
        return None
    return Problem(
        path, TOO_MANY, f"{path[-1]} holds {len(items)} items; at most {maximum} are allowed"
    )


def in_range(
    value: object, path: Path, low: float | None, high: float | None, *, whole: bool = True
) -> Problem | None:
    """A problem when ``value`` is no number (no whole one when ``whole``) or lies outside
    ``low`` .. ``high`` (None: unbounded)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        kind = "a whole number" if whole else "a number"
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        # Stored, NaN or infinity would make every read of the record fail.
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be a finite number, not {value}")
    below, above = low is not None and value < low, high is not None and value > high
    if not (below or above):
        return None
    if low is not None and high is not None:
        rule = f"between {low} and {high}"
    else:
        rule = f"at least {low}" if below else f"at most {high}"
    return Problem(path, INVALID_VALUE, f"{path[-1]} must be {rule}")


_TYPED: dict[str, tuple[type, ...]] = {
    "Float": (int, float),
    "Boolean": (bool,),
    "DateTime": (str, dt.datetime),
}


def typed(value: object, path: Path, type_name: str) -> Problem | None:
    """A problem when ``value`` is not of the model's type ``type_name``."""
    allowed = _TYPED.get(type_name, (str,))
    if type_name == "Float" and isinstance(value, bool):
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be a number")
    if not isinstance(value, allowed):
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be of type {type_name}")
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(path, INVALID_VALUE, f"{path[-1]} must be a finite number, not {value}")
    return None


def source_key(system: str, key: str, path: Path) -> list[Problem]:
    problems = []
    if not system.strip():
        problems.append(Problem((*path, "system"), REQUIRED, "source system is required"))
    elif not system_name(system):
        problems.append(
            Problem(
                (*path, "system"),
                INVALID_VALUE,
                f"{system[:80]!r} is not a system name: up to 64 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit",
            )
        )
    if not key.strip():
        problems.append(Problem((*path, "key"), REQUIRED, "source key is required"))
    elif len(key) > MAX_KEY:
        problems.append(Problem((*path, "key"), INVALID_VALUE, f"source key exceeds {MAX_KEY}"))
    else:
        problems.extend(filter(None, [unprintable(key, (*path, "key"))]))
    return problems


def system_name(system: str) -> bool:
    """Whether ``system`` (trimmed, any case) is a valid source system name."""
    return _SYSTEM.match(system.strip().upper()) is not None
