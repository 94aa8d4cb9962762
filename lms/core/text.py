"""Vietnamese text helpers shared by search, slugs and file names."""

import re
import unicodedata

from django.utils.text import slugify

# "Đ/đ" is a letter of its own, not "D" plus a combining mark, so NFKD leaves it intact.
_D_STROKE = str.maketrans({"Đ": "D", "đ": "d"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def fold(text):
    """Lower-case ``text`` and strip Vietnamese diacritics: "Chữ ký số" → "chu ky so"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_D_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def vi_slugify(text):
    """ASCII slug that keeps "Đ" as "d": "Đất đai" → "dat-dai"."""
    return slugify((text or "").translate(_D_STROKE))


def search_document(text):
    """Folded words separated by single spaces, with a space at each end, so that
    ``contains(" " + word)`` matches the start of a word on any database."""
    return f" {_NON_WORD.sub(' ', fold(text)).strip()} "


def search_terms(query, max_terms=8):
    """Folded words of a search box query, in order, without repeats, capped to keep the SQL small."""
    words = search_document(query).split()
    return list(dict.fromkeys(words))[:max_terms]


def file_name_part(text, fallback):
    """``text`` as part of a downloaded file's name (a code, a serial): ASCII letters, digits, dots,
    dashes and underscores, any run of anything else one dash; ``fallback`` if nothing is left."""
    return _UNSAFE_IN_FILE_NAME.sub("-", text or "").strip("-.") or fallback
