/* ember._speedups: the no-graph fast paths of the hottest ops, without a Python frame.
 *
 * This module is optional. ``ember/ops/registry.py`` (``fast_unary``, ``fast_binary``) and
 * ``ember/tensor.py`` (``_make``) hold the reference Python versions and their semantics; when
 * this extension is built (``pip install -e .`` compiles it where a C compiler is available)
 * they hand the same work to it. It defines no op: it checks the same conditions, calls the
 * same Python array operation the op's own code gives it, and wraps the result in a Tensor.
 * It saves ~0.4 us of a 1-2 us small op (benchmarks/RESULTS.md, round 16).
 *
 * It uses only CPython's C API (no NumPy headers): the arrays are touched only through
 * their Python attributes ("dtype", "kind", "size") and the callables it is given.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* ---------------------------------------------------------------- Tensor construction */

/* Tensor's __slots__, in the order ``_make`` fills them (see ember/tensor.py). */
enum {
    S_DATA, S_REQUIRES_GRAD, S_GRAD, S_GRAD_FN, S_OUT_INDEX, S_VERSION, S_BASE,
    S_BASE_VERSION, S_RETAINS_GRAD, S_HOOKS, S_FW, N_SLOTS
};
static const char *const slot_names[N_SLOTS] = {
    "_data", "_requires_grad", "grad", "grad_fn", "_out_index", "_version", "_base",
    "_base_version", "_retains_grad", "_hooks", "_fw"
};
static Py_ssize_t slot_offset[N_SLOTS];
static PyTypeObject *tensor_type = NULL;
static PyObject *zero;  /* the int 0 */

#define SLOT(obj, i) (*(PyObject **)((char *)(obj) + slot_offset[i]))

static PyObject *str_dtype, *str_kind, *str_size, *str_xp, *str_asarray,
    *str_grad_enabled, *str_level, *str_enabled, *str_qualname;

/* A new leaf Tensor holding ``data`` (borrowed; the Tensor takes its own reference), exactly
 * as tensor._make builds it. */
static PyObject *
new_tensor(PyObject *data, int requires_grad)
{
    PyObject *version = PyList_New(1);
    if (version == NULL) {
        return NULL;
    }
    PyList_SET_ITEM(version, 0, Py_NewRef(zero));
    PyObject *t = tensor_type->tp_alloc(tensor_type, 0);
    if (t == NULL) {
        Py_DECREF(version);
        return NULL;
    }
    SLOT(t, S_DATA) = Py_NewRef(data);
    SLOT(t, S_REQUIRES_GRAD) = Py_NewRef(requires_grad ? Py_True : Py_False);
    SLOT(t, S_GRAD) = Py_NewRef(Py_None);
    SLOT(t, S_GRAD_FN) = Py_NewRef(Py_None);
    SLOT(t, S_OUT_INDEX) = Py_NewRef(zero);
    SLOT(t, S_VERSION) = version;
    SLOT(t, S_BASE) = Py_NewRef(Py_None);
    SLOT(t, S_BASE_VERSION) = Py_NewRef(zero);
    SLOT(t, S_RETAINS_GRAD) = Py_NewRef(Py_False);
    SLOT(t, S_HOOKS) = Py_NewRef(Py_None);
    SLOT(t, S_FW) = Py_NewRef(Py_None);
    return t;
}

static PyObject *str_requires_grad;

/* make(data, requires_grad=False) */
static PyObject *
make(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (tensor_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "ember._speedups.make: setup() was not called");
        return NULL;
    }
    int kw_ok = nkw == 0 || (nkw == 1 && PyUnicode_Compare(PyTuple_GET_ITEM(kwnames, 0),
                                                           str_requires_grad) == 0);
    if (nargs < 1 || nargs + nkw > 2 || !kw_ok) {
        PyErr_SetString(PyExc_TypeError,
                        "ember._speedups.make: expected (data, requires_grad=False)");
        return NULL;
    }
    int requires_grad = 0;
    if (nargs + nkw == 2 && (requires_grad = PyObject_IsTrue(args[1])) < 0) {
        return NULL;
    }
    return new_tensor(args[0], requires_grad);
}

