"""PyTorch side of the engine benchmark (bench/engine.ts).

Reads {"threads", "reference", "cases": [{name, kind, ...}]} as JSON on stdin, times each
case with torch (median of several runs after warm-up; torch.set_num_threads(threads), and also
1 thread when that is faster on this build) and prints one JSON object
{name: {"ms": float, "note"?: str}} on the last line of stdout.
The scan uses selective_scan_ref from the shared reference (diffmamba_ref.py).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup=2, min_runs=5, budget_s=1.5):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < budget_s and len(times) < 50):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def conv_inputs(c):
    n, ch, h, w, o, k, pad, g = c["n"], c["c"], c["h"], c["w"], c["o"], c["k"], c["pad"], c["groups"]
    x = torch.randn(n, ch, h, w)
    wt = torch.randn(o, ch // g, k, k)
    b = torch.randn(o)
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    gy = torch.randn(n, o, oh, ow)
    return x, wt, b, gy, pad, g


def time_case(c, ref):
    kind = c["kind"]
    with torch.no_grad():
        if kind == "conv2d":
            x, wt, b, _, pad, g = conv_inputs(c)
            return {"ms": median_ms(lambda: F.conv2d(x, wt, b, padding=pad, groups=g))}
        if kind == "conv2d_input":
            x, wt, _, gy, pad, g = conv_inputs(c)
            return {"ms": median_ms(lambda: torch.nn.grad.conv2d_input(x.shape, wt, gy, padding=pad, groups=g))}
        if kind == "conv2d_weight":
            x, wt, _, gy, pad, g = conv_inputs(c)
            return {"ms": median_ms(lambda: torch.nn.grad.conv2d_weight(x, wt.shape, gy, padding=pad, groups=g))}
        if kind == "linear":
            x = torch.randn(c["m"], c["k"])
            w = torch.randn(c["n"], c["k"])
            return {"ms": median_ms(lambda: F.linear(x, w))}
        if kind == "layernorm":
            x = torch.randn(1, c["c"], c["h"], c["w"])
            w, b = torch.randn(c["c"]), torch.randn(c["c"])
            # channels-last LayerNorm (torch's fused kernel) plus the layout round trip the model needs
            fn = lambda: F.layer_norm(x.permute(0, 2, 3, 1), (c["c"],), w, b).permute(0, 3, 1, 2).contiguous()
            return {"ms": median_ms(fn), "note": "F.layer_norm on the NHWC permute + back to NCHW"}
    if kind == "layernorm_bwd":
        x = torch.randn(1, c["c"], c["h"], c["w"], requires_grad=True)
        w = torch.randn(c["c"], requires_grad=True)
        b = torch.randn(c["c"], requires_grad=True)
        y = F.layer_norm(x.permute(0, 2, 3, 1), (c["c"],), w, b).permute(0, 3, 1, 2).contiguous()
        gy = torch.randn_like(y)
        return {"ms": median_ms(lambda: torch.autograd.grad(y, (x, w, b), gy, retain_graph=True)),
                "note": "autograd of F.layer_norm (NHWC permute), backward only"}
    if kind in ("scan", "scan_bwd"):
        b, K, d, n = c["b"], c["K"], c["d"], c["n"]
        L = c["L"] if kind == "scan" else c.get("L_measured", c["L"])
        u = torch.randn(b, K * d, L)
        delta = torch.rand(b, K * d, L) * 4 - 3
        A = -torch.arange(1, n + 1, dtype=torch.float32).repeat(K * d, 1)
        B = torch.randn(b, K, n, L)
        C = torch.randn(b, K, n, L)
        D = torch.randn(K * d)
        db = torch.rand(K * d) * 2 - 4
        if kind == "scan":
            with torch.no_grad():
                ms = median_ms(lambda: ref.selective_scan_ref(u, delta, A, B, C, D, db, True),
                               warmup=0, min_runs=2, budget_s=0)
            return {"ms": ms, "note": "selective_scan_ref (python loop over L), median of 2 runs"}
        tensors = [t.requires_grad_(True) for t in (u, delta, A, B, C, D, db)]
        times = []
        for _ in range(2):
            y = ref.selective_scan_ref(*tensors, True)
            gy = torch.randn_like(y)
            t0 = time.perf_counter()
            torch.autograd.grad(y, tensors, gy)
            times.append(time.perf_counter() - t0)
        ms = statistics.median(times) * 1e3 * (c["L"] / L)
        note = "autograd backward of selective_scan_ref"
        if L != c["L"]:
            note += f", measured at L={L} and scaled x{c['L'] / L:g} (linear in L)"
        return {"ms": ms, "note": note}
    raise ValueError(f"unknown case kind {kind}")


def main():
    spec = json.load(sys.stdin)
    torch.manual_seed(0)
    ref = None
    if any(c["kind"].startswith("scan") for c in spec["cases"]):
        sys.path.insert(0, spec["reference"])
        import diffmamba_ref as ref  # noqa: E402
    threads = int(spec["threads"])
    out = {}
    for c in spec["cases"]:
        try:
            torch.set_num_threads(threads)
            r = time_case(c, ref)
            if threads > 1 and not c["kind"].startswith("scan"):
                # Debian's build (generic BLAS, OpenMP) can be far slower with several threads on a
                # small VM than with one; report torch's better configuration, and say so.
                torch.set_num_threads(1)
                r1 = time_case(c, ref)
                if r1["ms"] < r["ms"]:
                    extra = f"torch faster with 1 thread than with {threads} ({r['ms']:.1f} ms)"
                    r1["note"] = f"{r1['note']}; {extra}" if "note" in r1 else extra
                    r = r1
            out[c["name"]] = r
        except Exception as e:  # one failing case must not hide the others
            print(f"torch_engine: {c['name']}: {e}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
