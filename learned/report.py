"""Outputs of ``ldmstop learned``: terminal summary, report.md, report.json and the figures.

``write_report`` builds everything in a temporary folder beside ``--out`` and renames it into
place at the end, so an interrupted run leaves no half-written report.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np

__all__ = ["format_summary", "verdict_table", "stops_table", "write_report", "check_out_dir", "plot_metric",
           "plot_stops", "plot_losses", "plot_samples", "FIGURES", "json_document"]

FIGURES = {"frechet": "learned_frechet.png", "sw2": "learned_sw2.png", "mmd": "learned_mmd.png",
           "stops": "learned_stops.png", "loss": "learned_loss.png", "samples": "learned_samples.png"}
METRIC_LABEL = {"frechet": "Fréchet d²", "sw2": "SW2²", "mmd": "MMD²"}
COLORS = {"pca": "tab:blue", "ae": "tab:orange", "pixel": "black"}
ZOOM = 0.8  # the window of Wu et al. 2025, Figure 1: t in [0.8, 1]


def json_document(res: dict) -> dict:
    """The result without the arrays kept only for the figures."""
    return {k: v for k, v in res.items() if not k.startswith("_")}


def _fmt(x, nd=4) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{nd}g}"


def _space_rows(res: dict):
    D = res["D"]
    for e in res["encoders"]:
        dims = [D] if e == "pixel" else res["dims"]
        for d in dims:
            yield e, d


def verdict_table(res: dict) -> str:
    """Markdown table: per (encoder, schedule, metric) the three verdicts."""
    lines = ["| encoder | schedule | metric | early-stopping gain (d with a significant gain) "
             "| optimal stop earlier as d falls (τ_b(d, t*)) | theory orders the d's the same way "
             "(exact score / plug-in) | t* for d = " + ", ".join(str(d) for d in res["dims"]) + f", pixel {res['D']} |",
             "|---|---|---|---|---|---|---|"]
    for v in res["verdicts"]:
        gd = ", ".join("pixel" if d == res["D"] else str(d) for d in v["gain_dims"]) or "none"
        tau = "" if v["tau_d_t"] is None else f" ({v['tau_d_t']:+.2f})"
        lines.append(f"| {v['encoder']} | {v['schedule']} | {v['metric']} | {v['gain']} ({gd}) | "
                     f"{v['earlier_as_d_falls']}{tau} | {v['theory_order']} / {v['theory_order_plugin']} | "
                     + ", ".join(f"{t:.3f}" for t in v["stops"]) + " |")
    return "\n".join(lines)


def stops_table(res: dict, metric: str = "frechet") -> str:
    """Markdown table of the optimal stop per (schedule, encoder, d) for one metric, with the
    Gaussian theory's prediction beside it."""
    K = res["settings"]["steps"]
    lines = [f"| schedule | encoder | d | {METRIC_LABEL[metric]} at the end | best stop t* (step of {K}) "
             "| 95 % interval | gain ± s.e. (relative) | significant | theory t* exact / plug-in "
             "| theory gain exact / plug-in |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for sched in res["schedules"]:
        for e, d in _space_rows(res):
            o = res["optimal_stop"][sched][e][str(d)][metric]
            th = res["theory"][sched]
            te, tp = th["exact"][str(d)], th["plugin"][str(d)]
            iv = "–" if o["interval"] is None else f"[{o['interval'][0]:.3f}, {o['interval'][1]:.3f}]"
            gain = _fmt(o["gain"]) + ("" if o["gain_stderr"] is None else f" ± {_fmt(o['gain_stderr'], 2)}")
            rel = "" if o["relative_gain"] is None else f" ({100 * o['relative_gain']:.2f} %)"
            sig = "–" if o["significant"] is None else ("yes" if o["significant"] else "no")
            lines.append(f"| {sched} | {e} | {d} | {_fmt(o['end'])} | {o['t']:.3f} ({o['step']}) | {iv} | "
                         f"{gain}{rel} | {sig} | {te['t']:.3f} / {tp['t']:.3f} | "
                         f"{_fmt(te['gain'], 2)} / {_fmt(tp['gain'], 2)} |")
    return "\n".join(lines)


def ae_table(res: dict) -> str:
    if not res["autoencoder"]:
        return ""
    lines = ["| d | AE reconstruction error, train | held-out | PCA train | PCA held-out | latent scale c |",
             "|---|---|---|---|---|---|"]
    for d, a in res["autoencoder"].items():
        m = lambda v: f"{np.mean(v):.3f}" + (f" ± {np.std(v, ddof=1) / np.sqrt(len(v)):.3f}" if len(v) > 1 else "")  # noqa: E731
        lines.append(f"| {d} | {m(a['recon_train'])} | {m(a['recon_heldout'])} | {a['pca_recon_train']:.3f} | "
                     f"{a['pca_recon_heldout']:.3f} | {m(a['latent_scale'])} |")
    return "\n".join(lines)


def format_summary(res: dict) -> str:
    """Terminal output: settings line, the stop table for the Fréchet distance, the verdicts."""
    st = res["settings"]
    head = (f"ldmstop learned: {res['data'].get('kind')} (n_train {res['data']['n_train']}, held out "
            f"{res['data']['n_heldout']}, D {res['D']}), dims {res['dims']} + pixel, encoders "
            f"{', '.join(res['encoders'])}, {st['seeds']} seed(s), K = {st['steps']} steps, "
            f"{res['elapsed_s']:.0f} s" + (" (quick)" if st["quick"] else ""))
    out = [head, "", "Optimal stop, Fréchet distance (pixel space, against held-out data):", "",
           stops_table(res, "frechet"), "", "Verdicts:", "", verdict_table(res)]
    if res["autoencoder"]:
        out += ["", "Autoencoder reconstruction (mean squared error per image):", "", ae_table(res)]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- figures
def _plt():
    from ldmstop.plots import _plt as plt_

    return plt_()


def plot_metric(res: dict, metric: str, path: str) -> None:
    """Figure 1 of Wu et al. (2025) at CPU scale: the metric against the stopping time t over
    the last 20 % of sampling, one panel per latent dimension (pixel model last), PCA and the
    autoencoder overlaid (mean ± 1 s.e. over seeds), the best stop and its interval marked; for
    the Fréchet distance, the Gaussian theory's W2² (exact score, shifted to the curve's value
    at the end) dashed."""
    from ldmstop.plots import savefig_atomic

    plt = _plt()
    scheds = res["schedules"]
    cols = list(res["dims"]) + [res["D"]]
    fig, axes = plt.subplots(len(scheds), len(cols), figsize=(3.0 * len(cols), 2.6 * len(scheds)),
                             squeeze=False)
    for r, sched in enumerate(scheds):
        t = np.asarray(res["times"][sched])
        sel = t >= ZOOM * t[-1]
        for c, d in enumerate(cols):
            ax = axes[r, c]
            encs = ["pixel"] if d == res["D"] else [e for e in res["encoders"] if e != "pixel"]
            for e in encs:
                m = res["metrics"][metric][sched][e][str(d)]
                mean = np.asarray(m["mean"])
                ax.plot(t[sel], mean[sel], color=COLORS[e], lw=1.3, label=e)
                if m["stderr"] is not None:
                    se = np.asarray(m["stderr"])
                    ax.fill_between(t[sel], (mean - se)[sel], (mean + se)[sel], color=COLORS[e], alpha=0.25, lw=0)
                o = res["optimal_stop"][sched][e][str(d)][metric]
                ax.plot([o["t"]], [o["value"]], "v", color=COLORS[e], ms=6)
                if o["interval"] is not None:
                    lo, hi = max(o["interval"][0], t[sel][0]), o["interval"][1]
                    if hi >= t[sel][0]:
                        ax.hlines(o["value"], lo, hi, color=COLORS[e], lw=3, alpha=0.6)
            if metric == "frechet":
                th = np.asarray(res["theory"][sched]["exact"][str(d)]["curve"])
                ref = np.asarray(res["metrics"][metric][sched][encs[0]][str(d)]["mean"])[-1]
                ax.plot(t[sel], (th - th[-1] + ref)[sel], "--", color="grey", lw=1, label="Gaussian theory")
            ax.set_title(("pixel, d = " if d == res["D"] else "d = ") + f"{d}  ({sched})", fontsize=9)
            ax.tick_params(labelsize=7)
            if r == len(scheds) - 1:
                ax.set_xlabel("stopping time t", fontsize=8)
            if c == 0:
                ax.set_ylabel(METRIC_LABEL[metric], fontsize=8)
            if r == 0 and c in (0, len(cols) - 1):
                ax.legend(fontsize=7, frameon=False)
    fig.suptitle(f"{METRIC_LABEL[metric]} to held-out data against the stopping time "
                 f"(mean ± s.e. over {res['settings']['seeds']} seed(s); ▼ best stop, bar: 95 % interval)",
                 fontsize=10)
    fig.tight_layout()
    savefig_atomic(fig, path)
    plt.close(fig)


def plot_stops(res: dict, path: str, metric: str = "frechet") -> None:
    """Best stop t* against d for each encoder (with the 95 % interval), the pixel model at d = D,
    and the Gaussian theory's best stop (exact and plug-in score)."""
    from ldmstop.plots import savefig_atomic

    plt = _plt()
    scheds = res["schedules"]
    fig, axes = plt.subplots(1, len(scheds), figsize=(5.2 * len(scheds), 3.6), squeeze=False)
    dims = list(res["dims"]) + [res["D"]]
    for c, sched in enumerate(scheds):
        ax = axes[0, c]
        for k, e in enumerate([e for e in res["encoders"] if e != "pixel"]):
            ds = list(res["dims"]) + [res["D"]]
            os_ = [res["optimal_stop"][sched][e][str(d)][metric] for d in res["dims"]] + \
                  [res["optimal_stop"][sched]["pixel"][str(res["D"])][metric]]
            x = np.asarray(ds, float) * (1 + 0.04 * (k - 0.5))
            y = np.array([o["t"] for o in os_])
            ax.plot(x, y, "o-", color=COLORS[e], label=f"{e} (learned)")
            for xi, o in zip(x, os_):
                if o["interval"] is not None:
                    ax.vlines(xi, o["interval"][0], o["interval"][1], color=COLORS[e], alpha=0.6)
        for name, style in (("exact", "s--"), ("plugin", "^:")):
            y = [res["theory"][sched][name][str(d)]["t"] for d in dims]
            ax.plot(dims, y, style, color="grey", label=f"Gaussian theory ({name})", ms=4)
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims)
        ax.set_xticklabels([str(d) if d != res["D"] else f"{d}\n(pixel)" for d in dims], fontsize=8)
        t = res["times"][sched]
        ax.set_ylim(max(0.0, min(0.6, ax.get_ylim()[0])), t[-1] + 0.01)
        ax.set_xlabel("latent dimension d")
        ax.set_ylabel(f"best stop t* ({METRIC_LABEL[metric]})")
        ax.set_title(sched, fontsize=10)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    savefig_atomic(fig, path)
    plt.close(fig)


