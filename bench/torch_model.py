"""PyTorch side of the model and train benchmarks (bench/model.ts, bench/train.ts).

Reads one case as JSON on stdin:
  {"reference": dir of diffmamba_ref.py, "threads": int, "mode": "forward" | "coarse" | "fine",
   "dim": int, "blocks": [4 ints], "batch": int, "size": int, "runs": int, "warmup": int}
builds the reference DFT (seeded; its scan is the PyTorch loop selective_scan_ref), times
`runs` calls after `warmup` untimed ones (forward: no grad; coarse / fine: loss, backward and a
torch.optim.AdamW step) and prints {"ms": median ms, "rss_kb": peak RSS of this process in KB}
on the last line of stdout. One case per process, so each peak is its own.
"""
import json
import resource
import statistics
import sys
import time

import torch


def main():
    c = json.loads(sys.stdin.read())
    sys.path.insert(0, c["reference"])
    import diffmamba_ref as R

    torch.set_num_threads(max(1, int(c["threads"])))
    torch.manual_seed(0)
    n, s = c["batch"], c["size"]
    model = R.DFT(dim=c["dim"], num_blocks=tuple(c["blocks"]))
    betas = R.linear_betas()
    g = torch.Generator().manual_seed(1)
    lq = torch.rand(n, 3, s, s, generator=g)
    gt = torch.rand(n, 3, s, s, generator=g)
    noise = torch.randn(n, 3, s, s, generator=g)
    mode = c["mode"]
    if mode == "forward":
        model.eval()
        inp = torch.cat([R.data_transform(lq), noise], dim=1)
        t = torch.full((n,), 500.0)

        def call():
            with torch.no_grad():
                model(inp, t)
    else:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=1e-4, betas=(0.9, 0.999))
        t_draw = torch.randint(0, 1000, (n // 2 + 1,), generator=g)
        t = R.antithetic_timesteps(t_draw, n)

        def call():
            opt.zero_grad(set_to_none=True)
            if mode == "coarse":
                loss, _ = R.coarse_loss(model, lq, gt, noise, t, betas)
            else:
                loss, _ = R.fine_loss(model, lq, gt, noise, betas, sampling_timesteps=3)
            loss.backward()
            opt.step()

    for _ in range(int(c.get("warmup", 0))):
        call()
    times = []
    for _ in range(max(1, int(c.get("runs", 1)))):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    print(json.dumps({"ms": statistics.median(times), "rss_kb": rss}))


if __name__ == "__main__":
    main()
