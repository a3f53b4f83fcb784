"""The course map, as data: chapter 0 and the README render it, and a test checks that every
part, exercise and link it names exists.

A chapter longer than about an hour of reading comes in parts of one sitting ("07a", "07b",
"07c"), each its own notebook; a chapter of one sitting is one notebook ("00"). Each entry of
:data:`CHAPTERS` is one notebook: number, title, file, what a learner will be able to do, the
parts it builds on, its widgets, and the functions of the chapter's exercise notebook it
teaches. A chapter keeps one exercise notebook (:data:`EXERCISE_NOTEBOOKS`,
:func:`exercise_notebook`). How long each notebook takes (reading, and its share of the
exercise notebook) is :data:`TIMES`, written by tools/estimate_times.py from the notebooks
themselves with the course's time model.
"""

from typing import NamedTuple


class Chapter(NamedTuple):
    number: str  # "00", "07a", "07b", ..., "A1a", "A2": a chapter, or one part of a chapter
    title: str
    file: str  # notebook file name in notebooks/
    objectives: tuple  # what a learner can do afterwards (short phrases)
    prerequisites: tuple  # numbers of the parts (or chapters) to read first
    widgets: str  # the interactive parts
    exercises: tuple  # functions of the chapter's exercise notebook this part teaches

    @property
    def chapter(self):
        """The chapter this part belongs to: "07b" -> "07" (a whole chapter is its own)."""
        return self.number.rstrip("abcdefgh")


