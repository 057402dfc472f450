"""PyTorch side of `npm run bench:engine -- --peer`: the seed CNN, the same images, timed steps.

Runs as a long-lived child of bench/engine.ts so that Facet and PyTorch can be measured in
interleaved rounds of the same run. Protocol: one JSON request per stdin line, one JSON reply per
stdout line.

  {"op": "load", "path": ".../images.u8", "n": 256, "size": 64, "channels": 3, "classes": 10,
   "labels": ".../labels.i32", "padding": "valid", "seed": 42}
  {"op": "train", "steps": 20}    -> {"imagesPerSecond": ..., "imagesPerCpuSecond": ..., "imagesPerSecondBestStep": ..., "loss": ...}
  {"op": "predict", "steps": 20}  -> {"imagesPerSecond": ..., "imagesPerCpuSecond": ..., "imagesPerSecondBestStep": ...}

Images are raw uint8 NHWC (what Facet's pixel cache holds), labels int32. The network matches
src/main/core/training/model.ts: x/255 -> [Conv2d(3x3, relu) -> MaxPool(2)] x 3 -> Flatten ->
Linear(128, relu) -> Linear(classes) with softmax cross-entropy; Glorot-uniform weights and zero
biases (Keras' defaults); Adam lr 1e-3 with Keras' epsilon 1e-7; batch 32.
"""
import json
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:  # the TypeScript side reports this with the install hint
    print(json.dumps({"error": f"missing: {error.name}"}), flush=True)
    sys.exit(3)

BATCH = 32
FILTERS = (16, 32, 64)


def seed_cnn(size, channels, classes, padding):
    layers = [nn.Identity()]
    c, s = channels, size
    for f in FILTERS:
        layers += [nn.Conv2d(c, f, 3, padding=1 if padding == "same" else 0), nn.ReLU(), nn.MaxPool2d(2)]
        c = f
        s = (s if padding == "same" else s - 2) // 2
    layers += [nn.Flatten(), nn.Linear(c * s * s, 128), nn.ReLU(), nn.Linear(128, classes)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


class Peer:
    def __init__(self):
        self.model = None

    def load(self, req):
        torch.manual_seed(req.get("seed", 42))
        n, size, ch = req["n"], req["size"], req["channels"]
        raw = np.fromfile(req["path"], dtype=np.uint8, count=n * size * size * ch).reshape(n, size, size, ch)
        labels = np.fromfile(req["labels"], dtype=np.int32, count=n)
        # NHWC uint8 -> NCHW float 0..255 (PyTorch's own layout), converted before timing like Facet.
        x = torch.from_numpy(raw.transpose(0, 3, 1, 2).astype(np.float32)).contiguous()
        y = torch.from_numpy(labels.astype(np.int64))
        self.batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, n - BATCH + 1, BATCH)]
        self.model = seed_cnn(size, ch, req["classes"], req.get("padding", "valid"))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        self.loss = nn.CrossEntropyLoss()
        self.step = 0
        return {"ok": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
                "parameters": sum(p.numel() for p in self.model.parameters())}

    def forward(self, x):
        return self.model(x / 255.0)

    def train(self, req):
        self.model.train()
        loss = None
        best = float("inf")
        t, cpu = time.perf_counter(), time.process_time()
        for _ in range(req["steps"]):
            x, y = self.batches[self.step % len(self.batches)]
            self.step += 1
            s = time.perf_counter()
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(self.forward(x), y)
            loss.backward()
            self.opt.step()
            best = min(best, time.perf_counter() - s)
        value = float(loss.item())
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        return {"imagesPerSecond": req["steps"] * BATCH / seconds, "imagesPerCpuSecond": req["steps"] * BATCH / cpu,
                "imagesPerSecondBestStep": BATCH / best, "loss": value}

    def predict(self, req):
        self.model.eval()
        best = float("inf")
        t, cpu = time.perf_counter(), time.process_time()
        with torch.no_grad():
            for i in range(req["steps"]):
                x, _ = self.batches[i % len(self.batches)]
                s = time.perf_counter()
                torch.softmax(self.forward(x), 1)
                best = min(best, time.perf_counter() - s)
        return {"imagesPerSecond": req["steps"] * BATCH / (time.perf_counter() - t),
                "imagesPerCpuSecond": req["steps"] * BATCH / (time.process_time() - cpu),
                "imagesPerSecondBestStep": BATCH / best}


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    peer = Peer()
    print(json.dumps({"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = getattr(peer, req["op"])(req)
        except Exception as error:  # reported by the TypeScript side, which stops the benchmark
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
