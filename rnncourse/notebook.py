"""Small helpers for the course notebooks (IPython and matplotlib are imported only when called)."""

import inspect

#: Okabe and Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/), the colour
#: cycle of every matplotlib figure in the course.
OKABE_ITO = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
)  # fmt: skip


def show_source(obj):
    """Display the real source code of a package function or class, highlighted.

    The notebooks call this instead of pasting code, so what a learner reads is exactly
    what runs.
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


def setup(seed=0, precision=4):
    """Fix numpy's print format and return a seeded ``numpy.random.Generator``.

    Every notebook starts with this, so a notebook run twice prints the same thing. Inside
    IPython it also sets the course's figure style (:func:`use_figure_style`) and gives every
    matplotlib figure a text alternative (:func:`figure_alt`).
    """
    import numpy as np

    np.set_printoptions(precision=precision, suppress=True, linewidth=100)
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: no figures are displayed
        return np.random.default_rng(seed)
    shell = get_ipython()
    if shell is not None:
        use_figure_style()
        _describe_figures(shell)
    return np.random.default_rng(seed)


def use_figure_style():
    """Matplotlib figures on a white panel (readable in JupyterLab's dark theme too), with
    the colour-blind-safe :data:`OKABE_ITO` cycle."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "text.color": "black",
            "axes.labelcolor": "black",
            "xtick.color": "black",
            "ytick.color": "black",
        }
    )


def figure_alt(fig):
    """A text alternative for a figure, from its titles and axis labels."""
    parts = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    if title:
        parts.append(title)
    for ax in fig.get_axes():
        if not ax.get_visible() or not ax.has_data():
            continue
        what = ax.get_title() or "a plot"
        axes = [label for label in (ax.get_ylabel(), ax.get_xlabel()) if label]
        if len(axes) == 2:
            what += f" of {axes[0]} against {axes[1]}"
        names = [
            h.get_label() for h in ax.get_legend_handles_labels()[0] if not h.get_label()[:1] == "_"
        ]
        if names:
            what += " (" + ", ".join(names[:6]) + (", ..." if len(names) > 6 else "") + ")"
        parts.append(what)
    return "Figure: " + ("; ".join(parts) if parts else "a matplotlib figure") + "."


def _describe_figures(shell):
    """Send each matplotlib figure's PNG with an ``alt`` text (nbconvert and the static site
    use it; JupyterLab 4 has no place for it yet: jupyter/enhancement-proposals#120)."""
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    def png_with_alt(fig):
        data = print_figure(fig, "png", bbox_inches="tight")
        return (data, {"alt": figure_alt(fig)}) if data else None

    shell.display_formatter.formatters["image/png"].for_type(Figure, png_with_alt)
