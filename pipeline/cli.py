"""`trajforge` command line: each stage on its own, and the whole pipeline through Dagster."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.recipe import DEFAULT_RECIPE, RecipeError


def _problems(args: argparse.Namespace) -> int:
    from pipeline.problems import build_problems, summarize, write_problems
    from pipeline.recipe import problems_recipe

    build = build_problems(problems_recipe(args.recipe), log=_progress)
    files = write_problems(build, args.out)
    _print_source_table(summarize(build))
    print(f"wrote {files.train} and {files.eval}; reports in {files.summary.parent}")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Materialize the `build_dataset` job, recorded in $DAGSTER_HOME when it is set."""
    import dagster as dg

    from pipeline.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    run_config = {
        "ops": {"problems": {"config": {"recipe": str(Path(args.recipe).resolve())}}},
        "resources": {"storage": {"config": {"root": str(Path(args.data).resolve())}}},
    }
    result = defs.resolve_job_def("build_dataset").execute_in_process(
        run_config=run_config, instance=instance, raise_on_error=False)
    failed_checks = [e.asset_check_evaluation_data for e in result.get_asset_check_evaluations()
                     if not e.passed]
    summary_file = Path(args.data) / "reports" / "problems_summary.json"
    if summary_file.exists():
        _print_source_table(json.loads(summary_file.read_text()))
    for check in failed_checks:
        print(f"FAILED CHECK {check.asset_key.to_user_string()}:{check.check_name}", file=sys.stderr)
    ok = result.success and not failed_checks
    print(f"pipeline {'succeeded' if ok else 'FAILED'} (run {result.run_id}); data in {Path(args.data).resolve()}")
    return 0 if ok else 1


def _progress(message: str) -> None:
    print(f"[trajforge] {message}", file=sys.stderr, flush=True)


def _print_source_table(summary: dict) -> None:
    columns = ["loaded", "quarantined", "duplicates", "contaminated", "train", "eval"]
    print(f"{'source':<16}" + "".join(f"{c:>14}" for c in columns))
    totals = dict.fromkeys(columns, 0)
    for source, counts in summary["per_source"].items():
        print(f"{source:<16}" + "".join(f"{counts[c]:>14}" for c in columns))
        for c in columns:
            totals[c] += counts[c]
    print(f"{'total':<16}" + "".join(f"{totals[c]:>14}" for c in columns))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trajforge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    problems = sub.add_parser("problems", help="build the problems parquet (train + eval splits) and reports")
    problems.add_argument("--out", required=True, help="output folder: problems/ and reports/ go under it")
    problems.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML (default: embedded)")
    problems.set_defaults(handler=_problems)

    run = sub.add_parser("run", help="materialize the whole pipeline (Dagster job build_dataset)")
    run.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML (default: embedded)")
    run.add_argument("--data", default=os.environ.get("TRAJFORGE_DATA", "data"), help="data folder")
    run.set_defaults(handler=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except RecipeError as err:
        print(f"trajforge: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
