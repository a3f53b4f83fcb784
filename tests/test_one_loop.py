"""The one training loop changes no result: train.train, forecast.fit, forecast.train_on_signal
and long_range.train_on_task give bit for bit the parameters, losses and histories they gave
before they shared :func:`rnncourse.train.train` (issue 16, "One training loop").

Each case below trains on a small fixed problem. DIGESTS holds, for every array of the result,
the first 16 hex digits of the sha256 of its float64 bytes, recorded from the code as it was
before the refactor (commit noted in the message that added this file). A digest that differs is
a changed result: a changed order of random draws or of arithmetic.
"""

import hashlib

import numpy as np
import pytest

from rnncourse import forecast, optim, train
from rnncourse import long_range as L


def _params(prefix, params):
    return {f"{prefix}.{k}": np.asarray(v) for k, v in sorted(params.items())}


def train_cases():
    out = {}
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 9, 3))
    labels = rng.integers(0, 4, size=(6, 9))
    targets = rng.standard_normal((6, 9, 2))
    for cell in ["rnn", "lstm", "gru"]:
        for stateful in [False, True]:
            model = train.init_model(cell, 3, 5, 4, np.random.default_rng(1))
            h = train.train(
                model,
                x,
                labels,
                optim.Adam(1e-2),
                epochs=2,
                batch_size=4,
                seq_len=4,
                stateful=stateful,
                max_norm=1.0,
                rng=np.random.default_rng(2),
            )
            name = f"train.{cell}.{stateful}"
            out.update(_params(name, model.params))
            out[name + ".loss"] = np.array(h.loss)
            out[name + ".grad_norm"] = np.array(h.grad_norm)
        model = train.init_model(cell, 3, 5, 2, np.random.default_rng(1))
        h = train.train(model, x, targets, optim.SGD(0.1), epochs=3, loss="mse")
        name = f"train.{cell}.mse"
        out.update(_params(name, model.params))
        out[name + ".loss"] = np.array(h.loss)
        out[name + ".grad_norm"] = np.array(h.grad_norm)
    return out


def forecast_cases():
    out = {}
    t = np.arange(120, dtype=np.float64)
    series = np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(0).standard_normal(120)
    data = forecast.time_split_windows(series, 8, 90)
    for max_norm, shuffle in [(None, False), (0.5, True)]:
        params = forecast.init_forecaster(1, 6, 1, np.random.default_rng(4))
        rng = np.random.default_rng(5) if shuffle else None
        h = forecast.fit(
            params,
            data.X_train,
            data.y_train,
            optim.RMSprop(1e-2),
            epochs=3,
            batch_size=16,
            rng=rng,
            X_valid=data.X_valid,
            y_valid=data.y_valid,
            max_norm=max_norm,
        )
        name = f"fit.{max_norm}.{shuffle}"
        out.update(_params(name, params))
        for key in h._fields:
            out[f"{name}.{key}"] = np.array(getattr(h, key))
    params = forecast.init_forecaster(1, 4, 2, np.random.default_rng(4))
    X, y = forecast.sliding_windows(series, 6, horizon=2)
    h = forecast.fit(params, X, y, optim.Adam(1e-2), epochs=2, batch_size=50)
    out.update(_params("fit.horizon2", params))
    out["fit.horizon2.batch_loss"] = np.array(h.batch_loss)
    out["fit.horizon2.train_loss"] = np.array(h.train_loss)
    m = forecast.train_on_signal(series, 8, 90, H=5, epochs=3, seed=1)
    out.update(_params("signal", m.params))
    for key in m.history._fields:
        out[f"signal.{key}"] = np.array(getattr(m.history, key))
    return out


