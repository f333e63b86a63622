"""Text as people search it: without regard to case, accents, umlaut spelling or script.

A searchable property keeps a search key beside its value: every spelling of every value the
record has for it (the golden value and what each source said), lower case, punctuation as
spaces, each spelling once. A spelling is the text with umlauts spelt out (``mueller``), with
accents dropped (``muller``), and, for Chinese, also in pinyin beside the characters
(``王芳``): syllable by syllable (``wang fang``) and with each run of characters as one word
(``wangfang``), as Chinese names and places are written in Latin letters. A search folds the
query one way (umlauts spelt out, accents dropped, characters kept), and it is found in one
of the spellings:

- ``Müller``, ``MÜLLER``, ``müller`` and ``Mueller`` all fold to ``mueller``;
- ``Muller`` finds ``Müller`` through its accents-dropped spelling;
- ``王`` finds a record whose CRM spells it ``Wang Fang`` and whose ERP spells it ``王芳``;
- ``Beijing``, ``bei jing`` and ``beij`` (starts with) find ``北京``.

The key is ``|`` + the spellings joined by ``|`` + ``|``, so "starts with" is "contains
``|`` + the folded query".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pypinyin import lazy_pinyin

from hub.collation import UNDECOMPOSED, words

SEPARATOR = "|"
# Umlauts spelt out, and the Scandinavian letters that are spelt like them.
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", "æ": "ae"})
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile(_CJK.pattern + "+")


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(UNDECOMPOSED))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def fold(text: str) -> str:
    """A query as the search keys hold it: lower case, umlauts spelt out, accents dropped."""
    lowered = unicodedata.normalize("NFKC", text).casefold()
    return words(_without_accents(lowered.translate(_GERMAN)))


def _pinyin_words(text: str) -> str:
    """``text`` with each run of Chinese characters as one word of pinyin (``北京市`` as
    ``beijingshi``), folded as a query is: a query names such a place or person in one word,
    which no spelling syllable by syllable contains, nor starts with when cut (``beij``)."""
    return fold(_CJK_RUN.sub(lambda run: f" {''.join(lazy_pinyin(run[0]))} ", text))


def spellings(value: str) -> set[str]:
    """The ways a value is written that a search should find."""
    lowered = unicodedata.normalize("NFKC", value).casefold()
    found = {fold(value), words(_without_accents(lowered))}
    if _CJK.search(lowered):
        found.add(words(" ".join(lazy_pinyin(lowered))))
        found.add(_pinyin_words(lowered))
    return {s for s in found if s}


def search_key(values: Iterable[str | None]) -> str | None:
    """The search key of a property that has these values; None when it has none."""
    found: set[str] = set()
    for value in values:
        if value:
            found |= spellings(value)
    if not found:
        return None
    return SEPARATOR + SEPARATOR.join(sorted(found)) + SEPARATOR
