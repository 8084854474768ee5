"""Kokoro-82M: PL-BERT -> prosody predictor -> text encoder -> ISTFTNet, wired as in the paper's figure.

Inference only. The five sub-modules carry the names of the official checkpoint's five state
dicts (`bert`, `bert_encoder`, `predictor`, `text_encoder`, `decoder`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from .config import MAX_TOKENS, PACK_SHAPE, ModelConfig, default_config
from .istftnet import AdaINResBlock1, Decoder
from .memory import release_free_memory, worth_trimming
from .modules import WNConv1d
from .plbert import PLBERT
from .prosody import ProsodyPredictor
from .text_encoder import TextEncoder

STYLE_DIM = 128  # ref_s[:, :128] conditions the decoder (timbre), ref_s[:, 128:] the predictor
SEMITONES_PER_OCTAVE = 12  # pitch shifts are in equal-tempered semitones: F0 * 2 ** (st / 12)


def pitch_factor(semitones: float | Tensor) -> float | Tensor:
    """The F0 multiplier for a shift of `semitones` (0 -> exactly 1.0); elementwise on a tensor."""
    return 2.0 ** (semitones / SEMITONES_PER_OCTAVE)


def chunk_seed(tokens: list[int], speed: float) -> int:
    """A seed for the source's noise taken from the chunk itself: same chunk, same audio."""
    data = np.asarray(tokens, dtype=np.int32).tobytes() + np.float64(speed).tobytes()
    return zlib.crc32(data)


