"""The one exception family of arena: every message says what was wrong, where, and how to fix it."""

from __future__ import annotations

import errno


class ArenaError(Exception):
    """Base of every error arena raises on purpose."""


class HarnessError(ArenaError):
    """The machine running the harness failed it (a full disk, no processes or files left): no agent
    is to blame, and a match it stopped is to be played again. The `arena` command exits with
    EXIT_STATUS then (sysexits' EX_TEMPFAIL: try again later)."""

    EXIT_STATUS = 75

    @classmethod
    def short_of(cls, what: str, exc: OSError) -> HarnessError:
        import tempfile

        return cls(f"could not {what} ({exc.strerror or exc}); this machine's doing, not the agent's: check the "
                   f"free space in {tempfile.gettempdir()} and the limits on processes and open files")


# What an OSError of the machine running short says, whoever's files were being written.
MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EMFILE, errno.ENFILE, errno.ENOMEM,
                            errno.EROFS})


class SubmissionError(ArenaError):
    """A submission folder or zip that cannot be unpacked, read or imported."""


class ManifestError(SubmissionError):
    """An `arena.toml` with a missing, unknown or malformed field."""


class UnknownEnvError(ArenaError):
    """An environment name that is not registered, or options it does not take."""


class SettingsError(ArenaError, ValueError):
    """A settings file or KEY=VALUE override that cannot be read: an unknown key, or a value of the wrong type."""


class ReplayError(ArenaError):
    """A replay file that cannot be read, or that does not re-simulate to its recorded result."""
