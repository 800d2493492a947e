"""Benchmark: verdicts and agreement from an in-memory table, against the libraries.

Generates (seeded) ``units`` mentions x 5 annotators x 3 labels with 20% of the
judgments missing, mentions grouped 10 to a claim, and times in the same run:

* **ours** — ``annotator.verdicts`` end to end from the raw DataFrame:
  validation, Dawid–Skene fit, majority and Dawid–Skene verdicts per mention
  and per claim, and every agreement figure (alpha nominal and linear, Fleiss,
  percent agreement, pairwise Cohen, each annotator against the consensus,
  and all of these per claim);
* **baseline** — crowd-kit ``MajorityVote`` and ``DawidSkene`` and
  ``krippendorff.alpha`` (nominal) called directly on the same DataFrame,
  including the pivot to the coder x unit matrix that ``alpha`` needs;
* **baseline on integer codes** — the same calls after factorising units,
  annotators and labels to integers (as ours does before calling crowd-kit,
  whose joins are several times faster on integers than on strings).

Runs alternate (ours, baseline, ours, ...); medians are reported.  Memory
comes from separate, untimed runs of each: the peak of ``tracemalloc``
(Python and NumPy allocations) and the growth of peak resident memory (which
also counts pandas' Arrow string buffers).

    .venv/bin/python bench/verdicts_memory.py [--units 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable

import krippendorff
import numpy as np
import pandas as pd
from crowdkit.aggregation import DawidSkene, MajorityVote

from annotator.verdicts import (
    DawidSkeneModel,
    claim_agreement,
    claim_verdicts,
    judgments,
    mention_verdicts,
    mentions,
    project_agreement,
)

LABELS = np.array(["confirmed", "disputed", "denied"])
ACCURACY = np.array([0.9, 0.8, 0.7, 0.6, 0.75])
MENTIONS_PER_CLAIM = 10


def generate(n_units: int, missing: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long judgment table and the mention table, as strings."""
    rng = np.random.default_rng(seed)
    n_ann = len(ACCURACY)
    truth = rng.integers(0, len(LABELS), n_units)
    unit = np.repeat(np.arange(n_units), n_ann)
    annotator = np.tile(np.arange(n_ann), n_units)
    right = rng.random(len(unit)) < ACCURACY[annotator]
    label = np.where(
        right, truth[unit], (truth[unit] + rng.integers(1, len(LABELS), len(unit))) % len(LABELS)
    )
    keep = rng.random(len(unit)) >= missing
    names = np.char.add("m", np.arange(n_units).astype(str))
    table = pd.DataFrame(
        {
            "unit": names[unit[keep]],
            "annotator": np.char.add("annotator-", annotator[keep].astype(str)),
            "label": LABELS[label[keep]],
        }
    )
    links = pd.DataFrame(
        {
            "unit": names,
            "claim": np.char.add("c", (np.arange(n_units) // MENTIONS_PER_CLAIM).astype(str)),
            "article": np.char.add("a", (np.arange(n_units) % MENTIONS_PER_CLAIM).astype(str)),
        }
    )
    return table, links


def ours(table: pd.DataFrame, links: pd.DataFrame) -> dict:
    j = judgments(table)
    m = mentions(links)
    model = DawidSkeneModel().fit(j)
    return {
        "mention_majority": mention_verdicts(j, m, "majority"),
        "mention_ds": mention_verdicts(j, m, "dawid-skene", model=model),
        "claim_majority": claim_verdicts(j, m, "majority"),
        "claim_ds": claim_verdicts(j, m, "dawid-skene", model=model),
        "project": project_agreement(j),
        "claims": claim_agreement(j, m),
    }


def baseline(table: pd.DataFrame, links: pd.DataFrame) -> dict:
    data = table.rename(columns={"unit": "task", "annotator": "worker"})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"crowdkit\.")
        majority = MajorityVote().fit_predict(data)
        ds = DawidSkene(n_iter=100).fit_predict(data)
    values = data["label"].map({label: i for i, label in enumerate(LABELS)}).astype(float)
    matrix = (
        data.assign(value=values).pivot(index="worker", columns="task", values="value").to_numpy()
    )
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    return {"majority": majority, "ds": ds, "alpha": alpha}


def baseline_on_codes(table: pd.DataFrame, links: pd.DataFrame) -> dict:
    """The baseline after encoding units, annotators and labels as integers,
    as ``annotator.verdicts`` does before it calls crowd-kit."""
    task, tasks = pd.factorize(table["unit"])
    worker, workers = pd.factorize(table["annotator"])
    label = pd.Index(LABELS).get_indexer(table["label"])
    data = pd.DataFrame({"task": task, "worker": worker, "label": label})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"crowdkit\.")
        majority = MajorityVote().fit_predict(data)
        ds = DawidSkene(n_iter=100).fit_predict(data)
    matrix = np.full((len(workers), len(tasks)), np.nan)
    matrix[worker, task] = label
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    return {"majority": majority, "ds": ds, "alpha": alpha}


