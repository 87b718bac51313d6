#!/usr/bin/env python3
"""recolab beside Surprise on MovieLens 100k, in one run, whole processes.

Usage (MovieLens may not be redistributed: bring your own copy):

    python3 -m venv venv && venv/bin/pip install scikit-surprise==1.1.5
    cargo build --release
    venv/bin/python benches/peers/compare.py --data path/to/ml-100k [--runs 5]

For each of --runs rounds it runs, in turn, Surprise's SVD, recolab's SVD, Surprise's
item-based KNNBasic (cosine, k = 40), recolab's item KNN and recolab's every-arm
evaluation, each as a fresh process (interpreter or binary start, file reading,
5-fold cross-validation, every metric recolab computes), and prints the median wall
time of each, the ratio, and the mean RMSE over folds. Surprise's folds are random
rating splits (`KFold`), recolab's are user-stratified; both are 5-fold.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SURPRISE = r"""
import sys
from surprise import Dataset, Reader, SVD, KNNBasic
from surprise.model_selection import cross_validate
algo, path = sys.argv[1], sys.argv[2]
data = Dataset.load_from_file(path, reader=Reader("ml-100k"))
if algo == "svd":
    model = SVD(n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02, init_std_dev=0.1)
else:
    model = KNNBasic(k=40, sim_options={"name": "cosine", "user_based": False}, verbose=False)
r = cross_validate(model, data, measures=["RMSE"], cv=5, verbose=False)
print(sum(r["test_rmse"]) / len(r["test_rmse"]))
"""


def timed(cmd):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout


def surprise(algo, ratings):
    seconds, out = timed([sys.executable, "-c", SURPRISE, algo, ratings])
    return seconds, float(out.strip().splitlines()[-1])


def recolab(binary, scenario, data, out_dir):
    args = [binary, "eval"]
    if scenario:
        args.append(scenario)
    args += ["--ratings", os.path.join(data, "u.data"), "--out", out_dir, "-q"]
    if not scenario:
        args += ["--movies", os.path.join(data, "u.item")]
    seconds, _ = timed(args)
    with open(os.path.join(out_dir, "eval.json")) as f:
        doc = json.load(f)
    rmse = doc["arms"][0]["overall"]["rmse"]
    return seconds, (rmse["mean"] if rmse else None)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="the ml-100k folder (u.data, u.item)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--recolab", default=os.path.join(ROOT, "target", "release", "recolab"))
    a = p.parse_args()
    ratings = os.path.join(a.data, "u.data")
    work = tempfile.mkdtemp(prefix="recolab-peers-")
    rows = {k: [] for k in ["surprise_svd", "recolab_svd", "surprise_knn", "recolab_knn", "recolab_all"]}
    rmse = {}
    for run in range(a.runs):
        for key, job in [
            ("surprise_svd", lambda: surprise("svd", ratings)),
            ("recolab_svd", lambda: recolab(a.recolab, os.path.join(HERE, "svd.ron"), a.data, os.path.join(work, "svd"))),
            ("surprise_knn", lambda: surprise("knn", ratings)),
            ("recolab_knn", lambda: recolab(a.recolab, os.path.join(HERE, "knn.ron"), a.data, os.path.join(work, "knn"))),
            ("recolab_all", lambda: recolab(a.recolab, None, a.data, os.path.join(work, "all"))),
        ]:
            seconds, error = job()
            rows[key].append(seconds)
            rmse[key] = error
            print(f"run {run + 1}/{a.runs} {key}: {seconds:.3f} s, RMSE {error}", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"| work | Surprise (median of {a.runs}) | recolab (median of {a.runs}) | speed-up |")
    print("| --- | --- | --- | --- |")
    for name, s, r in [("SVD", "surprise_svd", "recolab_svd"), ("item KNN", "surprise_knn", "recolab_knn")]:
        print(
            f"| {name} | {med[s]:.2f} s, RMSE {rmse[s]:.4f} | {med[r]:.3f} s, RMSE {rmse[r]:.4f} | {med[s] / med[r]:.1f}× |"
        )
    print(f"| every arm, every metric | — | {med['recolab_all']:.3f} s | — |")


if __name__ == "__main__":
    main()
