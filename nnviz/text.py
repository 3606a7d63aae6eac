"""Text from outside (a link, a CSV file, a cell) made plain before anything shows it.

Three places read text as markup, and each gets its own function here:

- **Streamlit markdown** (``st.warning``, ``st.error``, ``st.caption``...): :func:`markdown_text` escapes every
  ASCII punctuation mark with a backslash (so no link, image, HTML, math or directive can form) and puts an
  invisible word joiner into ``://``, ``www.`` and ``@`` (GitHub-flavoured markdown turns bare URLs and e-mail
  addresses into links even when their punctuation is escaped).
- **Plotly text** (tick labels, hover text, annotations) is pseudo-HTML (``<a href>``, ``<b>``, ``<br>``...):
  :func:`plotly_text` writes ``<``, ``>`` and ``&`` as entities.
- **Column names** go everywhere at once: the figures (which take them as they are), the data grid and its
  "Download as CSV", the link. :func:`plain_name` makes a name safe in all of them and stays the same when
  applied again (a name read back from a link is unchanged): ``<``, ``>`` and ``&`` become look-alikes
  (‹ › ＆; entities would show as ``&lt;`` in the grid and grow on every trip through a link), control and invisible formatting characters go, the length is capped, and a leading ``=``, ``+``,
  ``-`` or ``@`` (a spreadsheet formula) gets a ``'`` in front.

:func:`csv_cell` neutralises formula-like text cells in the CSV files the app offers; numbers stay numbers.
The text functions also cap the length (with …) and make the text one line.
"""
from __future__ import annotations

import html
import re
import unicodedata

NAME_LIMIT = 40  # characters of a column name, as shown everywhere
TEXT_LIMIT = 600  # characters of a message that quotes outside text
ELLIPSIS = "…"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula

_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆"})
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark: CommonMark escapes them all
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(://|www\.|@)", re.IGNORECASE)


def one_line(text: object) -> str:
    """``text`` as one line: control characters and line breaks become spaces, invisible formatting
    characters (bidi overrides, zero-width spaces) go, runs of spaces become one; stripped."""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if category == "Cf":  # format: bidi overrides, zero-width characters, soft hyphens
            continue
        kept.append(" " if category in ("Cc", "Zl", "Zp") else char)
    return " ".join("".join(kept).split())


def cap(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the last one … when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def plain_name(name: object, limit: int = NAME_LIMIT) -> str:
    """A column name safe to show anywhere (figures, grids, their CSV downloads, links); idempotent.

    May be empty (a name of nothing but spaces or control characters): callers give such a column a name.
    """
    text = cap(one_line(name).translate(_LOOKALIKES), limit)
    return "'" + text if text.startswith(FORMULA_START) else text


def plain_names(names, limit: int = NAME_LIMIT) -> list[str]:
    return [plain_name(n, limit) for n in names]


def markdown_text(text: object, limit: int = TEXT_LIMIT) -> str:
    """``text`` to put into Streamlit markdown so that it shows exactly as written, as plain text."""
    plain = cap(one_line(text), limit)
    # GitHub-flavoured markdown links a bare URL or address even with its punctuation escaped: a word joiner
    # (invisible) inside ://, www. and @ stops it.
    plain = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _WORD_JOINER + m.group(0)[-1], plain)
    return _PUNCTUATION.sub(r"\\\1", plain)


def plotly_text(text: object, limit: int = NAME_LIMIT) -> str:
    """``text`` for a Plotly string (title, label, hover, annotation): its pseudo-HTML written as entities."""
    return html.escape(cap(one_line(text), limit), quote=False)


def csv_cell(value: object) -> object:
    """A cell for a CSV download: text that a spreadsheet would run as a formula gets a ``'`` in front;
    numbers (also negative ones) and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
