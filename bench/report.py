"""BENCHMARKS.md from the measurements of one run: a table (figure | measured | target | holds?)
and, under it, one line per figure saying how it was measured."""
from __future__ import annotations

SYNTH_TARGET, SCALE_TARGET = 1.4, 1.5
ASSET_TARGET_KB, IMPORT_TARGET_MS, SUITE_TARGET_S = 64, 150, 120


def _holds(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    out = []
    s = r["synth"]
    out.append(("1. `cdk synth`, default app ÷ one-Lambda baseline",
                f"{s['ratio']:.2f} ({s['default_s']:.1f} s / {s['baseline_s']:.1f} s)",
                f"≤ {SYNTH_TARGET}", _holds(s["ratio"] <= SYNTH_TARGET)))
    sc = r["scale"]
    for n, ratio in sc["ratios"].items():
        target = f"≤ {SCALE_TARGET}" if n == 10 else "—"
        out.append((f"2. synth, {n} dataset group{'s' if n > 1 else ''} × 30 filters ÷ default",
                    f"{ratio:.2f} ({sc['seconds'][n]:.1f} s / {sc['default_s']:.1f} s)", target,
                    _holds(ratio <= SCALE_TARGET) if n == 10 else "n/a"))
    d = r["deploy"]
    bound_ratio = 1 + d["interval"] / d["slowest"]
    lab = d["lab"]["seconds"]
    for key, label in (("default_quotas", "default quotas"), ("pending_7", "7 pending allowed")):
        q = d[key]
        pending = (f"{label}: max_pending {q['max_pending']}, {q['limited_resources']} of {d['personalize_resources']} "
                   f"resources waited on LimitExceeded")
        out.append((f"3. rehearsed create, critical path ÷ slowest resource ({pending})",
                    f"{q['critical_ratio']:.2f} ({q['seconds']:.0f} s / {d['slowest']:.0f} s)",
                    f"≤ {bound_ratio:.2f}", _holds(q["critical_ratio"] <= bound_ratio + 1e-9)))
        out.append((f"3. rehearsed create ÷ the lab's way ({label})",
                    f"{q['vs_lab']:.2f} ({q['seconds']:.0f} s / {lab:.0f} s)", "—", "n/a"))
        w = q["describe"]["worst"]
        after = f"; {q['describe']['max_after_create']} once created" if q["describe"]["max_after_create"] != q["describe"]["max_calls"] else ""
        out.append((f"3. Describe calls per resource, max over {q['describe']['resources']} ({label})",
                    f"{q['describe']['max_calls']}{after}", f"≤ {w['bound']} (⌈{d['slowest']:.0f}/{d['interval']:.0f}⌉ + 1)",
                    _holds(q["describe"]["all_within"])))
    f = r["footprint"]
    kb = f["zip_bytes"] / 1024
    out.append(("4. Lambda asset (lambdas/), zipped", f"{kb:.1f} KB ({f['files']} files)",
                f"≤ {ASSET_TARGET_KB} KB", _holds(kb <= ASSET_TARGET_KB)))
    for module, seconds in f["imports"].items():
        boto3 = f["boto3"][module]
        out.append((f"4. cold import `{module}`", f"{seconds * 1000:.0f} ms (boto3 {boto3 * 1000:.0f} ms of it)",
                    f"≤ {IMPORT_TARGET_MS} ms", _holds(seconds * 1000 <= IMPORT_TARGET_MS)))
    t = r["suite"]
    out.append(("5. `make test` wall time (2 cores)", f"{t['seconds']:.0f} s ({t['summary']})",
                f"≤ {SUITE_TARGET_S} s", _holds(t["seconds"] <= SUITE_TARGET_S)))
    return out


def methods(r: dict, runs: dict) -> list[str]:
    d, lab_polls = r["deploy"], 15
    return [
        f"1. Median wall time of {runs['synth']} interleaved `cdk synth --quiet` runs each (one warm-up each discarded), "
        "default app vs a temp-dir Python app with one `aws_lambda.Function` (asset code), same CDK CLI and venv, fresh output dirs.",
        f"2. `bench/scale_app.py N` builds N stacks (config/default.toml with 30 filters, the lab's 6 and 24 generated, and 35 parameters each; parse_config, cdk-nag) in one App; "
        f"median of {runs['scale']} interleaved rounds (default, 1, 3, 10; one warm-up round discarded) divided by the default app's median in the same rounds.",
        f"3. `rehearsal.session.Session` plays the create of the synthesized default template on the emulator's virtual clock (Latencies: "
        f"filter {d['slowest']:.0f} s, tracker from models.py; poll {d['interval']:.0f} s); the lab's way is the notebook's boto3 calls on the same "
        f"emulator, tracker then each filter, each waited for with {lab_polls} s polls: {d['lab']['seconds']:.0f} s; target 1 + poll ÷ slowest; "
        f"Describe calls counted per filter/tracker ARN from the emulator's call log (\"once created\": those that found it).",
        f"4. The asset is the `asset.<hash>/` the handler functions reference in the default synth, zipped (deflate, no __pycache__); "
        f"each import is the median of {runs['imports']} fresh `python -c` processes timing `import MODULE` from that directory "
        "(our code compiled from source, boto3 from the venv's bytecode; local Python, not Lambda's 3.14); boto3's share from `-X importtime`.",
        "5. One run of `.venv/bin/python -m pytest` from the project root (what `make test` runs after set-up), wall time; it must pass.",
    ]


def markdown(r: dict, runs: dict, header: list[str]) -> str:
    lines = ["# Benchmarks", "", "Written by `make bench` (`bench/run.py`); do not edit by hand. "
             "Ratios are measured within one run, on one machine.", ""]
    lines += [f"- {h}" for h in header] + ["", "| figure | measured | target | holds? |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {e} |" for a, b, c, e in rows(r)]
    lines += ["", "How each figure is measured:", ""] + [f"- {m}" for m in methods(r, runs)]
    notes = _notes(r)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _notes(r: dict) -> list[str]:
    notes = []
    f = r["footprint"]
    share = max(f["boto3"][m] / f["imports"][m] for m in f["imports"])
    notes.append(f"boto3 (with botocore) is up to {share:.0%} of a handler's cold import; the Lambda runtime ships it, so it is not in the asset.")
    if r["deploy"]["left_out"]:
        notes.append(f"Figure 3 plays the default template without {', '.join(r['deploy']['left_out'])} (the post-deploy evaluation): "
                     "the rehearsal has no handler for it yet, so its run time on a real deploy comes on top of these figures.")
    d = r["deploy"]["default_quotas"]
    if d["limit_exceeded"]:
        notes.append(f"With the emulator's default max_pending ({d['max_pending']}), CreateFilter was refused {d['limit_exceeded']} times "
                     f"({d['limited_resources']} resources) and retried from is_complete; a refused filter starts only when a slot frees, "
                     "so the critical path is two filter creations, and its Describe polls while waiting (not found) come on top of the bound.")
    for key, what in (("synth", "1"), ("scale", "2")):
        spread = r[key].get("round_ratios")
        if spread:
            notes.append(f"Figure {what}: ratios of single interleaved runs ranged " + "; ".join(
                f"{name} {min(v):.2f}–{max(v):.2f}" for name, v in spread.items()) + " (the machine is shared: read the medians).")
    return notes

