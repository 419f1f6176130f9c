"""`python -m bot.cli`: the `factbot` console script."""

import sys

from bot.cli import main

sys.exit(main())
