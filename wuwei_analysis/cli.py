"""The `wuwei` command: clean, check and build.

User mistakes end with a clear message and a non-zero exit status (see
``errors``), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wuwei_analysis import __version__, config
from wuwei_analysis.build import run as build_module
from wuwei_analysis.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    ParameterError,
    Problem,
    Terminated,
    WuweiError,
    printable,
    printable_lines,
)

PROBLEM_COLUMNS = ("file", "line", "column", "value", "rule", "hint")
# Arrow's allocator (mimalloc) commits each arena it reserves (1 GiB, marked for transparent huge
# pages) at once, and the kernel then zeroes 2 MB pages as they are first touched: at 1,000,000
# rows that was 4-9 s of system time of `wuwei clean`, against ~3 s when arenas are committed as
# they are used (measured, same run, same bytes). mimalloc reads it when pyarrow is first
# imported, so it is set before any command runs; a value in the environment wins.
ALLOCATOR_SETTINGS = {"MIMALLOC_ARENA_EAGER_COMMIT": "0"}


def problems_table(problems: list[Problem]) -> str:
    """Problems as an aligned plain-text table, one row each."""
    rows = [PROBLEM_COLUMNS] + [
        tuple(
            printable(cell)
            for cell in (p.file, "" if p.line is None else str(p.line), p.column, p.value, p.rule, p.hint)
        )
        for p in problems
    ]
    widths = [min(max(len(r[i]) for r in rows), 40) for i in range(len(PROBLEM_COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def cmd_clean(args: argparse.Namespace) -> int:
    from wuwei_analysis.build.folders import misplaced_outputs

    problems = misplaced_outputs(args.raw_dir, args.out_dir, None)
    if problems:
        raise ParameterError("; ".join(problems))
    from wuwei_analysis.tables.clean import clean

    result = clean(args.raw_dir, args.out_dir)
    print(
        f"cleaned {len(result.indicators)} figures and {len(result.measures)} measures "
        f"from {args.raw_dir} → {args.out_dir}"
    )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from wuwei_analysis.tables.clean import check

    paths = args.paths or [config.RAW_DATA_DIR]
    problems, warnings = check(paths)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not problems:
        print(f"ok: no problems in {', '.join(str(p) for p in paths)}")
        return EXIT_OK
    print(problems_table(problems))
    print(f"\n{len(problems)} problem(s) found; nothing was written.", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_build(args: argparse.Namespace) -> int:
    return build_module.run_build(build_module.options_from_args(args))


def cmd_extract(args: argparse.Namespace) -> int:
    from wuwei_analysis import extract as extract_module  # here: other commands need no pandas

    options = extract_module.Options(args.source_id, args.region, args.year)
    print(extract_module.run(args.article, args.out, options))
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wuwei", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    clean = commands.add_parser("clean", help="clean data/raw into data/processed")
    clean.add_argument("--raw-dir", type=Path, default=config.RAW_DATA_DIR)
    clean.add_argument("--out-dir", type=Path, default=config.PROCESSED_DATA_DIR)
    clean.set_defaults(func=cmd_clean)

    check = commands.add_parser("check", help="validate raw tables without writing anything")
    check.add_argument(
        "paths", nargs="*", type=Path, help=f"files or folders (default {config.RAW_DATA_DIR})"
    )
    check.set_defaults(func=cmd_check)

    build = commands.add_parser("build", help="clean, run every notebook, render HTML reports")
    build_module.add_build_arguments(build)
    build.set_defaults(func=cmd_build)

    extract = commands.add_parser("extract", help="draft figure rows from an article, for review")
    extract.add_argument("article", type=Path, help="a .txt (UTF-8 or GB18030) or .html article")
    extract.add_argument("--out", type=Path, required=True, help="the draft CSV (never inside data/raw/)")
    extract.add_argument("--source-id", default="", help="id of the article in sources.csv")
    extract.add_argument("--region", default="", help="region when the text does not name one")
    extract.add_argument("--year", default="", help="year when the text does not say")
    extract.set_defaults(func=cmd_extract)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wuwei` console script."""
    for name, value in ALLOCATOR_SETTINGS.items():
        os.environ.setdefault(name, value)
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except WuweiError as error:
        print(f"wuwei {args.command}: {printable_lines(str(error))}", file=sys.stderr)
        return error.exit_status
    except OSError as error:  # the machine's refusal (permissions, a vanished file), not a bug
        where = f": {error.filename}" if error.filename else ""
        print(printable(f"wuwei {args.command}: {error.strerror or error}{where}"), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        print(f"wuwei {args.command}: interrupted", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
