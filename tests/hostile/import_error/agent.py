"""Imports a package that does not exist."""
import numpy_but_misspelled  # noqa: F401
