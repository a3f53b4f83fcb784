"""The notebooks' figure style: colour-blind-safe colours, a white panel, and a text alternative
for every matplotlib figure (which nbconvert and the static site put into the image's alt)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from rnncourse.notebook import OKABE_ITO, figure_alt, use_figure_style  # noqa: E402


def test_alt_text_names_titles_axes_and_legend():
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([1, 2], label="RNN")
    a.plot([2, 1], label="LSTM")
    a.set(title="loss", xlabel="step", ylabel="MSE")
    a.legend()
    b.plot([0, 1])
    fig.suptitle("Training")
    assert figure_alt(fig) == "Figure: Training; loss of MSE against step (RNN, LSTM); a plot."
    plt.close(fig)


def test_style_sets_the_palette_and_a_white_panel():
    use_figure_style()
    cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle == list(OKABE_ITO)
    assert matplotlib.rcParams["figure.facecolor"] == "white"


def test_a_notebook_figure_carries_its_alt_text():
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )
    nb.cells = [nbformat.v4.new_code_cell(
        "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
        "from rnncourse.notebook import setup\n"
        "rng = setup()\nfig, ax = plt.subplots()\nax.plot([1, 2], [3, 4])\n"
        "ax.set(title='Training', xlabel='step', ylabel='loss');"
    )]  # fmt: skip
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    images = [o for o in nb.cells[0].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    assert images[0].metadata["image/png"]["alt"] == "Figure: Training of loss against step."
