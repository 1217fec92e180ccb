/* steepest._fused: the optimisers' updates, the gradient's finiteness check and the
   ReLU's passes (forward, forward with the layer's bias, backward) as compiled loops,
   one pass over the arrays each (see steepest/_kernels.py, which calls them, and
   _fused_loops.h, which holds them).

   Built when steepest is installed, if a C compiler is at hand (the extension is
   optional: without it the NumPy updates run). Compiled with -ffp-contract=off, so
   no multiply and add become one fused instruction with one rounding, which would
   change the numbers; with -fno-tree-loop-distribute-patterns, so the copy into
   `keep` stays inside the loop instead of becoming a separate memcpy pass; and with
   -fno-trapping-math, so a loop that picks one of two computed values (the ReLU's
   backward pass) does so with vector instructions instead of a branch for each
   value: no floating-point trap is ever enabled here, and no number changes. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

/* GCC on x86-64 Linux: each loop twice, for AVX2 (8 floats at a time) and for the
   baseline (SSE2, 4), the CPU choosing when the module loads. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

#define REAL float
#define SQRT sqrtf
#define NAME(x) x##_f32
#include "_fused_loops.h"
#undef REAL
#undef SQRT
#undef NAME

#define REAL double
#define SQRT sqrt
#define NAME(x) x##_f64
#include "_fused_loops.h"
#undef REAL
#undef SQRT
#undef NAME

#define MAX_ARRAYS 5
#define MAX_SCALARS 6

/* One call's arguments: `n_arrays` arrays (the one written first, the one only read
   second, `keep` last), the flag `copy` (for an update), then `n_scalars` numbers. */
typedef struct {
    Py_buffer views[MAX_ARRAYS];
    int n_views;
    void *data[MAX_ARRAYS];
    double scalars[MAX_SCALARS];
    Py_ssize_t size;
    char precision; /* 'f': float32, 'd': float64 */
    int copy;
} Call;

static void release(Call *call)
{
    for (int i = 0; i < call->n_views; i++)
        PyBuffer_Release(&call->views[i]);
    call->n_views = 0;
}

/* The one-letter type of a buffer ('f', 'd', ...), or 0 for anything else. */
static char precision_of(const Py_buffer *view)
{
    const char *format = view->format ? view->format : "B";
    if (*format == '@' || *format == '=' || *format == '<')
        format++;
    return format[0] && !format[1] ? format[0] : 0;
}

/* 0, or -1 with a TypeError when kernel `name` was given `nargs` arguments, not `expected`. */
static int count(const char *name, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs == expected)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s takes %zd argument%s, got %zd", name, expected,
                 expected == 1 ? "" : "s", nargs);
    return -1;
}

/* Take the arrays (C-contiguous, aligned, writable but for the second, all float32
   or all float64, all of one size), the flag `copy` when `with_copy` (an update: `keep` is
   the last array), and the numbers. 0, or -1 with an exception set. */
static int take(Call *call, const char *kernel, PyObject *const *args, Py_ssize_t nargs,
                int n_arrays, int with_copy, int n_scalars)
{
    call->n_views = 0;
    if (count(kernel, nargs, n_arrays + with_copy + n_scalars) < 0)
        return -1;
    for (int i = 0; i < n_arrays; i++) {
        int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (i == 1 ? 0 : PyBUF_WRITABLE);
        Py_buffer *view = &call->views[i];
        if (PyObject_GetBuffer(args[i], view, flags) < 0) {
            release(call);
            return -1;
        }
        call->n_views++;
        char precision = precision_of(view);
        if (i == 0) {
            call->precision = precision;
            call->size = view->itemsize ? view->len / view->itemsize : 0;
        }
        if ((precision != 'f' && precision != 'd') || precision != call->precision ||
            view->len != call->size * view->itemsize) {
            PyErr_Format(PyExc_TypeError, "%s takes float32 or float64 arrays, all of one "
                         "precision and size; argument %d differs", kernel, i);
            release(call);
            return -1;
        }
        /* A float the loops read through a misaligned pointer is undefined in C. */
        if ((uintptr_t)view->buf % (uintptr_t)view->itemsize) {
            PyErr_Format(PyExc_TypeError, "%s takes arrays aligned to their item size; "
                         "argument %d is not", kernel, i);
            release(call);
            return -1;
        }
        call->data[i] = view->buf;
    }
    call->copy = with_copy ? PyObject_IsTrue(args[n_arrays]) : 0;
    for (int i = 0; i < n_scalars; i++)
        call->scalars[i] = PyFloat_AsDouble(args[n_arrays + with_copy + i]);
    if (call->copy < 0 || PyErr_Occurred()) {
        release(call);
        return -1;
    }
    if (with_copy && !call->copy)
        call->data[n_arrays - 1] = NULL; /* no copy into keep */
    return 0;
}

/* The scalars reach the loops in the arrays' precision: (float)x rounds as NumPy's
   float32(x) does, and a float32 number passed as a double comes back unchanged. */
#define F(i) ((float)call.scalars[i])
#define D(i) (call.scalars[i])

/* An update: takes its arrays and numbers, and runs the loop of their precision
   without the GIL. */
