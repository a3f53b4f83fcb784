"""Wiring shared by the widgets: a control's new value goes into the widget's state, then
the figure is redrawn (the thin callback layer of STYLE's three layers)."""


def bind(controls, state, redraw):
    """Observe every control in ``controls`` (a dict key -> widget): when its value changes,
    ``state[key]`` takes the new value and ``redraw()`` runs."""
    for key, control in controls.items():

        def on_change(change, key=key):
            state[key] = change["new"]
            redraw()

        control.observe(on_change, names="value")
