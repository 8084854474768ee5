"""int8 convolutions for the generator's Snake resblocks (oneDNN, VNNI).

The resblocks hold ~60 % of the model's time, in 128- and 256-channel convolutions that already
run near the CPU's bf16 peak. oneDNN's u8 x s8 convolution does twice the work per instruction.
Each conv's input is quantized on the fly, symmetric around 0 with one step per channel, and
the weights, scaled by those steps, per output channel (symmetric int8).

Inside a quantized resblock the signal stays time-major, (B, W, C): that is the layout the
int8 kernel reads and writes, so no transposes between convolutions. Instance-norm statistics
in that layout are two matrix-vector products (torch's own reductions over the time axis are
~10x slower there).

AdaIN, Snake and the quantization of each conv's input run in C where a compiler is at hand
(snake.c, built by native.py): two passes over the signal instead of about fifteen torch ops,
~20 % of a long chunk's time. The torch ops stay as the fallback and give the same codes
within rounding.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import native
from .istftnet import AdaINResBlock1, Generator
from .modules import SEGMENT, AdaIN1d


def int8_supported() -> bool:
    """True where this torch build has oneDNN's quantized convolution ops."""
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.onednn, "qconv_pointwise")


ZERO = 128  # the uint8 code of 0.0 in every channel: zero padding stays exact
MARGIN = 25  # zero codes on both ends of a quantized signal: the widest padding (k 11, d 5)


class QConv1d(nn.Module):
    """A stride-1 conv1d from uint8 (B, W, C), one quantization step per input channel.

    A conv is linear in each input channel, so the per-channel steps move into the weights:
    they are scaled and quantized (per output channel, symmetric int8) for every call. That
    costs 0.2-2.3 ms; a single step for all channels would let one loud channel drown the
    quiet ones (log-spectrogram correlation with fp32 0.950 instead of 0.971 on a 19 s chunk).
    """

    def __init__(self, weight: Tensor, bias: Tensor | None, padding: int, dilation: int):
        super().__init__()
        self.out_dtype = weight.dtype  # the generator's dtype: bf16 where native, else fp32
        self.weight = nn.Parameter(weight.detach(), requires_grad=False)
        self.register_buffer("bias", None if bias is None else bias.detach().float())
        self.register_buffer("w_zeros", torch.zeros(weight.shape[0], dtype=torch.long))
        # |w| peak per (output, input) channel: the per-call output scales need only this
        self.register_buffer("w_peaks", weight.detach().abs().amax(dim=2).float())
        if padding > MARGIN:
            raise ValueError(f"padding {padding} exceeds the quantized signal's margin {MARGIN}")
        self.padding, self.dilation = padding, dilation

    def forward(self, qx: tuple[Tensor, Tensor]) -> Tensor:
        """(uint8 (B, MARGIN + W + MARGIN, C), steps (C,)), meaning (q - ZERO) * step -> (B, W, C).

        The margins are the zero padding. Dilated convs run in cache-sized pieces: on long
        signals oneDNN's int8 kernel is then ~1.7x faster (17 vs 29 ms, 128 ch, k 11, d 5).
        """
        q, steps = qx
        packed, w_scales = self._pack(steps)
        W = q.shape[1] - 2 * MARGIN
        window = q[:, MARGIN - self.padding : MARGIN + W + self.padding]
        if self.dilation == 1 or W <= 2 * SEGMENT:
            return self._conv(window, packed, w_scales)
        halo = self.dilation * (self.weight.shape[-1] - 1)
        out = torch.empty(q.shape[0], W, self.weight.shape[0], dtype=self.out_dtype)
        for s in range(0, W, SEGMENT):
            e = min(s + SEGMENT, W)
            out[:, s:e] = self._conv(window[:, s : e + halo], packed, w_scales)
        return out

    def _pack(self, steps: Tensor) -> tuple[object, Tensor]:
        w_scales = ((self.w_peaks * steps).amax(dim=1) / 127).clamp_min(1e-12)
        # one multiply, round and narrow: three passes over the weights instead of seven
        qw = torch.mul(self.weight, steps.view(1, -1, 1) / w_scales.view(-1, 1, 1))
        qw = qw.round_().to(torch.int8)
        packed = torch.ops.onednn.qconv_prepack(
            qw, w_scales, 1.0, ZERO, [1], [0], [self.dilation], 1, None
        )
        return packed, w_scales

    def _conv(self, q: Tensor, packed: object, w_scales: Tensor) -> Tensor:
        y = torch.ops.onednn.qconv_pointwise(
            q.transpose(1, 2),  # (B, C, W) view of time-major bytes: oneDNN's nwc
            1.0,
            ZERO,
            packed,
            w_scales,
            self.w_zeros,
            self.bias,
            [1],
            [0],
            [self.dilation],
            1,
            1.0,
            0,
            self.out_dtype,
            "none",
            [],
            "",
        )
        return y.transpose(1, 2)  # nwc result -> contiguous (B, W, C)


