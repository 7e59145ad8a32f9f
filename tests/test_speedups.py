"""The compiled fast paths (``ember/_speedups.c``) against their Python references.

Where the extension is built, each hot op (``ember.add``, ``ember.relu``, ...) is a compiled
``FastOp`` that keeps its pure-Python twin as ``op._python``, and ``tensor._make`` is
``_speedups.make`` (the Python one stays as ``tensor._make_python``). Every case below runs
both and asserts they agree: the result's values, dtype, type and graph, or the error.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember.autograd import forward_ad as fwad
from ember.autograd.anomaly import ANOMALY

tensor_module = sys.modules["ember.tensor"]
SPEEDUPS = tensor_module.SPEEDUPS
needs_speedups = pytest.mark.skipif(SPEEDUPS is None, reason="ember._speedups is not built")

UNARY = ["relu", "sum", "exp", "log", "sqrt", "abs", "neg", "tanh", "sin", "cos", "sigmoid"]
BINARY = ["add", "sub", "mul", "div", "matmul"]


def _outcome(fn, *args, **kwargs):
    """What a call did: its result's contents and graph, or its exception's type and text."""
    try:
        out = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the error itself is the outcome compared
        return ("raised", type(exc), str(exc))
    if not isinstance(out, ember.Tensor):
        return ("value", out)
    data = out._data
    return ("tensor", type(out), type(data), data.dtype, data.shape, data.tobytes(),
            out.requires_grad, out.grad_fn is None, out.is_leaf, out._version)


def _inputs():
    rng = np.random.default_rng(0)
    f32 = rng.standard_normal((4, 5)).astype(np.float32)
    yield "float32", ember.tensor(f32), ember.tensor(f32[::-1] + 1)
    yield "float64", ember.tensor(f32.astype(np.float64)), ember.tensor(f32.T.T * 2.0)
    yield "float16", ember.tensor(f32).half(), ember.tensor(f32).half()
    yield "bfloat16", ember.tensor(f32).bfloat16(), ember.tensor(f32).bfloat16()
    yield "int64", ember.tensor([[1, -2], [3, 4]]), ember.tensor([[2, 2], [-1, 5]])
    yield "bool", ember.tensor([True, False]), ember.tensor([True, True])
    yield "0-d", ember.tensor(2.5), ember.tensor(-1.5)
    yield "empty", ember.zeros(0, 3), ember.zeros(0, 3)
    yield "transposed", ember.tensor(f32).T, ember.tensor(f32).T
    yield "mixed dtypes", ember.tensor(f32), ember.tensor(f32.astype(np.float64))
    yield "broadcast", ember.tensor(f32), ember.tensor(f32[0])
    yield "bad shapes", ember.tensor(f32), ember.tensor(f32[:3])
    yield "requires grad", ember.tensor(f32, requires_grad=True), ember.tensor(f32)
    yield "parameter", ember.nn.Parameter(ember.tensor(f32)), ember.tensor(f32)
    yield "large", ember.ones(1 << 17), ember.full((1 << 17,), 2.0)
    yield "python scalar", ember.tensor(f32), 2.0


MODES = {
    "grad": lambda: ember.enable_grad(),
    "no_grad": lambda: ember.no_grad(),
    "anomaly": lambda: ember.autograd.detect_anomaly(),
    "dual level": lambda: fwad.dual_level(),
}


@needs_speedups
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", UNARY + BINARY)
def test_compiled_op_agrees_with_its_python_twin(name, mode) -> None:
    op = getattr(ember, name)
    assert type(op) is SPEEDUPS.FastOp
    for label, x, y in _inputs():
        args = (x,) if name in UNARY else (x, y)
        with MODES[mode]():
            compiled, python = _outcome(op, *args), _outcome(op._python, *args)
        assert compiled == python, f"{name} on {label} under {mode}"


@needs_speedups
@pytest.mark.parametrize("name", UNARY)
def test_unary_calls_with_arguments_take_the_full_path(name) -> None:
    op = getattr(ember, name)
    x = ember.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3) + 1)
    if name == "sum":
        assert _outcome(op, x, 1) == _outcome(op._python, x, 1)
        assert _outcome(op, x, dim=0, keepdim=True) == _outcome(op._python, x, dim=0,
                                                                 keepdim=True)
    assert _outcome(op, "text") == _outcome(op._python, "text")
    assert _outcome(op) == ("raised", TypeError, _outcome(op)[2])


@needs_speedups
def test_binary_keywords_and_wrong_counts_take_the_full_path() -> None:
    x, y = ember.ones(2, 3), ember.full((2, 3), 3.0)
    assert ember.add(x, y, alpha=2).tolist() == [[7.0] * 3] * 2
    assert _outcome(ember.add, x, y, alpha=2) == _outcome(ember.add._python, x, y, alpha=2)
    assert _outcome(ember.sub, x)[:2] == ("raised", TypeError)


@needs_speedups
def test_make_builds_the_same_tensor_as_the_python_make() -> None:
    data = np.arange(3.0)
    for requires_grad in (False, True):
        made = SPEEDUPS.make(data, requires_grad=requires_grad)
        reference = tensor_module._make_python(data, requires_grad)
        for slot in tensor_module._STATE_SLOTS:
            if slot != "_data":
                assert getattr(made, slot) == getattr(reference, slot), slot
        assert made._data is data and type(made) is ember.Tensor
        assert made._version is not reference._version  # each tensor its own counter
    assert SPEEDUPS.make(data, True).requires_grad
    with pytest.raises(TypeError, match=r"expected \(data, requires_grad=False\)"):
        SPEEDUPS.make(data, flag=True)
    with pytest.raises(TypeError, match=r"expected \(data, requires_grad=False\)"):
        SPEEDUPS.make()


@needs_speedups
def test_compiled_ops_behave_like_functions() -> None:
    x, y = ember.tensor([1.0, -2.0]), ember.tensor([3.0, 4.0])
    assert x.add(y).tolist() == ember.Tensor.add(x, y).tolist() == (x + y).tolist()
    assert x.relu().tolist() == [1.0, 0.0] and (-x).tolist() == [-1.0, 2.0]
    assert (x @ y).item() == -5.0
    assert copy.deepcopy(ember.relu) is ember.relu and copy.copy(ember.add) is ember.add
    assert pickle.loads(pickle.dumps(ember.relu)) is ember.relu
    assert repr(ember.add) == "<ember op add>"
    assert ember.add.__name__ == "add" and ember.add.__doc__ == ember.add.__wrapped__.__doc__
    assert "alpha" in str(inspect.signature(ember.add))
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16, activation=ember.nn.functional.relu)
    assert copy.deepcopy(layer).activation is ember.nn.functional.relu


@needs_speedups
def test_setup_refuses_another_layout_and_changes_nothing() -> None:
    class Other:
        __slots__ = ("_data",)

    slots = tensor_module._STATE_SLOTS
    with pytest.raises(TypeError, match="are not the ones this build knows; rebuild it"):
        SPEEDUPS.setup(ember.Tensor, slots + ("_name",))
    with pytest.raises(TypeError, match=r"Other\._requires_grad is not a __slots__ member"):
        SPEEDUPS.setup(Other, slots)
    assert ember.ones(2).tolist() == [1.0, 1.0]  # the offsets were left as they were
    assert (ember.ones(2) + ember.ones(2)).tolist() == [2.0, 2.0]


@needs_speedups
def test_the_array_is_held_while_mode_checks_run_python_code() -> None:
    """A state object whose attribute runs Python code that swaps ``_data`` (a property, a
    thread-local's first use) must not free the array the fast path is about to use."""
    from ember.ops import registry

    x = ember.tensor(np.full(1 << 20, -3.0))

    class Level:
        @property
        def level(self):
            x._data = np.full(4, 5.0)  # drops the last reference to the old array
            return 0

    relu = SPEEDUPS.fast_op(1, ember.relu.__wrapped__, lambda ctx, a: np.maximum(a, 0),
                            None, 1, registry._FAST_CTX, "f", registry._GRAD, Level(),
                            registry.ANOMALY)
    out = relu(x)
    assert out.shape == (1 << 20,) and float(out.sum()) == 0.0


@needs_speedups
def test_compiled_ops_take_weak_references_and_odd_names() -> None:
    import weakref

    assert weakref.ref(ember.add)() is ember.add
    op = SPEEDUPS.fast_op(1, ember.relu.__wrapped__, ember.relu._python, None, 1, {}, None,
                          ember.autograd.grad_mode.STATE, fwad.STATE, ANOMALY)
    op.__qualname__ = 5
    assert repr(op).startswith("<ember op at ")


def test_core_tests_pass_in_pure_python_mode() -> None:
    """What users without a C compiler run: the Python paths, through the core tests and the
    parity records of the ops that have compiled fast paths."""
    names = " or ".join(UNARY + BINARY)
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
               "-p", "no:warnings", "tests/test_autograd.py", "tests/test_tensor.py",
               "tests/test_inplace_views.py", "tests/test_op_parity.py",
               "-k", f"not test_op_parity or {names}"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(command, cwd=root, env={**os.environ, "EMBER_PURE_PYTHON": "1"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_pure_python_mode_runs_without_the_extension() -> None:
    script = textwrap.dedent("""
        import json
        import sys
        import ember
        assert sys.modules["ember.tensor"].SPEEDUPS is None
        assert type(ember.add).__name__ == "function"
        x = ember.tensor([[1.0, -2.0]], requires_grad=True)
        loss = (ember.relu(x) * 3 + x.exp()).sum()
        loss.backward()
        with ember.no_grad():
            y = ember.relu(x) + ember.sum(x)
        print(json.dumps([x.grad.tolist(), y.tolist()]))
    """)
    env = {**os.environ, "EMBER_PURE_PYTHON": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    grad, value = json.loads(done.stdout)
    assert np.allclose(grad, [[3.0 + np.exp(1.0), np.exp(-2.0)]], rtol=1e-6)
    assert value == [[0.0, -1.0]]  # relu([1, -2]) + (1 - 2)
