"""``ember.distributions``: probability distributions with PyTorch's
``torch.distributions`` API (sampling, ``log_prob``, ``entropy``, moments, constraints and
``kl_divergence``), so that code written against it ports by changing the import.

Sampling draws from ember's generator (``ember.manual_seed`` makes it reproducible; the
values differ from PyTorch's stream). ``rsample`` is reparameterised: gradients flow from
the sample to the parameters.

>>> import ember
>>> from ember.distributions import Normal, kl_divergence
>>> p, q = Normal(0.0, 1.0), Normal(1.0, 1.0)
>>> kl_divergence(p, q).item()
0.5
"""

from . import _kl_pairs, constraints, transforms
from .binomial import Binomial
from .continuous import Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .distribution import Distribution, ExponentialFamily
from .gamma_family import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .poisson import Poisson
from .transformed import LogNormal, TransformedDistribution

del _kl_pairs  # imported for its register_kl side effect

__all__ = ["constraints", "Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet",
           "Distribution", "Exponential", "ExponentialFamily", "Gamma", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "Uniform", "kl_divergence",
           "register_kl", "transforms", "LogNormal", "TransformedDistribution"]