def timed(run: Callable[[], dict]) -> tuple[float, dict]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def traced_peak_mib(run: Callable[[], dict]) -> float:
    """Peak of Python and NumPy allocations (not Arrow's) during ``run``."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def rss_growth_mib(run: Callable[[], dict]) -> float | None:
    """Peak resident memory during ``run`` above the resident memory before it
    (Linux: the high-water mark is reset through /proc/self/clear_refs)."""

    def status(key: str) -> int:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(key))

    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as reset:
            reset.write("5")
    except OSError:
        return None
    before = status("VmRSS:")
    run()
    return (status("VmHWM:") - before) / 2**10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--missing", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20241031)
    args = parser.parse_args()

    table, links = generate(args.units, args.missing, args.seed)
    ours_run = lambda: ours(table, links)  # noqa: E731
    base_run = lambda: baseline(table, links)  # noqa: E731
    codes_run = lambda: baseline_on_codes(table, links)  # noqa: E731
    ours_times, base_times, codes_times = [], [], []
    for _ in range(args.repeat):
        seconds, mine = timed(ours_run)
        ours_times.append(seconds)
        seconds, theirs = timed(base_run)
        base_times.append(seconds)
        seconds, coded = timed(codes_run)
        codes_times.append(seconds)

    # the two sides agree where they overlap
    report = mine["project"]
    alpha_gap = max(
        abs(report.alpha_nominal.value - theirs["alpha"]), abs(coded["alpha"] - theirs["alpha"])
    )
    alpha_match = alpha_gap < 1e-12
    mv = mine["mention_majority"].query("n_judgments > 0")  # crowd-kit lists judged units only
    untied = ~mv["tie"].to_numpy()
    mv_match = (
        mv["verdict"].to_numpy()[untied] == theirs["majority"].loc[mv.index].to_numpy()[untied]
    ).all()
    ds = mine["mention_ds"].query("n_judgments > 0")
    ds_match = (ds["verdict"].to_numpy() == theirs["ds"].loc[ds.index].to_numpy()).mean()

    ours_median, base_median = statistics.median(ours_times), statistics.median(base_times)
    codes_median = statistics.median(codes_times)
    ours_rss, base_rss, codes_rss = (rss_growth_mib(r) for r in (ours_run, base_run, codes_run))
    ours_peak, base_peak, codes_peak = (traced_peak_mib(r) for r in (ours_run, base_run, codes_run))
    size_mib = table.memory_usage(deep=True).sum() / 2**20
    print(
        f"data: {args.units:,} units x {len(ACCURACY)} annotators x {len(LABELS)} labels, "
        f"{args.missing:.0%} missing -> {len(table):,} judgments "
        f"({size_mib:.0f} MiB as a DataFrame), {args.units // MENTIONS_PER_CLAIM:,} claims; "
        f"seed {args.seed}; {args.repeat} runs each"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    print()
    print("| pipeline | median s | min s | max s | peak MiB, tracemalloc | peak RSS growth MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, times, peak, rss in (
        ("ours (all verdicts + all agreement)", ours_times, ours_peak, ours_rss),
        ("baseline (crowd-kit MV + DS, krippendorff.alpha)", base_times, base_peak, base_rss),
        ("baseline on integer codes", codes_times, codes_peak, codes_rss),
    ):
        growth = "n/a" if rss is None else f"{rss:.0f}"
        spread = f"{statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f}"
        print(f"| {name} | {spread} | {peak:.0f} | {growth} |")
    print()
    print(f"ratio ours / baseline (medians): {ours_median / base_median:.2f}")
    print(f"ratio ours / baseline on integer codes (medians): {ours_median / codes_median:.2f}")
    print(
        f"checks: alpha equal to krippendorff: {alpha_match}; "
        f"majority equal to crowd-kit where untied: {mv_match}; "
        f"Dawid-Skene verdicts equal to crowd-kit: {ds_match:.4%}"
    )
    print(
        f"figures: alpha nominal {report.alpha_nominal.value:.4f}, "
        f"alpha linear {report.alpha_linear.value:.4f}, "
        f"Fleiss {report.fleiss_kappa.value:.4f} ({report.fleiss_kappa.note}), "
        f"percent agreement {report.percent_agreement.value:.4f}"
    )


if __name__ == "__main__":
    main()
