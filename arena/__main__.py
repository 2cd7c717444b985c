"""`python -m arena`: the `arena` command, for a Python whose scripts folder is not on PATH."""

import sys

from arena.cli import main

sys.exit(main())
