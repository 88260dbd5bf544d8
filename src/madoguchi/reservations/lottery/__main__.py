"""``python -m madoguchi.reservations.lottery verify input.json [result.json]``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