#: A chapter longer than about an hour of reading is split into parts of one sitting each
#: ("07a", "07b", "07c"); its sections keep their numbers across the parts, and the chapter
#: keeps one exercise notebook (exercises/07_training_toolbox.ipynb).
CHAPTERS = [
    Chapter("00", "Welcome", "00_welcome.ipynb",
            ("use the notebooks, widgets and exercises", "read the notation table",
             "predict numpy shapes"),
            (), "quiz", ()),
    Chapter("01a", "Sequences and the RNN cell", "01a_sequences_and_the_rnn_cell.ipynb",
            ("say why sequences need memory", "write the Elman cell with every shape",
             "count its parameters", "choose an activation"),
            ("00",), "activation figures", ()),
    Chapter("01b", "Initialising and running the RNN cell", "01b_initialising_the_rnn_cell.ipynb",
            ("read spectral radius and singular values", "choose an initialisation",
             "run a forward pass by hand and in code"),
            ("01a",), "hidden-state explorer", ("rnn_step_forward", "rnn_forward")),
    Chapter("02a", "BPTT: the backward recursion", "02a_bptt_the_backward_recursion.ipynb",
            ("derive the backward recursion", "explain why shared-weight gradients add up",
             "follow one backward step by hand"),
            ("01b",), "worked example", ("rnn_step_backward",)),
    Chapter("02b", "BPTT in code: gradient checks and truncation", "02b_bptt_in_code.ipynb",
            ("step through BPTT", "gradient-check a backward pass", "truncate BPTT"),
            ("02a",), "BPTT stepper", ("rnn_backward", "numerical_gradient")),
    Chapter("03a", "Why gradients vanish or explode", "03a_gradients_as_products.ipynb",
            ("write the gradient as a Jacobian product",
             "relate it to the singular values of W_hh"),
            ("02b",), "worked example", ("gradient_norms_per_step",)),
    Chapter("03b", "Which number decides, and clipping", "03b_which_number_decides.ipynb",
            ("tell when the spectral radius decides and when it does not",
             "compare RNN, LSTM and GRU gradients", "clip by value and by global norm"),
            ("03a",), "gradient-flow explorer", ("clip_by_global_norm",)),
    Chapter("04a", "LSTM: the error carousel and the four gates", "04a_lstm_gates.ipynb",
            ("explain the constant error carousel", "write the four gates",
             "follow an LSTM step by hand"),
            ("03b",), "cell diagram", ("lstm_step_forward",)),
    Chapter("04b", "LSTM in practice: gates, forget bias, backward", "04b_lstm_in_practice.ipynb",
            ("predict what a gate stuck open or shut does", "initialise the forget bias",
             "count the parameters", "write the backward step"),
            ("04a",), "gate explorer", ("lstm_step_backward", "lstm_forward", "lstm_backward")),
    Chapter("05a", "GRU: two gates and their equations", "05a_gru_equations.ipynb",
            ("write the update and reset gates", "tell the two published formulations apart"),
            ("04b",), "cell diagram", ("gru_step_forward",)),
    Chapter("05b", "GRU in code, and GRU or LSTM?", "05b_gru_in_practice.ipynb",
            ("read z the right way round", "backpropagate through a GRU step",
             "compare GRU and LSTM"),
            ("05a",), "GRU gate trace", ("gru_step_backward",)),
    Chapter("06a", "Stacked and bidirectional layers", "06a_stacked_and_bidirectional.ipynb",
            ("stack layers", "build a bidirectional layer without the reversal bug"),
            ("05b",), "worked example", ("bidirectional_forward",)),
    Chapter("06b", "What each state sees, and when not to look ahead",
            "06b_bidirectional_in_practice.ipynb",
            ("say which inputs each state sees", "read PyTorch's final states",
             "say when bidirectional is not allowed", "count parameters"),
            ("06a",), "dependency map", ("lstm_param_count",)),
    Chapter("07a", "Optimisers", "07a_optimisers.ipynb",
            ("use SGD, momentum, Adagrad, RMSprop, Adam",),
            ("03b",), "optimiser paths", ("adam_step",)),
    Chapter("07b", "Weight decay, dropout and initialisation",
            "07b_regularisation_and_initialisation.ipynb",
            ("apply L2 weight decay", "apply variational dropout", "initialise an RNN"),
            ("07a",), "dropout figures",
            ("variational_dropout_forward", "variational_dropout_backward")),
    Chapter("07c", "The training loop", "07c_the_training_loop.ipynb",
            ("train statefully with truncated BPTT", "read the course's training loop",
             "stop on NaN"),
            ("07b",), "live loss curve", ()),
    Chapter("08a", "The adding problem", "08a_the_adding_problem.ipynb",
            ("generate the adding problem", "train a model that answers at the end"),
            ("04b", "07c"), "learning curve", ("adding_problem",)),
    Chapter("08b", "Where the plain RNN fails", "08b_where_the_rnn_fails.ipynb",
            ("see where a plain RNN fails", "generate the copy and Reber tasks"),
            ("08a",), "learning curves by lag", ()),
    Chapter("09a", "Time series: windows, splits and scaling", "09a_windows_and_splits.ipynb",
            ("map a Keras model to the notation", "window and normalise a series"),
            ("07c",), "signals", ("sliding_windows", "split_and_scale")),
    Chapter("09b", "Forecasting, and the baselines to beat", "09b_forecasting.ipynb",
            ("beat (or not) naive baselines", "forecast many steps ahead"),
            ("09a",), "forecast explorer", ()),
    Chapter("10a", "Characters, the model and perplexity", "10a_characters_and_perplexity.ipynb",
            ("turn text into numbers", "write the model and its loss", "compute perplexity",
             "cut a long text into streams"),
            ("07c",), "embeddings", ("perplexity",)),
    Chapter("10b", "Training and sampling", "10b_training_and_sampling.ipynb",
            ("train a char-level model", "sample with a temperature"),
            ("10a",), "temperature sampler", ("sample_with_temperature",)),
    Chapter("10c", "A real text, saving, and min-char-rnn", "10c_a_real_text.ipynb",
            ("train on a real text", "save and load a model", "read min-char-rnn"),
            ("10b",), "docstring sampler", ("train_char_rnn",)),
    Chapter("11a", "Attention by hand", "11a_attention_by_hand.ipynb",
            ("explain the encoder-decoder bottleneck", "compute Bahdanau and Luong attention",
             "mask the padding"),
            ("06b", "07c"), "worked example",
            ("additive_score", "luong_general_score", "masked_context")),
    Chapter("11b", "Attention on dates", "11b_attention_on_dates.ipynb",
            ("train an attention model", "read an attention map"),
            ("11a",), "attention map", ("decoder_step",)),
    Chapter("12a", "Matching PyTorch", "12a_matching_pytorch.ipynb",
            ("match PyTorch's numbers", "read a framework's weight layout"),
            ("06b",), "weight-layout figure", ()),
    Chapter("12b", "Frameworks in practice", "12b_frameworks_in_practice.ipynb",
            ("pack sequences", "say why gates are fused", "move weights both ways"),
            ("12a",), "timings", ("params_from_state_dict",)),
    Chapter("A1a", "Errata: history, the vanilla RNN and the LSTM cell update",
            "A1a_errata_history_and_rnn.ipynb",
            ("spot wrong RNN equations and history", "spot the wrong LSTM cell update"),
            ("05b",), "checked claims", ()),
    Chapter("A1b", "Errata: the LSTM, the GRU and BPTT", "A1b_errata_lstm_and_gru.ipynb",
            ("spot wrong LSTM and GRU equations", "spot wrong claims about BPTT's update"),
            ("A1a",), "checked claims", ()),
    Chapter("A1c", "Errata: training and other architectures", "A1c_errata_training.ipynb",
            ("spot wrong claims about training, attention and bidirectional networks",),
            ("A1b",), "checked claims", ()),
    Chapter("A2", "Glossary", "A2_glossary.ipynb",
            ("find English and Chinese terms and where they are taught",), (),
            "search box", ()),
]  # fmt: skip

