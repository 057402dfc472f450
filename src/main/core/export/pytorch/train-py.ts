// The self-contained PyTorch recipe `facet export-training` writes as train.py: Facet's seed CNN,
// initialisation, augmentation, optimizer, early stopping, best-epoch restore and test evaluation,
// runnable alone or under torchrun (DistributedDataParallel). Kept as text here so the packaged app
// carries it; no backticks or dollar-brace sequences may appear in it (it is a template literal).

export const TRAIN_PY_VERSION = 1;

export const TRAIN_PY = String.raw`#!/usr/bin/env python3
"""Facet Studio training recipe (train.py, format 1), written by facet export-training.

Reproduces a Facet run with PyTorch >= 1.13 (no other dependency than torch, numpy and Pillow):
the seed CNN (Conv2D 3x3 + ReLU + MaxPool 2 blocks, Flatten, Dense + ReLU, [Dropout], Dense),
Glorot-uniform weights and zero biases (as Keras), inputs rescaled by 1/255, Facet's augmentation
(horizontal flip, rotation as a fraction of a turn, zoom, contrast; bilinear, reflect fill), Adam /
SGD / RMSprop with Keras' epsilon (1e-7), early stopping on val_loss, best-epoch restore and the
test evaluation.

  one process:        python3 train.py
  N processes / GPUs: torchrun --nproc_per_node N train.py
  several machines:   torchrun --nnodes M --node_rank R --master_addr HOST --master_port 29500 \
                               --nproc_per_node N train.py

Under torchrun it uses DistributedDataParallel (nccl on GPUs, gloo on CPUs) and a DistributedSampler;
the batch size of recipe.json is the global batch, split across the processes. Rank 0 validates,
evaluates and writes everything to --out (default: result/ next to this file):
  metrics.json      one row per epoch: epoch, loss, accuracy, valLoss, valAccuracy, seconds, imagesPerSecond
  test.json         test loss, accuracy and every test image's class probabilities
  model.safetensors the best epoch's weights (PyTorch names and layouts, float32)
  result.json       what ran where: torch version, processes, device, best epoch, timings
Bring it back with:  facet import-run DIR
"""
import argparse
import csv
import json
import math
import os
import random
import socket
import struct
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))


def load_recipe(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Images(Dataset):
    """Rows of manifest.csv of one split: (file, class index). Pixels as float32 0..255, CHW."""

    def __init__(self, root, rows, size, channels):
        self.root, self.rows, self.size, self.channels = root, rows, size, channels

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        img = Image.open(os.path.join(self.root, row["file"]))
        img = img.convert("RGB" if self.channels == 3 else "L")
        if img.size != (self.size, self.size):
            # Originals (--copy / --link): resized here; Facet's prepared images are already the size.
            img = img.resize((self.size, self.size), Image.BILINEAR)
        a = np.asarray(img, dtype=np.float32)
        if a.ndim == 2:
            a = a[:, :, None]
        return torch.from_numpy(a.transpose(2, 0, 1).copy()), int(row["index"]), i


class SeedCnn(nn.Module):
    """Facet's seed-cnn preset. Keras-equivalent layer by layer (see import-run for the layouts)."""

    def __init__(self, channels, size, filters, dense_units, classes, dropout, padding):
        super().__init__()
        blocks, c, n = [], channels, size
        for f in filters:
            blocks += [nn.Conv2d(c, f, 3, padding=1 if padding == "same" else 0), nn.ReLU(), nn.MaxPool2d(2)]
            n = (n if padding == "same" else n - 2) // 2
            c = f
        self.features = nn.Sequential(*blocks)
        self.dense = nn.Linear(c * n * n, dense_units)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.out = nn.Linear(dense_units, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)  # Keras glorot_uniform: same fans for conv and dense
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x / 255.0)
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.dense(x)))
        return self.out(x)  # logits; softmax in the loss and in evaluation


def augment(x, aug, gen):
    """Facet's augmentation on a batch (N, C, H, W, 0..255): flip, rotation (fraction of a turn),
    zoom, contrast; bilinear sampling with reflect fill about the pixel edges, as Facet and Keras."""
    n = x.shape[0]
    if aug.get("flip") or aug.get("rotation", 0) > 0 or aug.get("zoom", 0) > 0:
        flip = 1 - 2 * (torch.rand(n, generator=gen) < 0.5).float() if aug.get("flip") else torch.ones(n)
        angle = (torch.rand(n, generator=gen) * 2 - 1) * aug.get("rotation", 0) * 2 * math.pi
        zoom = 1 + (torch.rand(n, generator=gen) * 2 - 1) * aug.get("zoom", 0)
        cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0], theta[:, 0, 1] = cos * flip, sin
        theta[:, 1, 0], theta[:, 1, 1] = -sin * flip, cos
        grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    if aug.get("contrast", 0) > 0:
        factor = (1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * aug["contrast"]).to(x.device)
        mean = x.mean(dim=(2, 3), keepdim=True)
        x = ((x - mean) * factor + mean).clamp(0, 255)
    return x


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)


def evaluate(model, loader, device):
    model.eval()
    probs, labels, order, loss_sum = [], [], [], 0.0
    with torch.no_grad():
        for x, y, idx in loader:
            logits = model(x.to(device))
            loss_sum += F.cross_entropy(logits, y.to(device), reduction="sum").item()
            probs.append(F.softmax(logits, dim=1).cpu())
            labels.append(y)
            order.append(idx)
    if not probs:
        return None
    p, y = torch.cat(probs), torch.cat(labels)
    return {"loss": loss_sum / len(y), "accuracy": (p.argmax(1) == y).float().mean().item(), "probs": p, "labels": y, "order": torch.cat(order)}


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, t in tensors.items():
        data = t.detach().cpu().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def write_json(path, value):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description="Train Facet's run recipe with PyTorch (alone or under torchrun).")
    ap.add_argument("--recipe", default=os.path.join(HERE, "recipe.json"))
    ap.add_argument("--out", default=os.path.join(HERE, "result"))
    ap.add_argument("--epochs", type=int, help="override the recipe's epochs")
    ap.add_argument("--workers", type=int, default=2, help="data loader processes per training process")
    ap.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is present")
    args = ap.parse_args()

    recipe = load_recipe(args.recipe)
    hp = recipe["hyperparameters"]
    epochs = args.epochs or hp["epochs"]
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    use_cuda = torch.cuda.is_available() and not args.cpu
    if distributed:
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", "0"))
    else:
        rank, world, local = 0, 1, 0
    device = torch.device("cuda", local) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(hp["seed"])
    random.seed(hp["seed"])
    np.random.seed(hp["seed"])

    with open(os.path.join(HERE, recipe["manifest"]), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    size, channels = hp["imageSize"], 3 if hp["colorMode"] == "rgb" else 1
    root = os.path.join(HERE, recipe["imagesRoot"])
    split = {s: [r for r in rows if r["split"] == s] for s in ("train", "val", "test")}
    data = {s: Images(root, split[s], size, channels) for s in split}

    global_batch = hp["batchSize"]
    per_process = max(1, global_batch // world)
    sampler = DistributedSampler(data["train"], num_replicas=world, rank=rank, shuffle=True, seed=hp["seed"]) if distributed else None
    gen = torch.Generator().manual_seed(hp["seed"])
    train_loader = DataLoader(data["train"], batch_size=per_process, shuffle=sampler is None, sampler=sampler,
                              num_workers=args.workers, generator=gen if sampler is None else None, drop_last=False)
    eval_loader = lambda s: DataLoader(data[s], batch_size=max(global_batch, 64), shuffle=False, num_workers=args.workers)

    model = SeedCnn(channels, size, hp["filters"], hp["denseUnits"], len(recipe["classes"]), hp.get("dropout", 0), hp.get("padding", "valid")).to(device)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[local] if use_cuda else None) if distributed else model
    opt = make_optimizer(hp["optimizer"], net.parameters(), hp["learningRate"])
    aug = hp.get("augmentation", {})
    aug_gen = torch.Generator().manual_seed(hp["seed"] * 1000 + rank)

    os.makedirs(args.out, exist_ok=True)
    best, best_loss, stale, history, started = None, None, 0, [], time.time()
    for epoch in range(1, epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        t0, seen, loss_sum, correct = time.time(), 0, 0.0, 0
        for x, y, _ in train_loader:
            x = augment(x, aug, aug_gen).to(device)
            y = y.to(device)
            opt.zero_grad(set_to_none=True)
            logits = net(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            seen += len(y)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        totals = torch.tensor([seen, loss_sum, correct], dtype=torch.float64)
        if distributed:
            dist.all_reduce(totals)
        seconds = time.time() - t0
        row = {"epoch": epoch, "loss": totals[1].item() / totals[0].item(), "accuracy": totals[2].item() / totals[0].item(),
               "valLoss": None, "valAccuracy": None, "seconds": seconds, "imagesPerSecond": totals[0].item() / max(seconds, 1e-9)}
        stop = torch.zeros(1)
        if rank == 0:
            val = evaluate(model, eval_loader("val"), device)
            if val is not None:
                row["valLoss"], row["valAccuracy"] = val["loss"], val["accuracy"]
            # Best by val_loss; without a val split the latest epoch is the best (as Facet).
            if val is None or best_loss is None or val["loss"] < best_loss:
                best_loss = None if val is None else val["loss"]
                best = {"epoch": epoch, "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
                stale = 0
            else:
                stale += 1
            history.append(row)
            write_json(os.path.join(args.out, "metrics.json"), {"epochs": history})
            print(json.dumps(row), flush=True)
            if hp.get("patience", 0) > 0 and stale >= hp["patience"]:
                stop[0] = 1
        if distributed:
            dist.broadcast(stop, 0)
        if stop.item():
            break

    if rank == 0:
        model.load_state_dict(best["state"])
        test = evaluate(model, eval_loader("test"), device)
        files = data["test"].rows
        report = {"loss": None, "accuracy": None, "predictions": []}
        if test is not None:
            report["loss"], report["accuracy"] = test["loss"], test["accuracy"]
            for p, i in zip(test["probs"].tolist(), test["order"].tolist()):
                report["predictions"].append({"file": files[i]["file"], "label": int(files[i]["index"]), "probabilities": p})
        write_json(os.path.join(args.out, "test.json"), report)
        write_safetensors(os.path.join(args.out, "model.safetensors"), model.state_dict(),
                          {"format": "facet-seed-cnn", "layout": "pytorch"})
        write_json(os.path.join(args.out, "result.json"), {
            "format": 1, "framework": "pytorch", "torch": torch.__version__, "processes": world,
            "device": "cuda" if use_cuda else "cpu", "host": socket.gethostname(), "bestEpoch": best["epoch"],
            "epochs": len(history), "seconds": time.time() - started, "recipe": recipe["recipeId"],
            "weights": "model.safetensors", "metrics": "metrics.json", "test": "test.json"})
        print("test: loss %s accuracy %s -> %s" % (report["loss"], report["accuracy"], args.out), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
