"""Modified Bessel functions of orders 0 and 1 on backend arrays, in float64: the
exponentially scaled ``i0e`` and ``i1e`` as Chebyshev series (on ``[0, 8]`` and
``[8, inf)`` in ``|x|``, the partition of the Cephes library that PyTorch uses), and ``i0``,
``i1`` from them. Used by the ``i0`` family of ops and by ``kaiser_window``.

The coefficients are the Chebyshev expansions, computed to 50 digits, of
``exp(-x) I0(x)`` and ``exp(-x) I1(x) / x`` for ``x = 4 (t + 1)`` and of
``exp(-x) sqrt(x) I0(x)`` and ``exp(-x) sqrt(x) I1(x)`` for ``x = 16 / (t + 1)``, with
``t`` in ``[-1, 1]``; terms below 1e-19 of the largest are dropped.
"""

from __future__ import annotations

from typing import Any

I0E_SMALL = (
    6.7679527440947608e-1, -3.046826723431984e-1, 1.7162090152220878e-1,
    -9.4901097048047644e-2, 4.9305284239670708e-2, -2.3737414805899469e-2,
    1.0546460394594998e-2, -4.3243099950505759e-3, 1.6394756169413358e-3,
    -5.7637557453858237e-4, 1.8850288509584166e-4, -5.7541950100821037e-5,
    1.6448448070728897e-5, -4.4167383584587506e-6, 1.1173875391201037e-6,
    -2.6707938539406117e-7, 6.0469950225419189e-8, -1.300025009986248e-8,
    2.6598237246823867e-9, -5.1897956016352629e-10, 9.6758090353732369e-11,
    -1.7268262914415557e-11, 2.9550526631296398e-12, -4.8564467831119295e-13,
    7.6761854986049356e-14, -1.1685332877993452e-14, 1.715391285555133e-15,
    -2.4312798465479547e-16, 3.3307945188222381e-17, -4.4153416464793394e-18,
    5.6691780069214962e-19, -7.0571006924572934e-20,
)
I0E_LARGE = (
    8.0449041101410883e-1, 3.3691164782556941e-3, 6.889758346916824e-5, 2.8913705208347565e-6,
    2.0489185894690637e-7, 2.2666689904981781e-8, 3.3962320257083863e-9,
    4.9406023882249696e-10, 1.1889147107846438e-11, -3.1499165279632414e-11,
    -1.3215811840447713e-11, -1.7941785315068061e-12, 7.1801244513836662e-13,
    3.8527783827421427e-13, 1.5400862175214098e-14, -4.1505693472872221e-14,
    -9.5548466988283076e-15, 3.8116806693526224e-15, 1.7725601330565264e-15,
    -3.4254856196772191e-16, -2.8276239805165835e-16, 3.4612228676974611e-17,
    4.46562142029676e-17, -4.8305044859441821e-18, -7.233180487874754e-18,
    9.9214754121736986e-19, 1.1936508908459821e-18, -2.4887098371508072e-19,
    -1.9384264541609059e-19,
)
I1E_SMALL = (
    2.5258718644363365e-1, -1.7641651835783406e-1, 1.026436586898471e-1,
    -5.2945981208094991e-2, 2.4726449030626517e-2, -1.0564084894626198e-2,
    4.1564229443128882e-3, -1.5135724506312531e-3, 5.1228595616857577e-4,
    -1.6176081582589675e-4, 4.7815651075500542e-5, -1.3273163656039436e-5,
    3.4702513081376785e-6, -8.5687202646954547e-7, 2.0032947535521353e-7,
    -4.4450591287963281e-8, 9.3815373864957718e-9, -1.8872497517228293e-9,
    3.625590281552117e-10, -6.6634897235020277e-11, 1.1736186298890902e-11,
    -1.9839743977649437e-12, 3.2237933659455747e-13, -5.0421855047279117e-14,
    7.6006842947354069e-15, -1.1055969477353863e-15, 1.5536319577362005e-16,
    -2.1114212143581661e-17, 2.7779141127610464e-18, -3.5415817725421362e-19,
    4.379302756655071e-20,
)
I1E_LARGE = (
    7.7857623501828012e-1, -9.7610974913614684e-3, -1.1058893876262372e-4,
    -3.8825648088776904e-6, -2.5122362378702089e-7, -2.6314688468895195e-8,
    -3.835380385964237e-9, -5.5897434621965838e-10, -1.8974958123505412e-11,
    3.2526035830154882e-11, 1.4125807436613781e-11, 2.0356285441470895e-12,
    -7.1985517762459085e-13, -4.0835511110921973e-13, -2.1015418427726643e-14,
    4.2724400167119514e-14, 1.0420276984128803e-14, -3.8144030724370078e-15,
    -1.8803547755107824e-15, 3.3082023109209283e-16, 2.9626289976459501e-16,
    -3.209525921993424e-17, -4.6503053684893583e-17, 4.4143483230717079e-18,
    7.5172963108421048e-18, -9.3141788673268834e-19, -1.242193275194891e-18,
    2.4142767194548485e-19, 2.0269443840532852e-19,
)


