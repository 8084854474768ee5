"""Kokoro-82M v1.0 in torch (StyleTTS2 with an ISTFTNet decoder), its weights and its voices.

The network, one file per component: kmodel (the whole), plbert, text_encoder, prosody, istftnet,
modules; int8 and native (the quantized decoder and its C kernel). Around it: config (the
checkpoint's facts), weights (finding, converting and loading them), voices (voicepacks and
blends), convert (the embedded ONNX graph to our layout), memory, shared (one model, many threads).

Importing this package is cheap: torch loads with kmodel, weights or voices' tensors, not here.
"""
