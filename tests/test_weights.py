"""Weight sources: embedded conversion and its cache, local .pth files, the hub (offline cache)."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from kokoro_cli.errors import ModelError
from kokoro_cli.model import weights
from kokoro_cli.model.convert import module_path, onnx_to_state_dict
from kokoro_cli.model.kmodel import KModel

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KOKORO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / weights.CACHE_NAME


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return onnx_to_state_dict(weights.embedded_graph_bytes(), KModel())


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_module_paths_from_graph_scopes() -> None:
    assert module_path("/encoder/F0.1/conv1/Conv_quant") == "predictor.F0.1.conv1"
    assert module_path("/encoder/shared/LSTM_quant") == "predictor.shared"
    assert module_path("/encoder/text_encoder/cnn.0/cnn.0.0/Conv_quant") == "text_encoder.cnn.0.0"
    assert (
        module_path(
            "/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/attention/query_7/MatMul_quant"
        )
        == "bert.encoder.albert_layer_groups.0.albert_layers.0.attention.query"
    )
    assert module_path("/decoder/decoder/asr_res/asr_res.0/Conv_quant") == "decoder.asr_res.0"


def test_cold_conversion_writes_official_layout_then_reads_cache(cache, reference, caplog) -> None:
    caplog.set_level(logging.INFO, logger="kokoro_cli.model.weights")
    first = weights.embedded_state_dict()
    assert _same(first, reference)
    assert cache.is_file()
    digest = cache.with_name(cache.name + ".sha256").read_text().strip()
    assert digest == hashlib.sha256(cache.read_bytes()).hexdigest()
    official = torch.load(cache, weights_only=True)
    assert set(official) == set(weights.PARTS)
    assert "module.F0.1.pool.weight_g" in official["predictor"]
    assert "module.embeddings.word_embeddings.weight" in official["bert"]
    mtime = cache.stat().st_mtime_ns
    caplog.clear()
    second = weights.embedded_state_dict()
    assert _same(second, reference)
    assert cache.stat().st_mtime_ns == mtime
    assert "converting" not in caplog.text


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupt_cache_is_detected_and_rebuilt(cache, reference, caplog, damage) -> None:
    weights.embedded_state_dict()
    data = bytearray(cache.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 3]
    cache.write_bytes(bytes(data))
    caplog.set_level(logging.WARNING, logger="kokoro_cli.model.weights")
    rebuilt = weights.embedded_state_dict()
    assert "corrupt" in caplog.text
    assert _same(rebuilt, reference)
    assert (
        hashlib.sha256(cache.read_bytes()).hexdigest()
        == cache.with_name(cache.name + ".sha256").read_text().strip()
    )


def test_pth_round_trip_and_strict_loading(tmp_path, reference) -> None:
    path = tmp_path / "kokoro-v1_0.pth"
    weights.save_checkpoint(reference, path)
    model = weights.load_model(str(path))
    assert model.bert_encoder.weight.shape == (512, 768)
    assert torch.equal(model.bert_encoder.weight, reference["bert_encoder.weight"])
    # an official file also carries the pooler; it is recognised and ignored, not an error
    official = torch.load(path, weights_only=True)
    official["bert"]["module.pooler.weight"] = torch.zeros(768, 768)
    torch.save(official, path)
    assert _same(weights.load_checkpoint(path), reference)


def test_incomplete_or_misshapen_checkpoint_is_refused(tmp_path, reference) -> None:
    broken = dict(reference)
    del broken["decoder.generator.conv_post.bias"]
    path = tmp_path / "missing.pth"
    weights.save_checkpoint(broken, path)
    with pytest.raises(ModelError, match="1 missing"):
        weights.load_model(str(path))
    broken = dict(reference)
    broken["bert_encoder.weight"] = torch.zeros(512, 700)
    weights.save_checkpoint(broken, path)
    with pytest.raises(ModelError, match="bert_encoder.weight has shape"):
        weights.load_model(str(path))


def test_bad_paths_give_clear_errors(tmp_path) -> None:
    with pytest.raises(ModelError, match="not found"):
        weights.load_model(str(tmp_path / "nope.pth"))
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ModelError, match="cannot read"):
        weights.load_model(str(junk))
    torch.save({"hello": 1}, junk)
    with pytest.raises(ModelError, match="not a Kokoro checkpoint"):
        weights.load_model(str(junk))


def test_graph_missing_a_weight_is_an_error() -> None:
    import onnx

    graph = onnx.load_from_string(weights.embedded_graph_bytes())
    keep = [
        t
        for t in graph.graph.initializer
        if t.name != "decoder.decoder.generator.noise_res.0.alpha1.0"
    ]
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(keep)
    with pytest.raises(ModelError, match="not found in the embedded graph"):
        onnx_to_state_dict(graph.SerializeToString(), KModel())


def _hub_cache(root: Path, checkpoint: Path, repo: str = weights.HUB_REPO) -> None:
    """A local huggingface_hub cache holding the checkpoint, laid out as a download leaves it."""
    commit = "0" * 40
    base = root / ("models--" + repo.replace("/", "--"))
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    snap = base / "snapshots" / commit
    snap.mkdir(parents=True)
    blob = base / "blobs" / hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    blob.parent.mkdir()
    blob.write_bytes(checkpoint.read_bytes())
    (snap / weights.HUB_FILE).symlink_to(os.path.relpath(blob, snap))


def _run_offline(code: str, hub_root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HF_HUB_CACHE": str(hub_root),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


def test_hub_source_offline_from_local_cache(tmp_path, reference) -> None:
    pth = tmp_path / "kokoro-v1_0.pth"
    weights.save_checkpoint(reference, pth)
    hub = tmp_path / "hub"
    _hub_cache(hub, pth)
    code = (
        "from kokoro_cli.model.weights import load_model\n"
        "m = load_model('hf', precision='fp32')\n"
        "print(float(m.bert_encoder.weight.double().sum()), float(m.decoder.generator.conv_post.bias.double().sum()))\n"
    )
    r = _run_offline(code, hub)
    assert r.returncode == 0, r.stderr
    got = [float(x) for x in r.stdout.split()]
    assert got[0] == pytest.approx(float(reference["bert_encoder.weight"].double().sum()), abs=0)
    assert got[1] == pytest.approx(
        float(reference["decoder.generator.conv_post.bias"].double().sum()), abs=0
    )


def test_hub_source_not_cached_offline_is_a_clear_error(tmp_path) -> None:
    code = (
        "from kokoro_cli.model.weights import load_model\n"
        "from kokoro_cli.errors import ModelError\n"
        "try:\n    load_model('hf:someone/else')\nexcept ModelError as e:\n    print(e)\n"
    )
    r = _run_offline(code, tmp_path / "empty-hub")
    assert r.returncode == 0, r.stderr
    assert "someone/else" in r.stdout and "embedded default" in r.stdout
