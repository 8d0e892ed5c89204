#!/usr/bin/python3
"""Train the dual-energy FCN on a dataset built by models/training/dataset.ts and export ONNX.

    /usr/bin/python3 models/training/train.py --config CONFIG --data DIR --out model.onnx

Uses Debian's python3-torch. Fixed seeds; progress on stderr; writes <out>.training.json
with the loss curve and timing so the card can quote them.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HEADS = ["ivory", "rhino_horn", "timber"]
IGNORE = 255
INPUT_QUANTUM = 2048.0  # models/training/dataset.ts stores int16 = x * INPUT_QUANTUM


def block(cin, cout, dilation=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Net(nn.Module):
    """Encoder to stride 4, then dilated context (receptive field ~1.5 m at 10 mm/px).

    The first step is fixed, not learned:
    - each energy's attenuation is joined by its local contrast (attenuation minus its 31×31
      neighbourhood mean, ~30 cm): dense compact objects (ivory, horn) stand out against smooth
      cargo in that channel, whatever the load around them;
    - with two energies, the dual-energy residual r = A_low − k·A_high and its local contrast,
      amplified. Attenuation adds along the ray, so the local contrast of r is the object's own
      material signature with the overlapping cargo largely subtracted. The signal is a few parts
      per thousand of A at MeV energies (organics > ivory/bone > steel): a learned first layer
      would have to find that exact cancellation by itself, so it is given.
    """

    def __init__(self, cin, heads, groups, dual_k=None, dual_gain=50.0):
        super().__init__()
        self.cin = cin
        self.dual = cin == 2 and dual_k is not None
        self.dual_k = float(dual_k or 0.0)
        self.dual_gain = float(dual_gain)
        c0 = 2 * cin + (2 if self.dual else 0)
        self.enc1 = nn.Sequential(block(c0, 24), block(24, 24))
        self.enc2 = nn.Sequential(block(24, 32), block(32, 32))
        self.enc3 = nn.Sequential(block(32, 48), block(48, 48))
        self.ctx = nn.Sequential(block(48, 48, 2), block(48, 48, 4), block(48, 48, 8))
        self.fuse = block(96, 64)
        self.heat = nn.Conv2d(64, heads, 1)
        self.group = nn.Conv2d(64, groups, 1)

    def forward(self, x):
        local = F.avg_pool2d(x, 31, stride=1, padding=15, count_include_pad=False)
        feats = [x, (x - local) * 4.0]
        if self.dual:
            # channel 0 = high energy, 1 = low energy (the card's energy order)
            r = x[:, 1:2] - self.dual_k * x[:, 0:1]
            r_local = F.avg_pool2d(r, 31, stride=1, padding=15, count_include_pad=False)
            feats += [r * self.dual_gain, (r - r_local) * self.dual_gain * 2.0]
        x = torch.cat(feats, 1)
        x = self.enc1(x)
        x = self.enc2(F.max_pool2d(x, 2))
        e3 = self.enc3(F.max_pool2d(x, 2))
        f = self.fuse(torch.cat([e3, self.ctx(e3)], 1))
        return self.heat(f), self.group(f)


class Exported(nn.Module):
    """What the ONNX file holds: score logits and group logits. The worker applies the sigmoid
    in double precision (float32 sigmoid saturates at 1.0 and ties strong detections)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def load_split(folder):
    items, inputs, targets = [], [], []
    shards = sorted(f for f in os.listdir(folder) if f.endswith(".json") and f.startswith("shard-"))
    for s in shards:
        base = os.path.join(folder, s[:-5])
        meta = json.load(open(base + ".json"))["items"]
        raw_in = np.fromfile(base + ".in.i16", dtype=np.int16)
        raw_tg = np.fromfile(base + ".tg.u8", dtype=np.uint8)
        for it in meta:
            n_in = it["c"] * it["H"] * it["W"]
            n_tg = (len(HEADS) + 1) * it["h"] * it["w"]
            o_in = it["inOffset"] // 2
            inputs.append(raw_in[o_in:o_in + n_in].reshape(it["c"], it["H"], it["W"]))
            targets.append(raw_tg[it["tgOffset"]:it["tgOffset"] + n_tg].reshape(len(HEADS) + 1, it["h"], it["w"]))
            items.append(it)
    return items, inputs, targets


