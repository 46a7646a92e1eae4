"""im2col and col2im: a convolution as one matrix product, and its way back.

Every output pixel of a convolution is a dot product of the kernel with one k x k window of the
input (all channels). Lay each window out as one column of a matrix, and the whole convolution is
a single product of the (c_out, C*k*k) kernel matrix with that matrix:

    cols[(c, i, j), (oh, ow, n)] = x_padded[n, c, oh*stride + i, ow*stride + j]

``sliding_window_view`` gives all windows as a view (no copy); one reshape copies them into the
column matrix. col2im is the adjoint: each column entry adds back onto the input pixel it came
from. Windows overlap, so one pixel receives several entries; summing them offset by offset (one
strided slice per kernel entry (i, j), k*k slices in all) needs no loop over pixels.

The batch is the fastest axis, in the columns and in the padded input they are copied from,
(C, H, W, N) in memory: with a stride of 1, one kernel entry's row of cols is then OW*N numbers
in a row in memory, not OW, so the copy and the sums run along long stretches of memory (for
notebook 08's second convolution, im2col took 4.7 ms instead of 8.4 and col2im 5.2 instead of 9.7
with columns ordered (n, oh, ow)).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size, k, stride, padding):
    """Output height (or width) of a k x k window sliding with ``stride`` over ``size`` + 2 * padding."""
    return (size + 2 * padding - k) // stride + 1


def pad_batch_last(x, padding):
    """x (N, C, H, W) -> (C, H + 2p, W + 2p, N): zeros around each image, the batch axis last."""
    xt = x.transpose(1, 2, 3, 0)
    if padding == 0:
        return xt
    c, h, w, n = xt.shape
    padded = np.zeros((c, h + 2 * padding, w + 2 * padding, n), dtype=x.dtype)
    padded[:, padding:padding + h, padding:padding + w] = xt
    return padded


def columns(xp, k, stride, rows=slice(None)):
    """The columns of the output rows ``rows``: xp (C, Hp, Wp, N) -> (C*k*k, R*OW*N)."""
    windows = sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::stride, ::stride][:, rows]  # (C, R, OW, N, k, k)
    return windows.transpose(0, 4, 5, 1, 2, 3).reshape(xp.shape[0] * k * k, -1)  # the reshape makes the one copy


def add_columns(cols, dxp, k, stride, rows):
    """dxp += the adjoint of ``columns(xp, k, stride, rows)``, in place: cols (C*k*k, R*OW*N), dxp (C, Hp, Wp, N).

    rows: a slice of output rows with explicit start and stop.
    """
    c, hp, wp, n = dxp.shape
    ow = output_size(wp, k, stride, 0)
    cols = cols.reshape(c, k, k, rows.stop - rows.start, ow, n)
    top, bottom = rows.start * stride, (rows.stop - 1) * stride + 1  # the first kernel row's input rows
    for i in range(k):
        for j in range(k):
            dxp[:, top + i:bottom + i:stride, j:j + stride * (ow - 1) + 1:stride] += cols[:, i, j]


def im2col(x, k, stride=1, padding=0):
    """x (N, C, H, W) -> cols (C*k*k, OH*OW*N), one column per output pixel (see the module's docstring)."""
    return columns(pad_batch_last(x, padding), k, stride)


def col2im(cols, x_shape, k, stride=1, padding=0):
    """The adjoint of im2col: cols (C*k*k, OH*OW*N) -> (N, C, H, W), overlapping entries summed."""
    n, c, h, w = x_shape
    dxp = np.zeros((c, h + 2 * padding, w + 2 * padding, n), dtype=cols.dtype)
    add_columns(cols, dxp, k, stride, slice(0, output_size(h, k, stride, padding)))
    return dxp[:, padding:padding + h, padding:padding + w].transpose(3, 0, 1, 2)
