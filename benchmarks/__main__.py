"""`python -m benchmarks`: the suite (see benchmarks/run.py)."""

import sys

from benchmarks.run import main

if __name__ == "__main__":  # the sampling row's spawned training process imports this module too
    sys.exit(main())
