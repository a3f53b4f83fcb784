"""The benchmark runs at tiny sizes and reports numbers (no assertions on speed: the machine
is shared, timings are not reproducible)."""

import json

import ipywidgets
import numpy as np
import pytest

from rnncourse import bench
from rnncourse.viz.hidden_states import hidden_state_explorer


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def test_tiny_benchmark_prints_json_with_every_number(capsys):
    argv = ["--tiny", "--json", "--no-torch", "--only", "classic,course,memory", "--repeats", "2"]
    results = bench.main(argv)
    printed = json.loads(capsys.readouterr().out)
    assert printed["course"] == json.loads(json.dumps(results["course"]))
    assert printed["machine"]["numpy"] == np.__version__

    classic = {r["name"]: r for r in results["classic"]}
    assert set(classic) == {"min-char-rnn loop", "rnncourse"}
    assert classic["min-char-rnn loop"]["x_min-char-rnn loop"] == 1.0
    course = results["course"]
    assert {r["config"] for r in course} == {
        f"{cell} {dtype}" for cell in bench.CELLS for dtype in ("float32", "float64")
    }
    for r in results["classic"] + course:
        assert r["ms"] > 0 and r["chars_per_s"] > 0 and r["runs"] == 2
    assert all(r["x_PyTorch"] is None for r in course)  # torch was left out

    per_step = results["memory"]["per_step"]
    assert len(per_step) == 3 * 2  # three cells, two lengths
    for cell in bench.CELLS:
        short, long = [r for r in per_step if r["cell"] == cell]
        assert 0 < short["step_by_step_MB"] < long["step_by_step_MB"]  # grows with T
        assert 0 < short["fast_MB"] < long["fast_MB"]
        full, half, quarter = [r for r in results["memory"]["truncation"] if r["cell"] == cell]
        assert full["seq_len"] == 10 and (half["seq_len"], quarter["seq_len"]) == (2, 1)
        assert full["peak_MB"] > quarter["peak_MB"] > 0  # shorter chunks keep fewer steps


def test_parts_of_a_step_add_up_and_products_are_part_of_it():
    rows = bench.bench_parts(tiny=True, repeats=3, warmup=1)
    assert {r["cell"] for r in rows} == set(bench.CELLS)
    for cell in bench.CELLS:
        ms = {r["part"]: r["ms"] for r in rows if r["cell"] == cell}
        assert set(ms) == {
            "step",
            "forward",
            "output and loss",
            "backward",
            "clip and Adam",
            "products",
        }
        assert all(v >= 0 for v in ms.values()) and ms["step"] > 0
        assert ms["forward"] > 0 and ms["backward"] > 0 and ms["products"] > 0
    text = bench.report({"machine": bench.machine(False), "command": "test", "parts": rows,
                         "sizes": {"course": {**bench.COURSE, **bench.TINY}}})  # fmt: skip
    assert "Where a course-configuration step's time goes" in text and "products" in text


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_products_run_the_shapes_of_the_fast_path(cell):
    # one call, at the course's sizes: the replay's shapes fit together
    bench.products(cell, {**bench.COURSE, "T": 3}, np.float32)()


def test_tables_name_the_machine_and_every_section():
    results = bench.run(("classic", "memory"), tiny=True, repeats=2, warmup=0, with_torch=False)
    text = bench.report(results)
    assert results["machine"]["cpu"] in text and "min-char-rnn loop" in text
    assert "Classic configuration" in text and "Memory a forward pass keeps" in text
    assert "rnncourse" in text and "kB/step" in text


def test_interleaved_takes_turns_in_blocks():
    calls = []
    steps = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = bench.interleaved(steps, repeats=3, warmup=1, block=2, pause=0.0)
    # warm-up, then per turn one untimed call and up to `block` timed ones
    assert calls == ["a", "b"] + ["a"] * 3 + ["b"] * 3 + ["a"] * 2 + ["b"] * 2
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3}
    assert all(t >= 0 for v in times.values() for t in v)


def test_min_char_rnn_learns_a_repeated_chunk():
    step = bench.min_char_rnn(V=5, H=8)
    inputs, targets = np.array([0, 1, 2, 3, 4, 0]), np.array([1, 2, 3, 4, 0, 1])
    losses = [step(inputs, targets) for _ in range(60)]
    assert losses[-1] < 0.5 * losses[0]


def test_classic_step_of_rnncourse_trains_the_same_model_shape():
    steps = bench.classic_steps({**bench.CLASSIC, **bench.TINY, "N": 1}, with_torch=False)
    assert set(steps) == {"min-char-rnn loop", "rnncourse"}
    for step in steps.values():
        step()


def test_widget_latency_changes_every_control_and_times_it():
    box = hidden_state_explorer()
    before = box.figure.data[1].z
    times = bench.widget_latency(box)
    assert len(times) == len(box.controls)
    assert all(len(s) >= 2 and min(s) > 0 for s in times.values())
    controls = box.controls
    assert controls["scale"].value == 0.9 and controls["T"].value == 40  # set back
    assert np.array_equal(box.figure.data[1].z, before)


def test_live_loss_curve_latency_separates_redraws():
    from rnncourse.viz.training import LiveLossCurve

    curve = LiveLossCurve(every=5)
    times = bench.widget_latency(curve)
    assert len(times["callback(step) that redraws"]) == 6
    assert len(times["callback(step)"]) == 24
    assert len(curve.fig.data[0].x) == 30


def test_notebooks_section_without_notebooks_says_so(tmp_path):
    rows = bench.bench_notebooks(root=tmp_path)
    assert rows == [{"notebook": "all", "skipped": f"no notebooks under {tmp_path}"}]


def test_unknown_section_is_refused(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--only", "classic,speed"])
    assert "unknown section(s) speed" in capsys.readouterr().err


def test_train_step_is_what_the_course_section_times():
    steps = bench.course_steps("gru", np.float32, {**bench.COURSE, **bench.TINY}, False)
    assert set(steps) == {"rnncourse"}
    first, grad_norm, state = steps["rnncourse"]()  # train.train_step's result
    later = [steps["rnncourse"]()[0] for _ in range(30)]
    assert np.isfinite(first) and grad_norm > 0 and state.dtype == np.float32
    assert later[-1] < first  # the same batch again and again: Adam lowers its loss


def test_live_section_has_a_row_per_result_of_issue_16(capsys):
    results = bench.main(["--tiny", "--json", "--no-torch", "--only", "live"])
    printed = json.loads(capsys.readouterr().out)
    rows = printed["live"]
    assert rows == json.loads(json.dumps(results["live"]))
    assert [r["name"][:2] for r in rows] == ["11", "11", "11", "08", "10", "09"]
    for r in rows:
        assert {"name", "seconds", "quality", "goal", "goal_met"} <= set(r)
        assert isinstance(r["goal_met"], bool) and r["goal"]
        if "skipped" not in r:  # a row that ran: its time and what it reached
            assert r["seconds"] > 0 and r["quality"]
            assert all(isinstance(v, int | float) for v in r["quality"].values())
    names = {r["name"] for r in rows}
    assert {"11 Bahdanau attention", "11 Luong attention", "11 no attention"} <= names
    text = bench.report(results)
    assert "Trained live" in text and "10 character model (full run)" in text


def test_a_live_row_reports_a_missing_function_as_not_available(monkeypatch):
    from rnncourse.data import dates

    monkeypatch.delattr(dates, "train_live", raising=False)
    row = bench._live_dates("luong", tiny=True)
    assert row["goal_met"] is False and row["seconds"] is None
    assert row["skipped"].startswith("not available")
