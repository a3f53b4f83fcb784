"""Chapter 7's pictures of training: a live loss curve and static comparison plots.

Three layers (see :mod:`rnncourse.viz`):

- :func:`curve_data` is pure: a list of per-step losses in, the steps, the losses and a
  running mean out. Every plot here draws what it returns.
- :class:`LiveLossCurve` builds a plotly ``FigureWidget`` once. Passed as the ``callback`` of
  :func:`rnncourse.train.train`, it collects one point per step and writes them into the
  figure inside ``fig.batch_update()`` every ``every`` steps (writing each step would cost
  more than the step itself).
- :func:`plot_curves` draws several runs into one matplotlib Axes, for static comparisons.
"""

import numpy as np


def curve_data(losses, window=10):
    """The points of a loss curve.

    Inputs:
    - losses: one loss per training step (a list or a 1-D array)
    - window: length of the running mean (1 means no smoothing)

    Returns a dict of float arrays, all of length len(losses):
    - "step": 1, 2, ..., the step numbers
    - "loss": the losses
    - "mean": the mean of the last ``window`` losses at each step (fewer at the start)
    """
    loss = np.asarray(losses, dtype=np.float64).reshape(-1)
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a positive integer, but got {window!r}.")
    csum = np.concatenate([[0.0], np.cumsum(loss)])
    ends = np.arange(1, loss.size + 1)
    starts = np.maximum(ends - int(window), 0)
    mean = (csum[ends] - csum[starts]) / (ends - starts)  # mean of loss[start:end]
    return {"step": ends.astype(np.float64), "loss": loss, "mean": mean}


class LiveLossCurve:
    """A loss curve that grows while :func:`rnncourse.train.train` runs.

    Usage: display ``curve.widget`` in one cell, then in the next
    ``train.train(..., callback=curve)`` and ``curve.flush()`` to draw the last points.

    - total_steps: fixes the x axis to [0, total_steps] (None: the axis grows with the data)
    - every: redraw after this many steps
    - window: the running mean's length (see :func:`curve_data`)
    """

    def __init__(self, total_steps=None, every=10, window=10, title="training loss"):
        import plotly.graph_objects as go

        self.every, self.window = int(every), int(window)
        self.losses = []
        self.fig = go.FigureWidget(
            data=[
                go.Scatter(x=[], y=[], mode="lines", name="loss per step",
                           line=dict(color="#9ecae1", width=1)),
                go.Scatter(x=[], y=[], mode="lines", name=f"mean of last {self.window}",
                           line=dict(color="#08519c", width=2.5)),
            ],
            layout=go.Layout(
                height=300, width=600, margin=dict(l=55, r=20, t=40, b=45),
                title=dict(text=title, font=dict(size=14)),
                xaxis=dict(title="step", range=[0, total_steps] if total_steps else None),
                yaxis=dict(title="loss"),
                legend=dict(x=0.98, xanchor="right", y=0.98),
            ),
        )  # fmt: skip
        self.widget = self.fig

    def __call__(self, record):
        """The training callback: ``record`` is a :class:`rnncourse.train.Step`."""
        self.losses.append(float(record.loss))
        if len(self.losses) % self.every == 0:
            self.flush()

    def flush(self):
        """Draw every point collected so far."""
        data = curve_data(self.losses, self.window) if self.losses else None
        with self.fig.batch_update():
            for trace, key in zip(self.fig.data, ("loss", "mean"), strict=True):
                trace.x = [] if data is None else data["step"]
                trace.y = [] if data is None else data[key]

    def clear(self):
        """Forget all points (before a new run)."""
        self.losses = []
        self.flush()


def plot_curves(runs, ax=None, window=10, log=False, title=None):
    """Draw each run's running-mean loss curve into one matplotlib Axes.

    ``runs`` maps a label to a list of per-step losses. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    for label, losses in runs.items():
        data = curve_data(losses, window)
        ax.plot(data["step"], data["mean"], label=label, lw=1.8)
    ax.set_xlabel("training step")
    ax.set_ylabel(f"loss (mean of last {window} steps)" if window > 1 else "loss")
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    return ax
