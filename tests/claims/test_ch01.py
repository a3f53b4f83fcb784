"""Chapter 01's claims, each quoted from the chapter and recomputed with the package."""

import inspect

import numpy as np
import pytest
from _quote import quote, quote_quiz

from rnncourse import activations, course_map, init, rnn
from rnncourse.viz.hidden_states import hidden_state_trace


def test_times_are_in_the_course_map():
    quote(
        "01",
        "The [course map](00_welcome.ipynb#Course-map) in chapter 0 gives the reading and "
        "exercise times of\nevery part.",
    )
    parts = ("01a", "01b")  # the sentence stands in part 1a; the chapter has two parts
    assert all(course_map.TIMES[p][0] > 0 for p in parts)
    assert sum(course_map.TIMES[p][1] for p in parts) > 0  # chapter 1 has an exercise notebook


def test_hello_and_olleh_have_the_same_counts():
    quote(
        "01",
        "A model that only counts what occurs,\nfor example by summing over the time axis, "
        "cannot tell the two apart",
    )
    vocab = sorted(set("hello"))
    x = np.eye(len(vocab))[[vocab.index(c) for c in "hello"]]
    assert np.array_equal(x.sum(axis=0), x[::-1].sum(axis=0)) and not np.array_equal(x, x[::-1])


def test_parameter_counts():
    quote("01", "A first layer of H units on $T D$ inputs has $T D H + H$\n  parameters.")
    quote("01", "$$D \\cdot H + H \\cdot H + H$$")
    for D, H in ((3, 5), (50, 100), (10, 20)):
        p = rnn.init_params(D, H, np.random.default_rng(0))
        assert sum(v.size for v in p.values()) == D * H + H * H + H
    assert 10 * 20 + 20 * 20 + 20 == 620  # the quiz's count


def test_tanh_and_sigmoid_facts():
    quote("01", "its **derivative is 1 at 0**")
    quote(
        "01",
        "its outputs lie in $(0, 1)$\nwith mean about $0.5$, and its derivative is at most "
        "$\\sigma'(0) = 0.25$",
    )
    quote("01", "for pre-activations spread around 0 its outputs\n  average about 0")
    a = np.linspace(-10, 10, 20001)
    assert activations.tanh_grad(np.zeros(1))[0] == 1.0
    assert activations.sigmoid_grad(a).max() == pytest.approx(0.25)
    assert activations.sigmoid_grad(np.zeros(1))[0] == 0.25
    z = np.random.default_rng(0).standard_normal(100_000)
    assert abs(activations.tanh(z).mean()) < 0.01
    assert abs(activations.sigmoid(z).mean() - 0.5) < 0.01
    assert np.abs(activations.tanh(a)).max() <= 1.0


def test_initialisation_schemes():
    quote("01", "every entry uniform in $[-0.01, 0.01]$")
    quote("01", "For $W_{hh}$ that is variance $1/H$")
    quote("01", "All its singular values are 1")
    quote("01", "The package's default for $W_{hh}$.")
    rng = np.random.default_rng(0)
    assert np.abs(init.small_uniform((64, 64), rng)).max() <= 0.01
    H = 200
    W = init.xavier_uniform((H, H), rng)
    assert np.var(W) == pytest.approx(1 / H, rel=0.02)
    a = np.sqrt(6 / (H + H))
    assert a**2 / 3 == pytest.approx(1 / H) and np.abs(W).max() <= a
    assert np.allclose(np.linalg.svd(init.orthogonal((H, H), rng), compute_uv=False), 1.0)
    assert inspect.signature(rnn.init_params).parameters["w_hh"].default == "orthogonal"
    assert np.array_equal(init.identity((4, 4)), np.eye(4))