def long_range_cases():
    out = {}
    tasks = {
        "adding": L.adding_task(6),
        "copy": L.copy_task(2, 2, vocab=3),
        "reber": L.reber_task(max_length=12),
    }
    for tname, task in tasks.items():
        for mname in ["rnn", "lstm", "gru", "irnn"]:
            model = L.make_model(mname, task, 5, np.random.default_rng(7))
            eval_batch = task.sample(10, np.random.default_rng(8))
            seen = []
            h = L.train_on_task(
                model,
                task,
                optim.Adam(1e-2),
                12,
                np.random.default_rng(9),
                batch_size=4,
                eval_batch=eval_batch,
                eval_every=5,
                callback=lambda s, v, seen=seen: seen.append((s, v)),
            )
            name = f"lr.{tname}.{mname}"
            out.update(_params(name, model.params))
            out[name + ".loss"] = np.array(h.loss)
            out[name + ".grad_norm"] = np.array(h.grad_norm)
            out[name + ".eval_steps"] = np.array(h.eval_steps)
            for key, values in sorted(h.evals.items()):
                out[f"{name}.evals.{key}"] = np.array(values)
            out[name + ".diverged"] = np.array(-1 if h.diverged is None else h.diverged)
            out[name + ".callback"] = np.array(seen, dtype=np.float64)
    # no clipping, a huge learning rate: the run diverges, and the step is part of the result
    task = tasks["adding"]
    model = L.make_model("irnn", task, 5, np.random.default_rng(7))
    h = L.train_on_task(
        model, task, optim.SGD(1e6), 40, np.random.default_rng(9), batch_size=4, max_norm=None
    )
    out["lr.diverging.loss"] = np.array(h.loss)
    out["lr.diverging.diverged"] = np.array(-1 if h.diverged is None else h.diverged)
    return out


def digest(array):
    """The first 16 hex digits of the sha256 of the array's float64 bytes."""
    data = np.ascontiguousarray(array, dtype=np.float64).tobytes()
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize("make", [train_cases, forecast_cases, long_range_cases])
def test_results_are_bit_for_bit_those_recorded_before_the_refactor(make):
    results = make()
    expected = {k: v for k, v in DIGESTS.items() if k in results}
    assert sorted(results) == sorted(expected)
    changed = [k for k, array in results.items() if digest(array) != DIGESTS[k]]
    assert not changed, f"{len(changed)} results changed, e.g. {changed[:5]}"


def test_the_cases_cover_every_loop():
    prefixes = {key.split(".")[0] for key in DIGESTS}
    assert prefixes == {"train", "fit", "signal", "lr"}
    assert DIGESTS["lr.diverging.diverged"] == digest(np.array(26))  # the run that diverges


