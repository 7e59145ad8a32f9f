"""``gradcheck`` and ``gradgradcheck``, as ``torch.autograd.gradcheck``: compare the
Jacobians from reverse (and optionally forward) mode with central finite differences.

>>> import ember
>>> x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
>>> ember.autograd.gradcheck(ember.sin, (x,))
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..tensor import Tensor
from . import forward_ad
from ._functional_utils import autograd_grad
from .engine import grad as _grad
from .grad_mode import enable_grad, no_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` and ``gradgradcheck`` when a check fails."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float_outputs(func: Callable, inputs: tuple) -> tuple:
    return tuple(o for o in _as_tuple(func(*inputs))
                 if isinstance(o, Tensor) and o.dtype.is_floating_point)


def _numerical(func: Callable, inputs: tuple, j: int, n_out: int, eps: float) -> list:
    """Per output, the (input j numel, output numel) Jacobian by central differences."""
    from ..ops import stack, zeros

    x = inputs[j]
    rows: list[list] = [[] for _ in range(n_out)]
    # Grad mode stays on: gradgradcheck's function differentiates inside.
    for k in range(x.numel()):
        outs = []
        for step in (eps, -eps):
            with no_grad():
                flat = x.detach().reshape(-1).clone()
                flat[k] = flat[k] + step
            moved = list(inputs)
            moved[j] = flat.reshape(x.shape).detach().requires_grad_(x.requires_grad)
            outs.append([o.detach() for o in _float_outputs(func, tuple(moved))])
        for o, (plus, minus) in enumerate(zip(*outs)):
            rows[o].append(((plus - minus) / (2 * eps)).reshape(-1))
    if x.numel() == 0:  # no element to move: empty Jacobians
        sizes = [o.numel() for o in _float_outputs_nograd(func, inputs)]
        return [zeros(0, size, dtype=x.dtype) for size in sizes]
    return [stack(r) for r in rows]


def _float_outputs_nograd(func: Callable, inputs: tuple) -> tuple:
    with no_grad():
        return _float_outputs(func, tuple(i.detach() if isinstance(i, Tensor) else i
                                          for i in inputs))


def _analytical(outputs: tuple, diff: list, inputs: tuple) -> list:
    """[input][output] Jacobians (input numel, output numel) by one backward per element."""
    from ..ops import stack, zeros, zeros_like

    jac = [[None] * len(outputs) for _ in diff]
    for o, out in enumerate(outputs):
        columns: list[list] = [[] for _ in diff]
        for m in range(out.numel()):
            if out.requires_grad:
                seed = zeros_like(out).reshape(-1)
                seed[m] = 1.0
                grads = _grad(out, [inputs[j] for j in diff], seed.reshape(out.shape),
                              retain_graph=True, allow_unused=True)
            else:
                grads = (None,) * len(diff)
            for n, (j, g) in enumerate(zip(diff, grads)):
                columns[n].append(zeros_like(inputs[j]).reshape(-1) if g is None
                                  else g.reshape(-1))
        for n, j in enumerate(diff):
            jac[n][o] = (stack(columns[n], dim=1) if columns[n]
                         else zeros(inputs[j].numel(), 0, dtype=inputs[j].dtype))
    return jac


def _forward(func: Callable, inputs: tuple, j: int, n_out: int) -> list:
    """Per output, input j's Jacobian by forward mode, one basis tangent per element."""
    from ..ops import stack, zeros, zeros_like

    x, rows = inputs[j], [[] for _ in range(n_out)]
    for k in range(x.numel()):
        tangent = zeros(x.numel(), dtype=x.dtype)
        tangent[k] = 1.0
        with forward_ad.dual_level():
            moved = list(inputs)
            # Keep requires_grad: a function that differentiates inside (gradgradcheck's
            # fwd-over-rev check) needs the primal in the reverse-mode graph too.
            primal = x.detach().requires_grad_(x.requires_grad)
            moved[j] = forward_ad.make_dual(primal, tangent.reshape(x.shape))
            for o, out in enumerate(_float_outputs(func, tuple(moved))):
                t = forward_ad.unpack_dual(out).tangent
                rows[o].append((zeros_like(out) if t is None else t).reshape(-1))
    return [stack(r) for r in rows]