#: Each chapter's one exercise notebook (in exercises/, with its answers in solutions/ under
#: the same name) and the chapter's title, for the chapters that have one.
EXERCISE_NOTEBOOKS = {
    "01": ("Sequences and the RNN cell", "01_sequences_and_the_rnn_cell.ipynb"),
    "02": ("BPTT step by step", "02_bptt_step_by_step.ipynb"),
    "03": ("Vanishing and exploding gradients", "03_vanishing_and_exploding_gradients.ipynb"),
    "04": ("LSTM", "04_lstm.ipynb"),
    "05": ("GRU", "05_gru.ipynb"),
    "06": ("Deep and bidirectional networks", "06_deep_and_bidirectional.ipynb"),
    "07": ("Training toolbox", "07_training_toolbox.ipynb"),
    "08": ("Long-range tasks", "08_long_range_tasks.ipynb"),
    "09": ("Time series", "09_time_series.ipynb"),
    "10": ("Character language model", "10_char_language_model.ipynb"),
    "11": ("Attention", "11_attention.ipynb"),
    "12": ("From numpy to frameworks", "12_numpy_to_frameworks.ipynb"),
}


def part(number):
    """The course map's entry numbered ``number`` ("07b", "00")."""
    for c in CHAPTERS:
        if c.number == number:
            return c
    numbers = ", ".join(c.number for c in CHAPTERS)
    raise ValueError(f"number must be one of the course map's ({numbers}), got {number!r}")


def parts_of(chapter):
    """The entries of ``chapter`` ("07" -> 07a, 07b, 07c; "00" -> 00), in course order."""
    found = [c for c in CHAPTERS if c.chapter == chapter]
    if not found:
        chapters = ", ".join(dict.fromkeys(c.chapter for c in CHAPTERS))
        raise ValueError(f"chapter must be one of {chapters}, got {chapter!r}")
    return found


