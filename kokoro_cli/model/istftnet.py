"""ISTFTNet decoder with a harmonic-plus-noise source (StyleTTS2 / Kokoro v1.0).

The generator predicts magnitude and phase of a 20-point STFT and inverts it, instead of
upsampling all the way to samples; the source module feeds it sines at the predicted F0.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ISTFTNetConfig
from .memory import release_free_memory
from .modules import SEGMENT, AdaIN1d, AdainResBlk1d, WNConv1d


def _padding(kernel: int, dilation: int = 1) -> int:
    return (kernel * dilation - dilation) // 2


class AdaINResBlock1(nn.Module):
    """HiFi-GAN resblock with AdaIN and Snake activations: x + 1/a * sin(a x)^2.

    Snake is computed as alpha * snake(y) = u + sin(u)^2 with u = alpha * y, which folds alpha
    into AdaIN's scale and shift; `fold_alpha()` moves the remaining 1/alpha into the next
    conv's weights (a conv is linear in each input channel). Three passes over the signal
    instead of seven, which matters because the generator's long signals are memory-bound.
    """

    def __init__(self, channels: int, kernel: int, dilation: tuple[int, ...], style_dim: int):
        super().__init__()
        self.convs1 = nn.ModuleList(
            WNConv1d(channels, channels, kernel, dilation=d, padding=_padding(kernel, d))
            for d in dilation
        )
        self.convs2 = nn.ModuleList(
            WNConv1d(channels, channels, kernel, padding=_padding(kernel)) for _ in dilation
        )
        self.adain1 = nn.ModuleList(AdaIN1d(style_dim, channels) for _ in dilation)
        self.adain2 = nn.ModuleList(AdaIN1d(style_dim, channels) for _ in dilation)
        self.alpha1 = nn.ParameterList(nn.Parameter(torch.ones(1, channels, 1)) for _ in dilation)
        self.alpha2 = nn.ParameterList(nn.Parameter(torch.ones(1, channels, 1)) for _ in dilation)
        self.alpha_folded = False

    def fold_alpha(self) -> None:
        """Divide each conv's input channels by the alpha of the Snake in front of it (once)."""
        if self.alpha_folded:
            return
        for convs, alphas in ((self.convs1, self.alpha1), (self.convs2, self.alpha2)):
            for conv, alpha in zip(convs, alphas, strict=True):
                if conv.weight is None:
                    raise RuntimeError("fold the weight norm before alpha")
                conv.weight.data.div_(alpha.detach().view(1, -1, 1))
        self.alpha_folded = True

    def _adain_snake(self, x: Tensor, s: Tensor, norm: AdaIN1d, alpha: Tensor) -> Tensor:
        """snake(AdaIN(x)), times alpha when alpha is folded into the next conv."""
        u = norm(x, s, alpha)
        for piece in u.split(SEGMENT, dim=-1):  # piecewise: the sine's temporary stays small
            sin = torch.sin(piece)
            piece.addcmul_(sin, sin)
        return u if self.alpha_folded else u.div_(alpha)

    def forward(self, x: Tensor, s: Tensor) -> Tensor:
        for c1, c2, n1, n2, a1, a2 in zip(
            self.convs1,
            self.convs2,
            self.adain1,
            self.adain2,
            self.alpha1,
            self.alpha2,
            strict=True,
        ):
            xt = c1(self._adain_snake(x, s, n1, a1))
            xt = c2(self._adain_snake(xt, s, n2, a2))
            x = xt.add_(x)  # in place on the fresh tensor: the long final stage is memory-bound
        return x


