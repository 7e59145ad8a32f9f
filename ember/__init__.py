"""ember: a deep learning framework with a PyTorch-shaped API on NumPy (and CuPy).

>>> import ember
>>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.tolist()
[2.0, 4.0, 6.0]
"""

import math as _math
import warnings as _warnings

# PyTorch computes log(0), 1/0 or exp(1000) silently (inf, NaN); NumPy warns. An errstate
# around every op would cost about 1.3 us (three times a small add), and a global
# numpy.seterr would silence the user's own NumPy code, so NumPy's floating-point warnings
# are filtered instead, once, for calls made from any ember module (the ops, the fast paths
# in ops/registry.py, nn.functional, the backends) and nothing else. Installed first, so
# computations made while ember imports are covered. A filter lives in ``warnings.filters``:
# code that resets the filters after ember is imported (pytest does around each collection
# and test) brings the warnings back there.
_warnings.filterwarnings(
    "ignore", message=r"(divide by zero|overflow|underflow|invalid value) encountered",
    category=RuntimeWarning, module=r"ember(\.|$)")

from . import (
    autograd,
    cuda,
    data,
    distributions,
    func,
    linalg,
    metrics,
    nn,
    optim,
    serialization,
    special,
    tensorboard,
    testing,
    training,
    utils,
)
from ._format import format_tensor as _format_tensor
from ._format import set_printoptions
from ._legacy_types import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ._memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from ._runtime import (
    are_deterministic_algorithms_enabled,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_num_interop_threads,
    set_num_threads,
    use_deterministic_algorithms,
)
from ._summary import ModelSummary, summary
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from .backends import Device, device
from .backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision
from .dtypes import (
    DType,
    bfloat16,
    double,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import bool_ as bool  # noqa: A001 - the PyTorch name
from .dtypes import float as float  # noqa: A001
from .dtypes import int as int  # noqa: A001
from .func import grad, jvp, value_and_grad, vjp, vmap
from .nn.functional._toplevel import *  # noqa: F403 - torch.<layer fn> names, ATen signatures
from .nn.functional._toplevel_loss import *  # noqa: F403
from .ops import *  # noqa: F403
from .serialization import CheckpointError, load, save
from .tensor import _FORMAT_TENSOR, Size, Tensor
from .training import History, Model

_FORMAT_TENSOR.append(_format_tensor)  # Tensor.__repr__'s formatter (see tensor.py)

__version__ = "0.1.0"
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan  # PyTorch's constants


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def is_grad_enabled() -> bool:
    return autograd.is_grad_enabled()