/* setup(Tensor, slot_names): read the byte offsets of Tensor's slots from its member
 * descriptors. ``slot_names`` is Tensor's __slots__ without __weakref__; it must equal this
 * module's list, so an extension built for another Tensor layout (a stale build) refuses to
 * run and ember falls back to its Python paths. Nothing changes unless every check passes. */
static PyObject *
setup(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "ember._speedups.setup: expected (Tensor class, tuple of slot names)");
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)args[0];
    PyObject *names = args[1];
    int same = PyTuple_GET_SIZE(names) == N_SLOTS;
    for (int i = 0; same && i < N_SLOTS; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        same = PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, slot_names[i]) == 0;
    }
    if (!same) {
        PyErr_Format(PyExc_TypeError,
                     "ember._speedups.setup: Tensor's slots %R are not the ones this build "
                     "knows; rebuild it (pip install -e .)", names);
        return NULL;
    }
    Py_ssize_t offsets[N_SLOTS];
    for (int i = 0; i < N_SLOTS; i++) {
        PyObject *descr = PyObject_GetAttrString((PyObject *)type, slot_names[i]);
        if (descr == NULL) {
            PyErr_Clear();
        }
        int ok = descr != NULL && Py_IS_TYPE(descr, &PyMemberDescr_Type)
            && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX;
        if (ok) {
            offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
            ok = offsets[i] >= (Py_ssize_t)sizeof(PyObject)
                && offsets[i] + (Py_ssize_t)sizeof(PyObject *) <= type->tp_basicsize;
        }
        Py_XDECREF(descr);
        if (!ok) {
            PyErr_Format(PyExc_TypeError,
                         "ember._speedups.setup: %s.%s is not a __slots__ member of it",
                         type->tp_name, slot_names[i]);
            return NULL;
        }
    }
    memcpy(slot_offset, offsets, sizeof(offsets));
    Py_XSETREF(tensor_type, (PyTypeObject *)Py_NewRef(type));
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------- fast op objects */

/* A callable that runs an op's no-graph fast path, else calls the op's full function. It
 * binds as a method (``x.relu()``) and as an operator slot (``x + y``) like a function. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int arity;              /* 1: fast_unary's semantics, 2: fast_binary's */
    PyObject *full;         /* the op's public function: every other case */
    PyObject *forward;      /* unary: forward(ctx, x); binary: array_op(x, y) */
    PyObject *large_op;     /* binary: for arrays of at least ``large`` elements, or NULL */
    Py_ssize_t large;       /* registry.LARGE_ELEMENTS */
    PyObject *ctx_map;      /* dict: array type -> the backend's no-graph ctx */
    PyObject *kinds;        /* str of NumPy dtype kinds, or NULL for any */
    PyObject *grad_state;   /* .grad_enabled */
    PyObject *fw_state;     /* .level */
    PyObject *anomaly;      /* .enabled */
    PyObject *dict;         /* __dict__: __name__, __doc__, __wrapped__, ... */
    PyObject *weakrefs;
} FastOp;

/* 1 when ``obj.<name>`` is true, 0 when false, -1 on error. */
static int
attr_true(PyObject *obj, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(obj, name);
    if (value == NULL) {
        return -1;
    }
    int result = PyObject_IsTrue(value);
    Py_DECREF(value);
    return result;
}

/* 1 when no mode needs the full path (no forward-mode level, no anomaly mode) and, if
 * ``requires_grad``, grad mode is off; 0 otherwise; -1 on error. */
static int
no_graph(FastOp *op, int requires_grad)
{
    int flag;
    if (requires_grad) {
        if ((flag = attr_true(op->grad_state, str_grad_enabled)) != 0) {
            return flag < 0 ? -1 : 0;
        }
    }
    if ((flag = attr_true(op->fw_state, str_level)) != 0) {
        return flag < 0 ? -1 : 0;
    }
    if ((flag = attr_true(op->anomaly, str_enabled)) != 0) {
        return flag < 0 ? -1 : 0;
    }
    return 1;
}