def sample_batch(rng, inputs, targets, pos_index, batch, crop, stride, hard_index=(), hard_fraction=0.0, gains=None):
    cs = crop // stride
    xs, ts = [], []
    for b in range(batch):
        r = rng.random()
        # 30 % of crops centre on ivory, 20 % on horn, 15 % on timber; then look-alikes
        # (hard negatives, when the dataset lists them) and the rest anywhere.
        kind = 0 if r < 0.3 else 1 if r < 0.5 else 2 if r < 0.65 else 3 if r < 0.65 + hard_fraction else -1
        if kind == 3 and len(hard_index) > 0:
            i, cy, cx = hard_index[rng.integers(len(hard_index))]
            cy = int(cy) - cs // 2 + int(rng.integers(-cs // 4, cs // 4 + 1))
            cx = int(cx) - cs // 2 + int(rng.integers(-cs // 4, cs // 4 + 1))
        elif 0 <= kind <= 2 and len(pos_index[kind]) > 0:
            i, cy, cx = pos_index[kind][rng.integers(len(pos_index[kind]))]
            cy = int(cy) - cs // 2 + int(rng.integers(-cs // 4, cs // 4 + 1))
            cx = int(cx) - cs // 2 + int(rng.integers(-cs // 4, cs // 4 + 1))
        else:
            i = int(rng.integers(len(inputs)))
            cy = int(rng.integers(0, max(1, targets[i].shape[1] - cs + 1)))
            cx = int(rng.integers(0, max(1, targets[i].shape[2] - cs + 1)))
        t = targets[i]
        cy = max(0, min(cy, t.shape[1] - cs))
        cx = max(0, min(cx, t.shape[2] - cs))
        x = inputs[i][:, cy * stride:cy * stride + crop, cx * stride:cx * stride + crop]
        tt = t[:, cy:cy + cs, cx:cx + cs]
        if rng.random() < 0.5:  # travel direction is arbitrary: flip along x
            x = x[:, :, ::-1]
            tt = tt[:, :, ::-1]
        x = np.ascontiguousarray(x).astype(np.float32)
        if gains is not None:
            # Residual calibration error of a scanner: a small gain per channel and crop.
            x *= (1.0 + rng.uniform(-1.0, 1.0, size=(x.shape[0], 1, 1)) * gains).astype(np.float32)
        xs.append(x)
        ts.append(np.ascontiguousarray(tt))
    x = torch.from_numpy(np.stack(xs) / INPUT_QUANTUM)
    t = torch.from_numpy(np.stack(ts))
    return x, t


