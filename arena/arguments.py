"""The command line's parsing: number types for its options (argparse checks them, so a bad value is a
usage error that names its option instead of a failure later on: a negative seed reaching an agent,
say), its help's layout, and a parser whose usage errors are one line."""

from __future__ import annotations

import argparse
import textwrap
from typing import NoReturn

MAX_SEED = 2**63 - 1


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


def memory_mb(text: str) -> int:
    """An agent's memory cap in MiB: a whole number of at least the least an agent may be given."""
    from arena.sandbox.memory import MIN_MEMORY_MB

    value = _whole(text)
    if value < MIN_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_MEMORY_MB} MiB, got {text!r}")
    return value


def seconds(text: str) -> float:
    """A time above 0 seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, e.g. 0.5, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def server_address(text: str) -> str:
    """A server's address, http:// when it names no scheme (`127.0.0.1:8765`)."""
    return text if "://" in text else f"http://{text}"


class ParagraphsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps each paragraph of a description or epilog to the terminal, and keeps as written the
    paragraphs with an indented line (examples, tables of commands)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.split("\n\n")
        return "\n\n".join(paragraph if any(line.startswith(" ") for line in paragraph.splitlines())
                           else textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                              subsequent_indent=indent)
                           for paragraph in paragraphs)


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as arena's own errors are, pointing at --help
    instead of printing the whole usage above the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} ({self.prog} --help explains every option)\n")
