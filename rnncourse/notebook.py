"""Small helpers for the course notebooks (IPython and matplotlib are imported only when called)."""

import inspect
import re

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


def _plain(text):
    """Figure text as words on one line: mathtext's $, backslashes and braces dropped."""
    text = re.sub(r"\\([A-Za-z]+)", r"\1", str(text))
    return " ".join(re.sub(r"[${}]", "", text).split())


def _listed(names, most):
    """Up to ``most`` names, then how many more."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _legend(ax):
    """The legend entries of an axes, quoted (an entry may hold a comma)."""
    return [f'"{_plain(name)}"' for name in ax.get_legend_handles_labels()[1]]


def _panel(ax, legend=True):
    """One axes in words: its title, what is plotted against what, its legend entries."""
    titles = (_plain(ax.get_title(loc)) for loc in ("left", "center", "right"))
    title = " ".join(t for t in titles if t)
    y, x = _plain(ax.get_ylabel()), _plain(ax.get_xlabel())
    axes = f"{y} against {x}" if y and x else y or (f"x axis {x}" if x else "")
    what = f"{title} ({axes})" if title and axes else title or axes
    if ax.images:
        what = "an image" + (f" ({what})" if what else "")
    if not what:
        texts = [t for t in (_plain(t.get_text()) for t in ax.texts) if t]
        what = f"a drawing labelled {_listed(texts, 8)}" if texts else "a plot"
    names = _legend(ax) if legend else []
    if names:
        what += f"; legend {_listed(names, 6)}"
    return what


def figure_alt(fig):
    """A text alternative for a figure, from its titles, axis labels, legends and texts.

    For example ``Figure: Training. 2 panels: (1) loss (MSE against step); legend "RNN",
    "LSTM". (2) a plot.`` Each panel says its title, its y label against its x label and up to
    six legend entries (said once when every panel has the same legend); a panel with none of
    these says what it is (an image, a drawing with its text labels, a plot). Colour bars are
    left out; mathtext reads as plain words.
    """
    title = getattr(fig, "_suptitle", None)  # Figure.get_suptitle() needs matplotlib 3.8
    parts = [_plain(title.get_text())] if title is not None else []
    shown = [
        ax
        for ax in fig.get_axes()
        if ax.get_visible()
        and ax.get_label() != "<colorbar>"
        and (ax.has_data() or ax.texts or ax.get_title())
    ]
    legends = [_legend(ax) for ax in shown]
    shared = len(shown) > 1 and legends[0] and all(names == legends[0] for names in legends)
    panels = [_panel(ax, legend=not shared) for ax in shown]
    if len(panels) == 1:
        parts += panels
    elif panels:
        numbered = ". ".join(f"({k}) {panel}" for k, panel in enumerate(panels, start=1))
        parts.append(f"{len(panels)} panels: {numbered}")
    if shared:
        parts.append(f"Legend of every panel: {_listed(legends[0], 6)}")
    text = ". ".join(part for part in parts if part) or "a matplotlib figure"
    return f"Figure: {text}."


def _describe_figures(shell):
    """Send each matplotlib figure's PNG with an ``alt`` text (nbconvert and the static site
    use it; JupyterLab 4 has no place for it yet: jupyter/enhancement-proposals#120)."""
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    def png_with_alt(fig):
        data = print_figure(fig, "png", bbox_inches="tight")
        return (data, {"alt": figure_alt(fig)}) if data else None

    shell.display_formatter.formatters["image/png"].for_type(Figure, png_with_alt)
