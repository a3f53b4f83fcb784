"""Cell diagrams: drawn from the package's numbers, readable, and live in the gate explorers."""

import re
import xml.etree.ElementTree as ET

import ipywidgets
import numpy as np
import pytest

from rnncourse.viz import cell_diagram as cd
from rnncourse.viz import gates, gru_gates


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def luminance(hex_colour):
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b):
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_gate_numbers_are_readable_on_every_fill():
    # the numbers and symbols sit on a white label inside each coloured box
    svg = cd.lstm_svg({"f": 1.0, "i": 0.0, "g": -1.0, "o": 0.5})
    assert svg.count('fill="#ffffff" fill-opacity="0.92"') == 4
    fills = {t.get("fill") for t in ET.fromstring(svg).iter(f"{SVG}text")}
    assert fills == {cd.INK} and contrast(cd.INK, "#ffffff") >= 4.5


def test_fill_runs_white_to_blue_and_vermillion():
    assert cd.fill_colour(0.0) == "#ffffff"
    assert cd.fill_colour(1.0) == "#0072b2"
    assert cd.fill_colour(-1.0, signed=True) == "#d55e00"
    assert cd.fill_colour(None) != cd.fill_colour(0.0)


def test_lstm_values_follow_the_equations_drawn():
    trace = gates.lstm_gate_trace(gates.input_sequence("sine"))
    for t in (0, 1, 7, 29):
        for unit in range(3):
            v = cd.lstm_values(trace, t, unit)
            assert v["c"] == pytest.approx(v["f"] * v["c_prev"] + v["i"] * v["g"], abs=1e-12)
            assert v["h"] == pytest.approx(v["o"] * np.tanh(v["c"]), abs=1e-12)
    assert cd.lstm_values(trace, 0, 1)["c_prev"] == 0.0


def test_gru_values_follow_the_equations_drawn():
    trace = gru_gates.gru_gate_trace("sine")
    for t in (0, 5, 29):
        v = cd.gru_values(trace, t, 2)
        assert v["h"] == pytest.approx((1 - v["z"]) * v["n"] + v["z"] * v["h_prev"], abs=1e-12)
    assert cd.gru_values(trace, 0, 0)["h_prev"] == pytest.approx(0.8)


SVG = "{http://www.w3.org/2000/svg}"


def test_svg_is_well_formed_and_says_what_it_shows():
    trace = gates.lstm_gate_trace(gates.input_sequence("sine"))
    v = cd.lstm_values(trace, 7, 1)
    pictures = [
        cd.lstm_svg(),
        cd.gru_svg(),
        cd.lstm_svg(v),
        cd.lstm_svg(cd.lstm_values(trace, 8, 1)),
    ]
    pictures.append(cd.gru_svg(cd.gru_values(gru_gates.gru_gate_trace("sine"), 3, 0), False))
    ids = []
    for svg in pictures:
        root = ET.fromstring(svg)  # well-formed XML
        assert root.tag == f"{SVG}svg"
        (marker,) = root.iter(f"{SVG}marker")
        ids.append(marker.get("id"))
        used = {e.get("marker-end") for e in root.iter(f"{SVG}polyline")} - {None}
        assert used == {f"url(#{marker.get('id')})"}
        assert root.get("aria-label") == root.find(f"{SVG}title").text
    assert len(set(ids)) == len(ids), "two diagrams on one page would share an arrow id"
    label = ET.fromstring(pictures[2]).get("aria-label")
    expected = ", ".join(f"{cd.SYMBOLS[k]} = {v[k]:.2f}" for k in cd.LSTM_KEYS)
    assert label == f"LSTM cell, one step of the LSTM: {expected}"
    assert label.startswith("LSTM cell, one step of the LSTM: x_t = ")
    assert "c_{t-1} = " in label and "h_{t-1} = " in label
    # every number drawn is one of the values, to two decimals
    texts = ["".join(t.itertext()) for t in ET.fromstring(pictures[2]).iter(f"{SVG}text")]
    drawn = [float(m) for t in texts for m in re.findall(r"-?\d+\.\d\d", t)]
    assert sorted(drawn) == sorted(round(x, 2) for x in v.values())


def test_svg_shows_every_symbol_and_number():
    v = {"i": 0.25, "f": 0.9, "g": -0.5, "o": 0.75, "c": 0.1, "h": 0.2, "c_prev": 0.3,
         "h_prev": 0.4, "x": 1.0}  # fmt: skip
    svg = cd.lstm_svg(v)
    for number in ("0.25", "0.90", "-0.50", "0.75"):
        assert f">{number}</text>" in svg
    for name in ("f", "i", "g", "o"):
        assert re.search(rf">\S* ?{name}<tspan", svg), name
    assert 'role="img"' in svg and "aria-label=" in svg
    assert cd.fill_colour(0.9) in svg
    static = cd.lstm_svg()
    assert "0.25" not in static and "<title>" in static
    assert "r acts before" in cd.gru_svg(reset_after=False)
    assert "r acts after" in cd.gru_svg(reset_after=True)


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="take the keys"):
        cd.lstm_svg({"z": 0.5})
    with pytest.raises(ValueError, match="finite"):
        cd.gru_svg({"z": float("nan")})
    with pytest.raises(TypeError, match="dict"):
        cd.lstm_svg([0.5])
    with pytest.raises(TypeError, match=r"values\['f'\] must be a number or None, got 'open'"):
        cd.lstm_svg({"f": "open"})
    trace = gates.lstm_gate_trace(gates.input_sequence("pulse"))
    with pytest.raises(ValueError, match="t must be a step index from 0 to 29, got 30"):
        cd.lstm_values(trace, 30)
    with pytest.raises(TypeError, match="t must be an int, got 2.0"):
        cd.lstm_values(trace, 2.0)
    with pytest.raises(ValueError, match="unit must be from 0 to 2, got 3"):
        cd.lstm_values(trace, 2, 3)
    with pytest.raises(TypeError, match="svg must be an SVG string"):
        cd.Diagram(None)


def test_lstm_explorer_recolours_its_diagram():
    box = gates.lstm_gate_explorer()
    first = box.diagram.value
    assert "time step t = 3, unit 1" in first
    box.controls["step"].value = 10
    assert box.diagram.value != first and "t = 10" in box.diagram.value
    moved = box.diagram.value
    box.controls["forget_bias"].value = -2.0
    assert box.diagram.value != moved
    box.controls["unit"].value = 2
    assert "unit 3" in box.diagram.value


def test_gru_explorer_recolours_its_diagram():
    box = gru_gates.gru_gate_explorer()
    first = box.diagram.value
    box.controls["z gate"].value = "frozen open"
    assert box.diagram.value != first
    assert ">1.00</text>" in box.diagram.value  # z = 1 is drawn as a number, not only a colour
    box.controls["reset_after"].value = False
    assert "r acts before" in box.diagram.value
