"""`python -m benchmarks`: the whole benchmark, one command (see benchmarks/README.md)."""

import sys

from benchmarks.main import main

sys.exit(main())
