"""Entrant names made safe for where they are shown: terminals, file names, and side by side.

A submission chooses its own name (`name` in arena.toml, or its folder's), so a name may hold
control characters that rewrite a terminal, rich markup such as `[/]` that breaks a table, path
separators, or letters from another script that copy a rival's name. Each function here deals
with one place a name goes; HTML pages escape names themselves.

    terminal("[bold]x\\x1b[2J")      # '\\\\[bold]x[2J': no escape sequence, the tag printed as written
    file_name("../../etc/passwd")     # 'etc_passwd'
    lookalikes(["paypal", "pаypal"])  # {'pаypal': ['paypal'], 'paypal': ['pаypal']}
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Iterable

MAX_SHOWN = 80  # characters of a name a table shows
MAX_FILE = 64  # characters of a name in a file name; callers add what makes it unique
_INVISIBLE = ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")  # controls, format (bidi, zero-width), private, surrogates
# Scripts whose letters pass for Latin ones: a name mixing two of them is a disguise, not a language.
_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"}
# Latin look-alikes from other scripts that NFKC leaves alone (the common ones of Unicode's list).
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ɡ": "g", "ο": "o", "α": "a", "ν": "v", "ρ": "p",
    "τ": "t", "υ": "u", "ι": "i", "κ": "k", "χ": "x", "ε": "e", "ı": "i", "ℓ": "l", "0": "o", "1": "l",
})
# Strokes that sans-serif type draws alike: capital I (case-folded to i), small l, the digit one.
_ONE_STROKE = str.maketrans({"i": "l", "|": "l"})


def printable(name: str, limit: int = MAX_SHOWN) -> str:
    """`name` without control or format characters (escape sequences, bidi overrides), on one
    line, at most `limit` characters."""
    kept = "".join(c for c in name if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal(name: str, limit: int = MAX_SHOWN) -> str:
    """`name` for rich output: printable, with its markup escaped so `[/]` prints as written."""
    from rich.markup import escape  # here: the sandbox's launcher loads this module and never prints

    return escape(printable(name, limit))


def file_name(name: str, limit: int = MAX_FILE) -> str:
    """`name` as one safe file name component: ASCII letters, digits, `-`, `_` and inner dots,
    no separator, no leading dot, at most `limit` characters; "entrant" when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"_+", "_", re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)))
    return safe.lstrip("._-")[:limit].rstrip("._-") or "entrant"


def lookalikes(names: Iterable[str]) -> dict[str, list[str]]:
    """For each name that looks like another one (equal once Unicode compatibility forms, case,
    marks and look-alike letters are folded) or mixes scripts: the names it may be taken for.

    A mixed-script name with no twin maps to an empty list; names that are fine are left out.
    """
    distinct = sorted(set(names))
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for name in distinct:
        by_skeleton[skeleton(name)].append(name)
    flagged = {}
    for name in distinct:
        twins = [other for other in by_skeleton[skeleton(name)] if other != name]
        if twins or len(scripts(name) & _LOOKALIKE_SCRIPTS) > 1:
            flagged[name] = twins
    return flagged


def skeleton(name: str) -> str:
    """What `name` looks like: NFKC, case-folded, without marks or invisible characters, and
    with look-alike letters of other scripts read as Latin, and I, i, l and 1 as one."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    visible = "".join(c for c in folded if unicodedata.category(c) not in ("Mn", "Me", *_INVISIBLE) and not c.isspace())
    return visible.translate(_CONFUSABLE).translate(_ONE_STROKE)


def scripts(name: str) -> set[str]:
    """The scripts of the letters in `name` ("LATIN", "CYRILLIC", "GREEK", ...)."""
    return {unicodedata.name(c, "UNKNOWN").split()[0] for c in unicodedata.normalize("NFKC", name) if c.isalpha()}
