"""The real models that are trained with torch and exported with ``torch.onnx.export``.

They are made the way users make ONNX files: a ``torch.nn.Module``, trained with AdamW, put in
eval mode and exported with torch's default exporter (the dynamo one) at opset 18 (the highest
EZKL 23 reads, so both systems prove the same file), weights inside the file
(``external_data=False``). ``make_models.py`` calls :func:`build_all`.

* ``mlp_tanh``: 64 -> 32 (Tanh) -> 16 (Sigmoid) -> 10, Softmax head (probabilities).
* ``cnn_bn``: two 3x3 convolutions with BatchNorm, LeakyReLU(0.1) then HardSwish, a 2x2 max
  pool, a linear layer and a Softmax head (probabilities). The exporter folds BatchNorm into
  the convolutions.
* ``vit``: a one-block pre-norm vision transformer on 2x2 patches (16 tokens, width 16, two
  heads, GELU MLP, LayerNorm, mean pooling), logits.
* ``gru``: a GRU over the 8 image rows (hidden 16), its last state into a linear layer, logits.

Training is seeded, single threaded and deterministic on the CPU.
"""

import os
import warnings

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

TORCH_SEED = 0


class MlpTanh(nn.Module):
    """64 -> 32 -> 16 -> 10 with Tanh and Sigmoid, Softmax head."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 10)

    def logits(self, x):
        return self.fc3(torch.sigmoid(self.fc2(torch.tanh(self.fc1(x)))))

    def forward(self, x):
        return torch.softmax(self.logits(x), dim=-1)


class CnnBn(nn.Module):
    """Conv-BN-LeakyReLU-MaxPool, Conv-BN-HardSwish, Linear, Softmax head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def logits(self, x):
        x = F.max_pool2d(F.leaky_relu(self.bn1(self.conv1(x)), 0.1), 2)
        x = F.hardswish(self.bn2(self.conv2(x)))
        return self.fc(x.flatten(1))

    def forward(self, x):
        return torch.softmax(self.logits(x), dim=1)


