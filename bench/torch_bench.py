"""PyTorch CPU reference for `npm run bench`: training samples/s of the same MLP and CNN, Adam, batch 128,
on the same real MNIST batches as ours (written by bench/batches.ts: float32 pixels in [0, 1], then int32 labels).

Prints one JSON line per model to stdout. Usage: python3 bench/torch_bench.py THREADS BATCHES WARMUP BATCHES_FILE
"""
import json
import sys
import time

import torch
from torch import nn

threads, batches, warmup = (int(v) for v in sys.argv[1:4])
batches_file = sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(0)
BATCH = 128
POOL = 4
with open(batches_file, "rb") as f:
    raw = bytearray(f.read())
count = BATCH * POOL
pixels = torch.frombuffer(raw, dtype=torch.float32, count=count * 784).reshape(POOL, BATCH, 1, 28, 28)
labels = torch.frombuffer(raw, dtype=torch.int32, count=count, offset=count * 784 * 4).long().reshape(POOL, BATCH)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn():
    # Same shapes as bench/kernels.ts: 3x3 'same' convolutions, 2x2 max pooling, dense 128.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Linear(128, 10),
    )


for name, build in (("CNN conv32-pool-conv64-pool-dense128", cnn), ("MLP 784-128-10", mlp)):
    model = build()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xs = [pixels[i] for i in range(POOL)]
    ys = [labels[i] for i in range(POOL)]

    def step(i):
        optimizer.zero_grad()
        loss = loss_fn(model(xs[i % POOL]), ys[i % POOL])
        loss.backward()
        optimizer.step()

    for i in range(warmup):
        step(i)
    started = time.perf_counter()
    for i in range(batches):
        step(i)
    seconds = time.perf_counter() - started
    print(json.dumps({"model": name, "backend": f"pytorch {torch.__version__} cpu", "threads": threads,
                      "batchSize": BATCH, "batches": batches, "samplesPerSecond": batches * BATCH / seconds}))
    sys.stdout.flush()
