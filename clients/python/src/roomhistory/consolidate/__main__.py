"""``python -m roomhistory.consolidate``: the roomhistory-consolidate command."""

import sys

from . import main

sys.exit(main())
