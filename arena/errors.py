"""The one exception family of arena: every message says what was wrong, where, and how to fix it."""


class ArenaError(Exception):
    """Base of every error arena raises on purpose."""


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