PIECE = 1 << 20  # elements per piece of the sine and quantization loop: stays in cache


def _centered_stats(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(x - k, mean of that, 1/std) over time of (B, W, C), the moments as matrix products.

    k is a rough per-channel mean from every 64th step: some channels' mean is 100x their
    std, and E[x^2] - mean^2 from uncentered bf16 sums would cancel to noise.
    """
    B, W, C = x.shape
    k = _rough_mean(x).to(x.dtype)
    d = torch.empty_like(x)
    mean = x.new_zeros(B, 1, C, dtype=torch.float32)
    sq = torch.zeros_like(mean)
    rows = max(PIECE // C, 1)
    ones = x.new_ones(B, 1, rows)
    for x_piece, d_piece in zip(x.split(rows, dim=1), d.split(rows, dim=1), strict=True):
        torch.sub(x_piece, k, out=d_piece)
        o = ones[..., : d_piece.shape[1]]
        mean += torch.bmm(o, d_piece)
        sq += torch.bmm(o, d_piece * d_piece)
    mean /= W
    return d, mean, _rstd(mean, sq / W)


def _rough_mean(x: Tensor) -> Tensor:
    """(..., W, C) -> a per-channel mean from every 64th step, (..., 1, C) in fp32."""
    return x[..., ::64, :].float().mean(dim=-2, keepdim=True)


def _rstd(mean: Tensor, mean_square: Tensor) -> Tensor:
    """1/std from the first two moments (of a centered signal), with instance norm's eps."""
    return (mean_square - mean * mean).clamp_min_(0).add_(1e-5).rsqrt_()


def _snake_uint8(x: Tensor, s: Tensor, norm: AdaIN1d, alpha: Tensor) -> tuple[Tensor, Tensor]:
    """alpha * snake(AdaIN(x)) on (B, W, C), as uint8 around ZERO with a step per channel,
    with MARGIN zero codes before and after.

    The resblock's 1/alpha is already in the next conv's weights.
    """
    gamma, beta = norm.fc(s).float().chunk(2, dim=1)  # (B, C)
    a = alpha.view(1, -1).float()
    if native.supports(x[0]):
        return _snake_uint8_native(x, (1 + gamma) * a, beta * a)
    d, mean, rstd = _centered_stats(x)
    scale = ((1 + gamma) * a).unsqueeze(1) * rstd  # (B, 1, C)
    shift = (beta * a).unsqueeze(1) - mean * scale
    u = torch.addcmul(shift.to(x.dtype), d, scale.to(x.dtype), out=d)
    B, W, C = u.shape
    rows = max(PIECE // C, 1)
    peak = torch.zeros(C)
    for piece in u.split(rows, dim=1):  # pieces stay in cache between the passes
        sin = torch.sin(piece)
        piece.addcmul_(sin, sin)
        torch.maximum(peak, piece.abs().amax(dim=(0, 1)).float(), out=peak)
    steps = (peak / 127).clamp_min_(1e-12)
    inv = 1 / steps
    q = torch.empty(B, MARGIN + W + MARGIN, C, dtype=torch.uint8)
    q[:, :MARGIN] = ZERO
    q[:, MARGIN + W :] = ZERO
    buf = torch.empty(B, min(rows, W), C)
    body = q[:, MARGIN : MARGIN + W].split(rows, dim=1)
    for piece, q_piece in zip(u.split(rows, dim=1), body, strict=True):
        f = torch.mul(piece, inv, out=buf[:, : piece.shape[1]]).add_(ZERO + 0.5)
        # float -> int truncates, so the + 0.5 rounds; via int32: ATen's float -> uint8
        # conversion is the slow one (0.13 against 0.07 ms per million values)
        q_piece.copy_(f.clamp_(0, 255).to(torch.int32))
    return q, steps


def _snake_uint8_native(x: Tensor, gain: Tensor, bias: Tensor) -> tuple[Tensor, Tensor]:
    """_snake_uint8 in two passes of C (native.py): moments, then codes. gain and bias (B, C)
    are AdaIN's scale and shift of the normalized signal, alpha included.

    The steps come from the extremes of x: Snake (u + sin(u)^2) never decreases, and AdaIN is
    per-channel affine, so the output's extremes are the images of x's own.
    """
    B, W, C = x.shape
    q = torch.empty(B, MARGIN + W + MARGIN, C, dtype=torch.uint8)
    q[:, :MARGIN] = ZERO
    q[:, MARGIN + W :] = ZERO
    affine = []
    peak = torch.zeros(C)
    for b in range(B):
        k = _rough_mean(x[b]).squeeze(0)
        total, squares, lo, hi = native.moments(x[b], k)
        mean = total / W
        scale = gain[b] * _rstd(mean, squares / W)
        shift = bias[b] - mean * scale
        ends = scale * (torch.stack([lo, hi]) - k) + shift
        peak = torch.maximum(peak, (ends + torch.sin(ends) ** 2).abs().amax(dim=0))
        affine.append((k, scale, shift))
    steps = (peak / 127).clamp_min_(1e-12)
    for b, (k, scale, shift) in enumerate(affine):
        native.snake_codes(x[b], k, scale, shift, 1 / steps, q[b, MARGIN : MARGIN + W])
    return q, steps


class QuantizedResBlock(nn.Module):
    """AdaINResBlock1 with int8 convolutions, on time-major (B, W, C) signals."""

    def __init__(self, block: AdaINResBlock1):
        super().__init__()
        if not block.alpha_folded:
            raise RuntimeError("fold alpha into the convs before quantizing")
        self.convs1 = nn.ModuleList(
            QConv1d(c.weight, c.bias, c.padding, c.dilation) for c in block.convs1
        )
        self.convs2 = nn.ModuleList(
            QConv1d(c.weight, c.bias, c.padding, c.dilation) for c in block.convs2
        )
        self.adain1, self.adain2 = block.adain1, block.adain2
        self.alpha1, self.alpha2 = block.alpha1, block.alpha2

    def _adain_snake(
        self, x: Tensor, s: Tensor, norm: AdaIN1d, alpha: Tensor
    ) -> tuple[Tensor, Tensor]:
        return _snake_uint8(x, s, norm, alpha)

    forward = AdaINResBlock1.forward  # same wiring: only the convs and _adain_snake differ


# Below this width the 256-channel stage runs its float blocks: re-quantizing its weights on
# every call costs more than int8 saves on short chunks. Whole forwards, 2 threads, with the C
# kernel: width 2000 (2.5 s of audio) 262 ms float against 269 int8; 2320 336 / 333; 3280
# 399 / 376. On 1 thread (batch workers) int8 won at every width (374 / 359 at 2000). The
# 128-channel stage gains at every length.
INT8_MIN_WIDTH = {256: 2304}


def quantize_generator(gen: Generator) -> None:
    """Swap every Snake resblock of a folded generator for its int8 version (once, at load).

    The float blocks stay, unregistered (their weights are the int8 blocks' own), for short
    signals of the stages listed in INT8_MIN_WIDTH.
    """
    if gen.time_major:
        return
    k = gen.num_kernels
    gen.float_blocks = [
        (list(gen.resblocks[i * k : (i + 1) * k]), gen.noise_res[i]) for i in range(len(gen.ups))
    ]
    gen.int8_min_width = [
        INT8_MIN_WIDTH.get(gen.noise_res[i].convs1[0].weight.shape[0], 0)
        for i in range(len(gen.ups))
    ]
    gen.resblocks = nn.ModuleList(QuantizedResBlock(b) for b in gen.resblocks)
    gen.noise_res = nn.ModuleList(QuantizedResBlock(b) for b in gen.noise_res)
    gen.time_major = True
