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
    assert figure_alt(fig) == (
        'Figure: Training. 2 panels: (1) loss (MSE against step); legend "RNN", "LSTM". (2) a plot.'
    )
    plt.close(fig)


def test_alt_text_of_the_chapters_kinds_of_figure():
    # a stack of panels sharing the x axis, labelled on the bottom one only (chapter 9)
    fig, axes = plt.subplots(2, 1, sharex=True)
    for ax, name in zip(axes, ("sine", "random walk"), strict=True):
        ax.plot([1, 2])
        ax.set_ylabel(name)
    axes[-1].set_xlabel("t")
    assert figure_alt(fig) == "Figure: 2 panels: (1) sine. (2) random walk against t."
    for ax in axes:  # the same lines in every panel (chapter 3's grid of runs)
        ax.plot([0, 1], label="rho = 0.5")
        ax.legend()
    assert figure_alt(fig) == (
        'Figure: 2 panels: (1) sine. (2) random walk against t. Legend of every panel: "rho = 0.5".'
    )
    # a map with a colour bar and mathtext; a two-line title; legend entries holding commas
    fig, ax = plt.subplots()
    fig.colorbar(ax.imshow([[0, 1]]))
    ax.set_title("$\\alpha_{ts}$ for\nthe first string")
    assert figure_alt(fig) == "Figure: an image (alpha_ts for the first string)."
    fig, ax = plt.subplots()
    for k in range(8):
        ax.plot([k], label=f"SGD, lr {k}")
    ax.legend()
    assert figure_alt(fig).endswith('legend "SGD, lr 0", "SGD, lr 1", "SGD, lr 2", "SGD, lr 3", '
                                    '"SGD, lr 4", "SGD, lr 5" and 2 more.')  # fmt: skip
    # a drawing: boxes and text, no data axes (chapter 2's unrolled graph)
    fig, ax = plt.subplots()
    ax.add_patch(plt.Rectangle((0, 0), 1, 1))
    ax.text(0.5, 0.5, "$h_{t-1}$")
    ax.text(1.5, 0.5, "$x_t$")
    assert figure_alt(fig) == "Figure: a drawing labelled h_t-1, x_t."
    plt.close("all")


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
    assert images[0].metadata["image/png"]["alt"] == "Figure: Training (loss against step)."
