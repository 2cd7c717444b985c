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

import functools
import re
import unicodedata
from collections import defaultdict
from typing import Iterable

MAX_SHOWN = 80  # characters of a name a table shows
MAX_FILE = 64  # characters of a name in a file name; callers add what makes it unique
_INVISIBLE = ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")  # controls, format (bidi, zero-width), private, surrogates
# Letters and symbols drawn as blank space, which no category above holds: the Hangul fillers (ㅤ, and the
# compatibility forms NFKD takes to them) and the blank braille pattern. Read as spaces: "alice⠀" is "alice".
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Scripts written together in one name: Han, kana, Hangul and Bopomofo, with or without Latin (Unicode's
# "highly restrictive" level). Any other mix, such as Latin with Cyrillic or Lisu, is a disguise.
_HAN_FAMILY = {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO"}
# Look-alikes Unicode's table leaves out or sends elsewhere (a Greek chi to a cross, epsilon to a c).
_CONFUSABLE = str.maketrans({"χ": "x", "ε": "e"})
# A Latin letter's variants that no normal form takes back to it: small capitals (ᴀ), letters with a
# hook, bar or belt (ƚ).
_LATIN_VARIANT = re.compile(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL )?([A-Z])(?: |$)")
# Strokes that sans-serif type draws alike: capital I (case-folded to i), small l, the digit one, the
# bar; and the digit zero with the letter o.
_ONE_STROKE = str.maketrans({"i": "l", "1": "l", "|": "l", "0": "o"})


def printable(name: str, limit: int = MAX_SHOWN) -> str:
    """`name` without control or format characters (escape sequences, bidi overrides), on one
    line, blank letters read as spaces and runs of spaces as one, at most `limit` characters."""
    kept = "".join(" " if c in _BLANK else c for c in name if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
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
        if twins or mixes_scripts(name):
            flagged[name] = twins
    return flagged


def skeleton(name: str) -> str:
    """What `name` looks like: NFKC, case-folded, without marks, blanks or invisible characters, each
    character read as the one Unicode's table of look-alikes groups it with (a Latin letter or digit
    where the group has one), and I, i, l, 1 and |, 0 and o as one."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    visible = "".join(c for c in folded if unicodedata.category(c) not in ("Mn", "Me", *_INVISIBLE)
                      and not c.isspace() and c not in _BLANK)
    alike = _alike()
    return "".join(alike.get(c) or _latin(c) or c for c in visible.translate(_CONFUSABLE)).translate(_ONE_STROKE)


def scripts(name: str) -> set[str]:
    """The scripts of the letters in `name` ("LATIN", "CYRILLIC", "LISU", "CJK", ...)."""
    return {unicodedata.name(c, "UNKNOWN").split()[0] for c in unicodedata.normalize("NFKC", name) if c.isalpha()}


def mixes_scripts(name: str) -> bool:
    """Whether `name` writes its letters in scripts no language writes together."""
    found = scripts(name)
    return len(found - _HAN_FAMILY - ({"LATIN"} if found & _HAN_FAMILY else set())) > 1


def _latin(c: str) -> str | None:
    """The plain Latin letter that `c` is a variant of (ᴀ: a), if it is one."""
    variant = _LATIN_VARIANT.match(unicodedata.name(c, ""))
    return variant.group(1).lower() if variant else None


@functools.cache
def _alike() -> dict[str, str]:
    """Each character of Unicode's table of look-alikes (confusables.txt, as the confusable-homoglyphs
    package ships it) mapped to one of its group, case-folded: a Latin letter or digit where the
    group has one (ꓐ, Lisu's letter, is b), else a Latin letter's variant, else its lowest."""
    import json  # here: the sandbox's launcher loads this module and never compares names
    from importlib import resources

    table = json.loads((resources.files("confusable_homoglyphs") / "confusables.json").read_text("utf-8"))
    parent: dict[str, str] = {}

    def root(c: str) -> str:
        while parent.setdefault(c, c) != c:
            parent[c] = c = parent[parent[c]]
        return c

    for c, homoglyphs in table.items():
        for other in (h["c"] for h in homoglyphs if len(c) == len(h["c"]) == 1):
            parent[root(c)] = root(other)
    groups: dict[str, list[str]] = defaultdict(list)
    for c in parent:
        groups[root(c)].append(c)
    alike = {}
    for group in groups.values():
        plain = sorted(c.lower() for c in group if c.isascii() and c.isalnum())
        shown = plain[0] if plain else min(filter(None, map(_latin, group)), default=None) or min(group)
        alike.update(dict.fromkeys(group, shown))
    return alike
