"""L-BFGS, a port of PyTorch's (itself after minFunc), on one flat vector of all parameters.

The arithmetic runs on backend arrays in the parameters' dtype, as PyTorch's runs on
tensors, so the iterates agree to rounding.

>>> import ember
>>> w = ember.tensor([3.0, -2.0], requires_grad=True)
>>> opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe")
>>> def closure():
...     opt.zero_grad(); loss = ((w - 1) ** 2).sum(); loss.backward(); return loss
>>> _ = opt.step(closure)
>>> [round(v, 4) for v in w.tolist()]
[1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import enable_grad, no_grad
from ..backends import backend_of
from ..tensor import Tensor, _make
from .optimizer import Optimizer, ParamsT, check

_ARRAY_STATE = ("d", "prev_flat_grad")
_LIST_STATE = ("old_dirs", "old_stps")


class LBFGS(Optimizer):
    """Limited-memory BFGS; ``step(closure)`` runs up to ``max_iter`` iterations. One
    parameter group only; ``line_search_fn`` is None (fixed step ``lr``) or
    ``'strong_wolfe'``."""

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._xp = backend_of(self._params[0]._data).xp

    # ------------------------------------------------------------------ flat-vector helpers
    def _gather_flat_grad(self) -> Any:
        xp = self._xp
        return xp.concatenate([xp.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: Any, update: Any) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (update[offset:offset + n] * step_size).reshape(p._data.shape)
            p._version[0] += 1
            offset += n

    def _directional_evaluate(self, closure: Callable, x: list, t: Any, d: Any) -> tuple:
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            self._xp.copyto(p._data, saved)
            p._version[0] += 1
        return loss, flat_grad

    # ------------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run L-BFGS iterations; ``closure`` re-evaluates the loss (with ``backward()``)."""
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        xp = self._xp
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if xp.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss
        d, prev_flat_grad = (None if state.get(k) is None else state[k]._data
                             for k in _ARRAY_STATE)
        old_dirs, old_stps = ([v._data for v in state[k]] if k in state else None
                              for k in _LIST_STATE)
        t, ro, h_diag = state.get("t"), state.get("ro"), state.get("H_diag")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = xp.dot(y, s)
                if ys > 1e-10:  # update the memory only when curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / xp.dot(y, y)
                # two-loop recursion for d = -H g
                al = [None] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = xp.dot(old_stps[i], q) * ro[i]
                    q -= old_dirs[i] * al[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = xp.dot(old_dirs[i], r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = xp.dot(flat_grad, d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                from ._wolfe import strong_wolfe

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    xp, obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=_wrap(d), t=t, old_dirs=[_wrap(v) for v in old_dirs],
                     old_stps=[_wrap(v) for v in old_stps], ro=ro, H_diag=h_diag,
                     prev_flat_grad=_wrap(prev_flat_grad), prev_loss=prev_loss)
        return orig_loss


def _wrap(array: Any) -> Tensor | None:
    return None if array is None else _make(array)