def plot_losses(res: dict, path: str) -> None:
    """Training loss per chunk of 50 steps (mean over seeds), each latent space, each schedule;
    and the autoencoders' reconstruction loss."""
    from ldmstop.plots import savefig_atomic

    plt = _plt()
    scheds = res["schedules"]
    n = len(scheds) + (1 if res["autoencoder"] else 0)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.2), squeeze=False)
    cmap = plt.get_cmap("viridis")
    dims = list(res["dims"]) + [res["D"]]
    for c, sched in enumerate(scheds):
        ax = axes[0, c]
        for e, d in _space_rows(res):
            lc = np.asarray(res["loss_curves"][sched][e][str(d)]).mean(axis=0)
            x = 50 * (np.arange(len(lc)) + 1)
            ax.plot(x, lc, ("-" if e == "pca" else "--" if e == "ae" else ":"),
                    color=cmap(dims.index(d) / max(1, len(dims) - 1)), lw=1, label=f"{e} d={d}")
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("denoising loss per coordinate")
        ax.set_title(f"score networks, {sched}", fontsize=9)
        ax.legend(fontsize=6, frameon=False, ncol=2)
    if res["autoencoder"]:
        ax = axes[0, -1]
        for d, a in res["autoencoder"].items():
            lc = np.asarray(a["loss"]).mean(axis=0)
            ax.plot(50 * (np.arange(len(lc)) + 1), lc, color=cmap(dims.index(int(d)) / max(1, len(dims) - 1)),
                    label=f"d={d}")
            ax.axhline(a["pca_recon_train"], color=cmap(dims.index(int(d)) / max(1, len(dims) - 1)), ls=":", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("reconstruction MSE (dotted: PCA)")
        ax.set_title("autoencoders", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    savefig_atomic(fig, path)
    plt.close(fig)


def plot_samples(res: dict, path: str, side: int | None = None) -> None:
    """Decoded samples at a few stopping times (Wu et al. 2025, Figures 2, 5, 6), first seed,
    first schedule, for the smallest and the largest latent dimension of each encoder and the
    pixel model. Only for square images (D a perfect square)."""
    from ldmstop.plots import savefig_atomic

    D = res["D"]
    side = side or int(round(np.sqrt(D)))
    if side * side != D or "_samples" not in res:
        return
    plt = _plt()
    sched = res["schedules"][0]
    t = np.asarray(res["times"][sched])
    wanted = [0.6, 0.8, 0.9, 0.95, 0.98, 1.0]
    ks = sorted({int(np.argmin(np.abs(t - w * t[-1]))) for w in wanted})
    rows = [(e, d) for e in res["encoders"] if e != "pixel" for d in (res["dims"][0], res["dims"][-1])]
    rows.append(("pixel", D))
    show = res["_samples"][sched]
    n_img = min(4, show[rows[0][0]][str(rows[0][1])].shape[1])
    fig, axes = plt.subplots(len(rows), len(ks), figsize=(1.3 * len(ks) * n_img / 2, 1.3 * len(rows)),
                             squeeze=False)
    for r, (e, d) in enumerate(rows):
        traj = show[e][str(d)]
        for c, k in enumerate(ks):
            imgs = traj[k, :n_img].reshape(n_img, side, side)
            tile = np.concatenate(list(imgs), axis=1)
            ax = axes[r, c]
            ax.imshow(np.clip(tile, -1, 1), cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"t = {t[k]:.3f}", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"{e} d={d}", fontsize=8)
    fig.suptitle(f"decoded samples along the sampler ({sched}, seed {res['settings']['seed']})", fontsize=9)
    fig.tight_layout()
    savefig_atomic(fig, path)
    plt.close(fig)


def _report_md(res: dict) -> str:
    st = res["settings"]
    src = res["data"]
    load = res.get("load_average")
    lines = [
        "# ldmstop learned — early stopping with learned scores on real data",
        "",
        "Wu, Berthet, Biau, Boyer, Elie, Marion, *Optimal Stopping in Latent Diffusion Models* "
        "(arXiv:2510.08409), Figure 1 and appendix D.1, at CPU scale. Method and choices: "
        "docs/learned.md.",
        "",
        f"- data: {src.get('name', src.get('path'))}; n_train = {src['n_train']}, held out = "
        f"{src['n_heldout']} (split seed {src['split_seed']}), D = {res['D']}",
        f"- latent dimensions {res['dims']} and the pixel-space model (d = {res['D']}); encoders: "
        f"{', '.join(res['encoders'])}",
        "- schedules and samplers: " + "; ".join(
            f"{s}: {v['scheme']}, T = {v['T']}, truncation {v['truncate']}" for s, v in res["samplers"].items())
        + f"; K = {st['steps']} steps from N(0, I)",
        f"- {st['seeds']} seed(s) from {st['seed']}; {st['samples']} generated samples per seed; score "
        f"MLP width {st['width']} × depth {st['depth']}, {st['train_steps']} Adam steps (batch {st['batch']}, "
        f"lr {st['lr']}, EMA {st['ema']}); autoencoder width {st['ae_width']}, {st['ae_steps']} steps",
        "- metrics (pixel space, against the held-out set): " + "; ".join(
            f"{k}: {v}" for k, v in res["metric_definitions"].items() if k in METRIC_LABEL)
        + f"; MMD bandwidth h = {res['metric_definitions']['mmd_bandwidth']:.4g}; "
        f"{res['metric_definitions']['sw2_directions']} sliced-W2 directions per seed",
        f"- run time {res['elapsed_s']:.0f} s wall clock, {res.get('cpu_s', float('nan')):.0f} s CPU"
        + (f"; load average (1, 5, 15 min) at the end: "
                                                   f"{', '.join(f'{x:.2f}' for x in load)}" if load else ""),
        "",
        "## Verdicts",
        "",
        verdict_table(res),
        "",
        "Gain: the end of sampling is outside the 95 % confidence set of the best stop (paired "
        "t over seeds). Earlier as d falls: Kendall τ_b between d and t* (pixel model included) "
        "is positive and the smallest d's interval lies before the pixel model's (`weak`: τ_b > 0 "
        "only). Theory order: τ_b between the theory's and the data's t* over the same d's.",
        "",
        f"![{METRIC_LABEL['frechet']}](figures/{FIGURES['frechet']})",
        "",
        f"![best stops](figures/{FIGURES['stops']})",
        "",
    ]
    for m in ("frechet", "sw2", "mmd"):
        lines += [f"## Optimal stop: {METRIC_LABEL[m]}", "", stops_table(res, m), ""]
        if m != "frechet":
            lines += [f"![{METRIC_LABEL[m]}](figures/{FIGURES[m]})", ""]
    if res["autoencoder"]:
        lines += ["## Autoencoders", "", ae_table(res), ""]
    lines += ["## Training", "", f"![losses](figures/{FIGURES['loss']})", ""]
    if res.get("_samples") and int(round(np.sqrt(res["D"]))) ** 2 == res["D"]:
        lines += ["## Samples", "", f"![samples](figures/{FIGURES['samples']})", ""]
    return "\n".join(lines)


def check_out_dir(out_dir: str) -> None:
    """Fail early (ValueError, one line) when ``out_dir`` cannot receive the report: it exists and
    is not a folder, or it (or the folder that would hold it) is not writable."""
    from ldmstop.errors import ProblemError

    p = os.path.abspath(out_dir)
    if os.path.exists(p) and not os.path.isdir(p):
        raise ProblemError(f"--out {out_dir!r} exists and is not a folder")
    probe = p
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
        raise ProblemError(f"--out {out_dir!r}: {probe!r} is not a writable folder")


def write_report(res: dict, out_dir: str) -> list[str]:
    """Write ``out_dir/report.md``, ``report.json`` and ``figures/*.png``.

    Everything is built in a temporary folder inside ``out_dir`` first and each file is then
    renamed into place, so that no reader ever sees a half-written file and an interrupted run
    leaves the previous report as it was; other files in ``out_dir`` are left alone.
    Returns the written paths."""
    from ldmstop.jsonout import dumps

    out_dir = os.path.abspath(out_dir)
    os.makedirs(os.path.join(out_dir, "figures"), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-learned-", dir=out_dir)
    written = []
    try:
        names = {}
        for m in ("frechet", "sw2", "mmd"):
            names[m] = os.path.join(tmp, FIGURES[m])
            plot_metric(res, m, names[m])
        names["stops"] = os.path.join(tmp, FIGURES["stops"])
        plot_stops(res, names["stops"])
        names["loss"] = os.path.join(tmp, FIGURES["loss"])
        plot_losses(res, names["loss"])
        names["samples"] = os.path.join(tmp, FIGURES["samples"])
        plot_samples(res, names["samples"])
        with open(os.path.join(tmp, "report.json"), "w", encoding="utf-8") as fh:
            fh.write(dumps(json_document(res), indent=1))
        with open(os.path.join(tmp, "report.md"), "w", encoding="utf-8") as fh:
            fh.write(_report_md(res))
        mode = 0o666 & ~_umask()
        for key, src in names.items():
            if os.path.exists(src):
                dst = os.path.join(out_dir, "figures", os.path.basename(src))
                os.chmod(src, mode)
                os.replace(src, dst)
                written.append(dst)
        for name in ("report.json", "report.md"):  # the report last: it links the figures
            src, dst = os.path.join(tmp, name), os.path.join(out_dir, name)
            os.chmod(src, mode)
            os.replace(src, dst)
            written.append(dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def _umask() -> int:
    u = os.umask(0)
    os.umask(u)
    return u