def exercise_notebook(chapter):
    """The file name of ``chapter``'s exercise notebook in exercises/ ("07" or a part "07b" ->
    "07_training_toolbox.ipynb"), or None when the chapter has none."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a chapter or part number (a str), got {chapter!r}")
    entry = EXERCISE_NOTEBOOKS.get(chapter.rstrip("abcdefgh"))
    return entry[1] if entry else None


def chapter_exercises(chapter):
    """``[(function, part number), ...]``: the functions of ``chapter``'s exercise notebook, each
    with the part that teaches it, in course order."""
    return [(name, c.number) for c in parts_of(chapter) for name in c.exercises]


def chapter_times(chapter):
    """``(reading, exercise)`` minutes of a whole chapter: the sums over its parts."""
    numbers = [c.number for c in parts_of(chapter)]
    return sum(TIMES[n][0] for n in numbers), sum(TIMES[n][1] for n in numbers)


# times:start (written by tools/estimate_times.py --write; do not edit by hand)
#: Minutes per notebook (a part, or a chapter in one part) from the course's time model:
#: (reading, its share of the chapter's exercise notebook).
TIMES = {
    "00": (45, 0),
    "01a": (50, 0),
    "01b": (50, 30),
    "02a": (55, 15),
    "02b": (45, 30),
    "03a": (55, 15),
    "03b": (60, 15),
    "04a": (50, 15),
    "04b": (50, 45),
    "05a": (50, 15),
    "05b": (45, 15),
    "06a": (60, 15),
    "06b": (45, 15),
    "07a": (45, 15),
    "07b": (50, 35),
    "07c": (45, 0),
    "08a": (45, 35),
    "08b": (60, 0),
    "09a": (55, 35),
    "09b": (50, 0),
    "10a": (55, 15),
    "10b": (50, 15),
    "10c": (45, 20),
    "11a": (55, 75),
    "11b": (55, 15),
    "12a": (55, 0),
    "12b": (50, 15),
    "A1a": (60, 0),
    "A1b": (60, 0),
    "A1c": (60, 0),
    "A2": (35, 0),
}
# times:end

#: The core workshop's chapters: 00, then the cell, BPTT, why gradients fail, LSTM and GRU, and
#: one application (the character language model), every part of each.
_CORE = ("00", "01", "02", "03", "04", "05", "10")

#: Suggested routes through the course: (name, description, part numbers).
PATHS = [
    ("Core workshop",
     "the core: the cell, BPTT, why it fails and the gated fix, then one application",
     tuple(c.number for c in CHAPTERS if c.chapter in _CORE)),
    ("Semester (12-14 weeks, one chapter a week)",
     "every chapter in order, the exercises as homework, A1 and A2 alongside",
     tuple(c.number for c in CHAPTERS)),
]  # fmt: skip


def _siblings(c):
    """``"part 2 of 3"`` for a part of a split chapter, "" for a chapter of one notebook."""
    parts = parts_of(c.chapter)
    if len(parts) == 1:
        return ""
    return f"part {parts.index(c) + 1} of {len(parts)}"


def table_markdown(link_prefix="", exercise_prefix="../exercises/"):
    """The map as a Markdown table, one row per notebook (a part of a chapter, or a chapter of
    one part). ``link_prefix`` is prepended to notebook file names, ``exercise_prefix`` to
    exercise notebook names (from notebooks/: "../exercises/"; from the README: "exercises/").
    The chapter's exercise notebook is linked on the parts that teach its functions."""
    rows = [
        "| # | part | you will be able to | needs | reading | exercise time | widgets | exercise |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in CHAPTERS:
        exercise = "—"
        if c.exercises:
            book = exercise_notebook(c.chapter)
            names = ", ".join(f"`{name}`" for name in c.exercises)
            # the whole cell is the link: a link inside other text would be told apart by
            # colour only (axe: link-in-text-block)
            exercise = f"[{names} in {book.removesuffix('.ipynb')}]({exercise_prefix}{book})"
        reading, practice = TIMES[c.number]
        of = _siblings(c)
        title = f"[{c.title}" + (f" ({of})" if of else "") + f"]({link_prefix}{c.file})"
        rows.append(
            f"| {c.number} | {title} | {'; '.join(c.objectives)} "
            f"| {', '.join(c.prerequisites) or '—'} | {reading} min "
            f"| {f'{practice} min' if practice else '—'} | {c.widgets} | {exercise} |"
        )
    return "\n".join(rows)


def _hours(minutes):
    return f"{minutes // 60} h {minutes % 60:02d} min"


def paths_markdown():
    """The suggested routes as a Markdown list, with the total time of each."""
    lines = []
    for name, description, numbers in PATHS:
        reading = sum(TIMES[n][0] for n in numbers)
        practice = sum(TIMES[n][1] for n in numbers)
        chapters = list(dict.fromkeys(part(n).chapter for n in numbers))
        head, last = ", ".join(chapters[:-1]), chapters[-1]
        listed = f"{head} and {last}" if head else last
        lines.append(
            f"- **{name}**: {description}. Chapters {listed}, in {len(numbers)} notebooks of one "
            f"sitting (about {_hours(reading)} of reading and {_hours(practice)} of exercises)."
        )
    return "\n".join(lines)
