"""``python -m vcissue.cli``."""

import sys

from . import main

sys.exit(main())
