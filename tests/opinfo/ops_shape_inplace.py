"""Records for the in-place shape changes and ``as_strided``: in-place ones run on a clone
(a leaf that requires grad refuses them, as in PyTorch) and the gradient flows through."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _ip(method):
    def run(x, *args, **kwargs):
        y = x.clone()
        out = getattr(y, method)(*args, **kwargs)
        assert out is y
        return y * 1  # a new node: the gradient must pass through the in-place view op

    run.__name__ = method
    return run


def _on_view(module):
    # as_strided of a view: the default storage offset is the view's own
    return lambda x, size, stride: x[1:].as_strided(size, stride)


AS_STRIDED = [
    Sample((T((3, 4)), (2, 2), (1, 2), 1), name="transposed"),
    Sample((T((3, 4)), (3, 3), (1, 1)), name="overlapping"),
    Sample((T((3, 4)), (2, 3, 2), (4, 1, 0), 0), name="zero-stride"),
    Sample((T((5,)), (), (), 2), name="0d-out"), Sample((T(()), (1,), (0,)), name="0d-in"),
    Sample((T((3, 4)), (0, 2), (1, 1)), name="empty"),
]
SIZE_ERROR = ErrorInput((T((2, 3)), (10,), (1,)), {}, RuntimeError,
                        r"as_strided: setStorage: sizes \[10\], strides \[1\], storage offset 0, "
                        r"and itemsize 4 requiring a storage size of 40 are out of bounds for "
                        r"storage of size 24")

RECORDS = [
    OpRecord("squeeze_", _ip("squeeze_"), _ip("squeeze_"),
             [Sample((T((1, 3, 1)),)), Sample((T((1, 3, 1)), 2), name="dim"),
              Sample((T((1, 3, 1)), (0, -1)), name="dims"), Sample((T(()),), name="0d"),
              Sample((T((0, 1)),), name="empty")], second_order=True, jvp=True,
             errors=[ErrorInput((T((1, 3)), 2), {}, IndexError, r"squeeze.*out of range")]),
    OpRecord("unsqueeze_", _ip("unsqueeze_"), _ip("unsqueeze_"),
             [Sample((T((2, 3)), 1)), Sample((T((2, 3)), -1), name="neg"),
              Sample((T(()), 0), name="0d")], second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), 3), {}, IndexError, r"unsqueeze.*out of range")]),
    OpRecord("t_", _ip("t_"), _ip("t_"),
             [Sample((T((2, 3)),)), Sample((T((3,)),), name="1d"), Sample((T(()),), name="0d")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3, 4)),), {}, RuntimeError, r"t: expects a tensor with "
                                r"<= 2 dimensions, but self is 3D")]),
    *[OpRecord(name, _ip(name), _ip(name),
               [Sample((T((2, 3, 4)), 0, 2)), Sample((T((2, 3, 4)), -1, 1), name="neg"),
                Sample((T((0, 3)), 0, 1), name="empty")], second_order=True, jvp=True,
               errors=[ErrorInput((T((2, 3)), 0, 2), {}, IndexError, r"out of range")])
      for name in ("transpose_", "swapdims_", "swapaxes_")],
    OpRecord("as_strided", ember.as_strided, torch.as_strided, AS_STRIDED, second_order=True,
             jvp=True, errors=[SIZE_ERROR,
                               ErrorInput((T((2, 3)), (2, 2), (1,)), {}, RuntimeError,
                                          r"as_strided: mismatch in length of strides and "
                                          r"shape")]),
    OpRecord("as_strided", _on_view(ember), _on_view(torch),
             [Sample((T((3, 4)), (2, 2), (1, 4)))], second_order=True, variant="view"),
    OpRecord("as_strided_", lambda x, *a: _ip("as_strided_")(x, *a),
             lambda x, *a: _ip("as_strided_")(x, *a), AS_STRIDED[:3], second_order=True,
             jvp=True, errors=[SIZE_ERROR]),
]
