"""Chapter 9's pictures: forecasts against the truth, static and interactive.

Three layers (see :mod:`rnncourse.viz`):

1. :func:`forecast_paths` and :func:`forecast_view` are pure. The first runs the trained
   model's recursive forecast from every possible start in the validation part at once;
   the second cuts out what one (start, horizon) pair shows.
2. :func:`forecast_explorer` builds a plotly ``FigureWidget`` and the controls once:
   pick a signal (one trained model each), a start and a horizon. :func:`plot_forecast`
   draws a static matplotlib version.
3. Thin callbacks slice the precomputed paths and write them into the figure inside
   ``fig.batch_update()``; nothing is trained or run again, so they take a millisecond.

Shapes: L values in a series, S forecast starts, T window length.
"""

import numpy as np

from .. import forecast

#: How many values before the start the widget shows.
CONTEXT = 40


def forecast_paths(model, max_horizon=40):
    """Recursive forecasts of ``model`` (a :class:`rnncourse.forecast.SignalModel`) from every
    start in the validation part that leaves ``max_horizon`` true values to compare with.

    A forecast that starts at index s reads the T true values ``series[s - T : s]`` and
    forecasts ``series[s : s + max_horizon]``.

    Returns a dict:
    - "starts": the start indices s, (S,) ints, from ``model.split`` on
    - "rnn": the model's recursive forecasts in the series' units, (S, max_horizon)
    - "last_value": the last-value baseline, ``series[s - 1]`` repeated, (S, max_horizon)
    """
    series, T = model.series, model.T
    starts = np.arange(model.split, len(series) - max_horizon + 1)
    if len(starts) == 0:
        raise ValueError(
            f"max_horizon={max_horizon} is longer than the validation part "
            f"({len(series) - model.split} values)."
        )
    z = model.scaler.transform(series)
    X = np.stack([z[s - T : s] for s in starts])[:, :, None]  # (S, T) -> (S, T, 1)
    rnn_paths = model.scaler.inverse(forecast.recursive_forecast(X, model.params, max_horizon))
    last = np.repeat(series[starts - 1][:, None], max_horizon, axis=1)  # (S, max_horizon)
    return {"starts": starts, "rnn": rnn_paths, "last_value": last}


def forecast_view(model, paths, start_index=0, horizon=20, context=CONTEXT):
    """What the widget shows for one start (an index into ``paths["starts"]``) and horizon.

    Returns a dict of float arrays (times as floats) and two numbers:
    - "t_past", "past": the ``context`` values before the start (fewer near the beginning)
    - "t_future", "truth": the next ``horizon`` true values
    - "rnn", "last_value": the two forecasts of those values
    - "mse_rnn", "mse_last_value": their mean squared errors over the horizon
    """
    max_horizon = paths["rnn"].shape[1]
    if not 1 <= horizon <= max_horizon:
        raise ValueError(f"horizon must be in [1, {max_horizon}], but got {horizon}.")
    if not 0 <= start_index < len(paths["starts"]):
        raise ValueError(
            f"start_index must be in [0, {len(paths['starts']) - 1}], but got {start_index}."
        )
    s = int(paths["starts"][start_index])
    t_past = np.arange(max(s - context, 0), s)
    t_future = np.arange(s, s + horizon)
    truth = model.series[t_future]
    rnn_path = paths["rnn"][start_index, :horizon]
    last = paths["last_value"][start_index, :horizon]
    return {
        "t_past": t_past.astype(np.float64),
        "past": model.series[t_past],
        "t_future": t_future.astype(np.float64),
        "truth": truth,
        "rnn": rnn_path,
        "last_value": last,
        "mse_rnn": forecast.mse(rnn_path, truth),
        "mse_last_value": forecast.mse(last, truth),
    }


def _summary(name, view):
    return (
        f"<b>{name}</b>: forecast of {len(view['truth'])} step(s) from t = "
        f"{int(view['t_future'][0])} &nbsp;|&nbsp; MSE: RNN {view['mse_rnn']:.4f}, "
        f"last value {view['mse_last_value']:.4f}"
    )


def _y_range(series):
    low, high = float(series.min()), float(series.max())
    pad = 0.15 * (high - low) + 1e-9
    return [low - pad, high + pad]


