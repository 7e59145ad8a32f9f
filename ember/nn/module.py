"""``Module``: the base class of every layer, with PyTorch's behaviour.

Assigning a :class:`Parameter`, a ``Module`` or (after ``register_buffer``) a tensor to an
attribute registers it; ``parameters()``, ``state_dict()``, ``to()``, ``train()`` and the
hooks then see it.

Errors that name the layer
--------------------------
Every module knows the path it was reached through from the root (``encoder.fc1``): it is
set when the module is registered as a child. Layers raise their errors through
:meth:`Module.module_error`, which prefixes ``"<path> (<ClassName>, <extra_repr>): "``
(``"<ClassName>(<extra_repr>): "`` for the root)::

    if x.shape[-1] != self.in_features:
        raise self.module_error(f"expected input of shape (..., {self.in_features}), "
                                f"got {tuple(x.shape)}")

gives ``encoder.fc1 (Linear, in_features=784, out_features=10, bias=True): expected input of
shape (..., 784), got (32, 28, 28)``. A ``ValueError``/``TypeError``/``RuntimeError``/
``IndexError`` raised by an ember op inside ``forward`` gets the same prefix, naming the
innermost module, with its type kept.

>>> import ember
>>> class Affine(ember.nn.Module):
...     def __init__(self, n):
...         super().__init__()
...         self.weight = ember.nn.Parameter(ember.ones(n))
...         self.register_buffer("shift", ember.zeros(n))
...     def forward(self, x):
...         return x * self.weight + self.shift
>>> m = Affine(2)
>>> list(m.state_dict())
['weight', 'shift']
>>> m(ember.tensor([1.0, 2.0])).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import copy
import os
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .. import dtypes as _dt
from .._memory_format import check_format
from ..autograd.grad_mode import no_grad
from ..autograd.graph import zero_grads
from ..tensor import Tensor
from ._module_hooks import add_hook as _add_hook
from ._module_hooks import call_with_hooks as _call_with_hooks
from ._module_porting import ModulePortingMethods
from ._module_state import _IncompatibleKeys
from ._module_state import load_state_dict as _load_state_dict
from .parameter import Buffer, Parameter, _is_uninitialized
from .utils.hooks import RemovableHandle

__all__ = ["Module"]

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_PREFIXED_ERRORS = (ValueError, TypeError, RuntimeError, IndexError)


def runs_own_forward(module: Module, cls: type, forward: Callable) -> bool:
    """Whether calling ``module`` runs exactly ``forward``: a ``cls`` (not a subclass)
    without hooks, its ``forward`` replaced neither on the instance nor on the class (as a
    wrapping library may do). Callers that fuse a module's work with the next one's, or
    reuse its result's memory, check this first."""
    return (type(module) is cls and not module._has_hooks()
            and "forward" not in module.__dict__ and cls.forward is forward)


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _check_name(kind: str, name: Any, owner: Module) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f"{kind} name can't contain \".\", got: {name}")
    if name == "":
        raise KeyError(f"{kind} name can't be empty string \"\"")


