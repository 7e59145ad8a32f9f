"""``Module`` methods used by ported PyTorch code: state-dict hooks (signatures, call order,
effects), ``type``, ``to_empty``, ``share_memory``, ``to(memory_format=)``; each against
PyTorch on the same model."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1), nn.BatchNorm1d(1)))


def _state(lib, model):
    return {k: lib.tensor(np.full(tuple(v.shape), 0.5), dtype=v.dtype)
            for k, v in model.state_dict().items()}


def _name(module) -> str:
    return type(module).__name__


def _record_state_dict_hooks(lib):
    model, calls = _model(lib), []
    for m in (model, model[1], model[1][0]):
        m.register_state_dict_pre_hook(
            lambda mod, prefix, keep_vars: calls.append(("pre", _name(mod), prefix, keep_vars)))
        m.register_state_dict_post_hook(
            lambda mod, sd, prefix, meta: calls.append(("post", _name(mod), prefix, list(sd),
                                                        meta["version"])))
    keys = list(model.state_dict(keep_vars=True))
    return calls, keys


def test_state_dict_hooks_match_pytorch() -> None:
    assert _record_state_dict_hooks(ember) == _record_state_dict_hooks(torch)


def test_state_dict_post_hook_edits_in_place_and_must_return_none() -> None:
    for lib in (ember, torch):
        model = _model(lib)
        def drop_bias(mod, sd, prefix, meta) -> None:
            del sd[prefix + "0.bias"]

        handle = model.register_state_dict_post_hook(drop_bias)
        assert "0.bias" not in model.state_dict()
        handle.remove()
        assert "0.bias" in model.state_dict()
        model.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd)
        with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
            model.state_dict()


def _record_load_hooks(lib, state_transform=None, strict=True):
    model, calls = _model(lib), []

    def pre(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        calls.append(("pre", _name(mod), prefix, sorted(sd), strict, list(missing)))
        if state_transform is not None:
            state_transform(mod, sd, prefix)

    def post(mod, keys):
        calls.append(("post", _name(mod), list(keys.missing_keys), list(keys.unexpected_keys)))

    for m in (model, model[1], model[1][0]):
        m.register_load_state_dict_pre_hook(pre)
        m.register_load_state_dict_post_hook(post)
    state = _state(lib, model)
    state["1.0.old_weight"] = state.pop("1.0.weight")
    given = dict(state)
    try:
        result = model.load_state_dict(state, strict=strict)
        outcome = (list(result.missing_keys), list(result.unexpected_keys))
    except RuntimeError as exc:
        outcome = str(exc)
    assert state == given  # the hooks worked on a copy
    loaded = model[0].weight.detach().numpy().tolist()  # loaded in both, even on failure
    renamed = model[1][0].weight.detach().numpy().tolist() if state_transform else None
    return calls, outcome, loaded, renamed


def _rename(mod, sd, prefix) -> None:
    if prefix + "old_weight" in sd:
        sd[prefix + "weight"] = sd.pop(prefix + "old_weight")


@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_hooks_match_pytorch(strict) -> None:
    assert _record_load_hooks(ember, strict=strict) == _record_load_hooks(torch, strict=strict)


def test_load_pre_hook_can_rename_keys_as_in_pytorch() -> None:
    mine, theirs = _record_load_hooks(ember, _rename), _record_load_hooks(torch, _rename)
    assert mine == theirs and mine[3] == [[0.5, 0.5, 0.5]] and mine[1] == ([], [])


def test_load_post_hook_can_clear_keys_and_errors_it_adds() -> None:
    for lib in (ember, torch):
        model = lib.nn.Linear(2, 2)
        model.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        assert not model.load_state_dict({"weight": lib.zeros(2, 2)}).missing_keys
        other = lib.nn.Linear(2, 2)
        other.register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, meta, strict, missing, unexpected, errors:
            errors.append("refused by hook"))
        with pytest.raises(RuntimeError, match="refused by hook"):
            other.load_state_dict(other.state_dict())
        bad = lib.nn.Linear(2, 2)
        bad.register_load_state_dict_post_hook(lambda mod, keys: keys)
        with pytest.raises(AssertionError, match="not expected to return new values"):
            bad.load_state_dict(bad.state_dict())


def test_type_to_empty_share_memory_match_pytorch() -> None:
    results = []
    for lib in (ember, torch):
        model = _model(lib)
        model.type(lib.float64)
        dtypes = {k: str(v.dtype).split(".")[-1] for k, v in model.state_dict().items()}
        model.type("torch.FloatTensor" if lib is torch else "ember.FloatTensor")
        dtypes32 = {k: str(v.dtype).split(".")[-1] for k, v in model.state_dict().items()}
        weight = model[0].weight
        assert model.to_empty(device="cpu") is model and model[0].weight is weight
        shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert model.share_memory() is model
        results.append((dtypes, dtypes32, shapes))
    assert results[0] == results[1]
    assert results[0][0]["1.1.num_batches_tracked"] == "float64"  # integer buffers too


def test_to_empty_without_recurse_keeps_submodules() -> None:
    for lib in (ember, torch):
        model = _model(lib)
        with lib.no_grad():
            model[1][0].weight.fill_(2.0)
        model.to_empty(device="cpu", recurse=False)  # the Sequential root has no tensors
        assert model[1][0].weight.detach().numpy().tolist() == [[2.0, 2.0, 2.0]]


def test_module_to_memory_format() -> None:
    for lib in (ember, torch):
        conv = lib.nn.Conv2d(2, 2, 3)
        assert conv.to(memory_format=lib.channels_last) is conv
        with pytest.raises(TypeError, match="must be \\w+.memory_format, not str"):
            lib.ones(2, 3, 4, 5).contiguous(memory_format="channels_last")


def test_sparse_init_zeros_per_column_as_pytorch() -> None:
    for sparsity in (0.0, 0.3, 0.5, 1.0):
        counts = []
        for lib in (ember, torch):
            w = lib.nn.init.sparse_(lib.empty(7, 5), sparsity=sparsity, std=0.5)
            counts.append((w.numpy() == 0).sum(axis=0).tolist())
        assert counts[0] == counts[1]
    big = ember.nn.init.sparse_(ember.empty(400, 50), sparsity=0.1, std=0.5).numpy()
    assert abs(big[big != 0].std() - 0.5) < 0.02
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
            lib.nn.init.sparse_(lib.empty(3), 0.5)


def _sequential_grads(lib, segments):
    lib.manual_seed(0)
    nn = lib.nn
    f64 = lib.float64
    layers = [nn.Linear(3, 3, dtype=f64), nn.Tanh(), nn.Linear(3, 3, dtype=f64), nn.Tanh(),
              nn.Linear(3, 2, dtype=f64)]
    model = lib.nn.Sequential(*layers)
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape)) * (i + 1),
                               dtype=lib.float64))
    x = lib.tensor(np.linspace(-2, 2, 12).reshape(4, 3), requires_grad=True)
    out = lib.utils.checkpoint.checkpoint_sequential(model, segments, x, use_reentrant=True)
    out.square().sum().backward()
    return [out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_pytorch(segments) -> None:
    import torch.utils.checkpoint  # noqa: F401 - makes torch.utils.checkpoint an attribute

    for mine, theirs in zip(_sequential_grads(ember, segments), _sequential_grads(torch, segments)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            lib.utils.checkpoint.checkpoint_sequential([abs], 1, lib.ones(2), foo=1)
