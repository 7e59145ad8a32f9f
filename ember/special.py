"""``ember.special``: the ``torch.special`` names for functions ember has, so that code written
against ``torch.special`` ports by changing the import. Each name is the same function as
its ``ember.<name>`` twin (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is
``digamma``).

>>> import ember
>>> ember.special.xlogy(ember.tensor([0.0, 2.0]), 1.0).tolist()
[0.0, 0.0]
>>> ember.special.expit(ember.tensor([0.0])).tolist()
[0.5]
"""

from .nn.functional._toplevel import log_softmax, softmax
from .ops import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    lgamma,
    log1p,
    logit,
    logsumexp,
    polygamma,
    round,
    sigmoid,
    sinc,
    xlogy,
)
from .ops.math_bessel import i0, i0e, i1, i1e
from .ops.math_special_more import (
    entr,
    erfcx,
    gammainc,
    gammaincc,
    log_ndtr,
    multigammaln,
    ndtr,
    ndtri,
    xlog1py,
)

expit, gammaln, psi = sigmoid, lgamma, digamma

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]
