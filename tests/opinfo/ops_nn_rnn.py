"""Records for the recurrent cell functions (ember/nn/functional/rnn.py)."""

import torch

from ember.nn.functional import rnn as R

from .core import ErrorInput, OpRecord, Sample, T


def _lstm_e(x, h, c, *w):
    return R.lstm_cell(x, (h, c), *w)


def _lstm_t(x, h, c, *w):
    return torch.lstm_cell(x, (h, c), *w)


def _samples(gates: int, state: int) -> list:
    h = (T((3, 4)),) * state
    return [
        Sample((T((3, 5)), *h, T((gates * 4, 5)), T((gates * 4, 4)), T((gates * 4,)),
                T((gates * 4,)))),
        Sample((T((3, 5)), *h, T((gates * 4, 5)), T((gates * 4, 4))), name="no-bias"),
        Sample((T((0, 5)), *(T((0, 4)),) * state, T((gates * 4, 5)), T((gates * 4, 4))),
               name="empty-batch"),
    ]


_BAD_W = ErrorInput((T((3, 5)), T((3, 4)), T((8, 5)), T((12, 4))), {}, RuntimeError,
                    r"gru_cell: expected w_ih \(12, in\)")
_BAD_H = ErrorInput((T((3, 5)), T((2, 4)), T((12, 5)), T((12, 4))), {}, RuntimeError,
                    r"gru_cell: expected hidden state of shape \(3, 4\)")

RECORDS = [
    OpRecord("lstm_cell", _lstm_e, _lstm_t, _samples(4, 2), second_order=True,
             errors=[ErrorInput((T((3, 6)), T((3, 4)), T((3, 4)), T((16, 5)), T((16, 4))), {},
                                RuntimeError, r"lstm_cell: expected input of shape")]),
    OpRecord("gru_cell", R.gru_cell, torch.gru_cell, _samples(3, 1), second_order=True,
             errors=[_BAD_W, _BAD_H]),
    OpRecord("rnn_tanh_cell", R.rnn_tanh_cell, torch.rnn_tanh_cell, _samples(1, 1),
             second_order=True),
    OpRecord("rnn_relu_cell", R.rnn_relu_cell, torch.rnn_relu_cell, _samples(1, 1)),
]