class KModel(nn.Module):
    def __init__(self, config: ModelConfig | None = None):
        super().__init__()
        c = config or default_config()
        self.config = c
        self.bert = PLBERT(c.plbert)
        self.bert_encoder = nn.Linear(c.plbert.hidden_size, c.hidden_dim)
        self.predictor = ProsodyPredictor(c.style_dim, c.hidden_dim, c.n_layer, c.max_dur)
        self.text_encoder = TextEncoder(
            c.hidden_dim, c.text_encoder_kernel_size, c.n_layer, c.n_token
        )
        self.decoder = Decoder(c.hidden_dim, c.style_dim, c.istftnet, c.sample_rate)
        self.noise = True  # the source's random phase and noise; off = silent source noise
        # None: each speak() seeds the noise from its own tokens and speed (chunk_seed), so the
        # same chunk always sounds the same: a resumed book equals an uninterrupted one.
        self.generator: torch.Generator | None = None

    def fold_weight_norm(self) -> None:
        """Compute every weight-normed conv's weight once (inference needs no g/v split), then
        move each Snake's 1/alpha into the conv after it."""
        for m in self.modules():
            if isinstance(m, WNConv1d) and m.weight is None and m.packed is None:
                m.fold()
        for m in self.modules():
            if isinstance(m, AdaINResBlock1):
                m.fold_alpha()

    def prepack(self) -> None:
        """Keep conv weights in oneDNN's layout (see WNConv1d.prepack), once all folding,
        precision and quantization changes are done: 2-4 % off a short chunk's forward.

        Only outside the generator: its signals are long, so the per-call reorder weighs
        little there, and in bf16 packing its convolutions raised the long text's peak RSS
        from 0.85 to 0.99-1.03 GB (the int8 blocks quantize their own weights anyway).
        """
        in_generator = {id(m) for m in self.decoder.generator.modules()}
        for m in self.modules():
            if isinstance(m, WNConv1d) and id(m) not in in_generator:
                m.prepack()

    def set_precision(self, dtype: torch.dtype) -> None:
        """Run PL-BERT and the decoder in `dtype`. bf16 makes them ~2.7x and ~1.8x faster on CPUs
        with native bf16; the predictor (durations, F0), the harmonic source and the inverse STFT
        stay in fp32, where rounding would move timing and pitch."""
        self.bert.to(dtype)
        self.decoder.to(dtype)
        self.decoder.generator.m_source.float()

    @torch.inference_mode()
    def forward(
        self,
        input_ids: Tensor,
        ref_s: Tensor,
        speed: float = 1.0,
        durations: Tensor | None = None,
        generator: torch.Generator | None = None,
        pitch: float = 0.0,
        local: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """input_ids (1, T) with 0 pads at both ends, ref_s (1, 256) -> audio (N,), frames per token (T,).

        `durations` forces the alignment (for comparisons against another implementation);
        `generator` draws the source's noise (default: self.generator, else torch's global one);
        `pitch` shifts the predicted F0 by that many semitones, `local` changes the rate and
        pitch of some tokens (see align()).
        """
        asr, F0, N, durations = self.align(input_ids, ref_s, speed, durations, pitch, local)
        source = self.decoder.generator.source(F0, generator or self.generator, self.noise)
        trim = worth_trimming(input_ids.shape[1] - 2)
        audio = self.decoder(asr, F0, N, ref_s[:, :STYLE_DIM], source, trim)
        return audio.squeeze(0).float(), durations

    def align(
        self,
        input_ids: Tensor,
        ref_s: Tensor,
        speed: float,
        durations: Tensor | None,
        pitch: float = 0.0,
        local: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Everything before the decoder: text features per frame (1, 512, frames), F0 and
        energy curves (1, 2 * frames), and the frames per token (T,).

        `pitch` (semitones) scales the predicted F0 curve, which both the decoder's F0
        features and its harmonic source read: the voice moves in pitch, its timing and
        energy do not (issue 25). At 0 the curve is left untouched, bit for bit.

        `local` is (rate (T,), F0 factor (T,)) per token, pads included: SSML's emphasis
        (issue 25) says a few words a little slower and higher than their neighbours, in the
        same utterance. The rates divide those tokens' durations, the factors scale the F0
        curve over their frames. None leaves everything as predicted, bit for bit.
        """
        bert_dur = self.bert(input_ids)
        d_en = self.bert_encoder(bert_dur)  # (1, T, 512)
        s = ref_s[:, STYLE_DIM:]
        d = self.predictor.text_encoder(d_en, s)  # (1, T, 640)
        if durations is None:
            dur = self.predictor.durations(d) / speed
            if local is not None:
                dur = dur / local[0]
            durations = torch.round(dur).clamp(min=1).long().squeeze(0)
        durations = durations.to(input_ids.device)
        # alignment: token t covers `durations[t]` frames; a gather instead of a one-hot matmul
        idx = torch.repeat_interleave(
            torch.arange(input_ids.shape[1], device=input_ids.device), durations
        )
        en = d[:, idx].transpose(1, 2)  # (1, 640, frames)
        F0, N = self.predictor.F0Ntrain(en, s)
        if pitch:
            F0 = F0 * pitch_factor(pitch)
        if local is not None:  # F0 runs at twice the frame rate
            F0 = F0 * local[1][idx].repeat_interleave(2)
        asr = self.text_encoder(input_ids)[:, :, idx]  # (1, 512, frames)
        return asr, F0, N, durations

    def speak(
        self, tokens: list[int], pack: Tensor, speed: float = 1.0, pitch: float = 0.0
    ) -> np.ndarray:
        """Phoneme token ids (no pads) and a [510, 1, 256] voicepack -> float32 mono audio.

        `pitch` shifts the voice by that many semitones (0: as the model predicts it)."""
        return self.speak_timed(tokens, pack, speed, pitch)[0]

    def speak_timed(
        self,
        tokens: list[int],
        pack: Tensor,
        speed: float = 1.0,
        pitch: float = 0.0,
        *,
        local: tuple[Sequence[float], Sequence[float]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like speak(), plus the frames each token lasts, from the same forward: (audio, durations).

        durations has len(tokens) + 2 entries (the pads first and last); token t spans
        durations[t] * FRAME_SAMPLES samples of the audio, and they add up to its length.
        `pitch` shifts the whole chunk, `local` is (rate factor, semitones) for each of
        `tokens` (see align()).
        """
        from kokoro_cli.errors import UsageError

        n = len(tokens)
        if n == 0:
            raise UsageError("nothing to synthesize: the token list is empty — give some text")
        if n > MAX_TOKENS:
            raise UsageError(
                f"{n} phoneme tokens exceed the model's limit of {MAX_TOKENS} — split the text into chunks"
            )
        if tuple(pack.shape) != PACK_SHAPE:
            raise UsageError(f"voicepack has shape {list(pack.shape)}, expected {list(PACK_SHAPE)}")
        # trim what the previous chunk freed now, not after this one: the caller waits for
        # this chunk's audio, and the trim takes a few ms (short chunks skip it: memory.py)
        if worth_trimming(n):
            release_free_memory()
        device = next(self.parameters()).device
        ids = torch.tensor([[0, *tokens, 0]], dtype=torch.long, device=device)
        ref_s = pack[n - 1].to(
            device=device, dtype=torch.float32
        )  # style chosen by utterance length
        # a generator of this call's own: batch threads share the model
        generator = self.generator or torch.Generator().manual_seed(chunk_seed(tokens, speed))
        shape = None
        if local is not None:  # the pads keep their rate and pitch
            rates = torch.tensor([1.0, *local[0], 1.0], device=device)
            semitones = torch.tensor([0.0, *local[1], 0.0], device=device)
            shape = (rates, pitch_factor(semitones))
        # the noise seed ignores pitch: a shifted chunk draws the same noise as the plain one
        audio, durations = self.forward(
            ids, ref_s, speed, generator=generator, pitch=pitch, local=shape
        )
        return audio.cpu().numpy(), durations.cpu().numpy()
