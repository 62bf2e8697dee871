"""`voter-platform generate`: write simulated voter files (daily full-roll snapshots with vote history)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from voter_platform.generate.config import (
    DEFECT_KINDS,
    PACKAGES,
    PROFILES,
    STATE_QUIRK_KINDS,
    TRAIT_KINDS,
    ChurnRates,
    ConfigError,
    DefectRates,
    GenerateConfig,
    formats,
    state_formats,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write simulated voter files (daily roll snapshots with vote history) in any supported format",
        description=(
            "Simulate a voter roll calibrated on real public data (registration and party shares per state "
            "and county, the age mix of registrants, party by age and gender, VEP turnout per state and "
            "general election 2008-2024) and write one full snapshot per day, with its vote history, in the "
            "chosen format. Between days the roll churns (new registrations, removals, moves, party switches, "
            "name changes); when a snapshot date passes a general election, that election's votes appear. "
            "Files are written under a temporary name and renamed when complete; with --defects (or a county "
            "extract, a drop without history, a VR_Snapshot) a manifest per file under <out>/_manifest/ lists "
            "every injected defect and real-file trait by line, beside the file's facts (coverage, encoding, "
            "records by status). The same arguments and seed give the same bytes. Prints voters/s and peak "
            "memory at the end."
        ),
        epilog=(
            "formats: canonical = voters_<ST>_<date>.csv + vote_history_<ST>_<date>.csv per state; "
            "goodparty = goodparty_voters_<date>.csv (the case-study layout, last vote date only); "
            "ncsbe = ncvoter_Statewide_<date>.txt + ncvhis_Statewide_<date>.txt (North Carolina; a county "
            "extract: ncvoter<id>_<date>.txt + ncvhis<id>_<date>.txt per county); "
            "ncsbe_vr_snapshot = VR_Snapshot_<YYYYMMDD>.txt (90 padded columns, UTF-16 LE, CRLF) + "
            "ncvhis_Statewide_<date>.txt; "
            "a state layout of the registry (voter_platform/layouts; `voter-platform layouts` lists them) = "
            "that state's files as it ships them, named by the layout's file_template, with its history "
            f"({', '.join(state_formats())}). "
            f"defect kinds: {', '.join(DEFECT_KINDS)}. "
            f"real-file traits: {', '.join(TRAIT_KINDS)}. "
            f"state-file quirks: {', '.join(STATE_QUIRK_KINDS)}. "
            "example: voter-platform generate --voters 1000000 --start 2026-11-02 --days 3 --format canonical "
            "--out /tmp/voters --seed 7 --defects light; an NC county file as the board publishes it: "
            "voter-platform generate --voters 50000 --start 2026-11-04 --format ncsbe --counties 92 "
            "--defects realistic --out /tmp/wake"
        ),
    )
    parser.add_argument(
        "--voters", type=int, required=True, metavar="N", help="voters on the roll of the first snapshot"
    )
    parser.add_argument(
        "--start", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD", help="date of the first snapshot"
    )
    parser.add_argument(
        "--days", type=int, default=1, metavar="D", help="number of consecutive daily snapshots (default %(default)s)"
    )
    parser.add_argument(
        "--format",
        choices=formats(),
        default="canonical",
        metavar="FORMAT",
        help="file layout: canonical (default), goodparty, ncsbe, ncsbe_vr_snapshot, or a registry layout id "
        "(oh_swvf, fl_voter_extract, pa_fve, tx_team_voters_686, ...)",
    )
    parser.add_argument(
        "--package",
        choices=PACKAGES,
        default="none",
        help=(
            "state layouts: deliver the files as written (none, default), each gzipped (gz: SWVF_1_22.txt.gz), "
            "or a product's files in one zip (zip: the layout's archive name, e.g. Voter_Extract_<YYYYMMDD>.zip)"
        ),
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write into (created if missing)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="S", help="random seed; same seed, same bytes (default %(default)s)"
    )
    parser.add_argument(
        "--states",
        metavar="NC,PA,...",
        help="USPS codes of the states to simulate (default: all 50 and DC; the ncsbe formats are always NC)",
    )
    parser.add_argument(
        "--counties",
        metavar="NAME_OR_ID,...",
        help=(
            "a county extract: only these counties of the one state (--states, or NC for ncsbe), by name "
            '(Wake, "New Hanover") or, in NC, by NCSBE county id (92); --voters then counts the extract\'s '
            "voters. Formats canonical, ncsbe (one ncvoter<id>/ncvhis<id> pair per county) and the state "
            "layouts (their per-county parts of those counties; the others are missing parts)"
        ),
    )
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="write the voters files only, dropped without their vote-history files",
    )
    parser.add_argument(
        "--no-bom",
        dest="bom",
        action="store_false",
        help="ncsbe_vr_snapshot: UTF-16 LE without the byte order mark (default: with it)",
    )
    parser.add_argument(
        "--undated-names",
        action="store_true",
        help=(
            "name files as their publisher does, without the date (ncvoter_Statewide.txt, ncvoter92.txt, "
            "VR_Snapshot.txt, goodparty_voters.csv); --days 1 only"
        ),
    )
    parser.add_argument(
        "--defects",
        default="none",
        metavar="PROFILE_OR_RATE",
        help=(
            f"defects and real-file traits to inject: a profile ({', '.join(PROFILES)}; realistic is shaped "
            "like a real NC county file: ~9%% removed voters, denied and confidential ones, placeholder and "
            "implausible registration dates, truncated-then-glued lines; state_quirks (alias quirks) sets the "
            "traps of the state notes in a state layout: codes outside its tables, year-only births, a GENERAL "
            "on a day no calendar lists, a missing part), one per-line rate for every defect "
            "kind (e.g. 0.002), kind=rate pairs (e.g. glued_lines=0.01,removed_voter=0.09), or a profile "
            "then pairs (realistic,blank_field=0.001); default %(default)s"
        ),
    )
    defaults = ChurnRates()
    parser.add_argument(
        "--churn",
        metavar="KIND=RATE,...",
        help=(
            "daily probability per voter of each change between snapshots; defaults "
            + ", ".join(
                f"{name}={getattr(defaults, name)}"
                for name in ("new", "removed", "moved", "party_switch", "name_change")
            )
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voter_platform.generate.run import generate

    try:
        config = GenerateConfig(
            voters=args.voters,
            start=args.start,
            days=args.days,
            format=args.format,
            out=args.out,
            seed=args.seed,
            states=tuple(code.strip().upper() for code in args.states.split(",") if code.strip())
            if args.states
            else None,
            churn=ChurnRates.parse(args.churn),
            defects=DefectRates.parse(args.defects),
            counties=tuple(name.strip() for name in args.counties.split(",") if name.strip())
            if args.counties
            else None,
            history=args.history,
            bom=args.bom,
            undated_names=args.undated_names,
            package=args.package,
        )
        result = generate(config, progress=lambda message: print(f"  {message}", flush=True))
    except ConfigError as error:
        print(f"voter-platform generate: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {result.summary()} into {config.out}")
    return 0