class SourceModuleHnNSF(nn.Module):
    """Harmonic source: 9 sines at k * F0 merged by a linear layer + tanh (neural source filter)."""

    def __init__(self, sample_rate: int, upsample_scale: int, harmonic_num: int = 8):
        super().__init__()
        self.sample_rate, self.upsample_scale = sample_rate, upsample_scale
        self.harmonics = harmonic_num + 1
        self.sine_amp, self.noise_std, self.voiced_threshold = 0.1, 0.003, 10.0
        self.l_linear = nn.Linear(self.harmonics, 1)

    def forward(self, f0: Tensor, generator: torch.Generator | None, noise: bool) -> Tensor:
        """f0 (B, N) at the sample rate -> source (B, N)."""
        k = torch.arange(1, self.harmonics + 1, device=f0.device, dtype=f0.dtype)
        rad = (f0.unsqueeze(-1) * k / self.sample_rate) % 1  # (B, N, H) cycles per sample
        if noise:  # random initial phase per overtone (the fundamental starts at 0)
            ini = torch.rand(rad.shape[0], rad.shape[2], generator=generator, device=f0.device)
            ini[:, 0] = 0
            rad[:, 0, :] += ini
        # integrate phase at frame rate, then interpolate back: cheaper and smoother than per sample
        rad = F.interpolate(
            rad.transpose(1, 2), scale_factor=1 / self.upsample_scale, mode="linear"
        )
        phase = torch.cumsum(rad, dim=2) * 2 * math.pi
        phase = F.interpolate(
            phase * self.upsample_scale, scale_factor=self.upsample_scale, mode="linear"
        )
        sines = torch.sin(phase).transpose(1, 2) * self.sine_amp  # (B, N, H)
        uv = (f0 > self.voiced_threshold).to(f0.dtype).unsqueeze(-1)
        sines = sines * uv
        if noise:
            amp = uv * self.noise_std + (1 - uv) * self.sine_amp / 3
            sines = sines + amp * torch.randn(sines.shape, generator=generator, device=f0.device)
        return torch.tanh(self.l_linear(sines)).squeeze(-1)


class Generator(nn.Module):
    def __init__(self, style_dim: int, c: ISTFTNetConfig, sample_rate: int):
        super().__init__()
        self.num_kernels = len(c.resblock_kernel_sizes)
        self.n_fft, self.hop = c.gen_istft_n_fft, c.gen_istft_hop_size
        self.f0_scale = math.prod(c.upsample_rates) * self.hop  # F0 frames -> samples (300)
        self.m_source = SourceModuleHnNSF(sample_rate, self.f0_scale)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        self.noise_convs = nn.ModuleList()
        self.noise_res = nn.ModuleList()
        for i, (u, k) in enumerate(zip(c.upsample_rates, c.upsample_kernel_sizes, strict=True)):
            ch_in = c.upsample_initial_channel // 2**i
            ch = ch_in // 2
            self.ups.append(WNConv1d(ch_in, ch, k, stride=u, padding=(k - u) // 2, transpose=True))
            for rk, rd in zip(c.resblock_kernel_sizes, c.resblock_dilation_sizes, strict=True):
                self.resblocks.append(AdaINResBlock1(ch, rk, rd, style_dim))
            if i + 1 < len(c.upsample_rates):  # bring the source's STFT frames to this stage's rate
                stride = math.prod(c.upsample_rates[i + 1 :])
                self.noise_convs.append(
                    nn.Conv1d(self.n_fft + 2, ch, stride * 2, stride, (stride + 1) // 2)
                )
                self.noise_res.append(AdaINResBlock1(ch, 7, (1, 3, 5), style_dim))
            else:
                self.noise_convs.append(nn.Conv1d(self.n_fft + 2, ch, 1))
                self.noise_res.append(AdaINResBlock1(ch, 11, (1, 3, 5), style_dim))
        self.conv_post = WNConv1d(ch, self.n_fft + 2, 7, padding=3)
        self.time_major = False  # resblocks take (B, W, C): set by int8.quantize_generator
        # int8.quantize_generator: per stage, the float blocks and the width below which they run
        self.float_blocks: list[tuple[list[nn.Module], nn.Module]] = []
        self.int8_min_width: list[int] = []

    def stft(self, x: Tensor) -> Tensor:
        """x (B, N) -> magnitude and phase stacked (B, n_fft + 2, frames)."""
        window = torch.hann_window(self.n_fft, device=x.device)
        spec = torch.stft(x, self.n_fft, self.hop, self.n_fft, window, return_complex=True)
        return torch.cat([spec.abs(), spec.angle()], dim=1)

    def source(self, f0: Tensor, generator=None, noise: bool = True) -> Tensor:
        """F0 curve (B, T') -> the harmonic source at the sample rate (B, 300 * T'), in fp32
        whatever the dtype of the convolutions (rounding would move the sines' phase)."""
        f0 = F.interpolate(
            f0.float().unsqueeze(1), scale_factor=float(self.f0_scale), mode="nearest"
        ).squeeze(1)
        return self.m_source(f0, generator, noise)

    def forward(self, x: Tensor, s: Tensor, source: Tensor, trim: bool = True) -> Tensor:
        """x (B, C, T), source (B, 300 * T) from source() -> audio (B, samples).

        The source and the inverse STFT always run in fp32; the convolutions in between run in
        the dtype of the generator's weights (bf16 when the CPU has native support for it).
        `trim` False skips the heap trim (short chunks: see memory.py).
        """
        if trim:  # the stages below are the peak: start them from a trimmed heap
            release_free_memory()
        dtype = self.conv_post.bias.dtype
        har = self.stft(source).to(dtype)
        x, s = x.to(dtype), s.to(dtype)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, 0.1))
            if i == len(self.ups) - 1:
                x = F.pad(x, (1, 0), mode="reflect")
            noise = self.noise_convs[i](har)
            blocks = self.resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]
            noise_res = self.noise_res[i]
            time_major = self.time_major
            if time_major and x.shape[-1] < self.int8_min_width[i]:
                blocks, noise_res = self.float_blocks[i]
                time_major = False
            if time_major:
                x, noise = x.transpose(1, 2).contiguous(), noise.transpose(1, 2).contiguous()
            x = x + noise_res(noise, s)
            del noise  # the long final stage is the memory peak: keep one signal fewer alive
            acc = blocks[0](x, s)
            for block in blocks[1:]:
                acc.add_(block(x, s))
            x = acc.div_(self.num_kernels)
            if time_major:
                x = x.transpose(1, 2).contiguous()
        x = self.conv_post(F.leaky_relu(x, 0.01)).float()
        half = self.n_fft // 2 + 1
        spec = torch.polar(torch.exp(x[:, :half]), torch.sin(x[:, half:]))
        window = torch.hann_window(self.n_fft, device=x.device)
        return torch.istft(spec, self.n_fft, self.hop, self.n_fft, window)


