"""Text as people sort it: a sort key kept beside each collated property.

Cypher compares strings by code point, so ``Schäfer`` would come after ``Schwarz`` and every
lower-case name after every upper-case one, and the two stores may not agree on anything
better. A collated property therefore keeps a sort key that code-point order sorts right;
both stores then sort alike. The rules are chosen with ``HUB_COLLATION``:

- ``de`` (default), DIN 5007-1, dictionaries: ä sorts as a, ö as o, ü as u, ß as ss; case
  and accents decide only between otherwise equal names.
- ``de-phonebook``, DIN 5007-2, telephone books: ä sorts as ae, ö as oe, ü as ue.
- ``codepoint``: the stored text as it is, the order of most databases.

The key is the text at the primary level (lower case, accents dropped, punctuation as one
space, numbers padded so that they sort by value, Chinese characters as pinyin), then
``\\x01`` (below every character a name contains) and the text as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from pypinyin import lazy_pinyin

CollationName = Literal["de", "de-phonebook", "codepoint"]
_PHONEBOOK = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TIE = "\x01"
# Letters Unicode does not decompose into a base letter and an accent, as their languages
# reduce them (Polish ł, Danish ø and æ, Croatian đ, Icelandic þ, ...): without this,
# Łukasz would sort after every Latin name and not be found by Lukasz.
UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe",
                              "þ": "th", "\u0131": "i", "ħ": "h", "ŧ": "t", "ŀ": "l"})  # fmt: skip
_NOT_WORD = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"[0-9]+")
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_NUMBER_WIDTH = 12


def words(text: str) -> str:
    """The words of a text, separated by single spaces, punctuation dropped."""
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _primary(text: str) -> str:
    # Chinese characters as their pinyin, so that 王芳 sorts with Wang Fang, where the
    # search finds it too, rather than after every Latin name.
    spelt = _CHINESE.sub(lambda run: f" {' '.join(lazy_pinyin(run[0]))} ", text)
    lowered = unicodedata.normalize("NFKC", spelt).casefold().translate(UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return _by_value(words("".join(c for c in decomposed if not unicodedata.combining(c))))


def _by_value(text: str) -> str:
    """Numbers in a text padded to one width, so that numbers of up to 12 digits sort by
    value: "Filiale 9" before "Filiale 10", revision 2 before 10."""
    return _DIGITS.sub(lambda run: run[0].rjust(_NUMBER_WIDTH, "0"), text)


def _dictionary(text: str) -> str:
    return _primary(text) + _TIE + text


def _phonebook(text: str) -> str:
    lowered = unicodedata.normalize("NFKC", text).casefold().translate(_PHONEBOOK)
    return _primary(lowered) + _TIE + text


_RULES: dict[str, Callable[[str], str]] = {
    "de": _dictionary,
    "de-phonebook": _phonebook,
    "codepoint": lambda text: text,
}


def sort_key(value: str | None, collation: CollationName) -> str | None:
    """The key that sorts ``value`` by ``collation`` in code-point order."""
    return None if value is None else _RULES[collation](value)
