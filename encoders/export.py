"""Export a sentence-transformers model's transformer to ONNX, and quantise it to int8.

Both write to a temporary file beside the target and rename it into place, so processes that
start together (a gateway and Rasa) never load half a file; the loser of a race redoes the
work, harmlessly.

Quantisation is dynamic (no calibration data) and per channel, and leaves two kinds of matrix
product in float: the attention products of two activations (query x key, weights x value) and
the feed-forward down-projections, whose inputs carry the outliers that 8 bits cannot hold.
Quantising every MatMul took MiniLM's worst cosine to fp32 on StackFAQ + CLINC150 down to 0.91;
this choice keeps it at 0.989 (docs/capacity.md).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Bump when the exported graph changes, so caches made by an older version are not reused.
EXPORT_VERSION = 1
OPSET = 17


def export(model_dir: Path, target: Path) -> None:
    """Write ``model_dir``'s transformer (token ids in, token vectors out) to ``target``."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    sample = tokenizer(["an example", "a second, longer example"], padding=True, return_tensors="pt")
    names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_vectors"]}
    logger.info("exporting sentence encoder to ONNX model=%s", model_dir.name)
    with _replacing(target) as scratch, torch.no_grad():
        torch.onnx.export(_by_name(model, names), tuple(sample[name] for name in names), str(scratch),
                          input_names=names, output_names=["token_vectors"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def quantize(source: Path, target: Path) -> None:
    """Write an int8 copy of ``source`` (see the module docstring for which products stay float)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    shapes = {tensor.name: tuple(tensor.dims) for tensor in graph.initializer}
    chosen = [node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] in shapes
              and shapes[node.input[1]][0] <= shapes[node.input[1]][1]]  # weights, not down-projections
    with _replacing(target) as scratch:
        quantize_dynamic(str(source), str(scratch), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                         nodes_to_quantize=chosen, per_channel=True)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A scratch path beside ``target``, renamed onto it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, suffix=".onnx.part")
    os.close(handle)
    scratch = Path(name)
    try:
        yield scratch
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)


def _by_name(model: Any, names: list[str]) -> Any:
    """The model as a module taking its inputs by position and returning only its token vectors."""
    import torch

    class ByName(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    return ByName()
