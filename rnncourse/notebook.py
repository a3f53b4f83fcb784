"""Small helpers for the course notebooks (IPython is imported only when called)."""

import inspect


def show_source(obj):
    """Display the real source code of a package function or class, highlighted.

    The notebooks call this instead of pasting code, so what a learner reads is exactly
    what runs.
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


def setup(seed=0, precision=4):
    """Fix numpy's print format and return a seeded ``numpy.random.Generator``.

    Every notebook starts with this, so a notebook run twice prints the same thing.
    """
    import numpy as np

    np.set_printoptions(precision=precision, suppress=True, linewidth=100)
    return np.random.default_rng(seed)
