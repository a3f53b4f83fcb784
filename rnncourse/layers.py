"""The output layer that sits on top of a recurrent network.

A linear map applied to every time step at once: ``y_t = h_t W_hy + b_y``. Works for any
leading axes: h of shape (N, T, H) gives y of shape (N, T, K); (N, H) gives (N, K).
"""

from ._validate import require_float_array, require_same_dtype, require_shape


def linear_forward(h, W_hy, b_y):
    """Inputs: h (..., H), W_hy (H, K), b_y (K,). Returns y (..., K) and a cache."""
    for name, a in (("h", h), ("W_hy", W_hy), ("b_y", b_y)):
        require_float_array(name, a)
    if W_hy.ndim != 2:
        raise ValueError(f"W_hy must have 2 dimensions (H, K), but has shape {W_hy.shape}.")
    H, K = W_hy.shape
    if h.ndim < 1 or h.shape[-1] != H:
        raise ValueError(f"h has shape {h.shape} but W_hy has H={H} rows: h must be (..., {H}).")
    require_shape("b_y", b_y, (K,), "(K,)", f"(K={K} from W_hy)")
    require_same_dtype("W_hy", W_hy, h=h, b_y=b_y)
    y = h @ W_hy + b_y
    return y, (h, W_hy)


def linear_backward(dy, cache):
    """Inputs: dy (..., K) and the cache. Returns dh (..., H), dW_hy (H, K), db_y (K,)."""
    h, W_hy = cache
    require_float_array("dy", dy)
    if dy.shape != h.shape[:-1] + (W_hy.shape[1],):
        raise ValueError(
            f"dy has shape {dy.shape}, but must have the shape of y, "
            f"{h.shape[:-1] + (W_hy.shape[1],)}."
        )
    H, K = W_hy.shape
    dh = dy @ W_hy.T  # (..., K) @ (K, H) -> (..., H)
    dW_hy = h.reshape(-1, H).T @ dy.reshape(-1, K)  # (H, N*T) @ (N*T, K) -> (H, K)
    db_y = dy.reshape(-1, K).sum(axis=0)  # (K,)
    return dh, dW_hy, db_y
