"""`voter-platform layouts`: the voter-file layouts the platform reads, as a table.

The README's format table is this command's output (a test keeps them the same).
"""

from __future__ import annotations

import argparse

from voter_platform.layouts.registry import Layout, layouts

_HISTORY = {
    "history_file": "long file",
    "election_columns": "one column per election",
    "slots": "slot columns",
    "history_string": "history string",
    "last_vote_only": "last vote date only",
    "none": "none",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "layouts",
        help="list the voter-file layouts the platform reads",
        description="Every layout of the registry (voter_platform/layouts/*.yaml): state, product, file names, "
        "shape and history. Printed as a Markdown table.",
    )
    parser.set_defaults(func=run)


def shape(spec: Layout) -> str:
    """How a file of the layout is laid out, in a few words."""
    if spec.is_fixed_width:
        lengths = "/".join(str(length) for length in spec.recognise.line_length)
        text = f"fixed width ({lengths} characters)" if lengths else "fixed width"
    else:
        delimiter = {",": "comma", "\t": "tab", "|": "pipe", ";": "semicolon"}.get(
            spec.text.delimiter or "", repr(spec.text.delimiter)
        )
        text = (
            f"{delimiter}, " + {"exact": "fixed header", "names": "header", "none": "no header"}[spec.recognise.header]
        )
    if spec.parts is not None:
        text += ", in parts" + (" (header in the first only)" if spec.parts.header_in_first_only else "")
    return text


def history(spec: Layout) -> str:
    if spec.record_kind == "vote_history":
        return "is the history"
    if spec.record_kind == "election_map":
        return "dates history election codes" if spec.fields_for("election_code") else "decodes history slots"
    if spec.history is None:
        return _HISTORY["history_file"]
    if spec.history.kind == "history_file":
        lookup = f" dated by `{spec.history.lookup}`" if spec.history.lookup else ""
        return f"long file `{spec.history.layout}`{lookup}"
    return _HISTORY[spec.history.kind]


def table() -> str:
    rows = ["| state | layout | product | files | shape | history |", "|---|---|---|---|---|---|"]
    ordered = sorted(layouts().values(), key=lambda spec: (spec.state or "", spec.id))
    for spec in ordered:
        files = spec.files.replace("|", "\\|")
        rows.append(
            f"| {spec.state or 'any'} | `{spec.id}` | {spec.product} | {files} | {shape(spec)} | {history(spec)} |"
        )
    return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    print(table())
    return 0
