"""``python -m portatensor`` is the ``portatensor`` command."""

import sys

from .cli import main

sys.exit(main())