/* 1 when the array's dtype kind is in op->kinds (or kinds is NULL), 0 if not, -1 on error. */
static int
kind_ok(FastOp *op, PyObject *dtype)
{
    if (op->kinds == NULL) {
        return 1;
    }
    PyObject *kind = PyObject_GetAttr(dtype, str_kind);
    if (kind == NULL) {
        return -1;
    }
    int result = PySequence_Contains(op->kinds, kind);
    Py_DECREF(kind);
    return result;
}

/* ``out`` (stolen) as the same array type as ``x``: NumPy turns 0-d results into scalars. */
static PyObject *
as_array(PyObject *out, PyObject *x, PyObject *ctx)
{
    if (out == NULL || Py_TYPE(out) == Py_TYPE(x)) {
        return out;
    }
    PyObject *xp = PyObject_GetAttr(ctx, str_xp);
    PyObject *converted = NULL;
    if (xp != NULL) {
        converted = PyObject_CallMethodOneArg(xp, str_asarray, out);
        Py_DECREF(xp);
    }
    Py_DECREF(out);
    return converted;
}

static int
requires_grad_of(PyObject *t)
{
    PyObject *flag = SLOT(t, S_REQUIRES_GRAD);
    if (flag == NULL) {
        return -1;  /* an unset slot: let the full path raise */
    }
    return flag == Py_True ? 1 : (flag == Py_False ? 0 : PyObject_IsTrue(flag));
}

/* The fast path's result, or NULL with no exception set when the full path must run. The
 * array and ctx are held as strong references from the start: the attribute reads below may
 * run Python code (a property, a thread-local's first use) that replaces ``input._data``. */
