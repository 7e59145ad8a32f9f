"""Records for in-place ops: run on a clone (so the leaf stays a leaf) and compare the result
and the gradients that flow through the in-place op."""


import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

TWO = [Sample((T((3, 4)), T((3, 4))), name="same"), Sample((T((3, 4)), T((4,))), name="bcast"),
       Sample((T((3, 4)), 1.5), name="scalar")]


def _ip(method, *extra):
    def run(x, *args, **kwargs):
        y = x.clone()
        getattr(y, method)(*args, *extra, **kwargs)
        return y

    run.__name__ = method
    return run


RECORDS = [
    OpRecord("add_", _ip("add_"), _ip("add_"), TWO, second_order=True,
             errors=[ErrorInput((T((3,)), T((2, 3))), {}, RuntimeError,
                                r"add_: output with shape \(3,\) doesn't match the broadcast "
                                r"shape \(2, 3\)")]),
    OpRecord("add_", lambda x, y: x.clone().add_(y, alpha=2),
             lambda x, y: x.clone().add_(y, alpha=2), TWO[:2], variant="alpha"),
    OpRecord("sub_", _ip("sub_"), _ip("sub_"), TWO),
    OpRecord("mul_", _ip("mul_"), _ip("mul_"), TWO, second_order=True,
             errors=[ErrorInput((I((3,)), 1.5), {}, RuntimeError,
                                r"mul_: result type float32 can't be cast to the desired output "
                                r"type int64")]),
    OpRecord("div_", _ip("div_"), _ip("div_"),
             [Sample((T((3, 4)), T((3, 4), 0.5, 2.0))), Sample((T((3, 4)), 2.0), name="scalar")]),
    OpRecord("zero_", _ip("zero_"), _ip("zero_"), [Sample((T((3, 4)),))]),
    OpRecord("fill_", _ip("fill_"), _ip("fill_"),
             [Sample((T((3, 4)), 2.5)), Sample((T((3, 4)), T(())), name="tensor")]),
    OpRecord("copy_", _ip("copy_"), _ip("copy_"),
             [Sample((T((3, 4)), T((3, 4)))), Sample((T((3, 4)), T((4,))), name="bcast"),
              Sample((T((3, 4)), I((3, 4))), name="int-src")]),
    OpRecord("concat", lambda a, b: ember.concat([a, b], dim=1),
             lambda a, b: torch.concat([a, b], dim=1), [Sample((T((2, 3)), T((2, 1))))],
             errors=[ErrorInput((T((2, 3)), T((3, 1))), {}, RuntimeError, r"concat|cat")]),
    OpRecord("masked_fill_", lambda x, m: x.clone().masked_fill_(m, -1.5),
             lambda x, m: x.clone().masked_fill_(m, -1.5),
             [Sample((T((3, 4)), B((3, 4)))), Sample((T((3, 4)), B((4,))), name="bcast")],
             errors=[ErrorInput((T((3, 4)), I((3, 4))), {}, (TypeError, RuntimeError),
                                r"masked_fill_?.*bool")]),
    OpRecord("index_add_", lambda x, s: x.clone().index_add_(0, ember.tensor([2, 0]), s),
             lambda x, s: x.clone().index_add_(0, torch.tensor([2, 0]), s),
             [Sample((T((3, 4)), T((2, 4))))],
             errors=[ErrorInput((T((3, 4)), T((2, 5))), {}, (IndexError, RuntimeError),
                                r"index_add")]),
    OpRecord("scatter_", lambda x, s: x.clone().scatter_(1, ember.tensor([[0, 2], [1, 0]]), s),
             lambda x, s: x.clone().scatter_(1, torch.tensor([[0, 2], [1, 0]]), s),
             [Sample((T((2, 3)), T((2, 2))))]),
    OpRecord("__iadd__", lambda x, y: _iadd(x.clone(), y), lambda x, y: _iadd(x.clone(), y),
             TWO[:2]),
]


def _iadd(x, y):
    x += y
    return x


