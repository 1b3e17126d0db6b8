"""What the crop classifiers (glove-, hat- and mask-classifier) share: the command line, the network, the
augmentation, the training loop, the metrics, the export to ONNX with its parity fixture, the model card's
common part, and the shape of base_set's answer. Their data preparation: crop_data.py beside this file.

Imported by models/*-classifier/train.py (which put this folder on sys.path). Needs Debian's python3-torch
and python3-numpy.
"""

import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 64
PARITY_FORMULA = "((n*7 + c*13 + y*3 + x*5) % 17) / 16, shape [4,3,64,64]"


def arg_parser(epochs, seed, data=None, out=None, lowres_px=None):
    """The options every train.py has (--epochs, --seed, --threads), and those it asks for: --data (with its
    default), --lowres (the share of training crops shrunk to `lowres_px` px and back), --out (its help)."""
    p = argparse.ArgumentParser()
    if data is not None:
        p.add_argument("--data", default=data)
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--seed", type=int, default=seed)
    p.add_argument("--threads", type=int, default=2)
    if lowres_px is not None:
        p.add_argument("--lowres", type=float, default=0.5, help=f"share of training crops shrunk to {lowres_px} px and back")
    if out is not None:
        p.add_argument("--out", default=out[0], help=out[1])
    return p


class CropNet(nn.Module):
    """4 conv blocks (16-32-64-96) → global average → 2 logits; softmax in the exported graph."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*(self.block(i, o) for i, o in ((3, 16), (16, 32), (32, 64), (64, 96))))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(96, 2)

    def forward(self, x):
        x = (x - 0.5) / 0.25
        x = self.features(x)
        x = x.mean(dim=(2, 3))
        return self.fc(self.drop(x))

    @staticmethod
    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True), nn.MaxPool2d(2))


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        return F.softmax(self.net(image), dim=1)


def augment(x, rng):
    """Flips, brightness/contrast, slight saturation change (no hue shift: skin colour is a real cue)."""
    x = x.clone()
    n = x.shape[0]
    flip = torch.from_numpy(rng.random(n) < 0.5)
    x[flip] = x[flip].flip(3)
    vflip = torch.from_numpy(rng.random(n) < 0.2)
    x[vflip] = x[vflip].flip(2)
    b = torch.from_numpy(rng.uniform(-0.15, 0.15, (n, 1, 1, 1)).astype(np.float32))
    c = torch.from_numpy(rng.uniform(0.75, 1.25, (n, 1, 1, 1)).astype(np.float32))
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * c + mean + b
    gray = x.mean(dim=1, keepdim=True)
    s = torch.from_numpy(rng.uniform(0.7, 1.2, (n, 1, 1, 1)).astype(np.float32))
    x = gray + (x - gray) * s
    return x.clamp(0, 1)


def metrics(y, p, classes):
    """Precision, recall and support per class, accuracy, and the confusion matrix of two classes."""
    out = {}
    for k, name in enumerate(classes):
        tp = int(((p == k) & (y == k)).sum())
        fp = int(((p == k) & (y != k)).sum())
        fn = int(((p != k) & (y == k)).sum())
        out[name] = {
            "precision": round(tp / max(1, tp + fp), 3),
            "recall": round(tp / max(1, tp + fn), 3),
            "support": int((y == k).sum()),
        }
    out["accuracy"] = round(float((p == y).mean()), 3)
    out["confusion[true][pred]"] = [[int(((y == a) & (p == b)).sum()) for b in range(2)] for a in range(2)]
    return out


def predict(net, x):
    net.eval()
    with torch.no_grad():
        return torch.cat([F.softmax(net(torch.from_numpy(x[i : i + 256])), 1) for i in range(0, len(x), 256)]).numpy()


def evaluate(net, x, y, classes):
    """metrics() of the network's answers on crops x with labels y."""
    return metrics(y, predict(net, x).argmax(1), classes)