def test_refresher_matrix():
    quote(
        "01",
        "The matrix below has eigenvalues 0.9 and 0.5, so every vector\neventually shrinks, "
        "yet one multiplication stretches some vectors",
    )
    quote("01", "whose longest semi-axis, $\\sigma_1 = 1.12$, pokes out of the\ncircle")
    quote(
        "01",
        "The most that $k$\nmultiplications stretch, $\\sigma_{\\max}(W^k)$, is 1.18 for $k = "
        "2$ and 0.33 for $k = 16$",
    )
    quote("01", "its\n$k$-th root, the stretch per step, falls towards $\\rho = 0.9$")
    quote("01", "always\n$\\rho(W) \\le \\sigma_{\\max}(W)$")
    W = np.array([[0.9, 0.6], [0.0, 0.5]])
    assert sorted(np.linalg.eigvals(W)) == pytest.approx([0.5, 0.9])
    sig = [np.linalg.norm(np.linalg.matrix_power(W, k), ord=2) for k in range(1, 41)]
    assert round(sig[0], 2) == 1.12 and round(sig[1], 2) == 1.18 and round(sig[15], 2) == 0.33
    roots = [s ** (1 / k) for k, s in enumerate(sig, start=1)]
    assert all(b < a for a, b in zip(roots, roots[1:], strict=False))  # falls ...
    assert abs(roots[-1] - 0.9) < abs(roots[15] - 0.9) < abs(roots[0] - 0.9)  # ... towards 0.9
    for seed in range(20):  # rho <= sigma_max, always
        M = np.random.default_rng(seed).standard_normal((5, 5))
        assert np.abs(np.linalg.eigvals(M)).max() <= np.linalg.norm(M, ord=2) + 1e-12


def _pulse_experiment(scheme, activation, seeds=5, D=1, H=32, T=40):
    x = np.zeros((1, T, D))
    x[0, 0, 0] = 1.0
    norms, sigmas = [], []
    for seed in range(seeds):
        p = rnn.init_params(D, H, np.random.default_rng(seed), w_hh=scheme)
        h, _ = rnn.rnn_forward(x, np.zeros((1, H)), p, activation)
        norms.append(np.linalg.norm(h[0], axis=1))
        sigmas.append(np.linalg.svd(p["W_hh"], compute_uv=False))
    return np.array(norms), np.array(sigmas)


def test_what_the_pulse_runs_show():
    quote(
        "01",
        "with `small_uniform` the pulse is gone after a few steps: each step multiplies the "
        "state by a\n  matrix whose singular values are all far below 1",
    )
    quote(
        "01",
        "`xavier_uniform` gives a spectral radius near 1, but a random one: depending on the "
        "draw,\n  the pulse fades or grows until tanh saturates. Its singular values spread "
        "from near 0 to\n  almost 2",
    )
    quote("01", "`orthogonal` behaves the same for every seed: the state fades slowly")
    quote("01", "the IRNN keeps the state exactly")
    norms, sigmas = _pulse_experiment("small_uniform", "tanh")
    assert (norms[:, 4] < 1e-5 * norms[:, 0]).all() and sigmas.max() < 0.1
    norms, sigmas = _pulse_experiment("xavier_uniform", "tanh")
    growth = norms[:, -1] / norms[:, 0]
    assert growth.min() < 1 < growth.max()
    assert sigmas.min() < 0.05 and 1.8 < sigmas.max() < 2.0
    norms, _ = _pulse_experiment("orthogonal", "tanh")
    last = norms[:, -1]
    assert last.max() / last.min() < 1.05 and (last < norms[:, 0]).all() and (last > 0.3).all()
    norms, _ = _pulse_experiment("identity", "relu")
    assert np.allclose(norms, norms[:, :1])


def test_hand_worked_forward_pass():
    quote("01", "$h_1 = (\\tanh 0.5, \\tanh(-0.4)) = (0.4621, -0.3799)$")
    quote("01", "= (0.2721, -0.4210)$")
    quote("01", "so $a_2 = (0.5221, 0.1790)$ and $h_2 = (0.4794, 0.1771)$")
    x = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    p = {
        "W_xh": np.array([[0.5, -0.5], [0.25, 0.5]]),
        "W_hh": np.array([[1.0, -0.5], [0.5, 0.5]]),
        "b_h": np.array([0.0, 0.1]),
    }
    h, _ = rnn.rnn_forward(x, np.zeros((1, 2)), p)
    assert np.round(h[0, 0], 4).tolist() == [0.4621, -0.3799]
    assert np.round(h[0, 0] @ p["W_hh"], 4).tolist() == [0.2721, -0.421]
    a2 = x[0, 1] @ p["W_xh"] + h[0, 0] @ p["W_hh"] + p["b_h"]
    assert np.round(a2, 4).tolist() == [0.5221, 0.179]
    assert np.round(h[0, 1], 4).tolist() == [0.4794, 0.1771]