static PyObject *
unary_fast(FastOp *op, PyObject *input)
{
    if (!PyObject_TypeCheck(input, tensor_type)) {
        return NULL;
    }
    int requires_grad = requires_grad_of(input);
    if (requires_grad < 0 || SLOT(input, S_DATA) == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *x = Py_NewRef(SLOT(input, S_DATA));
    PyObject *ctx = NULL, *dtype = NULL, *out = NULL, *result = NULL;
    if (no_graph(op, requires_grad) != 1) {
        goto done;
    }
    ctx = Py_XNewRef(PyDict_GetItemWithError(op->ctx_map, (PyObject *)Py_TYPE(x)));
    if (ctx == NULL || (dtype = PyObject_GetAttr(x, str_dtype)) == NULL
            || kind_ok(op, dtype) != 1) {
        goto done;
    }
    PyObject *call_args[2] = {ctx, x};
    out = as_array(PyObject_Vectorcall(op->forward, call_args, 2, NULL), x, ctx);
    result = out == NULL ? NULL : new_tensor(out, 0);
done:
    Py_XDECREF(out);
    Py_XDECREF(dtype);
    Py_XDECREF(ctx);
    Py_DECREF(x);
    return result;
}

static PyObject *
binary_array_op(FastOp *op, PyObject *x, PyObject *y)
{
    PyObject *fn = op->forward;
    if (op->large_op != NULL) {
        PyObject *size = PyObject_GetAttr(x, str_size);
        if (size == NULL) {
            return NULL;
        }
        Py_ssize_t n = PyLong_AsSsize_t(size);
        Py_DECREF(size);
        if (n == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (n >= op->large) {
            fn = op->large_op;
        }
    }
    PyObject *call_args[2] = {x, y};
    return PyObject_Vectorcall(fn, call_args, 2, NULL);
}

/* Like unary_fast. When the array op raises ValueError or TypeError, NULL with no exception
 * set, so that the full path runs and raises its named error. */
static PyObject *
binary_fast(FastOp *op, PyObject *input, PyObject *other)
{
    if (!PyObject_TypeCheck(input, tensor_type) || !PyObject_TypeCheck(other, tensor_type)) {
        return NULL;
    }
    int rg_input = requires_grad_of(input);
    int rg_other = rg_input < 0 ? -1 : requires_grad_of(other);
    if (rg_other < 0 || SLOT(input, S_DATA) == NULL || SLOT(other, S_DATA) == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *x = Py_NewRef(SLOT(input, S_DATA)), *y = Py_NewRef(SLOT(other, S_DATA));
    PyObject *ctx = NULL, *dtype_x = NULL, *dtype_y = NULL, *out = NULL, *result = NULL;
    if (no_graph(op, rg_input || rg_other) != 1 || Py_TYPE(x) != Py_TYPE(y)) {
        goto done;
    }
    ctx = Py_XNewRef(PyDict_GetItemWithError(op->ctx_map, (PyObject *)Py_TYPE(x)));
    if (ctx == NULL || (dtype_x = PyObject_GetAttr(x, str_dtype)) == NULL
            || (dtype_y = PyObject_GetAttr(y, str_dtype)) == NULL
            || dtype_x != dtype_y || kind_ok(op, dtype_x) != 1) {
        goto done;
    }
    out = binary_array_op(op, x, y);
    if (out == NULL) {
        if (PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
        }
    }
    else if ((out = as_array(out, x, ctx)) != NULL) {
        result = new_tensor(out, 0);
    }
done:
    Py_XDECREF(out);
    Py_XDECREF(dtype_y);
    Py_XDECREF(dtype_x);
    Py_XDECREF(ctx);
    Py_DECREF(y);
    Py_DECREF(x);
    return result;
}

static PyObject *
fastop_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FastOp *op = (FastOp *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames == NULL && nargs == op->arity) {
        PyObject *result = op->arity == 1 ? unary_fast(op, args[0])
                                          : binary_fast(op, args[0], args[1]);
        if (result != NULL || PyErr_Occurred()) {
            return result;
        }
    }
    return PyObject_Vectorcall(op->full, args, nargsf, kwnames);
}

/* Bind like a Python function: ``Tensor.add`` is the op, ``x.add`` a bound method. */
static PyObject *
fastop_descr_get(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static int
fastop_traverse(PyObject *self, visitproc visit, void *arg)
{
    FastOp *op = (FastOp *)self;
    Py_VISIT(op->full);
    Py_VISIT(op->forward);
    Py_VISIT(op->large_op);
    Py_VISIT(op->ctx_map);
    Py_VISIT(op->kinds);
    Py_VISIT(op->grad_state);
    Py_VISIT(op->fw_state);
    Py_VISIT(op->anomaly);
    Py_VISIT(op->dict);
    return 0;
}

static int
fastop_clear(PyObject *self)
{
    FastOp *op = (FastOp *)self;
    Py_CLEAR(op->full);
    Py_CLEAR(op->forward);
    Py_CLEAR(op->large_op);
    Py_CLEAR(op->ctx_map);
    Py_CLEAR(op->kinds);
    Py_CLEAR(op->grad_state);
    Py_CLEAR(op->fw_state);
    Py_CLEAR(op->anomaly);
    Py_CLEAR(op->dict);
    return 0;
}

static void
fastop_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    if (((FastOp *)self)->weakrefs != NULL) {
        PyObject_ClearWeakRefs(self);
    }
    fastop_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *
fastop_repr(PyObject *self)
{
    FastOp *op = (FastOp *)self;
    PyObject *name = op->dict ? PyDict_GetItemWithError(op->dict, str_qualname) : NULL;
    if (name == NULL && PyErr_Occurred()) {
        return NULL;
    }
    return name != NULL && PyUnicode_Check(name) ? PyUnicode_FromFormat("<ember op %U>", name)
                                                 : PyUnicode_FromFormat("<ember op at %p>", op);
}

/* Pickled and (deep)copied by name, like a module-level function. */
static PyObject *
fastop_reduce(PyObject *self, PyObject *Py_UNUSED(unused))
{
    FastOp *op = (FastOp *)self;
    PyObject *name = op->dict ? PyDict_GetItemWithError(op->dict, str_qualname) : NULL;
    if (name == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "ember op without __qualname__ cannot be pickled");
        }
        return NULL;
    }
    return Py_NewRef(name);
}

static PyMethodDef fastop_methods[] = {
    {"__reduce__", fastop_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef fastop_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMemberDef fastop_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FastOp, vectorcall), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}
};

