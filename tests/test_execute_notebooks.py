"""tools/execute_notebooks.py stores outputs that change only when the notebook's results do."""

import importlib.util
import uuid
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "execute_notebooks", ROOT / "tools/execute_notebooks.py"
)
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def notebook_with_ids(model_id, uid):
    view = {"model_id": model_id, "version_major": 2, "version_minor": 0}
    outputs = [
        nbformat.v4.new_output(
            "display_data",
            {
                execute_notebooks.WIDGET_VIEW: view,
                "text/plain": f"FigureWidget({{'uid': '{uid}'}})",
            },
        ),
        nbformat.v4.new_output("stream", text=f"same widget again: {model_id}\n"),
        nbformat.v4.new_output(
            "stream", text="a plain hex string: 0123456789abcdef0123456789abcdef\n"
        ),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("w", outputs=outputs),
        nbformat.v4.new_markdown_cell(model_id),
    ]
    return nb


def test_random_ids_become_the_same_ids_on_every_run():
    runs = [notebook_with_ids(uuid.uuid4().hex, str(uuid.uuid4())) for _ in range(2)]
    original = runs[0].cells[0].outputs[0].data[execute_notebooks.WIDGET_VIEW]["model_id"]
    stable = [
        execute_notebooks.stable_ids(nb, "07b_regularisation_and_initialisation.ipynb")
        for nb in runs
    ]
    # two runs with different random ids now store the same outputs
    assert stable[0].cells[0].outputs == stable[1].cells[0].outputs

    outputs = stable[0].cells[0].outputs
    model_id = outputs[0].data[execute_notebooks.WIDGET_VIEW]["model_id"]
    assert model_id != original and len(model_id) == 32 and uuid.UUID(hex=model_id).version == 4
    assert outputs[1].text == f"same widget again: {model_id}\n"  # one id, one replacement
    uid = outputs[0].data["text/plain"].split("'")[3]
    assert uuid.UUID(uid).version == 4 and "-" in uid and uid.replace("-", "") != model_id
    assert "0123456789abcdef0123456789abcdef" in outputs[2].text  # not a uuid4: kept
    assert stable[0].cells[1].source == runs[0].cells[1].source  # markdown is never touched
    nbformat.validate(stable[0])


def test_ids_depend_on_the_notebook():
    a = execute_notebooks.stable_ids(notebook_with_ids(uuid.uuid4().hex, str(uuid.uuid4())), "a")
    b = execute_notebooks.stable_ids(notebook_with_ids(uuid.uuid4().hex, str(uuid.uuid4())), "b")
    view = execute_notebooks.WIDGET_VIEW
    assert a.cells[0].outputs[0].data[view] != b.cells[0].outputs[0].data[view]


def test_stream_outputs_split_differently_are_stored_alike():
    def notebook(pieces):
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=p) for p in pieces]
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text="warning\n"))
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text="after\n"))
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("print()", outputs=outputs)]
        return execute_notebooks.coalesce_streams(nb)

    one, two = notebook(["a\nb\n"]), notebook(["a\n", "b\n"])
    assert one.cells[0].outputs == two.cells[0].outputs
    texts = [(o.name, o.text) for o in two.cells[0].outputs]
    assert texts == [("stdout", "a\nb\n"), ("stderr", "warning\n"), ("stdout", "after\n")]
    nbformat.validate(two)
