"""Conv2D: a 2-D convolution (PyTorch's cross-correlation) on NCHW batches, as im2col and one product.

    y[n, o, oh, ow] = bias[o] + sum over c, i, j of weight[o, c, i, j] * x_padded[n, c, oh*s + i, ow*s + j]

With cols = im2col(x) (C*k*k, OH*OW*N) and W = weight as a (c_out, C*k*k) matrix:

    forward:   Y = W @ cols + bias                 (c_out, OH*OW*N), read as (N, c_out, OH, OW)
    backward:  dC/dW = dY @ cols.T       dC/dbias = dY summed over its columns
               dC/dx = col2im(W.T @ dY)

The whole batch's columns are k*k times the input (25 times for a 5 x 5 kernel): made at once they
would go out to memory and come back for the product. The layer makes them a piece at a time (some
output rows of some samples), uses each piece while it is still in the cache, and makes it again in
the backward pass rather than keeping it (the cache holds the padded input, not the columns).
"""

import numpy as np

from ..checks import non_negative_int, positive_int
from ..init import initial_weights
from .base import Layer
from .im2col import add_columns, columns, output_size, pad_batch_last

# Bytes of columns per piece. A training step of notebook 08's network (float32, batch 128, one thread,
# 1 MB of L2 cache per core) took 48 ms with 4 MB pieces, 57 ms with 1 MB pieces and 68 ms with the whole batch.
SLICE_BYTES = 1 << 22


class Conv2D(Layer):
    """x: (batch, c_in, H, W) -> (batch, c_out, OH, OW), OH = (H + 2 padding - k) // stride + 1.

    weight: (c_out, c_in, k, k), He-normal by default with fan_in = c_in * k * k (``init`` and
    ``scale`` as for `Dense`); bias: (c_out,), zero. Square kernels, the same stride and zero
    padding on both axes.
    """

    parameter_names = ("weight", "bias")

    def __init__(self, c_in, c_out, kernel_size, stride=1, padding=0, rng=None, dtype=np.float64,
                 init="he", scale=None):
        c_in, c_out = positive_int("c_in", c_in), positive_int("c_out", c_out)
        k = positive_int("kernel_size", kernel_size)
        self.stride = positive_int("stride", stride)
        self.padding = non_negative_int("padding", padding)
        self.weight = initial_weights((c_out, c_in, k, k), c_in * k * k, c_out * k * k, rng, dtype, init, scale)
        self.bias = np.zeros(c_out, dtype=self.weight.dtype)

    @property
    def kernel_size(self):
        return self.weight.shape[2]

    @property
    def input_shape(self):
        return (self.weight.shape[1], None, None)

    def output_shape(self, shape):
        c_out, c_in, k = self.weight.shape[:3]
        if shape is None:
            return (c_out, None, None)
        if len(shape) != 3 or shape[0] not in (None, c_in):
            self._fail(f"a batch of images of shape (batch, {c_in}, H, W)", shape)
        if any(size is not None and size + 2 * self.padding < k for size in shape[1:]):
            self._fail(f"images of at least {k} x {k} pixels with the padding of {self.padding} "
                       f"(the kernel is {k} x {k})", shape)
        return (c_out,) + tuple(None if size is None else output_size(size, k, self.stride, self.padding)
                                for size in shape[1:])

    def _forward(self, x, training, rng):
        c_out, k, s = self.weight.shape[0], self.kernel_size, self.stride
        xp = pad_batch_last(x, self.padding)  # (C, Hp, Wp, N)
        oh, ow = (output_size(size, k, s, 0) for size in xp.shape[1:3])
        w, b = self.weight.reshape(c_out, -1), self.bias[:, None]
        y = np.empty((c_out, oh, ow, len(x)), dtype=x.dtype)  # the batch last, as in the columns
        for samples, rows in self._pieces(x.shape):
            cols = columns(xp[..., samples], k, s, rows)
            if samples.stop - samples.start == len(x):  # whole rows of y: the product writes them in place
                out = y[:, rows].reshape(c_out, -1)
                np.matmul(w, cols, out=out)
                out += b
            else:
                y[:, rows, :, samples] = (w @ cols + b).reshape(c_out, rows.stop - rows.start, ow, -1)
        # Seen as (N, c_out, OH, OW) through a transpose, without a copy.
        return y.transpose(3, 0, 1, 2), (xp, x.shape)

    def backward(self, cache, dy, need_input_gradient=True):
        xp, x_shape = cache
        c_out, k, s, p = self.weight.shape[0], self.kernel_size, self.stride, self.padding
        w = self.weight.reshape(c_out, -1)
        dy = dy.transpose(1, 2, 3, 0)  # (c_out, OH, OW, N), the forward's memory order
        grad_w_t = np.zeros(w.shape[::-1], dtype=w.dtype)  # dC/dW transposed: cols @ dy.T is the faster product
        dxp = np.zeros(xp.shape, dtype=dy.dtype) if need_input_gradient else None
        for samples, rows in self._pieces(x_shape):
            cols = columns(xp[..., samples], k, s, rows)
            dy_part = dy[:, rows, :, samples].reshape(c_out, -1)
            grad_w_t += cols @ dy_part.T
            if need_input_gradient:
                add_columns(w.T @ dy_part, dxp[..., samples], k, s, rows)
        grads = [grad_w_t.T.reshape(self.weight.shape), dy.sum(axis=(1, 2, 3))]
        if not need_input_gradient:
            return None, grads
        h, wd = x_shape[2:]
        return dxp[:, p:p + h, p:p + wd].transpose(3, 0, 1, 2), grads

    def _pieces(self, x_shape):
        """(samples, rows): slices of the batch and of the output rows whose columns take about SLICE_BYTES."""
        c_out, c_in, k = self.weight.shape[:3]
        n = x_shape[0]
        oh, ow = (output_size(size, k, self.stride, self.padding) for size in x_shape[2:])
        per_sample_row = c_in * k * k * ow * self.weight.itemsize
        samples = -(-n // -(-n // max(1, SLICE_BYTES // per_sample_row)))  # pieces of one size (128 = 2 x 64)
        rows = min(oh, max(1, SLICE_BYTES // (per_sample_row * samples)))
        return [(slice(a, min(a + samples, n)), slice(r, min(r + rows, oh)))
                for a in range(0, n, samples) for r in range(0, oh, rows)]

    def __repr__(self):
        c_out, c_in, k = self.weight.shape[:3]
        return f"Conv2D({c_in}, {c_out}, kernel_size={k}, stride={self.stride}, padding={self.padding})"