def losses(heat, group, t, pos_weight=None):
    """Class-balanced binary cross-entropy per head: the mean loss over a head's object cells
    plus the mean over its background cells (hardest 10 % weighted up), so rare small objects
    (tusk pieces, horns) weigh as much as whole timber loads. Cross-entropy over timber groups
    where labelled."""
    # Hard targets: a cell a fifth covered by the object is the object.
    target = (t[:, : len(HEADS)] >= 51).float()
    ignore = ((t[:, : len(HEADS)] > 0) & (t[:, : len(HEADS)] < 51)).float()  # object edges: no opinion
    bce = F.binary_cross_entropy_with_logits(heat, target, reduction="none")
    total = heat.sum() * 0
    for k in range(len(HEADS)):
        pos = target[:, k] > 0.5
        neg = (target[:, k] < 0.5) & (ignore[:, k] < 0.5)
        lk = bce[:, k]
        if pos.any():
            total = total + lk[pos].mean()
        if neg.any():
            ln = lk[neg]
            hard = torch.topk(ln, max(1, ln.numel() // 10)).values
            total = total + 0.5 * ln.mean() + 0.5 * hard.mean()
    l_heat = total / len(HEADS)
    g = t[:, len(HEADS)].long()
    l_group = F.cross_entropy(group, g, ignore_index=IGNORE) if (g != IGNORE).any() else heat.sum() * 0
    return l_heat, l_group


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--data", required=True, help="folder holding train/ (and val/)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--steps", type=int, default=250, help="steps per epoch")
    ap.add_argument("--checkpoint", help="file to save state to after every epoch and resume from when present")
    ap.add_argument("--init", help="network weights (a .state.pt written by an earlier run) to start from: fine-tuning")
    args = ap.parse_args()
    cfg = json.load(open(args.config))
    tr = cfg["training"]
    epochs = args.epochs if args.epochs is not None else tr["epochs"]
    torch.manual_seed(tr["seed"])
    rng = np.random.default_rng(tr["seed"])
    torch.set_num_threads(tr.get("threads", 2))
    stride = cfg["output"]["stride"]

    t0 = time.time()
    items, inputs, targets = load_split(os.path.join(args.data, "train"))
    if not items:
        sys.exit("no training scans found")
    pos_index = [[], [], []]
    for i, t in enumerate(targets):
        for k in range(3):
            ys, xs = np.nonzero(t[k] >= 128)
            step = max(1, len(ys) // 20)  # a few anchors per object keep the index small
            pos_index[k].extend((i, y, x) for y, x in zip(ys[::step], xs[::step]))
    hard_index = [(i, cy, cx) for i, it in enumerate(items) for cy, cx in it.get("hardNegatives", [])]
    hard_fraction = tr.get("hardNegativeFraction", 0.0)
    print(f"loaded {len(items)} scans in {time.time() - t0:.1f} s; positive anchors ivory {len(pos_index[0])} horn {len(pos_index[1])} timber {len(pos_index[2])}; hard negatives {len(hard_index)}", file=sys.stderr)

    dual = tr.get("dualEnergy") or {}
    net = Net(inputs[0].shape[0], len(HEADS), len(cfg["timberGroups"]), dual.get("k"), dual.get("gain", 50.0))
    if args.init:
        net.load_state_dict(torch.load(args.init))
        print(f"initialised from {args.init}", file=sys.stderr)
    opt = torch.optim.AdamW(net.parameters(), lr=tr["learningRate"], weight_decay=1e-4)
    total = epochs * args.steps
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tr["learningRate"], total_steps=max(1, total))
    pos_weight = torch.tensor([4.0, 4.0, 1.0])
    aug = tr.get("augment") or {}
    gains = np.array(aug["channelGain"], dtype=np.float32).reshape(-1, 1, 1) if aug.get("channelGain") else None
    curve = []
    t_train = time.time()
    step = 0
    start_epoch = 0
    if args.checkpoint and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        net.load_state_dict(ck["net"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        curve = ck["curve"]
        start_epoch = ck["epoch"]
        step = start_epoch * args.steps
        t_train -= ck.get("seconds", 0.0)
        print(f"resumed from {args.checkpoint} after epoch {start_epoch}", file=sys.stderr)
    for epoch in range(start_epoch, epochs):
        net.train()
        acc = [0.0, 0.0]
        for s in range(args.steps):
            x, t = sample_batch(rng, inputs, targets, pos_index, tr["batchSize"], tr["crop"], stride, hard_index, hard_fraction, gains)
            heat, group = net(x)
            l_heat, l_group = losses(heat, group, t, pos_weight)
            loss = l_heat + 0.5 * l_group
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            acc[0] += l_heat.item()
            acc[1] += l_group.item()
            if (s + 1) % 50 == 0:
                el = time.time() - t_train
                print(f"epoch {epoch + 1}/{epochs} step {s + 1}/{args.steps} heat {acc[0] / (s + 1):.4f} group {acc[1] / (s + 1):.4f} elapsed {el:.0f}s eta {el / step * (total - step):.0f}s", file=sys.stderr, flush=True)
        curve.append({"epoch": epoch + 1, "heatLoss": acc[0] / args.steps, "groupLoss": acc[1] / args.steps})
        if args.checkpoint:
            tmp = args.checkpoint + ".tmp"
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "rng": rng.bit_generator.state,
                        "torch_rng": torch.get_rng_state(), "curve": curve, "epoch": epoch + 1, "seconds": time.time() - t_train}, tmp)
            os.replace(tmp, args.checkpoint)
    train_s = time.time() - t_train

    net.eval()
    torch.save(net.state_dict(), args.out + ".state.pt")  # for fine-tuning (--init); not part of the model
    dummy = torch.zeros(1, inputs[0].shape[0], 128, 256)
    torch.onnx.export(
        Exported(net), dummy, args.out,
        input_names=[cfg["input"]["name"]],
        output_names=[cfg["output"]["heatmap"], cfg["output"]["timberGroups"]],
        dynamic_axes={cfg["input"]["name"]: {2: "H", 3: "W"}, cfg["output"]["heatmap"]: {2: "h", 3: "w"}, cfg["output"]["timberGroups"]: {2: "h", 3: "w"}},
        opset_version=13,
    )
    params = sum(p.numel() for p in net.parameters())
    report = {"epochs": epochs, "stepsPerEpoch": args.steps, "batchSize": tr["batchSize"], "crop": tr["crop"], "trainScans": len(items),
              "trainSeconds": round(train_s, 1), "parameters": params, "initialisedFrom": os.path.basename(args.init) if args.init else None, "hardNegativeFraction": hard_fraction, "dualEnergy": dual or None, "augment": aug or None, "torch": torch.__version__, "lossCurve": curve}
    json.dump(report, open(args.out + ".training.json", "w"), indent=2)
    print(f"trained {params} parameters in {train_s:.0f} s; exported {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
