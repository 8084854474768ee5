"""Text encoder: phoneme embedding, three conv blocks with layer norm, then a BiLSTM (StyleTTS2)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .modules import LayerNorm, WNConv1d


def run_lstm(lstm: nn.LSTM, x: Tensor, lengths: Tensor | None = None) -> Tensor:
    """Run a batch-first bidirectional LSTM.

    One unpadded utterance takes our own step loop: oneDNN's LSTM spends over a second building
    a kernel for every new sequence length, and every chunk of text has a new length.
    With lengths (a padded batch), packing keeps padding out of the backward direction.
    """
    if (
        lengths is None
        and x.shape[0] == 1
        and x.device.type == "cpu"
        and not torch.is_grad_enabled()
    ):
        return _bilstm_single(lstm, x)
    if lengths is None:
        return lstm(x)[0]
    packed = nn.utils.rnn.pack_padded_sequence(
        x, lengths.cpu(), batch_first=True, enforce_sorted=False
    )
    y, _ = nn.utils.rnn.pad_packed_sequence(
        lstm(packed)[0], batch_first=True, total_length=x.shape[1]
    )
    return y


def stack_directions(lstm: nn.LSTM) -> None:
    """Lay both directions' weights out next to each other, once, for `_bilstm_single`.

    The LSTM's parameters become views: the input weights of a (2, 4H, I) block, the
    recurrent ones of a (2, H, 4H) block, transposed, which makes the per-step product take
    the fast path on both threads. `_stacked` then reads the blocks without copying; stacking
    on every call copied ~7 MB per LSTM, 14 ms of a short sentence's synthesis.
    """
    with torch.no_grad():
        w_ih = torch.stack([lstm.weight_ih_l0, lstm.weight_ih_l0_reverse])
        w_hh = torch.stack([lstm.weight_hh_l0, lstm.weight_hh_l0_reverse])
        w_hh = w_hh.transpose(1, 2).contiguous()
        lstm.weight_ih_l0 = nn.Parameter(w_ih[0], requires_grad=False)
        lstm.weight_ih_l0_reverse = nn.Parameter(w_ih[1], requires_grad=False)
        lstm.weight_hh_l0 = nn.Parameter(w_hh[0].t(), requires_grad=False)
        lstm.weight_hh_l0_reverse = nn.Parameter(w_hh[1].t(), requires_grad=False)


def _pair(a: Tensor, b: Tensor) -> Tensor:
    """a and b stacked: a view where b directly follows a in memory, else a copy."""
    if (
        a.is_contiguous()
        and b.is_contiguous()
        and a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
        and b.storage_offset() == a.storage_offset() + a.numel()
    ):
        return a.as_strided((2, *a.shape), (a.numel(), *a.stride()))
    return torch.stack([a, b])


def _stacked(lstm: nn.LSTM) -> tuple[Tensor, Tensor, Tensor]:
    """(2, 4H, I) input weights, (2, H, 4H) contiguous recurrent weights, (2, 4H) biases."""
    w_ih = _pair(lstm.weight_ih_l0, lstm.weight_ih_l0_reverse)
    w_hh = _pair(lstm.weight_hh_l0.t(), lstm.weight_hh_l0_reverse.t()).contiguous()
    b = torch.stack(
        [lstm.bias_ih_l0 + lstm.bias_hh_l0, lstm.bias_ih_l0_reverse + lstm.bias_hh_l0_reverse]
    )
    return w_ih, w_hh, b


def _bilstm_single(lstm: nn.LSTM, x: Tensor) -> Tensor:
    """(1, T, I) -> (1, T, 2H); both directions advance together as a batch of two."""
    H = lstm.hidden_size
    w_ih, w_hh, b = _stacked(lstm)
    xs = torch.stack([x[0], x[0].flip(0)])  # the reverse direction reads time backwards
    gx = torch.baddbmm(b.unsqueeze(1), xs, w_ih.transpose(1, 2))  # (2, T, 4H), all inputs at once
    h = x.new_zeros(2, 1, H)
    c = x.new_zeros(2, 1, H)
    out = x.new_empty(2, x.shape[1], H)
    for t in range(x.shape[1]):  # in place where possible: each step is a few microseconds
        g = torch.baddbmm(gx[:, t : t + 1], h, w_hh)  # torch gate order i, f, g, o
        s = torch.sigmoid(g)
        c.mul_(s[..., H : 2 * H]).addcmul_(s[..., :H], torch.tanh(g[..., 2 * H : 3 * H]))
        h = torch.mul(s[..., 3 * H :], torch.tanh(c), out=out[:, t : t + 1])
    return torch.cat([out[0], out[1].flip(0)], dim=-1).unsqueeze(0)


class TextEncoder(nn.Module):
    def __init__(self, channels: int, kernel_size: int, depth: int, n_symbols: int):
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, channels)
        self.cnn = nn.ModuleList(
            nn.Sequential(
                WNConv1d(channels, channels, kernel_size, padding=kernel_size // 2),
                LayerNorm(channels),
            )
            for _ in range(depth)
        )
        self.lstm = nn.LSTM(channels, channels // 2, 1, batch_first=True, bidirectional=True)

    def forward(
        self, ids: Tensor, mask: Tensor | None = None, lengths: Tensor | None = None
    ) -> Tensor:
        """ids (B, T) -> (B, C, T). mask (B, T) is True on padding."""
        x = self.embedding(ids).transpose(1, 2)  # (B, C, T)
        m = mask.unsqueeze(1) if mask is not None else None
        for block in self.cnn:
            if m is not None:
                x = x.masked_fill(m, 0.0)
            x = F.leaky_relu(block(x), 0.2)
        if m is not None:
            x = x.masked_fill(m, 0.0)
        x = run_lstm(self.lstm, x.transpose(1, 2), lengths).transpose(1, 2)
        return x.masked_fill(m, 0.0) if m is not None else x
