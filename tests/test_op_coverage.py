"""Every op the core promises exists as ``ember.<name>`` and has a PyTorch parity record."""

from __future__ import annotations

import pytest

import ember
from tests.opinfo import all_records

ELEMENTWISE = """add sub mul div floor_divide remainder fmod pow neg abs sign exp exp2 expm1 log
log2 log10 log1p sqrt rsqrt square reciprocal sin cos tan asin acos atan atan2 sinh cosh tanh
asinh acosh atanh sigmoid logit erf erfc erfinv floor ceil round trunc frac clamp clip maximum
minimum fmax fmin where lerp hypot nan_to_num isnan isinf isfinite eq ne lt le gt ge isclose
allclose logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor
bitwise_not logaddexp logaddexp2 xlogy copysign signbit sgn heaviside gcd lcm deg2rad rad2deg
float_power rsub sinc equal lgamma digamma polygamma frexp ldexp nextafter i0 bitwise_left_shift
bitwise_right_shift angle positive""".split()
REDUCTIONS = """sum mean nansum nanmean prod max min amax amin argmax argmin var std var_mean
norm logsumexp cumsum cumprod cummax all any count_nonzero median mode quantile nanquantile
kthvalue nanmedian logcumsumexp cummin cov corrcoef trapezoid trapz cumulative_trapezoid
aminmax""".split()
SHAPE = """reshape flatten unflatten squeeze unsqueeze permute transpose movedim broadcast_to
repeat_interleave tile flip roll cat concat stack hstack vstack split chunk unbind narrow tril
triu diagonal diag clone select hsplit vsplit dsplit rot90 block_diag cartesian_prod
combinations vander diagflat renorm as_strided diagonal_scatter select_scatter slice_scatter
split_with_sizes narrow_copy view_copy permute_copy transpose_copy t_copy squeeze_copy
unsqueeze_copy expand_copy diagonal_copy select_copy slice_copy split_copy split_with_sizes_copy
unbind_copy unfold_copy alias_copy detach_copy as_strided_copy""".split()
SHAPE_METHODS = "view expand expand_as repeat contiguous detach unfold".split()
INDEXING = """gather scatter scatter_add scatter_reduce index_select index_add index_copy
index_fill take take_along_dim masked_fill masked_select nonzero topk sort argsort unique
searchsorted bincount index_put masked_scatter bucketize histc isin unique_consecutive put
index_reduce""".split()
LINALG = """matmul mm bmm dot vdot outer addmm baddbmm einsum tensordot kron mv addmv addr
addbmm inner chain_matmul cross inverse det logdet cdist dist pdist lu lu_solve lu_unpack""".split()
LINALG_NS = """norm vector_norm matrix_norm inv solve det slogdet cholesky qr svd eigh pinv
lstsq cross lu lu_factor lu_factor_ex lu_solve inv_ex solve_ex cholesky_ex""".split()
INPLACE = """add_ sub_ mul_ div_ zero_ fill_ clamp_ copy_ masked_fill_ index_add_ scatter_
uniform_ normal_ index_put_ masked_scatter_ addmm_ logical_not_ renorm_ xlogy_ copysign_ sgn_
heaviside_ gcd_ lcm_ deg2rad_ rad2deg_ float_power_ sinc_ lgamma_ digamma_ polygamma_ squeeze_
unsqueeze_ t_ transpose_ swapdims_ swapaxes_ as_strided_ fill_diagonal_ put_ index_reduce_ eq_ ne_
lt_ le_ gt_ ge_ greater_ less_ greater_equal_ less_equal_ not_equal_ cumsum_ cumprod_ atan2_
hypot_ bitwise_not_ addmv_ ldexp_ nextafter_ i0_ bitwise_left_shift_""".split()

FUNCTIONS = ELEMENTWISE + REDUCTIONS + SHAPE + INDEXING + LINALG
# Ops without a float gradient or whose output is not comparable elementwise still need a
# record (forward values are compared); none is exempt.


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_exists(name):
    assert callable(getattr(ember, name, None)), f"ember.{name} is missing"


@pytest.mark.parametrize("name", FUNCTIONS + SHAPE_METHODS + INPLACE)
def test_tensor_method_exists(name):
    torch = pytest.importorskip("torch")
    if not hasattr(torch.Tensor, name):  # e.g. cat, einsum, tensordot are functions only
        return
    assert hasattr(ember.Tensor, name), f"Tensor.{name} is missing (torch.Tensor has it)"


@pytest.mark.parametrize("name", LINALG_NS)
def test_linalg_function_exists(name):
    assert callable(getattr(ember.linalg, name, None)), f"ember.linalg.{name} is missing"


_RECORDED = {r.name for r in all_records()}


RANDOM_INPLACE = {"uniform_", "normal_"}  # values are random: tests/test_random.py covers them


@pytest.mark.parametrize("name", FUNCTIONS + SHAPE_METHODS
                         + [n for n in INPLACE if n not in RANDOM_INPLACE]
                         + [f"linalg.{n}" for n in LINALG_NS])
def test_has_parity_record(name):
    assert name in _RECORDED, f"no op record (tests/opinfo) for {name}"
