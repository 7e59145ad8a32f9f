"""The op library. Each family module registers its primitives and binds Tensor methods;
this package re-exports their public functions (each module's ``__all__``)."""

from . import (
    activation,
    compare,
    composite,
    conversion,
    creation,
    creation_more,
    cumulative,
    decomp,
    distance,
    elementwise,
    finite_diff,
    histogram,
    indexing,
    indexing_more,
    inplace,
    inplace_more,
    join,
    linalg,
    linalg_legacy,
    linalg_more,
    math,
    math_bessel,
    math_bits,
    math_special_more,
    random,
    random_dist,
    reduction,
    rounding,
    scatter,
    scatter_more,
    shape,
    shape_build,
    shape_copy,
    shape_inplace,
    shape_more,
    sorting,
    stats,
    tensor_compat,
    tensor_meta,  # Tensor methods only (storage_offset, apply_, ...)
    tensor_query,
    windows,
)

# Collected before the star imports: ``from .scatter import *`` rebinds ``scatter`` to the op.
__all__ = ["REGISTRY", "defop"] + [
    name
    for family in (activation, compare, composite, conversion, creation, creation_more,
                   cumulative, distance, elementwise, finite_diff, histogram, indexing,
                   indexing_more, inplace_more, join, linalg, linalg_legacy, linalg_more, math,
                   math_bessel, math_bits, math_special_more, random, random_dist, reduction,
                   rounding, scatter, scatter_more, shape, shape_build, shape_copy, shape_inplace,
                   shape_more, sorting, stats, tensor_compat, tensor_query, windows)
    for name in family.__all__
]

from .activation import *  # noqa: F403
from .compare import *  # noqa: F403
from .composite import *  # noqa: F403
from .conversion import *  # noqa: F403
from .creation import *  # noqa: F403
from .creation_more import *  # noqa: F403
from .cumulative import *  # noqa: F403
from .distance import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .finite_diff import *  # noqa: F403
from .histogram import *  # noqa: F403
from .indexing import *  # noqa: F403
from .indexing_more import *  # noqa: F403
from .inplace_more import *  # noqa: F403
from .join import *  # noqa: F403
from .linalg import *  # noqa: F403
from .linalg_legacy import *  # noqa: F403
from .linalg_more import *  # noqa: F403
from .math import *  # noqa: F403
from .math_bessel import *  # noqa: F403
from .math_bits import *  # noqa: F403
from .math_special_more import *  # noqa: F403
from .random import *  # noqa: F403
from .random_dist import *  # noqa: F403
from .reduction import *  # noqa: F403
from .registry import REGISTRY, defop
from .rounding import *  # noqa: F403
from .scatter import *  # noqa: F403
from .scatter_more import *  # noqa: F403
from .shape import *  # noqa: F403
from .shape_build import *  # noqa: F403
from .shape_copy import *  # noqa: F403
from .shape_inplace import *  # noqa: F403
from .shape_more import *  # noqa: F403
from .sorting import *  # noqa: F403
from .stats import *  # noqa: F403
from .tensor_compat import *  # noqa: F403
from .tensor_query import *  # noqa: F403
from .windows import *  # noqa: F403

