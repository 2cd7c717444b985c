"""The command line's parsing: number types for its options (argparse checks them, so a bad value is a
usage error that names its option instead of a failure later on: a negative seed reaching an agent,
say), its help's layout, and a parser whose usage errors are one line."""

from __future__ import annotations

import argparse
import math
import textwrap
from typing import Any, Iterable, NoReturn

from arena.errors import ArenaError, closest

MAX_SEED = 2**63 - 1
FREE_FOR_ALL_ROUNDS = 10  # a free-for-all tournament's rounds unless --rounds says


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1."""
    value = _whole(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to 2**63 - 1, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def steps(text: str) -> int:
    """A number of policy steps: a whole number of at least 1, in figures or as 4e6."""
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        value = int(number) if number.is_integer() else 0  # nan, inf and fractions are no number of steps
    if value < 1:
        raise argparse.ArgumentTypeError(f"a number of policy steps is a whole number of at least 1, e.g. 4e6, "
                                         f"got {text!r}")
    return value


def memory_mb(text: str) -> int:
    """An agent's memory cap in MiB: a whole number of at least the least an agent may be given."""
    from arena.sandbox.memory import MIN_MEMORY_MB

    value = _whole(text)
    if value < MIN_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_MEMORY_MB} MiB, got {text!r}")
    return value


def seconds(text: str) -> float:
    """A time above 0 seconds."""
    return _seconds(text, empty_allowed=False)


def bank_seconds(text: str) -> float:
    """A time of 0 seconds or more: a time bank may be empty."""
    return _seconds(text, empty_allowed=True)


def _seconds(text: str, empty_allowed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, e.g. 0.5, got {text!r}") from None
    if not (0 <= value if empty_allowed else 0 < value) or value == float("inf"):
        lowest = "0 seconds or more" if empty_allowed else "more than 0 seconds"
        raise argparse.ArgumentTypeError(f"must be {lowest}, got {text!r}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def server_address(text: str) -> str:
    """A server's address, http:// when it names no scheme (`127.0.0.1:8765`)."""
    return text if "://" in text else f"http://{text}"


def not_taken(args: argparse.Namespace, flags: Iterable[tuple[str, str, Any, str | None]], stored: Any, what: str,
              as_stored: Iterable[str] = ()) -> None:
    """ArenaError naming those of `flags` ((flag, argument, default when not given, the field of the settings
    `stored` it sets, or None where it cannot be told from them alone)) given to `what`, which goes on with the
    settings it was started with, other than those: they would be dropped without a word. Flags of no field
    found by the caller to ask for what is stored (`as_stored`) are taken."""
    from arena.settings import parse_overrides

    differing = []
    for flag, dest, default, setting in flags:
        asked = getattr(args, dest)
        if asked == default or flag in as_stored:
            continue
        if setting is None or (parse_overrides(asked) if dest == "option" else asked) != getattr(stored, setting):
            differing.append(flag)
    if differing:
        raise ArenaError(f"{what} plays with the settings it was started with; {', '.join(differing)} would not be "
                         f"taken (start another with another --db)")


def memory_mb_help(keeping_sandboxes: bool) -> str:
    """--memory-mb's help, for a command that keeps other entrants' sandboxes open between games or not."""
    share = ("three quarters of an even share of this machine's memory among the agents playing at once, the "
             "rest left to sandboxes kept open between games" if keeping_sandboxes else
             "an even share of this machine's memory among the agents playing at once")
    return ("memory cap of each sandboxed agent, also of one whose manifest asks for more (default: 4096 MiB, or "
            f"what a manifest asks up to 16384; both at most {share})")


MAX_STEPS_HELP = ("cut each game after this many env steps, unfinished: it is scored by the rewards given so far (a "
                  "draw in the fighting game, whatever the stocks; to shorten a game that still ends by its own "
                  "rules, set its length instead, e.g. -o max_timesteps=900)")
ACCELERATORS_HELP = ("let sandboxed agents open this machine's GPUs and Tenstorrent cards (default: they cannot; "
                     "only for agents you trust: work an agent queued on a card runs on while its opponent thinks, "
                     "and a card's memory is outside every limit)")


class ParagraphsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps each paragraph of a description or epilog to the terminal, and keeps as written the
    paragraphs with an indented line (examples, tables of commands)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.split("\n\n")
        return "\n\n".join(paragraph if any(line.startswith(" ") for line in paragraph.splitlines())
                           else textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                              subsequent_indent=indent)
                           for paragraph in paragraphs)


def advise_when_missing(parser: argparse.ArgumentParser, name: str, advice: str) -> None:
    """Have `parser`'s usage error for a left-out required argument `name` say `advice`, what to give
    (a Parser's; another parser, such as a test's, says argparse's words alone)."""
    if isinstance(parser, Parser):
        parser.when_missing[name] = advice


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as arena's own errors are, pointing at --help
    instead of printing the whole usage above the error; a mistyped option, command or choice gets a
    "did you mean"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Commands)  # add_subparsers makes _Commands
        self.when_missing: dict[str, str] = {}  # a required argument's name: what to do, said when it is left out

    def error(self, message: str) -> NoReturn:
        required = message.removeprefix("the following arguments are required: ")
        advice = [self.when_missing[name] for name in required.split(", ")
                  if required != message and name in self.when_missing]
        if advice:
            message += f": {'; '.join(advice)}"
        self.exit(2, f"{self.prog}: error: {message} ({self.prog} --help explains every option)\n")

    def parse_args(self, args=None, namespace=None) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.unrecognized(extras)
        return parsed

    def unrecognized(self, extras: list[str]) -> NoReturn:
        """The usage error for arguments this parser does not take, with the option a typo was likely meant as."""
        meant = next(filter(None, map(self._option_meant, extras)), None)
        self.error(f"unrecognized arguments: {' '.join(extras)}" + (f" (did you mean {meant}?)" if meant else ""))

    def _option_meant(self, word: str) -> str | None:
        """This parser's option closest to `word`, a mistyped option (`--gmaes`, `--gmaes=3`); None if none is."""
        if not word.startswith("-"):
            return None
        return closest(word.partition("=")[0], (name for action in self._actions for name in action.option_strings))

    def _check_value(self, action: argparse.Action, value: object) -> None:
        # argparse's check of a choice (a command's name among them), with the name that was likely meant
        choices = action.choices
        if isinstance(value, str) and choices is not None and value not in choices:
            meant = closest(value, map(str, choices))
            if meant is not None:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r}; did you mean {meant!r}? "
                                                     f"(choose from {', '.join(map(repr, choices))})")
        super()._check_value(action, value)


class _Commands(argparse._SubParsersAction):
    """A parser's commands, each reporting the arguments it does not take itself (`arena match: error: ...`,
    pointing at `arena match --help`), where argparse leaves them to the top-level parser."""

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        extras = vars(namespace).pop(argparse._UNRECOGNIZED_ARGS_ATTR, None)
        if extras:
            self._name_parser_map[values[0]].unrecognized(extras)