static PyTypeObject FastOpType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ember._speedups.FastOp",
    .tp_doc = "An op's compiled no-graph fast path; other calls go to its full function.",
    .tp_basicsize = sizeof(FastOp),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
        | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(FastOp, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = fastop_descr_get,
    .tp_dictoffset = offsetof(FastOp, dict),
    .tp_weaklistoffset = offsetof(FastOp, weakrefs),
    .tp_traverse = fastop_traverse,
    .tp_clear = fastop_clear,
    .tp_dealloc = fastop_dealloc,
    .tp_repr = fastop_repr,
    .tp_methods = fastop_methods,
    .tp_getset = fastop_getset,
    .tp_members = fastop_members,
};

/* fast_op(arity, full, forward, large_op, large, ctx_map, kinds, grad_state, fw_state,
 *         anomaly): see registry.fast_unary / fast_binary for each argument's meaning. */
static PyObject *
fast_op(PyObject *Py_UNUSED(module), PyObject *args)
{
    int arity;
    Py_ssize_t large;
    PyObject *full, *forward, *large_op, *ctx_map, *kinds, *grad_state, *fw_state, *anomaly;
    if (!PyArg_ParseTuple(args, "iOOOnO!OOOO:fast_op", &arity, &full, &forward, &large_op,
                          &large, &PyDict_Type, &ctx_map, &kinds, &grad_state, &fw_state,
                          &anomaly)) {
        return NULL;
    }
    if (arity != 1 && arity != 2) {
        PyErr_Format(PyExc_ValueError, "ember._speedups.fast_op: arity must be 1 or 2, got %d",
                     arity);
        return NULL;
    }
    if (tensor_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "ember._speedups.fast_op: setup() was not called");
        return NULL;
    }
    FastOp *op = PyObject_GC_New(FastOp, &FastOpType);
    if (op == NULL) {
        return NULL;
    }
    op->vectorcall = fastop_vectorcall;
    op->arity = arity;
    op->full = Py_NewRef(full);
    op->forward = Py_NewRef(forward);
    op->large_op = large_op == Py_None ? NULL : Py_NewRef(large_op);
    op->large = large;
    op->ctx_map = Py_NewRef(ctx_map);
    op->kinds = kinds == Py_None ? NULL : Py_NewRef(kinds);
    op->grad_state = Py_NewRef(grad_state);
    op->fw_state = Py_NewRef(fw_state);
    op->anomaly = Py_NewRef(anomaly);
    op->dict = NULL;
    op->weakrefs = NULL;
    PyObject_GC_Track(op);
    return (PyObject *)op;
}

/* ------------------------------------------------------------------------- the module */

static PyMethodDef module_methods[] = {
    {"setup", (PyCFunction)(void (*)(void))setup, METH_FASTCALL,
     "setup(Tensor, slot_names): read Tensor's slot layout; call before the other functions."},
    {"make", (PyCFunction)(void (*)(void))make, METH_FASTCALL | METH_KEYWORDS,
     "make(data, requires_grad=False): a new leaf Tensor wrapping data (tensor._make)."},
    {"fast_op", fast_op, METH_VARARGS,
     "fast_op(arity, full, forward, large_op, large, ctx_map, kinds, grad_state, fw_state, "
     "anomaly): an op with a compiled no-graph fast path (registry.fast_unary/binary)."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ember._speedups",
    .m_doc = "Compiled no-graph fast paths of ember's hottest ops (optional).",
    .m_size = -1,
    .m_methods = module_methods,
};

static int
intern(PyObject **target, const char *text)
{
    *target = PyUnicode_InternFromString(text);
    return *target == NULL ? -1 : 0;
}

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FastOpType) < 0) {
        return NULL;
    }
    zero = PyLong_FromLong(0);
    if (zero == NULL || intern(&str_dtype, "dtype") || intern(&str_kind, "kind")
            || intern(&str_size, "size") || intern(&str_xp, "xp")
            || intern(&str_asarray, "asarray") || intern(&str_grad_enabled, "grad_enabled")
            || intern(&str_level, "level") || intern(&str_enabled, "enabled")
            || intern(&str_qualname, "__qualname__")
            || intern(&str_requires_grad, "requires_grad")) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "FastOp", (PyObject *)&FastOpType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
