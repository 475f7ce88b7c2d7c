"""Reference implementations the benchmarks compare against: pandas / numpy / scipy, timed in-process.

Each subcommand prints one JSON line: {"seconds": <time of the work, interpreter start and imports excluded>, ...}.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats


def validate(path, include="all"):
    """read_csv + describe; include="all" profiles every column as warden does, "number" only the numeric ones."""
    start = time.perf_counter()
    frame = pd.read_csv(path)
    frame.describe(include=include)
    return {"seconds": time.perf_counter() - start, "rows": len(frame)}


def bias(path, label, facet, facet_value, prediction, group):
    """A straightforward pandas implementation of the pre- and post-training metrics of CONTRACTS.md."""
    start = time.perf_counter()
    df = pd.read_csv(path, dtype={facet: str})
    y = df[label] == 1
    p = df[prediction] == 1
    d = df[facet] == facet_value
    a = ~d
    out = {}
    n_a, n_d = a.sum(), d.sum()
    out["CI"] = (n_a - n_d) / (n_a + n_d)
    qa, qd = y[a].mean(), y[d].mean()
    out["DPL"] = qa - qd
    pa = np.array([1 - qa, qa])
    pd_ = np.array([1 - qd, qd])
    keep = (pa > 0) & (pd_ > 0)
    out["KL"] = float(np.sum(pa[keep] * np.log(pa[keep] / pd_[keep])))
    m = 0.5 * (pa + pd_)
    out["JS"] = 0.5 * float(np.sum(pa[keep] * np.log(pa[keep] / m[keep])) + np.sum(pd_[keep] * np.log(pd_[keep] / m[keep])))
    out["LP"] = float(np.linalg.norm(pa - pd_))
    out["TVD"] = 0.5 * float(np.abs(pa - pd_).sum())
    out["KS"] = float(np.abs(pa - pd_).max())
    cddl = 0.0
    for _, g in df.groupby(group):
        gy = g[label] == 1
        gd = g[facet] == facet_value
        neg, pos = (~gy).sum(), gy.sum()
        dg = (gd & ~gy).sum() / neg if neg else 0.0
        ag = (gd & gy).sum() / pos if pos else 0.0
        cddl += len(g) * (dg - ag)
    out["CDDL"] = cddl / len(df)
    tp = lambda f: (y & p & f).sum()
    tn = lambda f: (~y & ~p & f).sum()
    fp = lambda f: (~y & p & f).sum()
    fn = lambda f: (y & ~p & f).sum()
    out["DPPL"] = p[a].mean() - p[d].mean()
    out["DI"] = p[d].mean() / p[a].mean()
    out["RD"] = tp(a) / y[a].sum() - tp(d) / y[d].sum()
    out["SD"] = tn(d) / (~y[d]).sum() - tn(a) / (~y[a]).sum()
    out["DAR"] = tp(a) / p[a].sum() - tp(d) / p[d].sum()
    out["DRR"] = tn(d) / (~p[d]).sum() - tn(a) / (~p[a]).sum()
    out["AD"] = (tp(a) + tn(a)) / n_a - (tp(d) + tn(d)) / n_d
    out["TE"] = fn(d) / fp(d) - fn(a) / fp(a)
    b = p.astype(int) - y.astype(int) + 1
    mu = b.mean()
    out["GE"] = float(((b / mu) ** 2 - 1).sum() / (2 * len(df)))
    accuracy = (y == p).groupby(df[facet]).mean()
    out["AccuracyGap"] = float(accuracy.max() - accuracy.min())
    return {"seconds": time.perf_counter() - start, "metrics": {k: float(v) for k, v in out.items()}}


def drift(base_path, cur_path):
    start = time.perf_counter()
    base = pd.read_csv(base_path)
    cur = pd.read_csv(cur_path)
    loaded = time.perf_counter()
    result = {}
    for column in base.columns:
        b, c = base[column].dropna(), cur[column].dropna()
        if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(c):
            b, c = b.to_numpy(float), c.to_numpy(float)
            ks = stats.ks_2samp(b, c, method="asymp")
            w = stats.wasserstein_distance(b, c)
            edges = np.histogram_bin_edges(np.concatenate([b, c]), bins=10)
            pb = np.histogram(b, edges)[0] / len(b)
            pc = np.histogram(c, edges)[0] / len(c)
            pb[pb == 0], pc[pc == 0] = 1e-4, 1e-4
            result[column] = {"ks": float(ks.statistic), "pValue": float(ks.pvalue), "wasserstein": float(w),
                              "psi": float(np.sum((pc - pb) * np.log(pc / pb)))}
    end = time.perf_counter()
    return {"seconds": end - start, "computeSeconds": end - loaded, "columns": result}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    print(json.dumps({"validate": validate, "bias": bias, "drift": drift}[command](*args)))
