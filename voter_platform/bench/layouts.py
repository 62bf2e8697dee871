"""`voter-platform bench --formats`: the ingest of each structural pattern beside the canonical layout's.

One state layout stands for each pattern a state file comes in (headerless, per-county parts, fixed width,
one column per election, history slots decoded by an election map, a history string, a header only in
the first part, archives). Each is generated once at the same size and seed as the canonical baseline
(cached under <out>/inputs) and ingested, each run in a fresh process against a fresh warehouse, as a
user drops it: every file of the delivery, the state named by its landing subfolder. The median of the
runs counts; the ratio is the layout's ingest time over the canonical layout's (target <= 1.5x, issue 11).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voter_platform.bench.pipeline import BENCH_START, encryption_label, machine_info, text_table
from voter_platform.settings import warehouse_encrypted

TARGET_RATIO = 1.5
CANONICAL = "canonical"


@dataclass(frozen=True)
class Pattern:
    layout: str  # a registry layout id, or "canonical"
    state: str
    shape: str  # the structural pattern it stands for
    package: str = "none"  # as the state delivers it: none, gz or zip


# One layout per structural pattern of ../layouts/states/README.md (spreadsheets are not read).
PATTERNS = (
    Pattern(CANONICAL, "NC", "comma, header; long history file (the baseline)"),
    Pattern("wa_vrdb", "WA", "tab, header; long history file"),
    Pattern("fl_voter_extract", "FL", "tab, no header; 67 per-county parts of voters and of history"),
    Pattern("ia_voter_list", "IA", "header in the first part only; typed history slots"),
    Pattern("tx_team_voters_686", "TX", "fixed width; per-county parts with fixed-width history"),
    Pattern("oh_swvf", "OH", "one column per election; four .txt.gz parts", package="gz"),
    Pattern("pa_fve", "PA", "no header; history slots decoded by per-county election maps"),
    Pattern("ny_voter_list", "NY", "no header; a history string; in a zip", package="zip"),
    Pattern("mi_qvf_voters_lst", "MI", "fixed width (legacy .lst); long fixed-width history"),
    Pattern("or_voter_list", "OR", "tab, header; no history"),
)


def patterns_for(formats: str) -> list[Pattern]:
    """`patterns` (every pattern), or a comma list of layout ids (the canonical baseline is always first)."""
    if formats == "patterns":
        return list(PATTERNS)
    from voter_platform.layouts.registry import layouts

    known = {pattern.layout: pattern for pattern in PATTERNS}
    chosen = [PATTERNS[0]]
    for layout_id in (name.strip() for name in formats.split(",") if name.strip()):
        if layout_id == CANONICAL:
            continue
        if layout_id in known:
            chosen.append(known[layout_id])
        elif layout_id in layouts():
            chosen.append(Pattern(layout_id, layouts()[layout_id].state, "as chosen"))
        else:
            raise ValueError(
                f"--formats: {layout_id!r} is not a layout id (see `voter-platform layouts`) nor 'patterns'"
            )
    return chosen


def run_layout_bench(patterns: list[Pattern], *, voters: int, seed: int, repeats: int, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for pattern in patterns:
        folder = _generated(pattern, voters, seed, out)
        files = _delivery(folder)
        runs = [_ingest_once(pattern, files, out) for _ in range(repeats)]
        row = _summarise(pattern, files, runs)
        rows.append(row)
        print(
            f"{pattern.layout}: {row['seconds']:.1f} s wall, {row['cpu_seconds']:.1f} s cpu "
            f"({row['rows_loaded']:,} rows loaded, {row['rows_quarantined']:,} quarantined)",
            flush=True,
        )
    baseline = rows[0]
    for row in rows:
        row["ratio_to_canonical"] = round(row["seconds"] / baseline["seconds"], 2)
        row["cpu_ratio_to_canonical"] = round(row["cpu_seconds"] / baseline["cpu_seconds"], 2)
        row["meets_target"] = row["ratio_to_canonical"] <= TARGET_RATIO or row["cpu_ratio_to_canonical"] <= TARGET_RATIO
        # Context, not the target: a state's own files may hold more history rows (primaries, specials)
        # or far more bytes (fixed width) for the same voters than the canonical baseline.
        per_record = (row["seconds"] / max(row["records"], 1)) / (baseline["seconds"] / max(baseline["records"], 1))
        row["ratio_per_record_to_canonical"] = round(per_record, 2)
    results = {
        "command": f"voter-platform bench --voters {voters} --formats {','.join(p.layout for p in patterns)} "
        f"--seed {seed} --repeats {repeats}" + ("" if warehouse_encrypted() else " --no-encryption"),
        "voters": voters,
        "repeats": repeats,
        "target_ratio": TARGET_RATIO,
        "machine": machine_info(),
        "layouts": rows,
    }
    (out / "layouts.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "layouts.md").write_text(format_markdown(results))
    print(format_table(results))
    print(f"\nwritten: {out / 'layouts.json'} and {out / 'layouts.md'}")
    return results


def _generated(pattern: Pattern, voters: int, seed: int, out: Path) -> Path:
    """The pattern's files, generated once per layout, size and seed (a marker says the folder is complete)."""
    import shutil

    folder = out / "inputs" / f"{pattern.layout}-{pattern.state}-{voters}-voters-seed{seed}-{pattern.package}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    from voter_platform.generate.config import GenerateConfig
    from voter_platform.generate.run import generate

    print(f"generating {voters:,} voters as {pattern.layout} ...", flush=True)
    generate(
        GenerateConfig(
            voters=voters,
            start=BENCH_START,
            days=1,
            format=pattern.layout,
            out=folder,
            seed=seed,
            states=(pattern.state,),
            package=pattern.package,
        )
    )
    done.touch()
    return folder