#: Recorded from the code before the refactor.
DIGESTS = {
    "fit.0.5.True.W_hh": "7e9f3d5299009fef",
    "fit.0.5.True.W_hy": "711566410e87ad64",
    "fit.0.5.True.W_xh": "2a24c1339d9539aa",
    "fit.0.5.True.b_h": "bd9e784eecb0b6a1",
    "fit.0.5.True.b_y": "0c91789f66c19ffc",
    "fit.0.5.True.batch_loss": "51ce0b48a7961008",
    "fit.0.5.True.train_loss": "5a176bbd60b7eb69",
    "fit.0.5.True.valid_loss": "cc54bf59c2dcb645",
    "fit.None.False.W_hh": "1543e237dcd9f1b0",
    "fit.None.False.W_hy": "9d7bc43f825e491a",
    "fit.None.False.W_xh": "abb3f1b00c425fe7",
    "fit.None.False.b_h": "d20f4efb190ddd9d",
    "fit.None.False.b_y": "a49436b47ee06c1e",
    "fit.None.False.batch_loss": "1d6c26b7bc905d94",
    "fit.None.False.train_loss": "b815e13864d29b15",
    "fit.None.False.valid_loss": "8c72dc12cab3b46b",
    "fit.horizon2.W_hh": "2f77ef7cde4b04c2",
    "fit.horizon2.W_hy": "f73b8790d0dd5585",
    "fit.horizon2.W_xh": "54f758a1c183fb4c",
    "fit.horizon2.b_h": "0ed5d6a6bdf009f0",
    "fit.horizon2.b_y": "86b42a43e3b35b80",
    "fit.horizon2.batch_loss": "daed6308e56fe5d0",
    "fit.horizon2.train_loss": "f7d70ad9036f37d4",
    "lr.adding.gru.W_h": "3d8922a446ad993c",
    "lr.adding.gru.W_hy": "c8b3379686592430",
    "lr.adding.gru.W_x": "d1ee50c0a4ba36aa",
    "lr.adding.gru.b_h": "6f87e17c3eb1c745",
    "lr.adding.gru.b_x": "958999a47366a892",
    "lr.adding.gru.b_y": "7d7a77a5d227f0a0",
    "lr.adding.gru.callback": "34a44c062e700941",
    "lr.adding.gru.diverged": "e77817b649821c63",
    "lr.adding.gru.eval_steps": "c0a84de4dffed860",
    "lr.adding.gru.evals.accuracy": "9d908ecfb6b256de",
    "lr.adding.gru.evals.loss": "e6461b782990d8ae",
    "lr.adding.gru.evals.mse": "e6461b782990d8ae",
    "lr.adding.gru.grad_norm": "94d92fc51ac0398e",
    "lr.adding.gru.loss": "f2b68d0f25028471",
    "lr.adding.irnn.W_hh": "e5a692f24df17bbe",
    "lr.adding.irnn.W_hy": "ac505fdcddd007fc",
    "lr.adding.irnn.W_xh": "a17328830a23a397",
    "lr.adding.irnn.b_h": "ed0ec8defaae235c",
    "lr.adding.irnn.b_y": "718d70a2862818ff",
    "lr.adding.irnn.callback": "f2b8e72867e9d668",
    "lr.adding.irnn.diverged": "e77817b649821c63",
    "lr.adding.irnn.eval_steps": "c0a84de4dffed860",
    "lr.adding.irnn.evals.accuracy": "9d908ecfb6b256de",
    "lr.adding.irnn.evals.loss": "d9e60a3e798644d7",
    "lr.adding.irnn.evals.mse": "d9e60a3e798644d7",
    "lr.adding.irnn.grad_norm": "8841e0e59e2bd4f1",
    "lr.adding.irnn.loss": "6815ca76abf8b460",
    "lr.adding.lstm.W_h": "8412b2506e7ee854",
    "lr.adding.lstm.W_hy": "c398b6dd1e54e30d",
    "lr.adding.lstm.W_x": "b2ed07799076526e",
    "lr.adding.lstm.b": "2628363d94964791",
    "lr.adding.lstm.b_y": "036ae80c046c9d68",
    "lr.adding.lstm.callback": "46bc48219c66d7c7",
    "lr.adding.lstm.diverged": "e77817b649821c63",
    "lr.adding.lstm.eval_steps": "c0a84de4dffed860",
    "lr.adding.lstm.evals.accuracy": "9d908ecfb6b256de",
    "lr.adding.lstm.evals.loss": "182f5b4c0720c205",
    "lr.adding.lstm.evals.mse": "182f5b4c0720c205",
    "lr.adding.lstm.grad_norm": "e5a08e7f0e54b0d8",
    "lr.adding.lstm.loss": "d10c635a20c78986",
    "lr.adding.rnn.W_hh": "7085e95cd8177290",
    "lr.adding.rnn.W_hy": "d15d9db7e90a2e31",
    "lr.adding.rnn.W_xh": "5bd0381818ee485d",
    "lr.adding.rnn.b_h": "0c673721e372a073",
    "lr.adding.rnn.b_y": "fd55e3ec9d14eac8",
    "lr.adding.rnn.callback": "26f72917be331163",
    "lr.adding.rnn.diverged": "e77817b649821c63",
    "lr.adding.rnn.eval_steps": "c0a84de4dffed860",
    "lr.adding.rnn.evals.accuracy": "ce8794ea5e1fba3d",
    "lr.adding.rnn.evals.loss": "320cc050048fbfb1",
    "lr.adding.rnn.evals.mse": "320cc050048fbfb1",
    "lr.adding.rnn.grad_norm": "9c53acd93f032a8f",
    "lr.adding.rnn.loss": "9e7d31097dde08a9",
    "lr.copy.gru.W_h": "b1d35067137f4206",
    "lr.copy.gru.W_hy": "6523b2be09f79fb3",
    "lr.copy.gru.W_x": "eee37f0b8907841e",
    "lr.copy.gru.b_h": "2fae7c7a72d2070d",
    "lr.copy.gru.b_x": "02f88e78e65c6aef",
    "lr.copy.gru.b_y": "7a368a84e3468f2b",
    "lr.copy.gru.callback": "ab454c1e849b8e24",
    "lr.copy.gru.diverged": "e77817b649821c63",
    "lr.copy.gru.eval_steps": "c0a84de4dffed860",
    "lr.copy.gru.evals.accuracy": "d454b7bdfcf921f9",
    "lr.copy.gru.evals.loss": "4224f84c379ab6df",
    "lr.copy.gru.evals.sequence_accuracy": "9d908ecfb6b256de",
    "lr.copy.gru.grad_norm": "bdb21d24fd066f59",
    "lr.copy.gru.loss": "2e61cdeeea403c19",
    "lr.copy.irnn.W_hh": "c190df6a7b894051",
    "lr.copy.irnn.W_hy": "b0414fa740d43bb8",
    "lr.copy.irnn.W_xh": "1e9178b35c870a0e",
    "lr.copy.irnn.b_h": "62117fa854d7323b",
    "lr.copy.irnn.b_y": "c1e6e56c095f8e58",
    "lr.copy.irnn.callback": "734c85f7b6a85ff9",
    "lr.copy.irnn.diverged": "e77817b649821c63",
    "lr.copy.irnn.eval_steps": "c0a84de4dffed860",
    "lr.copy.irnn.evals.accuracy": "15edb3ab1511ae4d",
    "lr.copy.irnn.evals.loss": "43ba96b642e143a7",
    "lr.copy.irnn.evals.sequence_accuracy": "4f7e6bd699c458e2",
    "lr.copy.irnn.grad_norm": "1895b8ea11fca897",
    "lr.copy.irnn.loss": "fd21ee55cc6bb239",
    "lr.copy.lstm.W_h": "f1dcf57da5541278",
    "lr.copy.lstm.W_hy": "e15fa7c618790051",
    "lr.copy.lstm.W_x": "c28aa2ba6e13e55d",
    "lr.copy.lstm.b": "e1f9da58a9718574",
    "lr.copy.lstm.b_y": "d067d3a31871ed88",
    "lr.copy.lstm.callback": "e251d346e4996d1c",
    "lr.copy.lstm.diverged": "e77817b649821c63",
    "lr.copy.lstm.eval_steps": "c0a84de4dffed860",
    "lr.copy.lstm.evals.accuracy": "43b493ceb53bc770",
    "lr.copy.lstm.evals.loss": "58ecf054f0221c1d",
    "lr.copy.lstm.evals.sequence_accuracy": "7c5180196f538bcc",
    "lr.copy.lstm.grad_norm": "e6197a72595a4ca4",
    "lr.copy.lstm.loss": "f01995714a1836d6",
    "lr.copy.rnn.W_hh": "e11f6869b9c0ae09",
    "lr.copy.rnn.W_hy": "d93e15ffc8d04221",
    "lr.copy.rnn.W_xh": "a13740ccc314a030",
    "lr.copy.rnn.b_h": "e3e7bb6165a6e6fe",
    "lr.copy.rnn.b_y": "d1ceab45714b5674",
    "lr.copy.rnn.callback": "b5976a70b26d39cb",
    "lr.copy.rnn.diverged": "e77817b649821c63",
    "lr.copy.rnn.eval_steps": "c0a84de4dffed860",
    "lr.copy.rnn.evals.accuracy": "99eacff295c8fc70",
    "lr.copy.rnn.evals.loss": "847d4025fc60fa56",
    "lr.copy.rnn.evals.sequence_accuracy": "9d908ecfb6b256de",
    "lr.copy.rnn.grad_norm": "d62125692c6a42cd",
    "lr.copy.rnn.loss": "6ce70277343f6ec5",
    "lr.diverging.diverged": "beecd69557c8ef93",
    "lr.diverging.loss": "a616c0e500d6826d",
    "lr.reber.gru.W_h": "b7693abe20913700",
    "lr.reber.gru.W_hy": "e6ec366ac87c0e69",
    "lr.reber.gru.W_x": "65e7f2f670002b93",
    "lr.reber.gru.b_h": "079eb79194a2f5ba",
    "lr.reber.gru.b_x": "02ed8e11116a2ebd",
    "lr.reber.gru.b_y": "8867db9243d6fdd2",
    "lr.reber.gru.callback": "1098f6c4229370ef",
    "lr.reber.gru.diverged": "e77817b649821c63",
    "lr.reber.gru.eval_steps": "c0a84de4dffed860",
    "lr.reber.gru.evals.long_range_accuracy": "9d908ecfb6b256de",
    "lr.reber.gru.evals.loss": "0e304019506214cc",
    "lr.reber.gru.evals.step_accuracy": "21f8b8af850d0620",
    "lr.reber.gru.evals.string_accuracy": "9d908ecfb6b256de",
    "lr.reber.gru.grad_norm": "abdd8a594f72d528",
    "lr.reber.gru.loss": "b849a4558296e164",
    "lr.reber.irnn.W_hh": "972eb4157637a3df",
    "lr.reber.irnn.W_hy": "fe9f2c53bbab7567",
    "lr.reber.irnn.W_xh": "cd06fbaab669d79a",
    "lr.reber.irnn.b_h": "c3674397973ff776",
    "lr.reber.irnn.b_y": "42ac2644fc7bf411",
    "lr.reber.irnn.callback": "942f42b6190e24c9",
    "lr.reber.irnn.diverged": "e77817b649821c63",
    "lr.reber.irnn.eval_steps": "c0a84de4dffed860",
    "lr.reber.irnn.evals.long_range_accuracy": "9d908ecfb6b256de",
    "lr.reber.irnn.evals.loss": "06c889b667a91cf1",
    "lr.reber.irnn.evals.step_accuracy": "0ba9e7bbe23d08ab",
    "lr.reber.irnn.evals.string_accuracy": "9d908ecfb6b256de",
    "lr.reber.irnn.grad_norm": "dcaf077247c61d10",
    "lr.reber.irnn.loss": "701791bb56132ec0",
    "lr.reber.lstm.W_h": "ee7adac26a259f46",
    "lr.reber.lstm.W_hy": "75f4ef32b3505ed5",
    "lr.reber.lstm.W_x": "b7b6a215ae24be07",
    "lr.reber.lstm.b": "df1690c59a9c9eee",
    "lr.reber.lstm.b_y": "6b19e60f856be91c",
    "lr.reber.lstm.callback": "cf6741e9dda24ec9",
    "lr.reber.lstm.diverged": "e77817b649821c63",
    "lr.reber.lstm.eval_steps": "c0a84de4dffed860",
    "lr.reber.lstm.evals.long_range_accuracy": "9d908ecfb6b256de",
    "lr.reber.lstm.evals.loss": "38b12d14a73f1261",
    "lr.reber.lstm.evals.step_accuracy": "fd5a103721f9a7c2",
    "lr.reber.lstm.evals.string_accuracy": "9d908ecfb6b256de",
    "lr.reber.lstm.grad_norm": "0f55f5b4b9b53c97",
    "lr.reber.lstm.loss": "d4636642a90598ec",
    "lr.reber.rnn.W_hh": "fc03547d428b1a6b",
    "lr.reber.rnn.W_hy": "7bcae21c10e3824b",
    "lr.reber.rnn.W_xh": "99796af972213083",
    "lr.reber.rnn.b_h": "eeba1fee75638a22",
    "lr.reber.rnn.b_y": "44fb02c175e6e73a",
    "lr.reber.rnn.callback": "1663f43ab48fdef4",
    "lr.reber.rnn.diverged": "e77817b649821c63",
    "lr.reber.rnn.eval_steps": "c0a84de4dffed860",
    "lr.reber.rnn.evals.long_range_accuracy": "fb21fbcd8180ada3",
    "lr.reber.rnn.evals.loss": "6fb2fe06408d422d",
    "lr.reber.rnn.evals.step_accuracy": "e6f8880e6899ec07",
    "lr.reber.rnn.evals.string_accuracy": "9d908ecfb6b256de",
    "lr.reber.rnn.grad_norm": "50e9cdb689e24ec2",
    "lr.reber.rnn.loss": "712e5a8cd87fa042",
    "signal.W_hh": "c05e2eacb99bb46e",
    "signal.W_hy": "9205cf53627d201b",
    "signal.W_xh": "78313c4486de0127",
    "signal.b_h": "0b03f780573e13aa",
    "signal.b_y": "c77205ce758b0cae",
    "signal.batch_loss": "30ec883b01ffae52",
    "signal.train_loss": "53d9f90ff5510cbf",
    "signal.valid_loss": "666031cc19ca77c1",
    "train.gru.False.W_h": "70f56777c052a538",
    "train.gru.False.W_hy": "92ad2417104481fa",
    "train.gru.False.W_x": "4e97f67b166d4a10",
    "train.gru.False.b_h": "fe30972ae95f8c74",
    "train.gru.False.b_x": "3770d3aa40bd909e",
    "train.gru.False.b_y": "634979c27be4ec4c",
    "train.gru.False.grad_norm": "ac829f319c03c99d",
    "train.gru.False.loss": "154ebf0bc4ae548e",
    "train.gru.True.W_h": "0644f6e09508ed9f",
    "train.gru.True.W_hy": "3f61c130eb8ef3ae",
    "train.gru.True.W_x": "eff9078482e580f9",
    "train.gru.True.b_h": "dceec86132940c93",
    "train.gru.True.b_x": "0a0b682a97a62152",
    "train.gru.True.b_y": "d774a2b7e1dc1849",
    "train.gru.True.grad_norm": "57bf4c74772a222e",
    "train.gru.True.loss": "58b95654692ac11b",
    "train.gru.mse.W_h": "d7a3e1d76e4af1e2",
    "train.gru.mse.W_hy": "00472e709274eb53",
    "train.gru.mse.W_x": "aeb09773aa76bf2b",
    "train.gru.mse.b_h": "27bd699e2124cc32",
    "train.gru.mse.b_x": "53fbaf9583ba3aba",
    "train.gru.mse.b_y": "91049461967fbdc8",
    "train.gru.mse.grad_norm": "f1fa563ea015c392",
    "train.gru.mse.loss": "5a42abe0200a9abd",
    "train.lstm.False.W_h": "974f58b091fdfb0c",
    "train.lstm.False.W_hy": "6396d09730fd2bfd",
    "train.lstm.False.W_x": "024d813baa583b87",
    "train.lstm.False.b": "fcb84e8fe265f8fa",
    "train.lstm.False.b_y": "0385cdb9975587ae",
    "train.lstm.False.grad_norm": "11108e41f115b173",
    "train.lstm.False.loss": "d1e2bd7c6aa9c2c2",
    "train.lstm.True.W_h": "0807dca8cd1e4e60",
    "train.lstm.True.W_hy": "ccda589abb5601dc",
    "train.lstm.True.W_x": "1998b3c1a239455f",
    "train.lstm.True.b": "fef1684fc69fc714",
    "train.lstm.True.b_y": "b74c1b17b0e5f4f1",
    "train.lstm.True.grad_norm": "a1d37dfc31a29d99",
    "train.lstm.True.loss": "5755f0d06f338fbf",
    "train.lstm.mse.W_h": "f5ecb14a91c5891b",
    "train.lstm.mse.W_hy": "a141e1e4920c0971",
    "train.lstm.mse.W_x": "f46edb8a7595e34d",
    "train.lstm.mse.b": "4b35cbf7c4ccba7f",
    "train.lstm.mse.b_y": "61c03197fc392124",
    "train.lstm.mse.grad_norm": "64f9172b5f868417",
    "train.lstm.mse.loss": "7b7eb70b536763dc",
    "train.rnn.False.W_hh": "78f15ede063b5ffe",
    "train.rnn.False.W_hy": "2a6e0a10e87c524b",
    "train.rnn.False.W_xh": "573840d7ca1f1bdb",
    "train.rnn.False.b_h": "9c0757658a9b498a",
    "train.rnn.False.b_y": "c2351b3807147f43",
    "train.rnn.False.grad_norm": "90cd0a0d3303c9fe",
    "train.rnn.False.loss": "64ce5206c11a3e0e",
    "train.rnn.True.W_hh": "d4126af24eaa4ef9",
    "train.rnn.True.W_hy": "5e6de7be5d360c6d",
    "train.rnn.True.W_xh": "be2a2dfee5117426",
    "train.rnn.True.b_h": "aac556b4fbb24863",
    "train.rnn.True.b_y": "36e060ec0f257c7c",
    "train.rnn.True.grad_norm": "216ad632d68ab4ad",
    "train.rnn.True.loss": "637f0ed64e0ea503",
    "train.rnn.mse.W_hh": "f82af212d9b17e89",
    "train.rnn.mse.W_hy": "0e7329731ea44cad",
    "train.rnn.mse.W_xh": "e4ed7a8c67248c5a",
    "train.rnn.mse.b_h": "9bb23aad092de053",
    "train.rnn.mse.b_y": "958d285e4f71bad4",
    "train.rnn.mse.grad_norm": "c3ea3067d29a1715",
    "train.rnn.mse.loss": "3433027c07c0301e",
}


def test_a_run_of_the_stored_sweep_is_reproduced_bit_for_bit():
    """scripts/long_range_sweep.py's full run of the IRNN on the adding problem at T = 10,
    seed 0, re-run through today's loop: the stored curves come back exactly (3 s)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "long_range_sweep.py"
    spec = importlib.util.spec_from_file_location("long_range_sweep", path)
    sweep_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep_script)
    stored = L.load_sweep()
    config = sweep_script.CONFIGS["full"]
    assert stored["config"] == config
    m, r = list(stored["models"]).index("irnn"), list(stored["T"]).index(10)
    task = L.adding_task(10)
    eval_batch = task.sample(config["eval_size"], np.random.default_rng([10_000, 10]))
    history, _ = sweep_script._run(
        "irnn", task, config, config["H"], config["steps"], [0, 10, m], eval_batch
    )
    assert np.array_equal(history.evals["mse"], stored["adding_mse"][m, r, 0])
    assert np.array_equal(history.evals["accuracy"], stored["adding_accuracy"][m, r, 0])
    window = config["loss_window"]
    blocks = np.asarray(history.loss).reshape(-1, window).mean(axis=1)
    assert np.array_equal(blocks, stored["adding_train_loss"][m, r, 0])
