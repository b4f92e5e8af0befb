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


def _verify(args: argparse.Namespace) -> int:
    from pipeline.verification import open_executor, verify_files
    from sandbox.judge import Tolerance
    from sandbox.verify import VerifySettings

    settings = VerifySettings(tolerance=Tolerance(args.tolerance, args.tolerance))
    with open_executor(args.backend, args.workers, log=_progress) as executor:
        report = verify_files(args.problems, args.solutions, args.out, executor, args.workers, settings, log=_progress)
    print(json.dumps({"verified": report.verified, "skipped": report.skipped, "rejected": report.rejected,
                      "verdicts": report.verdicts}))
    return 0


def _sandbox_image(args: argparse.Namespace) -> int:
    from sandbox.image import ensure_image

    print(ensure_image(log=_progress))
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
    _print_reference_verification(Path(args.data) / "verification" / "reference.parquet")
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


def _print_reference_verification(path: Path) -> None:
    if not path.exists():
        return
    from collections import Counter

    from schemas import Verification, read_parquet

    verdicts = Counter(v.verdict.value for v in read_parquet(path, Verification))
    print(f"reference solutions in the sandbox: {verdicts.get('accepted', 0)}/{sum(verdicts.values())} accepted "
          f"({', '.join(f'{k} {n}' for k, n in verdicts.most_common())})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trajforge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    problems = sub.add_parser("problems", help="build the problems parquet (train + eval splits) and reports")
    problems.add_argument("--out", required=True, help="output folder: problems/ and reports/ go under it")
    problems.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML (default: embedded)")
    problems.set_defaults(handler=_problems)

    verify = sub.add_parser("verify", help="run solutions against their problems' tests in the sandbox")
    verify.add_argument("--problems", required=True, help="APPS/TACO or open-r1 JSONL, or trajforge problems")
    verify.add_argument("--solutions", required=True, help="JSONL rows: problem_id, solution_id, code")
    verify.add_argument("--out", required=True, help="JSONL verdicts (appended; a re-run skips finished rows)")
    verify.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="sandbox runners (default: cores)")
    verify.add_argument("--backend", choices=["docker", "process"], default="docker",
                        help="docker (default) or process (UNSAFE: no isolation, for development only)")
    verify.add_argument("--tolerance", type=float, default=1e-6, help="abs/rel tolerance for numeric tokens")
    verify.set_defaults(handler=_verify)

    image = sub.add_parser("sandbox-image", help="build the sandbox Docker image (offline: debootstrap)")
    image.set_defaults(handler=_sandbox_image)

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