def test_the_widget_tries():
    quote(
        "01",
        "Below 1 the pulse fades;\n   above 1 it does not fade: the state keeps a size of its "
        "own (it wanders, but does not\n   shrink), and the further above 1, the closer its "
        "largest units get to $\\pm 1$ (saturation).",
    )
    quote("01", "at 1.0 the norm stays constant, at 1.2 it grows\n   exponentially")
    quote("01", "the state never returns to zero, since $\\sigma(0) = 0.5$")
    quote("01", "at 1.5 the state explodes, while at 1.05 it still fades")
    quote(
        "01",
        "at 0.3 the state follows the input; at 1.5 its\n   own dynamics take over and it "
        "follows the input much less. (With the smooth *sine* input\n   the difference is "
        "small.)",
    )
    fading = hidden_state_trace("pulse", 0.9, "tanh")
    assert fading.norms[-1] < 0.05 * fading.norms[0]
    peaks = []
    for scale in (1.1, 1.5, 2.0):
        t = hidden_state_trace("pulse", scale, "tanh")
        assert t.norms[20:].min() > 0.7 * t.norms[0]  # keeps its size over the second half
        peaks.append(np.abs(t.h[-1]).max())
    assert peaks == sorted(peaks) and peaks[-1] > 0.95
    const = hidden_state_trace("pulse", 1.0, "identity").norms
    assert np.allclose(const, const[0])
    grow = hidden_state_trace("pulse", 1.2, "identity").norms
    assert np.allclose(grow[1:] / grow[:-1], 1.2)
    assert hidden_state_trace("pulse", 0.5, "sigmoid").h[-1].min() > 0.3
    relu = {s: hidden_state_trace("pulse", s, "relu").norms for s in (1.05, 1.5)}
    assert relu[1.05][-1] < 0.01 * relu[1.05][0] and relu[1.5][-1] > 1000 * relu[1.5][0]

    def best(pattern, scale):
        t = hidden_state_trace(pattern, scale, "tanh")
        return max(abs(np.corrcoef(t.x[:, 0], u)[0, 1]) for u in t.h.T)

    assert best("noise", 0.3) > 0.99 and best("noise", 1.5) < 0.6
    assert best("sine", 0.3) - best("sine", 1.5) < 0.1


def test_summary_on_the_spectral_radius():
    quote(
        "01",
        "decides whether the state forgets (below 1), fades slowly (about 1,\n  e.g. "
        "orthogonal, with tanh) or, above 1, saturates (tanh) or explodes (relu, linear)",
    )
    forgets = hidden_state_trace("pulse", 0.5, "tanh").norms
    slow = hidden_state_trace("pulse", 1.0, "tanh").norms
    sat = hidden_state_trace("pulse", 2.0, "tanh")
    assert forgets[-1] < 1e-6 and 0.1 < slow[-1] / slow[0] < 1 and np.abs(sat.h).max() < 1
    assert np.abs(sat.h[-1]).max() > 0.95
    for activation in ("relu", "identity"):
        n = hidden_state_trace("pulse", 1.5, activation).norms
        assert n[-1] > 1000 * n[0]


