"""The search form of a child's name: one function that both the stored column (`Child.search_name`) and a typed
search term go through, so that a search finds a name however either was written (docs/search.md).

"Berg, van der", "van der Berg" and "VAN DER BERG" all become " berg van der" / " van der berg": the same words,
and the search matches words, not their order. "Chloé" becomes "chloe", "Öztürk" "ozturk", "Jan-Willem" "jan willem".
"""

from __future__ import annotations

import unicodedata

#: Letters that Unicode does not decompose into a base letter and a mark, written as Dutch registers spell them
#: without the diacritic (BRP/GBA transliteration practice): Ø -> o, ß -> ss, Æ -> ae, ł -> l, the dotless ı -> i.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"})


def search_words(text: str) -> list[str]:
    """The words of `text` in their search form: case-folded, NFKD without combining marks (é -> e, ü -> u),
    a few undecomposable letters folded (`_FOLD`), every character that is not a letter or digit a separator.
    Returns a list of non-empty strings of letters and digits only (so never a LIKE wildcard, a quote or any
    FTS5 syntax). Pure; raises nothing."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    # casefold and the fold table may leave a composed letter (ß -> ss is done by casefold); normalise once more.
    plain = unicodedata.normalize("NFKC", plain)
    return "".join(c if c.isalnum() else " " for c in plain).split()


def search_key(given_name: str, family_name: str) -> str:
    """The stored search form of a name (`Child.search_name`): the words of the given name and of the family name
    (with its tussenvoegsel, in whatever order it was written), each preceded by one space: " chloe berg van der".
    Every word then starts right after a space, so "word starts with w" is `search_name LIKE '% w%'` (PostgreSQL,
    pg_trgm index) or the FTS5 prefix query `"w"*` (SQLite). The empty name (an anonymised child) gives ""."""
    words = search_words(given_name) + search_words(family_name)
    return "".join(f" {w}" for w in words)
