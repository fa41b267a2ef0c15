"""``python -m wuwei_analysis``: the same as the ``wuwei`` command."""

import sys

from wuwei_analysis.cli import main

sys.exit(main())