def _chebyshev(xp: Any, y: Any, coefs: tuple) -> Any:
    """``c0 / 2 + sum_k c_k T_k(y / 2)`` by Clenshaw's recurrence in the form Cephes uses
    (the argument doubled, the result halved at the end), which loses less to rounding
    near ``|y| = 2`` than the textbook form."""
    b0 = xp.full_like(y, coefs[-1])
    b1 = b2 = xp.zeros_like(y)
    for c in coefs[-2::-1]:
        b2, b1 = b1, b0
        b0 = y * b1 - b2 + c
    return (b0 - b2) / 2


def _split(xp: Any, x: Any, small: tuple, large: tuple) -> Any:
    """The series ``small`` at ``|x| <= 8`` and ``large / sqrt|x|`` beyond (float64)."""
    a = xp.abs(x)
    near = a <= 8
    inner = _chebyshev(xp, xp.where(near, a, 8.0) / 2 - 2, small)
    far = xp.where(near, 16.0, a)  # keeps the unused branch finite
    outer = _chebyshev(xp, 32 / far - 2, large) / xp.sqrt(far)
    return xp.where(near, inner, outer)


def i0e_array(xp: Any, x: Any) -> Any:
    """``exp(-|x|) I0(x)`` of a float64 array."""
    return _split(xp, x, I0E_SMALL, I0E_LARGE)


def i1e_array(xp: Any, x: Any) -> Any:
    """``exp(-|x|) I1(x)`` of a float64 array (odd in ``x``)."""
    a = xp.abs(x)
    inner = _chebyshev(xp, xp.minimum(a, 8.0) / 2 - 2, I1E_SMALL) * x + 0.0  # i1(-0) = +0
    return xp.where(a <= 8, inner, xp.sign(x) * _split(xp, x, I1E_SMALL, I1E_LARGE))


def _unscaled(xp: Any, x: Any, scaled: Any) -> Any:
    """``exp(|x|) * scaled``: inf beyond ``|x|`` about 713, NaN at ``x = ±inf`` (inf * 0,
    as PyTorch's)."""
    errstate = getattr(xp, "errstate", None)  # NumPy warns on the overflow to inf
    if errstate is None:
        return xp.exp(xp.abs(x)) * scaled
    with errstate(over="ignore", invalid="ignore"):
        return xp.exp(xp.abs(x)) * scaled


def i0_array(xp: Any, x: Any) -> Any:
    """``I0(x)`` of a float64 array."""
    return _unscaled(xp, x, i0e_array(xp, x))


def i1_array(xp: Any, x: Any) -> Any:
    """``I1(x)`` of a float64 array."""
    return _unscaled(xp, x, i1e_array(xp, x))