def _delivery(folder: Path) -> list[Path]:
    """Every file the generator delivered (not its manifest or marker)."""
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith((".", "_")))


def _ingest_once(pattern: Pattern, files: list[Path], out: Path) -> dict[str, Any]:
    import tempfile

    from voter_platform.bench.ingest import _in_fresh_process, _platform_ingest

    with tempfile.TemporaryDirectory(prefix="bench-layout-", dir=out) as work:
        return _in_fresh_process(_platform_ingest, files, BENCH_START, Path(work) / "platform", pattern.state)


def _summarise(pattern: Pattern, files: list[Path], runs: list[dict]) -> dict[str, Any]:
    return {
        "layout": pattern.layout,
        "state": pattern.state,
        "shape": pattern.shape,
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in files),
        "seconds": round(statistics.median(run["seconds"] for run in runs), 2),
        "cpu_seconds": round(statistics.median(run["cpu_seconds"] for run in runs), 2),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "rows_loaded": runs[-1]["rows_loaded"],
        "rows_quarantined": runs[-1]["rows_quarantined"],
        # Voter and vote-history records written, whether the history came in its own file or in the voters file.
        "records": runs[-1]["rows_loaded"] + runs[-1]["history_rows_derived"],
        "reconciles": all(run["reconciles"] for run in runs),
        "runs": runs,
    }


def table_rows(results: dict) -> list[tuple[str, ...]]:
    return [
        (
            row["layout"],
            row["state"],
            row["shape"],
            f"{row['files']}",
            f"{row['bytes'] / 1e6:,.0f}",
            f"{row['records']:,}",
            f"{row['seconds']:.1f}",
            f"{row['cpu_seconds']:.1f}",
            f"{row['peak_rss_mb']:,.0f}",
            f"{row['ratio_to_canonical']:.2f}x"
            + ("" if row["layout"] == CANONICAL else (" ok" if row["meets_target"] else " OVER")),
            f"{row['ratio_per_record_to_canonical']:.2f}x",
        )
        for row in results["layouts"]
    ]


HEADINGS = (
    "layout",
    "state",
    "pattern",
    "files",
    "MB",
    "records loaded",
    "wall s",
    "cpu s",
    "peak MB",
    "vs canonical",
    "per record vs canonical",
)


def format_table(results: dict) -> str:
    rows = [HEADINGS, *table_rows(results)]
    machine = results["machine"]
    return "\n".join(
        [
            f"ingest of {results['voters']:,} voters per layout; {machine['cores']} cores, {machine['memory_gb']} GB; "
            f"median of {results['repeats']}; "
            f"target <= {results['target_ratio']:g}x the canonical layout (wall or cpu)",
            "",
            *text_table(rows),
        ]
    )


def format_markdown(results: dict) -> str:
    machine = results["machine"]
    return (
        "\n".join(
            [
                f"### Ingest per layout, {results['voters']:,} voters each",
                "",
                f"`{results['command']}` — {machine['cores']} cores, {machine['memory_gb']} GB, "
                f"Python {machine['python']}, DuckDB {machine['versions']['duckdb']}, {encryption_label(machine)}. "
                f"Median of {results['repeats']} runs; load average at the end {machine['load_average_at_end']}. "
                f"Target: <= {results['target_ratio']:g}x the canonical layout's ingest.",
                "",
                "| " + " | ".join(HEADINGS) + " |",
                "|" + "---|" * len(HEADINGS),
                *("| " + " | ".join(row) + " |" for row in table_rows(results)),
            ]
        )
        + "\n"
    )
