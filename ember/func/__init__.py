"""Function transforms with the API of ``torch.func``: ``grad``, ``grad_and_value``,
``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` and ``functional_call``
(plus JAX's ``value_and_grad``). They compose: ``hessian(f) = jacfwd(jacrev(f))``.

>>> import ember
>>> ember.func.hessian(lambda x: (x * x).sum())(ember.tensor([1.0, 2.0])).tolist()
[[2.0, 0.0], [0.0, 2.0]]
"""

from ..nn.utils.stateless import functional_call
from ._grad import grad, grad_and_value, jvp, value_and_grad, vjp
from ._jac import hessian, jacfwd, jacrev
from ._vmap import vmap

__all__ = [
    "functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
    "value_and_grad", "vjp", "vmap",
]