class Decoder(nn.Module):
    def __init__(self, dim_in: int, style_dim: int, c: ISTFTNetConfig, sample_rate: int):
        super().__init__()
        self.encode = AdainResBlk1d(dim_in + 2, 1024, style_dim)
        self.decode = nn.ModuleList(
            [
                AdainResBlk1d(1024 + 2 + 64, 1024, style_dim),
                AdainResBlk1d(1024 + 2 + 64, 1024, style_dim),
                AdainResBlk1d(1024 + 2 + 64, 1024, style_dim),
                AdainResBlk1d(1024 + 2 + 64, 512, style_dim, upsample=True),
            ]
        )
        self.F0_conv = WNConv1d(1, 1, 3, stride=2, padding=1)
        self.N_conv = WNConv1d(1, 1, 3, stride=2, padding=1)
        self.asr_res = nn.Sequential(WNConv1d(512, 64, 1))
        self.generator = Generator(style_dim, c, sample_rate)

    def forward(
        self,
        asr: Tensor,
        F0_curve: Tensor,
        N: Tensor,
        s: Tensor,
        source: Tensor,
        trim: bool = True,
    ) -> Tensor:
        """asr (B, 512, frames), F0/N (B, 2 * frames), s (B, 128) timbre, source (B, 600 * frames)
        from generator.source(F0_curve) -> audio (B, 600 * frames); `trim` as for Generator."""
        return self.generator(self.frame_rate(asr, F0_curve, N, s), s, source, trim)

    def frame_rate(self, asr: Tensor, F0_curve: Tensor, N: Tensor, s: Tensor) -> Tensor:
        """The blocks before the generator: its input (B, 512, 2 * frames)."""
        dtype = self.asr_res[0].bias.dtype
        asr, N, s = asr.to(dtype), N.to(dtype), s.to(dtype)
        F0 = self.F0_conv(F0_curve.to(dtype).unsqueeze(1))
        N = self.N_conv(N.unsqueeze(1))
        x = self.encode(torch.cat([asr, F0, N], dim=1), s)
        asr_res = self.asr_res(asr)
        res = True
        for block in self.decode:
            if res:  # skip connections feed every block up to and including the upsampling one
                x = torch.cat([x, asr_res, F0, N], dim=1)
            x = block(x, s)
            res = res and not block.upsample
        return x
