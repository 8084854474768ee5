"""PL-BERT: an ALBERT encoder over phoneme tokens (one transformer layer applied 12 times).

Attribute names follow the ALBERT layout of the official checkpoint, so its `bert` state dict
loads as is. The pooler is left out: Kokoro only uses the last hidden state.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ALBERTConfig


class Embeddings(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.embedding_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.embedding_size)
        self.token_type_embeddings = nn.Embedding(2, c.embedding_size)
        self.LayerNorm = nn.LayerNorm(c.embedding_size, eps=c.layer_norm_eps)

    def forward(self, ids: Tensor) -> Tensor:  # (B, T) -> (B, T, E)
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = (
            self.word_embeddings(ids)
            + self.position_embeddings(pos)
            + self.token_type_embeddings.weight[0]
        )
        return self.LayerNorm(x)


class Attention(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.n_head = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        B, T, C = x.shape
        q, k, v = (
            lin(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            for lin in (self.query, self.key, self.value)
        )  # (B, H, T, D)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.LayerNorm(x + self.dense(y))


class AlbertLayer(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.attention = Attention(c)
        self.ffn = nn.Linear(c.hidden_size, c.intermediate_size)
        self.ffn_output = nn.Linear(c.intermediate_size, c.hidden_size)
        self.full_layer_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = self.attention(x, mask)
        h = self.ffn_output(F.gelu(self.ffn(x), approximate="tanh"))  # ALBERT's "gelu_new"
        return self.full_layer_layer_norm(h + x)


class AlbertLayerGroup(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.albert_layers = nn.ModuleList([AlbertLayer(c)])


class Encoder(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.n_layer = c.num_hidden_layers
        self.embedding_hidden_mapping_in = nn.Linear(c.embedding_size, c.hidden_size)
        self.albert_layer_groups = nn.ModuleList([AlbertLayerGroup(c)])

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = self.embedding_hidden_mapping_in(x)
        layer = self.albert_layer_groups[0].albert_layers[0]
        for _ in range(self.n_layer):
            x = layer(x, mask)
        return x


class PLBERT(nn.Module):
    def __init__(self, c: ALBERTConfig):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)

    def forward(self, ids: Tensor, attention_mask: Tensor | None = None) -> Tensor:
        """ids (B, T) -> hidden states (B, T, 768). attention_mask (B, T): 1 = token, 0 = padding."""
        x = self.embeddings(ids)
        mask = None
        if attention_mask is not None:
            # additive mask broadcast over heads and queries
            keep = attention_mask[:, None, None, :].to(x.dtype)
            mask = (1.0 - keep) * torch.finfo(x.dtype).min
        return self.encoder(x, mask).float()  # the predictor downstream always runs in fp32