def train_epoch(net, opt, sched, xt, yt, weight, rng):
    """One pass over (xt, yt) in a random order, batches of 64, augmented, class-weighted cross-entropy with
    label smoothing; steps the schedule every batch."""
    net.train()
    order = torch.from_numpy(rng.permutation(len(xt)))
    for i in range(0, len(order), 64):
        idx = order[i : i + 64]
        loss = F.cross_entropy(net(augment(xt[idx], rng)), yt[idx], weight=weight, label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


def train(x_tr, y_tr, x_va, y_va, epochs, seed):
    """AdamW with a one-cycle schedule, class-weighted cross-entropy; keeps the epoch best on validation."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = CropNet()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * ((len(x_tr) + 63) // 64))
    counts = np.bincount(y_tr, minlength=2)
    weight = torch.tensor(counts.sum() / (2 * counts), dtype=torch.float32)
    best = (-1, None)
    xt = torch.from_numpy(x_tr)
    yt = torch.from_numpy(y_tr)
    for epoch in range(epochs):
        train_epoch(net, opt, sched, xt, yt, weight, rng)
        acc = float((predict(net, x_va).argmax(1) == y_va).mean())
        print(f"epoch {epoch + 1}/{epochs} val accuracy {acc:.3f}", flush=True)
        if acc >= best[0]:
            best = (acc, {k: v.clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[1])
    return net, best[0]


def parity_inputs(n=4):
    """Fixed inputs that models/classifiers.test.ts rebuilds in JS: ((n*7 + c*13 + y*3 + x*5) % 17) / 16."""
    n_, c, y, x = np.meshgrid(np.arange(n), np.arange(3), np.arange(SIZE), np.arange(SIZE), indexing="ij")
    return (((n_ * 7 + c * 13 + y * 3 + x * 5) % 17) / 16).astype(np.float32)


def export_onnx(net, out_dir, onnx_name):
    """Writes the softmax graph (input `image`, output `probs`, free batch) to out_dir/onnx_name and
    parity-fixture.json (its PyTorch outputs on parity_inputs()) beside it, making out_dir if need be;
    returns the ONNX path."""
    os.makedirs(out_dir, exist_ok=True)
    exported = Exported(net).eval()
    onnx_path = os.path.join(out_dir, onnx_name)
    torch.onnx.export(
        exported,
        torch.zeros(1, 3, SIZE, SIZE),
        onnx_path,
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}},
        opset_version=13,
    )
    with torch.no_grad():
        ref = exported(torch.from_numpy(parity_inputs())).numpy()
    json.dump({"formula": PARITY_FORMULA, "probs": ref.round(6).tolist()}, open(os.path.join(out_dir, "parity-fixture.json"), "w"), indent=1)
    return onnx_path


def crop_card(name, classes, **rest):
    """The model card of a CropNet export: the part all classifiers share (64x64 RGB 0..1 NCHW input
    `image`, softmax output `probs`, version 1), then `rest` (crop, source, licence, metrics) in order.
    A full retrain starts the versions again; `mingfang models retrain` bumps it on install."""
    return {
        "name": name,
        "version": "1",
        "task": "classifier",
        "file": f"{name}.onnx",
        "input": {"name": "image", "width": SIZE, "height": SIZE, "layout": "NCHW", "channels": "RGB", "range": [0, 1], "letterbox": False},
        "outputs": [{"name": "probs", "shape": ["batch", 2], "layout": "softmax"}],
        "classes": classes,
        "thresholds": {"score": 0.5, "iou": 0},
        **rest,
    }


def write_card(path, card):
    """The model card as JSON, with a final newline."""
    with open(path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


# ---- fine-tuning a committed model (models/tools/retrain.py) ---------------------------------------------
def base_data(classes, train, select, heldout, heldout_set, limit=None, rng=None):
    """What a train.py's base_set(opts) returns to models/tools/retrain.py: (x, y) pairs for training,
    for choosing the epoch and held out. With `limit`, the first `limit` of rng's permutation of train."""
    if limit:
        keep = rng.permutation(len(train[0]))[:limit]
        train = (train[0][keep], train[1][keep])
    return {"classes": classes, "train": train, "select": select, "heldout": heldout, "heldoutSet": heldout_set}



class FoldedCropNet(CropNet):
    """CropNet as its ONNX file holds it: the export folds each BatchNorm into its convolution (weight and
    bias), so the committed weights load into convolutions with a bias and no BatchNorm. Same input
    normalisation, same head; exports to the same graph."""

    @staticmethod
    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=True), nn.ReLU(inplace=True), nn.MaxPool2d(2))


def load_onnx(path):
    """The weights of a CropNet ONNX file (models/*-classifier) in a FoldedCropNet: the convolutions'
    initializers in graph order, then the head (`net.fc.*`). Needs Debian's python3-onnx."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    net = FoldedCropNet()
    targets = [blk[0] for blk in net.features]
    if len(convs) != len(targets) or any(len(c.input) != 3 for c in convs):
        raise ValueError(f"{path}: not a CropNet graph ({len(convs)} convolutions)")
    with torch.no_grad():
        for conv, layer in zip(convs, targets):
            w, b = init[conv.input[1]], init[conv.input[2]]
            if tuple(w.shape) != tuple(layer.weight.shape):
                raise ValueError(f"{path}: convolution {conv.input[1]} is {w.shape}, CropNet has {tuple(layer.weight.shape)}")
            layer.weight.copy_(torch.from_numpy(w.copy()))
            layer.bias.copy_(torch.from_numpy(b.copy()))
        net.fc.weight.copy_(torch.from_numpy(init["net.fc.weight"].copy()))
        net.fc.bias.copy_(torch.from_numpy(init["net.fc.bias"].copy()))
    return net.eval()


def finetune(net, x_tr, y_tr, x_va, y_va, epochs, seed, lr=3e-4, progress=print):
    """Continues training `net` (AdamW, cosine-decayed learning rate, class-weighted cross-entropy, the
    same augmentation) and keeps the best of epochs 1..N on the selection set (x_va, y_va); the starting
    weights are only reported (epoch 0). Returns (net, best epoch); epochs=0 returns `net` as it was."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps = max(1, epochs * ((len(x_tr) + 63) // 64))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    counts = np.bincount(y_tr, minlength=2).astype(np.float64)
    weight = torch.tensor(counts.sum() / (2 * np.maximum(counts, 1)), dtype=torch.float32)

    def score():
        p = predict(net, x_va).argmax(1)
        return float((p == y_va).mean()) if len(y_va) else 0.0

    progress(f"epoch 0/{epochs} (current weights) selection accuracy {score():.3f}")
    if epochs <= 0:
        return net.eval(), 0
    best = (-1.0, 0, None)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    for epoch in range(1, epochs + 1):
        train_epoch(net, opt, sched, xt, yt, weight, rng)
        acc = score()
        progress(f"epoch {epoch}/{epochs} selection accuracy {acc:.3f}")
        if acc > best[0]:
            best = (acc, epoch, {k: v.clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[2])
    return net.eval(), best[1]
