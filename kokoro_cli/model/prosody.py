"""Prosody predictor: durations from the PL-BERT features, then F0 and energy curves (StyleTTS2)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .modules import AdainResBlk1d, AdaLayerNorm, LinearNorm
from .text_encoder import run_lstm


class DurationEncoder(nn.Module):
    """Alternating BiLSTM and style-conditioned layer norm; the style is re-appended after each."""

    def __init__(self, sty_dim: int, d_model: int, nlayers: int):
        super().__init__()
        self.lstms = nn.ModuleList()
        for _ in range(nlayers):
            self.lstms.append(
                nn.LSTM(d_model + sty_dim, d_model // 2, 1, batch_first=True, bidirectional=True)
            )
            self.lstms.append(AdaLayerNorm(sty_dim, d_model))

    def forward(
        self, x: Tensor, s: Tensor, mask: Tensor | None = None, lengths: Tensor | None = None
    ) -> Tensor:
        """x (B, T, d_model), s (B, S) -> (B, T, d_model + S)."""
        style = s.unsqueeze(1).expand(-1, x.shape[1], -1)
        m = mask.unsqueeze(-1) if mask is not None else None
        x = torch.cat([x, style], dim=-1)
        for block in self.lstms:
            if m is not None:
                x = x.masked_fill(m, 0.0)
            if isinstance(block, AdaLayerNorm):
                x = torch.cat([block(x, s), style], dim=-1)
            else:
                x = run_lstm(block, x, lengths)
        return x.masked_fill(m, 0.0) if m is not None else x


class ProsodyPredictor(nn.Module):
    def __init__(self, style_dim: int, d_hid: int, nlayers: int, max_dur: int):
        super().__init__()
        self.text_encoder = DurationEncoder(style_dim, d_hid, nlayers)
        self.lstm = nn.LSTM(d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True)
        self.duration_proj = LinearNorm(d_hid, max_dur)
        self.shared = nn.LSTM(
            d_hid + style_dim, d_hid // 2, 1, batch_first=True, bidirectional=True
        )
        self.F0 = nn.ModuleList(
            [
                AdainResBlk1d(d_hid, d_hid, style_dim),
                AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
                AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim),
            ]
        )
        self.N = nn.ModuleList(
            [
                AdainResBlk1d(d_hid, d_hid, style_dim),
                AdainResBlk1d(d_hid, d_hid // 2, style_dim, upsample=True),
                AdainResBlk1d(d_hid // 2, d_hid // 2, style_dim),
            ]
        )
        self.F0_proj = nn.Conv1d(d_hid // 2, 1, 1)
        self.N_proj = nn.Conv1d(d_hid // 2, 1, 1)

    def durations(self, d: Tensor, lengths: Tensor | None = None) -> Tensor:
        """d (B, T, C) -> expected frames per token (B, T): each of max_dur sigmoid bins adds one."""
        x = run_lstm(self.lstm, d, lengths)
        return torch.sigmoid(self.duration_proj(x)).sum(dim=-1)

    def F0Ntrain(self, en: Tensor, s: Tensor) -> tuple[Tensor, Tensor]:
        """en (B, C, frames) -> F0 and energy curves (B, 2 * frames)."""
        x = run_lstm(self.shared, en.transpose(1, 2)).transpose(1, 2)
        F0, N = x, x
        for block in self.F0:
            F0 = block(F0, s)
        for block in self.N:
            N = block(N, s)
        return self.F0_proj(F0).squeeze(1), self.N_proj(N).squeeze(1)
