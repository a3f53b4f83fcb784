"""Loaded by every pytest run in the repository, also when it collects only notebooks (nbval).

Tests, and the kernels nbval starts (they inherit this environment), never read or change a
learner's exercise record (rnncourse.progress), so stored outputs compare the same on any
machine.
"""

import os

os.environ["RNNCOURSE_PROGRESS"] = "off"
