"""The course map, as data: chapter 0 and the README render it, and a test checks that every
chapter, exercise and link it names exists.

Each chapter: number, title, notebook file, what a learner will be able to do, the chapters it
builds on, its widgets, and the functions its exercise asks for. How long each chapter takes
(reading, and its exercise notebook) is :data:`TIMES`, written by tools/estimate_times.py from
the notebooks themselves with the course's time model.
"""

from typing import NamedTuple


class Chapter(NamedTuple):
    number: str  # "00" ... "12", "A1", "A2"
    title: str
    file: str  # notebook file name in notebooks/
    objectives: tuple  # what a learner can do afterwards (short phrases)
    prerequisites: tuple  # chapter numbers to read first
    widgets: str  # the interactive parts
    exercises: tuple  # functions the exercise notebook asks for ("" when none)


CHAPTERS = [
    Chapter("00", "Welcome", "00_welcome.ipynb",
            ("use the notebooks, widgets and exercises", "read the notation table",
             "predict numpy shapes"),
            (), "quiz", ()),
    Chapter("01", "Sequences and the RNN cell", "01_sequences_and_the_rnn_cell.ipynb",
            ("write the Elman cell with every shape", "count its parameters",
             "choose an activation and an initialisation"),
            ("00",), "hidden-state explorer", ("rnn_step_forward", "rnn_forward")),
    Chapter("02", "BPTT step by step", "02_bptt_step_by_step.ipynb",
            ("derive the backward recursion", "explain why shared-weight gradients add up",
             "gradient-check a backward pass", "truncate BPTT"),
            ("01",), "BPTT stepper",
            ("rnn_step_backward", "rnn_backward", "numerical_gradient")),
    Chapter("03", "Vanishing and exploding gradients", "03_vanishing_and_exploding_gradients.ipynb",
            ("write the gradient as a Jacobian product", "relate it to the singular values of W_hh",
             "clip by value and by global norm"),
            ("02",), "gradient-flow explorer",
            ("gradient_norms_per_step", "clip_by_global_norm")),
    Chapter("04", "LSTM", "04_lstm.ipynb",
            ("explain the constant error carousel", "write the four gates",
             "initialise the forget bias"),
            ("03",), "gate explorer",
            ("lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward")),
    Chapter("05", "GRU", "05_gru.ipynb",
            ("write the update and reset gates", "tell the two published formulations apart",
             "compare GRU and LSTM"),
            ("04",), "GRU gate trace", ("gru_step_forward", "gru_step_backward")),
    Chapter("06", "Deep and bidirectional networks", "06_deep_and_bidirectional.ipynb",
            ("stack layers", "build a bidirectional layer without the reversal bug",
             "say when bidirectional is not allowed"),
            ("05",), "dependency map", ("bidirectional_forward", "lstm_param_count")),
    Chapter("07", "Training toolbox", "07_training_toolbox.ipynb",
            ("use SGD, momentum, Adagrad, RMSprop, Adam", "apply variational dropout",
             "train statefully with truncated BPTT", "stop on NaN"),
            ("03",), "live loss curve",
            ("adam_step", "variational_dropout_forward", "variational_dropout_backward")),
    Chapter("08", "Long-range tasks", "08_long_range_tasks.ipynb",
            ("generate the adding, copy and Reber tasks", "see where a plain RNN fails"),
            ("04", "07"), "learning curves by lag", ("adding_problem",)),
    Chapter("09", "Time series", "09_time_series.ipynb",
            ("map a Keras model to the notation", "window and normalise a series",
             "beat (or not) naive baselines"),
            ("07",), "forecast explorer", ("sliding_windows", "split_and_scale")),
    Chapter("10", "Character language model", "10_char_language_model.ipynb",
            ("train a char-level model", "sample with a temperature", "compute perplexity"),
            ("07",), "temperature sampler",
            ("sample_with_temperature", "perplexity", "train_char_rnn")),
    Chapter("11", "Attention", "11_attention.ipynb",
            ("explain the encoder-decoder bottleneck", "compute Bahdanau and Luong attention",
             "read an attention map"),
            ("06", "07"), "attention map",
            ("additive_score", "luong_general_score", "masked_context", "decoder_step")),
    Chapter("12", "From numpy to frameworks", "12_numpy_to_frameworks.ipynb",
            ("match PyTorch's numbers", "move weights both ways",
             "name what frameworks do differently"),
            ("06",), "weight-layout figure", ("params_from_state_dict",)),
    Chapter("A1", "Errata of the source articles", "A1_errata.ipynb",
            ("spot common wrong RNN, LSTM and GRU equations and history",), ("05",),
            "checked claims", ()),
    Chapter("A2", "Glossary", "A2_glossary.ipynb",
            ("find English and Chinese terms and where they are taught",), (),
            "search box", ()),
]  # fmt: skip

# times:start (written by tools/estimate_times.py --write; do not edit by hand)
#: Minutes per chapter from the course's time model: (reading, exercise notebook).
TIMES = {
    "00": (45, 0),
    "01": (80, 30),
    "02": (80, 45),
    "03": (100, 30),
    "04": (85, 60),
    "05": (75, 30),
    "06": (85, 30),
    "07": (110, 50),
    "08": (100, 35),
    "09": (95, 35),
    "10": (120, 50),
    "11": (85, 90),
    "12": (90, 15),
    "A1": (160, 0),
    "A2": (35, 0),
}
# times:end

#: Suggested routes through the course: (name, description, chapter numbers).
PATHS = [
    ("Core workshop",
     "the core: the cell, BPTT, why it fails and the gated fix, then one application",
     ("00", "01", "02", "03", "04", "05", "10")),
    ("Semester (12-14 weeks, one chapter a week)",
     "every chapter in order, the exercises as homework, A1 and A2 alongside",
     tuple(c.number for c in CHAPTERS)),
]  # fmt: skip


def table_markdown(link_prefix=""):
    """The map as a Markdown table; ``link_prefix`` is prepended to notebook file names."""
    rows = [
        "| # | chapter | you will be able to | needs | reading | exercise time | widgets "
        "| exercise |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in CHAPTERS:
        exercise = ", ".join(f"`{name}`" for name in c.exercises) or "—"
        reading, practice = TIMES[c.number]
        rows.append(
            f"| {c.number} | [{c.title}]({link_prefix}{c.file}) | {'; '.join(c.objectives)} "
            f"| {', '.join(c.prerequisites) or '—'} | {reading} min "
            f"| {f'{practice} min' if practice else '—'} | {c.widgets} | {exercise} |"
        )
    return "\n".join(rows)


def paths_markdown():
    """The suggested routes as a Markdown list, with the total time of each."""
    lines = []
    for name, description, numbers in PATHS:
        reading = sum(TIMES[n][0] for n in numbers)
        practice = sum(TIMES[n][1] for n in numbers)
        lines.append(
            f"- **{name}**: {description}. Chapters {', '.join(numbers)} "
            f"(about {reading // 60} h {reading % 60:02d} min of reading and "
            f"{practice // 60} h {practice % 60:02d} min of exercises)."
        )
    return "\n".join(lines)