class Module(ModulePortingMethods):
    """Base class for all neural network modules; subclasses define ``forward``."""

    training: bool
    _version: int = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = set()
        d["_backward_hooks"] = OrderedDict()
        d["_backward_pre_hooks"] = OrderedDict()
        d["_state_dict_pre_hooks"] = OrderedDict()
        d["_state_dict_hooks"] = OrderedDict()
        d["_load_state_dict_pre_hooks"] = OrderedDict()
        d["_load_state_dict_post_hooks"] = OrderedDict()
        d["_ember_parent"] = None  # weakref to the module this one was registered in
        d["_ember_name"] = ""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            if self._has_hooks():
                return _call_with_hooks(self, args, kwargs)
            return self.forward(*args, **kwargs)
        except _PREFIXED_ERRORS as exc:
            self._prefix_op_error(exc)
            raise

    def _has_hooks(self) -> bool:
        """Whether calling this module runs any of its own hooks around ``forward``."""
        return bool(self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                    or self._backward_pre_hooks)

    # ------------------------------------------------------------------ error naming
    def module_path(self) -> str:
        """The dotted path of this module from the root it was registered under ('' for a
        root)."""
        names, m = [], self
        while True:
            ref = m.__dict__.get("_ember_parent")
            parent = ref() if ref is not None else None
            if parent is None:
                break
            names.append(m.__dict__["_ember_name"])
            m = parent
        return ".".join(reversed(names))

    def _error_prefix(self) -> str:
        name, extra, path = self._get_name(), self.extra_repr().replace("\n", ", "), \
            self.module_path()
        if not path:
            return f"{name}({extra}): "
        return f"{path} ({name}, {extra}): " if extra else f"{path} ({name}): "

    def module_error(self, message: str, exc_type: type[Exception] = ValueError) -> Exception:
        """An exception of ``exc_type`` whose message names this module; ``raise`` it.

        >>> import ember
        >>> class Square(ember.nn.Module):
        ...     def forward(self, x):
        ...         if x.ndim != 2:
        ...             raise self.module_error(f"expected a 2-d input, got {x.ndim}-d")
        ...         return x * x
        >>> net = ember.nn.Module()
        >>> net.sq = Square()
        >>> net.sq(ember.zeros(3))
        Traceback (most recent call last):
        ...
        ValueError: sq (Square): expected a 2-d input, got 1-d
        """
        exc = exc_type(self._error_prefix() + message)
        exc._ember_module_named = True
        return exc

    def _prefix_op_error(self, exc: BaseException) -> None:
        """Prefix this module's name to an error raised by ember code (not user code) that
        no inner module has named yet; the exception object (and type) is kept."""
        if getattr(exc, "_ember_module_named", False):
            return
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is None or not tb.tb_frame.f_code.co_filename.startswith(_EMBER_DIR):
            return
        try:
            first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
            exc.args = (self._error_prefix() + first,) + tuple(exc.args[1:])
            exc._ember_module_named = True
        except (AttributeError, TypeError):  # an exception type that refuses new attributes
            pass

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (ember.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer (state that is not a parameter, e.g. running statistics);
        non-persistent buffers stay out of the state dict."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name, self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (ember Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or ``None``) under ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name, self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._set_child(name, module)

    register_module = add_module

    def _set_child(self, name: str, module: Module | None) -> None:
        self._modules[name] = module
        if module is not None:
            module.__dict__["_ember_parent"] = weakref.ref(self)
            module.__dict__["_ember_name"] = name

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")

        def remove_from(*dicts_or_sets: Any) -> None:
            for s in dicts_or_sets:
                if name in s:
                    if isinstance(s, dict):
                        del s[name]
                    else:
                        s.discard(name)

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(ember.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = d.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(d, self._parameters, self._buffers,
                            self._non_persistent_buffers_set)
                self._set_child(name, value)
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                    f"'{name}' (ember.nn.Module or None expected)")
                modules[name] = value
            elif isinstance(value, Buffer):  # nn.Buffer marks a buffer, as in PyTorch
                if d.get("_buffers") is None:
                    raise AttributeError("cannot assign buffer before Module.__init__() call")
                # (register_buffer refuses a name already used by a plain attribute)
                self.register_buffer(name, value, value.persistent)
            else:
                buffers = d.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{type(value).__name__}' as buffer "
                                        f"'{name}' (ember Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__()) + list(self._parameters) + list(self._buffers) + \
            list(self._modules)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __deepcopy__(self, memo: dict) -> Module:
        # Plain tensors refuse pickling (and so the default deepcopy): copy buffers first,
        # leaves with their requires_grad and grad (Tensor.__deepcopy__, as PyTorch's)
        for b in self._buffers.values():
            if b is not None and id(b) not in memo:
                memo[id(b)] = copy.deepcopy(b, memo) if b.is_leaf else b.detach().clone()
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k == "_ember_parent":
                parent = v() if v is not None else None
                copied = memo.get(id(parent)) if parent is not None else None
                new.__dict__[k] = weakref.ref(copied) if isinstance(copied, Module) else None
            else:
                new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get_members: Callable, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        memo: set = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, each parameter once (unless ``remove_duplicate`` is
        False), in registration order, children after their parent's own."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        memo: set = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return mod._buffers[name]

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first), then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to ``None`` by default)."""
        zero_grads(self.parameters(), set_to_none)

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """Convert every parameter (in place: optimizers keep working), gradient and buffer
        (this module's only, without ``recurse``)."""
        for module in self.modules() if recurse else (self,):
            lazy = getattr(module, "_convert_lazy", None)
            if lazy is not None:  # a lazy layer: later materialised in the converted dtype
                lazy(fn)
            for p in module._parameters.values():
                if p is None or _is_uninitialized(p):
                    continue
                with no_grad():
                    new = fn(p)
                p._data = new._data
                if p.grad is not None:
                    p.grad._data = fn(p.grad)._data
            for name, b in module._buffers.items():
                if b is not None and not _is_uninitialized(b):
                    module._buffers[name] = fn(b)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device=None, dtype=None, non_blocking=False)``, ``to(dtype)``,
        ``to(tensor)`` or ``to(memory_format=...)``: move and/or cast floating-point
        parameters and buffers in place (a memory format is accepted; ember keeps data
        row-major)."""
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        check_format("to", kwargs.pop("memory_format", None))  # ember keeps data row-major
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dt.DType):
                dtype = a
            elif isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, bool) or a is None:
                continue  # non_blocking given positionally
            else:
                device = a
        if dtype is not None and dtype.category != _dt.FLOAT:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dtype}")

        def convert(t: Tensor) -> Tensor:
            dt = dtype if t.is_floating_point() else None
            if (dt is None or dt == t.dtype) and (device is None or str(t.device) ==
                                                  str(device)):
                return t
            return t.to(device=device, dtype=dt)

        return self._apply(convert)

    def _cast(self, dtype: _dt.DType) -> Module:
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() and
                           t.dtype != dtype else t)

    def double(self) -> Module:
        return self._cast(_dt.float64)

    def float(self) -> Module:
        return self._cast(_dt.float32)

    def half(self) -> Module:
        return self._cast(_dt.float16)

    def bfloat16(self) -> Module:
        return self._cast(_dt.bfloat16)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        return self.to("cuda" if device is None else device)

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args: Any, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """An ``OrderedDict`` of parameters and persistent buffers (detached unless
        ``keep_vars``), keyed by dotted names in PyTorch's order."""
        if args:  # the legacy positional form state_dict(destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in list(self._state_dict_hooks.values()):
            if hook(self, destination, prefix, {"version": self._version}) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _state_entries(self, prefix: str, out: dict) -> None:
        """Every loadable ``key -> (module, name, is_param)``, including shared modules."""
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = (self, name, True)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                out[prefix + name] = (self, name, False)
        for name, module in self._modules.items():
            if module is not None:
                module._state_entries(prefix + name + ".", out)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict``; returns ``(missing_keys,
        unexpected_keys)``.

        Everything is checked before anything is written: on any error (missing or
        unexpected keys with ``strict``, a shape mismatch, a non-tensor value) a RuntimeError
        lists all of them and the module is left unchanged. Values are converted to each
        parameter's dtype and copied in place, unless ``assign=True``, which keeps the given
        tensors (as Parameters where parameters were).
        """
        return _load_state_dict(self, state_dict, strict, assign)

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` (or ``hook(module, args, kwargs)``) runs before forward;
        it may return new args (or ``(args, kwargs)``)."""
        return _add_hook(self._forward_pre_hooks, hook, prepend,
                         self._forward_pre_hooks_with_kwargs, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) runs
        after forward; it may return a new output."""
        return _add_hook(self._forward_hooks, hook, prepend, self._forward_hooks_with_kwargs,
                         with_kwargs)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients of the module's
        tensor inputs are computed; it may return new ``grad_input``."""
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients of the module's outputs are
        computed; it may return a new ``grad_output``."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The layer's settings for ``repr`` and error messages (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2)
                       for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
