"""`python -m conformance.shapes record|compare` (the same as `plane-conformance shapes`)."""

from __future__ import annotations

import sys

from conformance.shapes.command import main

if __name__ == "__main__":
    sys.exit(main())
