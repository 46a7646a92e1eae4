"""The dense (fully connected) layer's maths, written once for `Network` and `layers.Dense`.

    forward:   z = y @ w + b                  y: (batch, n_in), w: (n_in, n_out), b: (n_out,)
    backward:  dC/dw = y.T @ delta            delta = dC/dz: (batch, n_out)
               dC/db = delta summed over the batch
               dC/dy = delta @ w.T            (what the layer before needs)
"""


def dense_forward(y, w, b):
    """z = y @ w + b: (batch, n_in) -> (batch, n_out)."""
    z = y @ w
    z += b  # in place: one temporary less than y @ w + b
    return z


def dense_backward(y, w, delta, need_input_gradient=True):
    """(dC/dw, dC/db, dC/dy) from the layer's input y and delta = dC/dz.

    dC/dy is None when not needed (the first layer: nobody uses the input's gradient).
    """
    grad_w = y.T @ delta
    grad_b = delta.sum(axis=0)
    grad_y = delta @ w.T if need_input_gradient else None
    return grad_w, grad_b, grad_y