def forecast_explorer(models, max_horizon=40, horizon=20):
    """A widget: a dropdown for the signal (one entry of ``models``, a dict name ->
    :class:`rnncourse.forecast.SignalModel`), sliders for the start and the horizon, and a
    figure with the past values, the truth, the RNN's recursive forecast and the last-value
    baseline. All paths are computed once here; the callbacks only slice them."""
    import ipywidgets as widgets
    import plotly.graph_objects as go

    names = list(models)
    paths = {name: forecast_paths(models[name], max_horizon) for name in names}
    state = {"name": names[0], "start": 0, "horizon": horizon}
    view = forecast_view(models[names[0]], paths[names[0]], 0, horizon)

    fig = go.FigureWidget(
        [
            go.Scatter(x=view["t_past"], y=view["past"], name="past (known)",
                       line={"color": "#555555"}),
            go.Scatter(x=view["t_future"], y=view["truth"], name="truth",
                       line={"color": "#555555", "dash": "dot"}),
            go.Scatter(x=view["t_future"], y=view["rnn"], name="RNN, recursive",
                       line={"color": "#D55E00"}, mode="lines+markers", marker={"size": 4}),
            go.Scatter(x=view["t_future"], y=view["last_value"], name="last value",
                       line={"color": "#0072B2", "dash": "dash"}),
        ]
    )  # fmt: skip
    fig.update_layout(
        width=720, height=340, margin={"l": 50, "r": 20, "t": 30, "b": 40},
        xaxis_title="t", yaxis_range=_y_range(models[names[0]].series),
        legend={"orientation": "h", "y": 1.12},
    )  # fmt: skip

    controls = {
        "signal": widgets.Dropdown(options=names, value=names[0], description="signal"),
        "start": widgets.IntSlider(value=0, min=0, max=len(paths[names[0]]["starts"]) - 1,
                                   description="start"),
        "horizon": widgets.IntSlider(value=horizon, min=1, max=max_horizon,
                                     description="horizon"),
    }  # fmt: skip
    status = widgets.HTML(_summary(names[0], view))

    def redraw():
        name = state["name"]
        new = forecast_view(models[name], paths[name], state["start"], state["horizon"])
        with fig.batch_update():
            for trace, (t, y) in zip(
                fig.data,
                (("t_past", "past"), ("t_future", "truth"), ("t_future", "rnn"),
                 ("t_future", "last_value")),
                strict=True,
            ):  # fmt: skip
                trace.x, trace.y = new[t], new[y]
            fig.layout.yaxis.range = _y_range(models[name].series)
        status.value = _summary(name, new)

    def on_signal(change):
        state["name"] = change["new"]
        state["start"] = min(state["start"], len(paths[change["new"]]["starts"]) - 1)
        controls["start"].max = len(paths[change["new"]]["starts"]) - 1
        redraw()

    def on_slider(key):
        def on_change(change):
            state[key] = change["new"]
            redraw()

        return on_change

    controls["signal"].observe(on_signal, names="value")
    controls["start"].observe(on_slider("start"), names="value")
    controls["horizon"].observe(on_slider("horizon"), names="value")

    box = widgets.VBox([widgets.HBox(list(controls.values())), status, fig])
    box.figure, box.controls, box.status, box.paths = fig, controls, status, paths
    return box


def plot_forecast(ax, model, paths, start_index=0, horizon=20, title=None):
    """Draw :func:`forecast_view` into a matplotlib Axes (the static twin of the widget)."""
    view = forecast_view(model, paths, start_index, horizon)
    ax.plot(view["t_past"], view["past"], color="0.35", label="past (known)")
    ax.plot(view["t_future"], view["truth"], color="0.35", linestyle=":", label="truth")
    ax.plot(view["t_future"], view["rnn"], color="#D55E00", marker=".", label="RNN, recursive")
    ax.plot(view["t_future"], view["last_value"], color="#0072B2", linestyle="--",
            label="last value")  # fmt: skip
    ax.axvline(view["t_future"][0] - 0.5, color="0.7", linewidth=1)
    ax.set_xlabel("t")
    if title:
        ax.set_title(title)
    return view