class Attention(nn.Module):
    """Multi-head self-attention, written as timm writes it (one qkv projection)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        d = c // self.heads
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * d ** -0.5
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Vit(nn.Module):
    """2x2 patches of the 8x8 image (16 tokens), one block, mean pooling, linear head."""

    def __init__(self, dim=16, heads=2, hidden=32, blocks=1):
        super().__init__()
        self.embed = nn.Linear(4, dim)
        self.pos = nn.Parameter(torch.zeros(1, 16, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(blocks))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def logits(self, x):
        b = x.shape[0]
        # [b, 1, 8, 8] -> [b, 1, 4, 2, 4, 2] -> [b, 4, 4, 1, 2, 2] -> 16 patches of 4 pixels.
        x = x.reshape(b, 1, 4, 2, 4, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, 16, 4)
        x = self.embed(x) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x).mean(dim=1))

    def forward(self, x):
        return self.logits(x)


class GruRows(nn.Module):
    """A GRU reading the image row by row; its last hidden state into a linear layer."""

    def __init__(self, hidden=16):
        super().__init__()
        self.gru = nn.GRU(8, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def logits(self, x):
        _, h = self.gru(x)
        return self.fc(h[-1])

    def forward(self, x):
        return self.logits(x)


def train(model, x_tr, y_tr, *, epochs, lr, seed, batch=64, weight_decay=1e-4):
    """AdamW on softmax cross-entropy over ``model.logits``, seeded shuffles."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xs = torch.tensor(x_tr, dtype=torch.float32)
    ys = torch.tensor(y_tr, dtype=torch.int64)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xs), generator=gen)
        for i in range(0, len(xs), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(model.logits(xs[idx]), ys[idx]).backward()
            opt.step()
        sched.step()
    model.eval()
    return model


# The highest opset EZKL 23's tract reads (it has no opset-20 Gelu): both systems then prove the
# same file. torch spells GELU out at opset 18 (Div, Erf, Add, Mul); zkinfer fuses it back into
# one table, and the opset-20 Gelu op has its own one-op fixture.
OPSET = 18


def export(model, sample_shape, path):
    """``torch.onnx.export`` (the default dynamo exporter) at opset 18, batch 1, weights
    inline."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    example = torch.zeros((1,) + tuple(sample_shape), dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), path, input_names=["input"],
                          output_names=["output"], opset_version=OPSET, external_data=False,
                          verbose=False)
    # The exporter records each node's Python stack trace, with this machine's absolute
    # paths: drop it, so the file is the same wherever it is made.
    saved = onnx.load(path)
    for node in saved.graph.node:
        keep = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(keep)
    onnx.save(saved, path)


def outputs(model, xs):
    with torch.no_grad():
        return model(torch.tensor(xs, dtype=torch.float32)).numpy().astype(np.float64)


def count_params(model):
    return int(sum(p.numel() for p in model.state_dict().values()))


TRAINING = ("Training: torch {torch}, AdamW (lr {lr}, weight decay 1e-4, cosine schedule), "
            "batch 64, {epochs} epochs, softmax cross-entropy on the logits, torch.manual_seed"
            "({seed}), one CPU thread, deterministic.")

EXPORT = ("Exported with `torch.onnx.export(model, (x,), path, input_names=[\"input\"], "
          "output_names=[\"output\"], opset_version=18, external_data=False)`: torch's "
          "default (dynamo) exporter, batch fixed to 1, at opset 18, the highest EZKL 23 "
          "reads, so both systems prove the same file.")

SPECS = [
    # name, constructor, sample shape (no batch), epochs, lr, output description, summary
    ("mlp_tanh", MlpTanh, (64,), 80, 1e-2, "probabilities (Softmax head)",
     "MLP 64 -> 32 (Tanh) -> 16 (Sigmoid) -> 10 with a Softmax head."),
    ("cnn_bn", CnnBn, (1, 8, 8), 40, 5e-3, "probabilities (Softmax head)",
     "CNN on the 8x8 digits: Conv 3x3 (8) + BatchNorm + LeakyReLU(0.1) + MaxPool 2x2, "
     "Conv 3x3 (16) + BatchNorm + HardSwish, Linear 256 -> 10, Softmax head. The exporter "
     "folds BatchNorm into the convolutions."),
    ("vit", Vit, (1, 8, 8), 150, 5e-3, "logits",
     "Vision transformer on the 8x8 digits: 2x2 patches by Reshape/Transpose (16 tokens of 4 "
     "pixels), linear patch embedding + learned positions (width 16), one pre-norm block "
     "(LayerNorm, two-head self-attention with a joint qkv projection, LayerNorm, GELU MLP "
     "16 -> 32 -> 16, residuals), final LayerNorm, mean pooling over tokens, Linear 16 -> 10."),
    ("gru", GruRows, (8, 8), 60, 1e-2, "logits",
     "GRU sequence classifier: the 8 rows of the 8x8 digit are the sequence (8 features per "
     "step), nn.GRU(8, 16, batch_first=True), its last hidden state into Linear 16 -> 10."),
]


def build_all(data, models_dir, finish):
    """Trains, exports and checks every torch model; ``finish`` writes the JSON files and
    README as for the other real models (see ``make_models.finish_real_model``)."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x_tr, x_te, y_tr, y_te = data
    for name, ctor, shape, epochs, lr, out_desc, summary in SPECS:
        torch.manual_seed(TORCH_SEED)
        model = ctor()
        xtr = x_tr.reshape((-1,) + shape)
        xte = x_te.reshape((-1,) + shape)
        train(model, xtr, y_tr, epochs=epochs, lr=lr, seed=TORCH_SEED)
        path = os.path.join(models_dir, name, "model.onnx")
        export(model, shape, path)
        body = "\n\n".join([
            summary,
            TRAINING.format(torch=torch.__version__, lr=lr, epochs=epochs, seed=TORCH_SEED),
            EXPORT,
        ])
        finish(name, path, shape, xtr, xte, y_te, outputs(model, xte), count_params(model),
               body, framework="torch", output_desc=out_desc)