def _close(a: Tensor, n: Tensor, atol: float, rtol: float) -> bool:
    if tuple(a.shape) != tuple(n.shape):
        return False
    return bool(((a - n).abs() <= atol + rtol * n.abs()).all())


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _mismatch(kind: str, o: int, j: int, numerical: Tensor, analytical: Tensor) -> str:
    return (f"Jacobian {kind}mismatch for output {o} with respect to input {j},\n"
            f"numerical:{numerical}\nanalytical:{analytical}\n")


def _prepare(func: Callable, inputs: Any) -> tuple[tuple, list]:
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ", UserWarning, stacklevel=3)
    return inputs, diff


def gradcheck(func: Callable, inputs: Tensor | Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False,
              masked: bool | None = None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` (the tensors that require grad) against
    central finite differences with step ``eps``: ``|analytical - numerical| <= atol + rtol *
    |numerical|`` for every Jacobian entry. Returns True, or raises ``GradcheckError`` (or
    returns False with ``raise_exception=False``) naming the output and input and showing
    both Jacobians (rows: input elements, columns: output elements).

    Backward mode is also run twice and must agree within ``nondet_tol``. With
    ``check_forward_ad`` the forward-mode Jacobian is compared too. Always the full ("slow")
    check: ``fast_mode`` checks the same Jacobians entry by entry. ``check_undefined_grad``,
    ``check_batched_grad``, ``check_batched_forward_grad`` and ``masked`` are accepted: ember
    has no undefined gradients (missing ones are zeros), its vmap is a loop over the same
    code, and it has no sparse tensors.

    >>> import ember
    >>> x = ember.tensor([0.3, -1.2], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda x: x.exp() * x, (x,), check_forward_ad=True)
    True
    """
    inputs, diff = _prepare(func, inputs)
    with enable_grad():
        outputs = _float_outputs(func, inputs)
    numerical = [_numerical(func, inputs, j, len(outputs), eps) for j in diff]
    if check_backward_ad:
        with enable_grad():
            analytical = _analytical(outputs, diff, inputs)
            again = _analytical(outputs, diff, inputs)
        for n, j in enumerate(diff):
            for o in range(len(outputs)):
                a = analytical[n][o]
                if check_grad_dtypes and a.dtype != inputs[j].dtype:
                    return _fail("Gradient has dtype mismatch", raise_exception)
                if not _close(a, numerical[n][o], atol, rtol):
                    return _fail(_mismatch("", o, j, numerical[n][o], a), raise_exception)
                if not _close(again[n][o], a, nondet_tol, 0.0):
                    return _fail(
                        "Backward is not reentrant, i.e., running backward with same input and "
                        "grad_output multiple times gives different values, although "
                        "analytical gradient matches numerical gradient.The tolerance for "
                        f"nondeterminism was {nondet_tol}.", raise_exception)
    if check_forward_ad:
        for n, j in enumerate(diff):
            for o, f in enumerate(_forward(func, inputs, j, len(outputs))):
                if not _close(f, numerical[n][o], atol, rtol):
                    return _fail(_mismatch("computed with forward mode ", o, j,
                                           numerical[n][o], f), raise_exception)
    return True


def gradgradcheck(func: Callable, inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor] | None = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """``gradcheck`` of the map ``(inputs, grad_outputs) -> the gradients of func``, which
    checks second derivatives: reverse over reverse (``check_rev_over_rev``) and, with
    ``check_fwd_over_rev``, forward mode over reverse. Without ``grad_outputs`` random
    standard-normal ones of each output's shape and dtype are drawn from the default generator
    (torch draws uniform ones in [-1, 1]); they require grad, so their Jacobians are checked
    too. ``gen_non_contig_grad_outputs``, ``check_undefined_grad``, ``check_batched_grad``,
    ``fast_mode`` and ``masked`` are accepted as in ``gradcheck``.

    >>> import ember
    >>> x = ember.tensor([0.3, -1.2], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradgradcheck(lambda x: x.sin() * x, (x,))
    True
    """
    from ..ops import randn_like

    inputs, diff = _prepare(func, inputs)
    with enable_grad():
        outputs = _float_outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_(True) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def new_func(*args: Any) -> tuple:
        ins, gos = args[:n_in], args[n_in:]
        grads = autograd_grad(_float_outputs(func, ins), [ins[j] for j in diff], gos,
                              create_graph=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_grad_dtypes=check_grad_dtypes,
                     check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev)
