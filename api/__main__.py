"""``python -m ldmstop`` — same as the ``ldmstop`` command."""

import sys

from .cli import main

sys.exit(main())
