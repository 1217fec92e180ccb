/* The loops of steepest._fused, written once and included twice by _fused.c: with
   REAL = float (NAME(x) = x_f32) and REAL = double (NAME(x) = x_f64). Each is a
   NumPy computation of steepest in one pass (an update of optimizers.py, the
   finiteness check, the ReLU of activations.py), with the same operations in the
   same order and precision, so the numbers are the same bit for bit. `keep`, when
   not NULL, receives the parameters as they were before the update. */

static CLONES void NAME(sgd)(REAL *restrict params, const REAL *restrict grads,
                             REAL *restrict keep, Py_ssize_t size, REAL lr)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        if (keep) keep[i] = params[i];
        params[i] -= grads[i] * lr;
    }
}

/* Heavy-ball momentum, or Nesterov's (the step along v * mu + g instead of v): the
   compiler makes the loop twice, one for each, outside the loop. */
static CLONES void NAME(momentum)(REAL *restrict params, const REAL *restrict grads,
                                  REAL *restrict velocity, REAL *restrict keep,
                                  Py_ssize_t size, REAL mu, REAL lr, int nesterov)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        if (keep) keep[i] = params[i];
        REAL g = grads[i];
        REAL v = velocity[i] * mu + g;
        velocity[i] = v;
        params[i] -= (nesterov ? v * mu + g : v) * lr;
    }
}

static CLONES void NAME(rmsprop)(REAL *restrict params, const REAL *restrict grads,
                                 REAL *restrict square_avg, REAL *restrict keep,
                                 Py_ssize_t size, REAL rho, REAL one_minus_rho, REAL eps,
                                 REAL lr)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        if (keep) keep[i] = params[i];
        REAL g = grads[i];
        REAL s = square_avg[i] * rho + (g * g) * one_minus_rho;
        square_avg[i] = s;
        params[i] -= (g / (SQRT(s) + eps)) * lr;
    }
}

static CLONES void NAME(adam)(REAL *restrict params, const REAL *restrict grads,
                              REAL *restrict m, REAL *restrict v, REAL *restrict keep,
                              Py_ssize_t size, REAL beta1, REAL one_minus_beta1, REAL beta2,
                              REAL one_minus_beta2, REAL eps, REAL step)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        if (keep) keep[i] = params[i];
        REAL g = grads[i];
        REAL mi = m[i] * beta1 + g * one_minus_beta1;
        REAL vi = v[i] * beta2 + (g * g) * one_minus_beta2;
        m[i] = mi;
        v[i] = vi;
        params[i] -= (mi / (SQRT(vi) + eps)) * step;
    }
}

/* x - x is 0 for every finite x and NaN otherwise. An or over the whole array, not a
   loop that stops at the first bad value: that one could not use the vector
   instructions, and finite is the rule. */
static CLONES int NAME(all_finite)(const REAL *restrict values, Py_ssize_t size)
{
    int bad = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        REAL x = values[i];
        bad |= (x - x) != 0;
    }
    return !bad;
}

/* np.maximum(x, 0), the ReLU of one value: a NaN stays itself, -0.0 becomes +0.0,
   as NumPy has them. */
static inline REAL NAME(relu_of)(REAL x)
{
    return (x > 0 || x != x) ? x : 0;
}

/* np.maximum(z, 0) over an array. `out` is not `z`. */
static CLONES void NAME(relu)(REAL *restrict out, const REAL *restrict z, Py_ssize_t size)
{
    for (Py_ssize_t i = 0; i < size; i++)
        out[i] = NAME(relu_of)(z[i]);
}

/* The bias added to every row of z, in place, then the ReLU of the sums into out:
   NumPy's z += b then np.maximum(z, 0), in one pass instead of two. z holds `rows`
   rows of `cols` values; b holds `cols`. */
static CLONES void NAME(relu_bias)(REAL *restrict out, REAL *restrict z,
                                   const REAL *restrict b, Py_ssize_t rows, Py_ssize_t cols)
{
    for (Py_ssize_t r = 0; r < rows; r++) {
        REAL *z_row = z + r * cols, *out_row = out + r * cols;
        for (Py_ssize_t j = 0; j < cols; j++) {
            REAL x = z_row[j] + b[j];
            z_row[j] = x;
            out_row[j] = NAME(relu_of)(x);
        }
    }
}

/* The ReLU's backward pass in place, grads * (z > 0), as NumPy multiplies by the
   comparison's 1 or 0: g * 1 is g, and g * 0 is a signed zero, or NaN for an
   infinite or NaN g. Both are computed and one is chosen, with no branch, so the
   loop runs on vector instructions. */
static CLONES void NAME(relu_backward)(REAL *restrict grads, const REAL *restrict z,
                                       Py_ssize_t size)
{
    for (Py_ssize_t i = 0; i < size; i++) {
        REAL g = grads[i];
        REAL zeroed = g * 0;
        grads[i] = z[i] > 0 ? g : zeroed;
    }
}
