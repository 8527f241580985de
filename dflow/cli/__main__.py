"""``python -m dflow.cli``: the same as the ``dflow`` command."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
