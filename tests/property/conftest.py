"""Make the shared reference module ``ldm_reference`` importable whatever pytest's import mode
(``prepend`` puts this folder on ``sys.path`` already; ``importlib`` does not)."""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
