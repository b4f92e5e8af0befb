"""`python -m pipeline.cli`: the same as the `trajforge` command."""

import sys

from pipeline.cli import main

sys.exit(main())
