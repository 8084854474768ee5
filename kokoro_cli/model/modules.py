"""Building blocks shared by the text encoder, prosody predictor and decoder (StyleTTS2)."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class WNConv1d(nn.Module):
    """Conv1d (or ConvTranspose1d) with weight normalization, stored as weight_g / weight_v.

    Same parameter names as torch's weight_norm so checkpoints load unchanged. `fold()` replaces
    g and v by the plain weight once at load time: inference never needs the two factors.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        transpose: bool = False,
        output_padding: int = 0,
    ):
        super().__init__()
        shape = (
            (c_in, c_out // groups, kernel_size)
            if transpose
            else (c_out, c_in // groups, kernel_size)
        )
        self.weight_g = nn.Parameter(torch.ones(shape[0], 1, 1))
        self.weight_v = nn.Parameter(nn.init.normal_(torch.empty(shape), 0, 0.01))
        self.bias = nn.Parameter(torch.zeros(c_out)) if bias else None
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.c_out, self.kernel_size = c_out, kernel_size
        self.transpose, self.output_padding = transpose, output_padding
        self.weight: Tensor | None = None
        self.packed: Tensor | None = None  # see prepack()

    def __deepcopy__(self, memo: dict) -> WNConv1d:
        # the packed weight is an opaque oneDNN tensor, which deepcopy cannot read; clone can
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            new.__dict__[k] = v.clone() if k == "packed" and v is not None else deepcopy(v, memo)
        return new

    def compute_weight(self) -> Tensor:
        v = self.weight_v
        return self.weight_g * v / v.norm(dim=(1, 2), keepdim=True)

    def fold(self) -> None:
        w = self.compute_weight().detach()
        del self.weight_g, self.weight_v
        self.weight = nn.Parameter(w, requires_grad=False)

    def prepack(self, width: int = 256) -> bool:
        """Reorder the folded weight into oneDNN's blocked layout once, instead of on every call.

        Frees the plain weight. Worth it where the signal is short, as in the decoder: a
        1024-channel kernel-3 conv over 101 frames took 0.63 ms packed against 1.04 ms plain.
        `width` is a typical input length, which oneDNN may use to pick the layout. Returns
        False (and changes nothing) where oneDNN cannot take it.
        """
        w = self.weight
        if self.transpose or w is None or w.device.type != "cpu":
            return False
        if self.kernel_size == 1:
            # oneDNN's packed 1x1 convolution over a few dozen frames (the decoder's 1090- and
            # 514-channel shortcuts on a short sentence) took 12-26 ms a call, plain 0.2-0.4 ms
            return False
        if not torch.backends.mkldnn.is_available():
            return False
        try:
            self.packed = torch._C._nn.mkldnn_reorder_conv2d_weight(
                w.detach().unsqueeze(2).to_mkldnn(),
                [0, self.padding],
                [1, self.stride],
                [1, self.dilation],
                self.groups,
                [1, w.shape[1] * self.groups, 1, width],
            )
        except (RuntimeError, NotImplementedError):  # a torch build without these ops
            return False
        self.weight = None
        return True

    def forward(self, x: Tensor) -> Tensor:
        if self.transpose:
            w = self.weight if self.weight is not None else self.compute_weight()
            return F.conv_transpose1d(
                x, w, self.bias, self.stride, self.padding, self.output_padding, self.groups
            )
        if self.stride == 1 and x.shape[-1] > 2 * SEGMENT:
            halo = self.dilation * (self.kernel_size - 1)
            return _segmented_conv1d(x, self._conv, self.c_out, halo, self.padding)
        return self._conv(x, self.padding)

    def _conv(self, x: Tensor, padding: int) -> Tensor:
        if self.packed is None:
            w = self.weight if self.weight is not None else self.compute_weight()
            return F.conv1d(x, w, self.bias, self.stride, padding, self.dilation, self.groups)
        y = torch.ops.mkldnn._convolution_pointwise(
            x.unsqueeze(2),
            self.packed,
            self.bias,
            [0, padding],
            [1, self.stride],
            [1, self.dilation],
            self.groups,
            "none",
            [],
            "",
        )
        return y.squeeze(2)


SEGMENT = 8192  # time steps per piece of a long convolution: its input and output stay in cache


def _segmented_conv1d(
    x: Tensor, conv: Callable[[Tensor, int], Tensor], c_out: int, halo: int, padding: int
) -> Tensor:
    """A stride-1 conv1d over a long signal in overlapping pieces; the same result, faster on
    long inputs. `conv(piece, padding)` is the convolution; `halo` is dilation * (kernel - 1).

    Each piece goes straight into the output, so at most one piece exists besides it. Only the
    two end pieces are zero-padded: padding the whole input would copy it once more.
    """
    n_out = x.shape[-1] + 2 * padding - halo
    out = x.new_empty(x.shape[0], c_out, n_out)
    for s in range(0, n_out, SEGMENT):
        e = min(s + SEGMENT, n_out)
        lo, hi = s - padding, e + halo - padding  # the input window in x's own coordinates
        piece = x[..., max(lo, 0) : min(hi, x.shape[-1])]
        if lo < 0 or hi > x.shape[-1]:
            piece = F.pad(piece, (max(-lo, 0), max(hi - x.shape[-1], 0)))
        out[..., s:e] = conv(piece, 0)
    return out


class LayerNorm(nn.Module):
    """Layer norm over channels of a (B, C, T) tensor; parameters named gamma/beta as in StyleTTS2."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.transpose(1, -1), self.gamma.shape, self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class LinearNorm(nn.Module):
    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.linear_layer = nn.Linear(d_in, d_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear_layer(x)


class AdaIN1d(nn.Module):
    """Instance norm whose scale and shift come from the style vector: (1 + gamma) * IN(x) + beta."""

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x: Tensor, s: Tensor, alpha: Tensor | None = None) -> Tensor:
        """x (B, C, T), s (B, S) -> same shape; `alpha` (1, C, 1) multiplies the result."""
        gamma, beta = self.fc(s).chunk(2, dim=1)  # (B, C) each
        scale = 1 + gamma
        if alpha is not None:
            scale, beta = scale * alpha.view(1, -1), beta * alpha.view(1, -1)
        return scaled_instance_norm(x, scale, beta)


def scaled_instance_norm(x: Tensor, scale: Tensor, shift: Tensor) -> Tensor:
    """scale * IN(x) + shift with per-sample, per-channel scale and shift (B, C), in one pass.

    instance_norm's own affine is per channel only, so the batch is folded into the channels:
    normalizing (1, B*C, T) is the same as normalizing each (b, c) row. Broadcasting the
    affine as a separate op is ~5x slower than the whole normalization on long signals.
    """
    B, C, T = x.shape
    y = F.instance_norm(
        x.reshape(1, B * C, T), weight=scale.reshape(-1), bias=shift.reshape(-1), eps=1e-5
    )
    return y.view(B, C, T)


class AdaLayerNorm(nn.Module):
    """Layer norm over channels of a (B, T, C) tensor, scaled and shifted by the style."""

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.fc = nn.Linear(style_dim, channels * 2)
        self.channels = channels

    def forward(self, x: Tensor, s: Tensor) -> Tensor:  # x (B, T, C), s (B, S)
        gamma, beta = self.fc(s).unsqueeze(1).chunk(2, dim=-1)
        return (1 + gamma) * F.layer_norm(x, (self.channels,), eps=1e-5) + beta


class AdainResBlk1d(nn.Module):
    """Residual block with AdaIN; optionally doubles the time axis (nearest + depthwise conv)."""

    def __init__(self, dim_in: int, dim_out: int, style_dim: int, upsample: bool = False):
        super().__init__()
        self.upsample = upsample
        self.conv1 = WNConv1d(dim_in, dim_out, 3, padding=1)
        self.conv2 = WNConv1d(dim_out, dim_out, 3, padding=1)
        self.norm1 = AdaIN1d(style_dim, dim_in)
        self.norm2 = AdaIN1d(style_dim, dim_out)
        self.learned_sc = dim_in != dim_out
        if self.learned_sc:
            self.conv1x1 = WNConv1d(dim_in, dim_out, 1, bias=False)
        if upsample:
            self.pool = WNConv1d(
                dim_in,
                dim_in,
                3,
                stride=2,
                padding=1,
                groups=dim_in,
                transpose=True,
                output_padding=1,
            )

    def _shortcut(self, x: Tensor) -> Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.conv1x1(x) if self.learned_sc else x

    def _residual(self, x: Tensor, s: Tensor) -> Tensor:
        x = F.leaky_relu(self.norm1(x, s), 0.2)
        if self.upsample:
            x = self.pool(x)
        x = self.conv1(x)
        x = F.leaky_relu(self.norm2(x, s), 0.2)
        return self.conv2(x)

    def forward(self, x: Tensor, s: Tensor) -> Tensor:
        return (self._residual(x, s) + self._shortcut(x)) * 0.7071067811865476  # / sqrt(2)