def test_elman_and_jordan():
    quote(
        "01",
        'The "vanilla" or "simple" RNN of today\'s libraries is the Elman cell, and so is '
        "this course's.",
    )
    # the course's cell feeds back h_{t-1} (Elman), not an output (Jordan)
    p = rnn.init_params(2, 3, np.random.default_rng(0))
    x_t, h_prev = np.ones((1, 2)), np.full((1, 3), 0.5)
    h, _ = rnn.rnn_step_forward(x_t, h_prev, p)
    assert np.allclose(h, np.tanh(x_t @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"]))


def test_irnn_passes_active_units_unchanged():
    quote(
        "01",
        "so along the active (positive) units information and\ngradients neither shrink nor grow.",
    )
    from rnncourse import gradients

    rng = np.random.default_rng(0)
    p = rnn.init_params(2, 5, rng, w_hh="identity")
    x = np.abs(rng.standard_normal((1, 8, 2)))
    x[:, 1:] = 0.0  # one input, then silence
    h, _ = rnn.rnn_forward(x, np.zeros((1, 5)), p, "relu")
    assert np.allclose(h[0], h[0, :1])  # the state is copied forward unchanged
    J = gradients.step_jacobians("rnn", x, p, activation="relu")
    active = h[0, 0] > 0
    for J_t in J[1:]:  # d h_t / d h_{t-1}: 1 on the active units, 0 elsewhere
        assert np.allclose(np.diag(J_t)[active], 1.0) and np.allclose(J_t[~active], 0.0)


def test_quiz_orthogonal_times_half_halves_the_norm():
    # quiz question 5 (a code cell, so not quoted): identity cell, orthogonal W_hh scaled by 0.5
    norms = hidden_state_trace("pulse", 0.5, "identity").norms
    assert np.allclose(norms[1:] / norms[:-1], 0.5)


def test_the_widget_description():
    quote("01", "The widget runs one cell with H = 16 units and one input feature.")
    quote("01", "so the slider sets the **spectral radius** of $W_{hh}$")
    quote("01", "drag the spectral radius from 0.1 to 2.0")
    from rnncourse.viz import hidden_states

    t = hidden_state_trace("pulse", 0.7, "tanh")
    assert t.h.shape[1] == 16 and t.x.shape[1] == 1
    p = hidden_states.explorer_params(0.7)
    assert np.abs(np.linalg.eigvals(p["W_hh"])).max() == pytest.approx(0.7)
    assert hidden_states.SCALE_RANGE == (0.1, 2.0)


def test_quiz_01a_question_1():
    quote_quiz(
        "01a",
        "An Elman cell has $D = 10$ inputs and $H = 20$ hidden units and reads sequences of $T "
        "= 50$ steps. How many numbers do $W_{xh}$, $W_{hh}$ and $b_h$ hold together?",
    )
    quote_quiz(
        "01a",
        "Right: $DH + H^2 + H = 200 + 400 + 20 = 620$ (what `rnn.init_params(10, 20, rng)` "
        "creates). The same three arrays are used at every step, so $T$ does not appear.",
    )
    quote_quiz(
        "01a",
        "That leaves out the bias $b_h$, which has one entry per hidden unit: $H = 20$ more "
        "numbers.",
    )
    quote_quiz(
        "01a",
        "That leaves out the recurrent matrix $W_{hh}$, $(H, H)$, the $400$ numbers that make "
        "the cell recurrent.",
    )
    quote_quiz(
        "01a", "That leaves out the input matrix $W_{xh}$, $(D, H)$: $200$ numbers that read $x_t$."
    )
    quote_quiz(
        "01a",
        "That counts a separate copy of the cell for each of the 50 steps. The unrolled network "
        "shares one $W_{xh}$, $W_{hh}$ and $b_h$ across all steps: that is parameter sharing.",
    )
    params = rnn.init_params(10, 20, np.random.default_rng(0))
    sizes = {k: v.size for k, v in params.items()}
    assert (sizes["W_xh"], sizes["W_hh"], sizes["b_h"]) == (200, 400, 20)
    assert sum(sizes.values()) == 620  # the same for any T: no array depends on it
    assert 620 - 20 == 600 and 620 - 400 == 220 and 620 - 200 == 420  # each wrong answer
    assert 50 * 620 == 31000  # a copy per each of the 50 steps


def test_quiz_01a_question_3():
    quote_quiz(
        "01a",
        "$\\tanh$ is zero-centred: for pre-activations spread around 0 its outputs average about 0",
    )
    quote_quiz(
        "01a",
        "True: $\\tanh(0) = 0$ and $\\tanh$ is odd; this part prints a mean of 0.00 over "
        "100,000 standard normal pre-activations, so $h_{t-1}$ does not push every unit the "
        "same way.",
    )
    quote_quiz("01a", "$\\tanh'(0) = 1$, so near 0 a signal passes through without shrinking")
    quote_quiz(
        "01a",
        "True: $\\tanh'(a) = 1 - \\tanh^2(a)$ is 1 at $a = 0$ (this part prints it), which is "
        "why tanh is the standard choice.",
    )
    quote_quiz("01a", "The sigmoid's derivative is at most $\\sigma'(0) = 0.25$")
    quote_quiz(
        "01a",
        "True: $\\sigma'(a) = \\sigma(a)(1 - \\sigma(a))$ peaks at 0.25 at $a = 0$, so every "
        "step multiplies a gradient by at most 0.25 times the size of $W_{hh}$.",
    )
    quote_quiz(
        "01a",
        "False: tanh is bounded, $|h_t| < 1$. That is a strength: the state cannot blow up "
        "however long the sequence. relu is the unbounded one.",
    )
    quote_quiz("01a", "The sigmoid's outputs average about 0, like tanh's")
    quote_quiz(
        "01a",
        "False: the sigmoid's outputs lie in $(0, 1)$ and average about 0.5 (printed in section "
        "4); that is why a sigmoid cell's state never returns to zero.",
    )
    assert activations.tanh(np.zeros(1))[0] == 0.0 and activations.tanh_grad(np.zeros(1))[0] == 1
    z = np.random.default_rng(0).standard_normal(100_000)
    assert f"{activations.tanh(z).mean():.2f}" in ("0.00", "-0.00")
    assert np.allclose(activations.tanh(-z), -activations.tanh(z))  # odd
    a = np.linspace(-6, 6, 1201)
    assert np.allclose(activations.tanh_grad(a), 1 - np.tanh(a) ** 2)
    s = activations.sigmoid(a)
    assert np.allclose(activations.sigmoid_grad(a), s * (1 - s))
    assert activations.sigmoid_grad(np.zeros(1))[0] == 0.25 == activations.sigmoid_grad(a).max()
    assert np.abs(activations.tanh(a)).max() < 1
    assert (s > 0).all() and (s < 1).all() and round(activations.sigmoid(z).mean(), 1) == 0.5


def test_quiz_01b_question_1():
    quote_quiz(
        "01b",
        "Right: one hidden state of $H$ units per sequence and per step; `h[:, t-1]` is $h_t$, "
        "and $h_0$ is not stored.",
    )
    quote_quiz(
        "01b",
        "That is one state per sequence, such as `h[:, -1]` (the last state $h_T$). "
        "`rnn_forward` keeps all $T$ states, since every step may have an output.",
    )
    quote_quiz(
        "01b",
        "$h_0$ is not included: `h` has exactly $T$ states, $h_1$ to $h_T$, and `h[:, 0]` is "
        "$h_1$.",
    )
    x = np.random.default_rng(0).standard_normal((2, 6, 3))
    params = rnn.init_params(3, 4, np.random.default_rng(1))
    h, _ = rnn.rnn_forward(x, np.zeros((2, 4)), params)
    h_1 = rnn.rnn_step_forward(x[:, 0], np.zeros((2, 4)), params)[0]
    assert h.shape == (2, 6, 4) and np.allclose(h[:, 0], h_1)  # h[:, 0] is h_1, h_0 not stored
    h_T = h_1
    for t in range(2, 7):
        h_T = rnn.rnn_step_forward(x[:, t - 1], h_T, params)[0]
    assert np.allclose(h[:, -1], h_T) and np.allclose(h[:, 6 - 1], h_T)  # h[:, t-1] is h_t


def test_quiz_01b_question_2():
    quote_quiz(
        "01b",
        "A linear cell (identity activation) with $W_{hh}$ an orthogonal matrix times 0.5 reads "
        "one pulse, then zero input. What happens to $\\lVert h_t \\rVert$ after the pulse?",
    )
    quote_quiz(
        "01b",
        "That would be the orthogonal matrix alone (scale 1), which keeps every length. The "
        "factor 0.5 scales every vector by one half at every step.",
    )
    quote_quiz(
        "01b",
        "Right: with zero input $h_t = h_{t-1} W_{hh}$; an orthogonal matrix keeps lengths "
        "exactly, so the scale 0.5 halves the norm at each step: exponential decay, a straight "
        "line on a log axis.",
    )
    quote_quiz(
        "01b",
        "Doubling needs a scale of 2. A linear cell with scale 0.5 multiplies the state by a "
        "matrix whose singular values are all 0.5, so the norm shrinks.",
    )
    quote_quiz(
        "01b",
        "Multiplying by $0.5\\,Q$ ($Q$ orthogonal) never gives exactly zero: the state shrinks "
        "geometrically, $0.5^k$ after $k$ steps, and never vanishes.",
    )
    for scale in (1.0, 0.5, 2.0):
        norms = hidden_state_trace("pulse", scale, "identity").norms
        assert np.allclose(norms[1:] / norms[:-1], scale)  # 1 keeps, 0.5 halves, 2 doubles
    norms = hidden_state_trace("pulse", 0.5, "identity").norms
    assert (norms > 0).all()  # 0.5^k: never exactly zero
    from rnncourse.viz import hidden_states

    p = hidden_states.explorer_params(0.5)
    assert np.allclose(np.linalg.svd(p["W_hh"], compute_uv=False), 0.5)  # all singular values


def test_quiz_01b_question_3():
    quote_quiz(
        "01b",
        "Section 5's $2 \\times 2$ matrix $W$ has eigenvalues 0.9 and 0.5, so $\\rho(W) = 0.9$, "
        "and singular values 1.12 and 0.40. Which is true of $v \\mapsto v W$ applied again and "
        "again?",
    )
    quote_quiz("01b", "Every vector gets shorter at every multiplication, since $\\rho < 1$")
    quote_quiz(
        "01b",
        "$\\rho$ speaks of the long run only. One multiplication can stretch a vector by up to "
        "$\\sigma_{\\max} = 1.12$, and this part's table shows $\\sigma_{\\max}(W^2) = 1.18$.",
    )
    quote_quiz(
        "01b",
        "Some vectors are first stretched, but in the long run every vector shrinks, about like "
        "$0.9^k$",
    )
    quote_quiz(
        "01b",
        "Right: the $k$-th root of $\\sigma_{\\max}(W^k)$ falls from 1.12 towards $\\rho = 0.9$ "
        "(1.03 at $k = 4$, 0.93 at $k = 16$): one step is bounded by $\\sigma_{\\max}$, the "
        "long run is set by $\\rho$ for a fixed linear map.",
    )
    quote_quiz("01b", "Vectors grow without bound, since $\\sigma_{\\max} > 1$")
    quote_quiz(
        "01b",
        "$\\sigma_{\\max}$ bounds a single multiplication. The eigen-direction with $|\\lambda| "
        "= 0.9$ wins after many steps, and $\\sigma_{\\max}(W^{16})$ is only 0.33.",
    )
    W = np.array([[0.9, 0.6], [0.0, 0.5]])
    assert sorted(np.linalg.eigvals(W)) == pytest.approx([0.5, 0.9])
    assert [round(s, 2) for s in np.linalg.svd(W, compute_uv=False)] == [1.12, 0.40]
    sig = {k: np.linalg.norm(np.linalg.matrix_power(W, k), ord=2) for k in range(1, 200)}
    assert round(sig[1], 2) == 1.12 and round(sig[2], 2) == 1.18 and round(sig[16], 2) == 0.33
    assert round(sig[4] ** (1 / 4), 2) == 1.03 and round(sig[16] ** (1 / 16), 2) == 0.93
    assert sig[2] > 1 > sig[16]  # first stretched, then shrinks ...
    assert abs(sig[199] ** (1 / 199) - 0.9) < 0.01  # ... about like 0.9^k
    for seed in range(20):  # rho <= sigma_max, always
        M = np.random.default_rng(seed).standard_normal((4, 4))
        assert np.abs(np.linalg.eigvals(M)).max() <= np.linalg.norm(M, ord=2) + 1e-12