#define UPDATE(name, n_arrays, n_scalars, call_f32, call_f64)                       \
    static PyObject *name(PyObject *module, PyObject *const *args, Py_ssize_t nargs) \
    {                                                                              \
        Call call;                                                                 \
        void **a = call.data;                                                      \
        if (take(&call, #name, args, nargs, n_arrays, 1, n_scalars) < 0)           \
            return NULL;                                                           \
        Py_BEGIN_ALLOW_THREADS                                                     \
        if (call.precision == 'f')                                                 \
            call_f32;                                                              \
        else                                                                       \
            call_f64;                                                              \
        Py_END_ALLOW_THREADS                                                       \
        release(&call);                                                            \
        Py_RETURN_NONE;                                                            \
    }

UPDATE(sgd, 3, 1,
       sgd_f32(a[0], a[1], a[2], call.size, F(0)),
       sgd_f64(a[0], a[1], a[2], call.size, D(0)))
UPDATE(momentum, 4, 2,
       momentum_f32(a[0], a[1], a[2], a[3], call.size, F(0), F(1), 0),
       momentum_f64(a[0], a[1], a[2], a[3], call.size, D(0), D(1), 0))
UPDATE(nesterov, 4, 2,
       momentum_f32(a[0], a[1], a[2], a[3], call.size, F(0), F(1), 1),
       momentum_f64(a[0], a[1], a[2], a[3], call.size, D(0), D(1), 1))
UPDATE(rmsprop, 4, 4,
       rmsprop_f32(a[0], a[1], a[2], a[3], call.size, F(0), F(1), F(2), F(3)),
       rmsprop_f64(a[0], a[1], a[2], a[3], call.size, D(0), D(1), D(2), D(3)))
UPDATE(adam, 5, 6,
       adam_f32(a[0], a[1], a[2], a[3], a[4], call.size, F(0), F(1), F(2), F(3), F(4), F(5)),
       adam_f64(a[0], a[1], a[2], a[3], a[4], call.size, D(0), D(1), D(2), D(3), D(4), D(5)))

/* An elementwise pass (the ReLU's): the first array written, the second read. */
#define PASS(name)                                                                 \
    static PyObject *name(PyObject *module, PyObject *const *args, Py_ssize_t nargs) \
    {                                                                              \
        Call call;                                                                 \
        if (take(&call, #name, args, nargs, 2, 0, 0) < 0)                          \
            return NULL;                                                           \
        Py_BEGIN_ALLOW_THREADS                                                     \
        if (call.precision == 'f')                                                 \
            name##_f32(call.data[0], call.data[1], call.size);                     \
        else                                                                       \
            name##_f64(call.data[0], call.data[1], call.size);                     \
        Py_END_ALLOW_THREADS                                                       \
        release(&call);                                                            \
        Py_RETURN_NONE;                                                            \
    }

PASS(relu)
PASS(relu_backward)

/* relu_bias(out, z, b): z += b row by row, then out = max(z, 0). out and z as take()
   has them (z written too, so it must be writable); b one row of their precision. */
static PyObject *relu_bias(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Call call;
    Py_buffer bias;
    Py_ssize_t cols;
    if (count("relu_bias", nargs, 3) < 0 || take(&call, "relu_bias", args, 2, 2, 0, 0) < 0)
        return NULL;
    if (call.views[1].readonly) {
        PyErr_SetString(PyExc_TypeError, "relu_bias writes its argument 1, which is read-only");
        release(&call);
        return NULL;
    }
    if (PyObject_GetBuffer(args[2], &bias, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        release(&call);
        return NULL;
    }
    cols = bias.itemsize ? bias.len / bias.itemsize : 0;
    if (precision_of(&bias) != call.precision || cols == 0 || call.size % cols ||
        (uintptr_t)bias.buf % (uintptr_t)bias.itemsize) {
        PyErr_SetString(PyExc_TypeError, "relu_bias takes a bias of the arrays' precision, "
                        "aligned, whose length divides their size");
        PyBuffer_Release(&bias);
        release(&call);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (call.precision == 'f')
        relu_bias_f32(call.data[0], call.data[1], bias.buf, call.size / cols, cols);
    else
        relu_bias_f64(call.data[0], call.data[1], bias.buf, call.size / cols, cols);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&bias);
    release(&call);
    Py_RETURN_NONE;
}

static PyObject *all_finite(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    char precision;
    int finite;
    if (count("all_finite", nargs, 1) < 0 ||
        PyObject_GetBuffer(args[0], &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    precision = precision_of(&view);
    if (precision != 'f' && precision != 'd') {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_TypeError, "all_finite takes a float32 or float64 array");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    finite = precision == 'f' ? all_finite_f32(view.buf, view.len / view.itemsize)
                              : all_finite_f64(view.buf, view.len / view.itemsize);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBool_FromLong(finite);
}

#define METHOD(name, doc) {#name, (PyCFunction)(void (*)(void))name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    METHOD(sgd, "sgd(params, grads, keep, copy, lr)"),
    METHOD(momentum, "momentum(params, grads, velocity, keep, copy, mu, lr)"),
    METHOD(nesterov, "nesterov(params, grads, velocity, keep, copy, mu, lr)"),
    METHOD(rmsprop, "rmsprop(params, grads, square_avg, keep, copy, rho, one_minus_rho, eps, "
                    "lr)"),
    METHOD(adam, "adam(params, grads, m, v, keep, copy, beta1, one_minus_beta1, beta2, "
                 "one_minus_beta2, eps, step)"),
    METHOD(all_finite, "all_finite(values) -> bool: no NaN or infinity in values"),
    METHOD(relu, "relu(out, z): out = max(z, 0), as np.maximum(z, 0)"),
    METHOD(relu_backward, "relu_backward(grads, z): grads *= (z > 0), in place"),
    METHOD(relu_bias, "relu_bias(out, z, b): z += b (b one row), then out = max(z, 0)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused",
    "The optimisers' updates and the ReLU as compiled loops (see steepest._kernels).", 0, methods,
    NULL, NULL, NULL, NULL,
};

/* Which compiler built the loops: steepest info and train --json report it. */
#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "C"
#endif

PyMODINIT_FUNC PyInit__fused(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "COMPILER", COMPILER) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
