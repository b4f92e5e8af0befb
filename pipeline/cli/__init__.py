"""`trajforge` command line: each stage on its own, and the whole pipeline through Dagster."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from pipeline.cli.train import add_train_commands, comma_ints, positive_int, progress
from pipeline.common.layout import DataLayout
from pipeline.common.settings import DEFAULT_RECIPE, RecipeError, load_recipe, parse
from pipeline.common.tables import markdown_table
from pipeline.evaluation.compare import EvalSettings
from pipeline.finetune.config import CPU_RECIPE

# the assets of one shard's run (job `sample_trajectories`), each configured with the recipe
SHARD_ASSETS = ("amplified_tests", "synthesized_tests", "trajectories", "verification", "test_strength")


def _problems(args: argparse.Namespace) -> int:
    from pipeline.problems.build import build_problems
    from pipeline.problems.report import summarize
    from pipeline.problems.settings import problems_recipe

    build = build_problems(problems_recipe(args.recipe), DataLayout(args.out), log=progress)
    _print_source_table(summarize(build))
    files = build.files
    print(f"wrote {files.train} and {files.eval}; reports in {files.summary.parent}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from pipeline.verification.files import verify_files
    from sandbox.executors import open_executor
    from sandbox.judge import Tolerance
    from sandbox.verify import VerifySettings

    _check_input_file(args.problems, "--problems")
    _check_input_file(args.solutions, "--solutions")
    _check_output_file(args.out, "--out")
    if not 0 <= args.tolerance < 1:
        raise RecipeError(f"--tolerance: must be in [0, 1), got {args.tolerance}")
    settings = VerifySettings(tolerance=Tolerance(args.tolerance, args.tolerance))
    with open_executor(
        args.backend, args.workers, log=progress, docker_hosts=args.docker_host, runtime=args.runtime
    ) as executor:
        report = verify_files(args.problems, args.solutions, args.out, executor, executor.size, settings, log=progress)
    print(json.dumps({"verified": report.verified, "skipped": report.skipped, "rejected": report.rejected,
                      "stale": report.stale, "verdicts": report.verdicts}))  # fmt: skip
    nothing = report.verified == 0 and report.skipped == 0
    return 1 if report.rejected or report.verdicts.get("sandbox_error") or nothing else 0


def _sandbox_image(args: argparse.Namespace) -> int:
    from sandbox.image import ensure_image

    print(ensure_image(log=progress))
    return 0


def _run(args: argparse.Namespace) -> int:
    """Materialize every stage: `build_problems`, then `sample_trajectories` for each shard.
    Runs are recorded in $DAGSTER_HOME when it is set (the UI then shows them)."""
    import dagster as dg

    from pipeline.orchestration.definitions import defs
    from pipeline.orchestration.partitions import problem_shards
    from pipeline.teacher.server import shared_servers
    from pipeline.verification.settings import sandbox_recipe

    recipe, data = str(Path(args.recipe).resolve()), str(Path(args.data).resolve())
    _validate_before_work(args)
    runtime = args.runtime or sandbox_recipe(args.recipe).runtime
    common = {
        "resources": {"storage": {"config": {"root": data}}, "sandbox": {"config": {"runtime": runtime}}},
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }
    steps = [("build_problems", None, {"problems": {"config": {"recipe": recipe}}})]
    steps += [
        ("sample_trajectories", key, {name: {"config": {"recipe": recipe}} for name in SHARD_ASSETS})
        for key in problem_shards.get_partition_keys()
    ]
    evaluation = evaluation_settings(args)
    steps += [
        (
            "build_dataset",
            None,
            {
                "reference_samples": {"config": {"recipe": recipe}},
                "dataset": {"config": dataset_settings(args)},
                "dataset_card": {"config": {"recipe": recipe}},
            },  # fmt: skip
        ),
        (
            "train_and_evaluate",
            None,
            {
                "finetuned_model": {"config": {"recipe": str(Path(args.finetune_recipe).resolve())}},
                "model_eval": {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in evaluation.items()}},
            },
        ),
    ]
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with shared_servers():  # one model's server serves every stage that asks for it, then stops
        for job_name, partition, ops in steps:
            result = defs.resolve_job_def(job_name).execute_in_process(
                run_config={**common, "ops": ops}, instance=instance, partition_key=partition, raise_on_error=False
            )
            failed_checks = [
                e.asset_check_evaluation_data
                for e in result.get_asset_check_evaluations()
                if not e.passed and e.asset_check_evaluation_data.severity == dg.AssetCheckSeverity.ERROR
            ]
            label = job_name + (f"[{partition}]" if partition else "")
            if not result.success or failed_checks:
                for check in failed_checks:
                    print(f"FAILED CHECK {check.asset_key.to_user_string()}:{check.check_name}", file=sys.stderr)
                print(f"pipeline FAILED at {label} (run {result.run_id}); data in {data}")
                return 1
            progress(f"{label} succeeded (run {result.run_id})")
    layout = DataLayout(data)
    _print_summary(layout, problem_shards.get_partition_keys())
    report = layout.evaluation_dir() / "report.md"
    if report.exists():
        print(f"\nHeld-out evaluation, base vs fine-tuned ({report}):\n" + report.read_text())
    print(f"pipeline succeeded; data in {data}")
    return 0


def _validate_before_work(args: argparse.Namespace) -> None:
    """Every recipe section and flag `run` will use, checked before the first stage starts."""
    from pipeline.finetune.config import finetune_recipe
    from pipeline.problems.settings import problems_recipe
    from pipeline.strength.settings import tests_recipe
    from pipeline.teacher.config import teacher_recipe
    from pipeline.teacher.reference import reference_settings
    from pipeline.verification.settings import sandbox_recipe

    problems_recipe(args.recipe)
    tests_recipe(args.recipe)
    sandbox_recipe(args.recipe)
    teacher_recipe(args.recipe)
    reference_settings(args.recipe)
    finetune_recipe(args.finetune_recipe)
    evaluation_settings(args)
    dataset_settings(args)


def dataset_settings(args: argparse.Namespace) -> dict:
    """The recipe's `dataset:` section (variants, filters, ...), checked; launchpad-shaped."""
    from dataclasses import asdict

    from pipeline.dataset.settings import DatasetSettings

    settings = asdict(parse(DatasetSettings, load_recipe(args.recipe).get("dataset") or {}, "dataset"))
    return {**settings, "variants": list(settings["variants"])}


def evaluation_settings(args: argparse.Namespace) -> dict:
    """The held-out evaluation's settings: the recipe's `evaluation:` section, then the flags given."""
    from dataclasses import asdict

    section = dict(load_recipe(args.recipe).get("evaluation") or {})
    flags = {"budgets": comma_ints(args.eval_budgets, "--eval-budgets") if args.eval_budgets else None,
             "problem_limit": args.eval_limit, "answer_tokens": args.eval_answer_tokens}  # fmt: skip
    section.update({key: value for key, value in flags.items() if value is not None})
    return asdict(parse(EvalSettings, section, "evaluation"))


def _print_summary(layout: DataLayout, shards: list[str]) -> None:
    summary_file = layout.report("problems_summary.json")
    if summary_file.exists():
        _print_source_table(json.loads(summary_file.read_text()))
    _print_reference_verification(layout.reference_verification_file())
    _print_trajectories(layout.manifest_paths("trajectories", shards), layout.manifest_paths("verification", shards))
    _print_test_strength(layout, shards)
    if layout.card_file().exists():
        counts: dict[str, int] = {}
        for entry in layout.read_manifest("dataset").files:
            config = Path(entry.path).parent.name
            counts[config] = counts.get(config, 0) + entry.rows
        hub = layout.hub_dir()
        print(
            f"Hub-ready dataset in {hub}: "
            + ", ".join(f"{name} {n} rows" for name, n in counts.items())
            + f" (load with datasets.load_dataset({str(hub)!r}, name=...))"
        )


def _print_test_strength(layout: DataLayout, shards: list[str]) -> None:
    from pipeline.strength.report import by_source, read_strength

    rows = read_strength(layout, shards)
    if rows is not None:
        table = by_source(rows)
        print("Test strength (TPR, TNR, mutation score; own and amplified tests):")
        print(markdown_table(table.to_dicts(), table.columns, numeric=table.columns[1:]))


def _print_trajectories(paths: list[Path], verified: list[Path]) -> None:
    from schemas import Trajectory, Verification, read_parquet

    rows = [t for path in paths for t in read_parquet(path, Trajectory)]
    verdict_of = {v.solution_id: v.verdict.value for path in verified for v in read_parquet(path, Verification)}
    for profile in ("short", "long"):
        mine = [t for t in rows if t.profile.value == profile]
        if mine:
            accepted = sum(verdict_of.get(t.id) == "accepted" for t in mine)
            print(
                f"trajectories {profile:<5}: {len(mine)} samples, mean "
                f"{sum(t.completion_tokens for t in mine) / len(mine):.0f} completion tokens, "
                f"{sum(t.truncated for t in mine)} truncated, {accepted} accepted in the sandbox"
            )


def _sample(args: argparse.Namespace) -> int:
    from pipeline.problems.files import read_problem_file
    from pipeline.teacher.config import teacher_recipe
    from pipeline.teacher.sample_run import sample_into_store, select_problems
    from pipeline.teacher.store import TrajectoryStore

    problems, skipped = read_problem_file(args.problems)
    for q in skipped:
        progress(f"problem row {q.row_index} ({q.record_id or 'no id'}) skipped: {q.field}: {q.reason}")
    recipe = teacher_recipe(args.recipe)
    limit = args.limit if args.limit is not None else recipe.problem_limit
    chosen = select_problems(list(problems.values()), limit, recipe.prefer_problems, log=progress)
    from pipeline.teacher.server import ServerStartError

    store = TrajectoryStore(args.out)
    try:
        report = sample_into_store(chosen, recipe, store, log=progress)
    except ServerStartError as err:
        print(f"trajforge: the teacher server did not start: {err}", file=sys.stderr)
        return 3
    print(
        json.dumps(
            {
                "problems": len(chosen),
                "stored_now": report.stored,
                "in_store": len(store),
                "truncated": report.truncated,
                "failed": len(report.failed),
            }
        )
    )
    for failure in report.failed[:5]:
        print(f"failed: {failure}", file=sys.stderr)
    return 1 if report.failed else 0


def _print_source_table(summary: dict) -> None:
    from pipeline.problems.report import SOURCE_COLUMNS, quarantine_reasons, source_table

    print(markdown_table(source_table(summary), SOURCE_COLUMNS, numeric=SOURCE_COLUMNS[1:]))
    reasons = quarantine_reasons(summary)
    if reasons:
        print("quarantined rows by reason (the field at fault):")
        print(markdown_table(reasons, ["source", "reason", "rows"], numeric=["rows"]))


def _print_reference_verification(path: Path) -> None:
    if not path.exists():
        return
    from collections import Counter

    from schemas import Verification, read_parquet

    verdicts = Counter(v.verdict.value for v in read_parquet(path, Verification))
    print(
        f"reference solutions in the sandbox: {verdicts.get('accepted', 0)}/{sum(verdicts.values())} accepted "
        f"({', '.join(f'{k} {n}' for k, n in verdicts.most_common())})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trajforge", description=__doc__, epilog=EXIT_CODES)
    sub = parser.add_subparsers(dest="command", required=True)

    problems = sub.add_parser("problems", help="build the problems parquet (train + eval splits) and reports")
    problems.add_argument("--out", required=True, help="output folder: problems/ and reports/ go under it")
    problems.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML (default: embedded)")
    problems.set_defaults(handler=_problems)

    verify = sub.add_parser("verify", help="run solutions against their problems' tests in the sandbox")
    verify.add_argument("--problems", required=True, help="APPS/TACO or open-r1 JSONL, or trajforge problems")
    verify.add_argument("--solutions", required=True, help="JSONL rows: problem_id, solution_id, code")
    verify.add_argument("--out", required=True, help="JSONL verdicts (appended; a re-run skips finished rows)")
    verify.add_argument(
        "--workers", type=positive_int, default=os.cpu_count() or 1, help="sandbox runners (default: cores)"
    )
    verify.add_argument(
        "--backend",
        choices=["docker", "process"],
        default="docker",
        help="docker (default) or process (UNSAFE: no isolation, for development only)",
    )
    verify.add_argument(
        "--runtime",
        choices=["runc", "runsc"],
        default=os.environ.get("TRAJFORGE_SANDBOX_RUNTIME", "runc"),
        help="container runtime: runc (default) or runsc (gVisor; TRAJFORGE_RUNSC=1 scripts/docker.sh registers it)",
    )
    verify.add_argument("--tolerance", type=float, default=1e-6, help="abs/rel tolerance for numeric tokens")
    verify.add_argument(
        "--docker-host",
        action="append",
        default=[],
        metavar="URL",
        help="a Docker engine to run on (repeat for several: ssh://host, tcp://host:2376); default: the local engine",
    )
    verify.set_defaults(handler=_verify)

    image = sub.add_parser("sandbox-image", help="build the sandbox Docker image (offline: debootstrap)")
    image.set_defaults(handler=_sandbox_image)

    sample = sub.add_parser("sample", help="sample short/long teacher trajectories (resumable)")
    sample.add_argument(
        "--problems", required=True, help="APPS/TACO or open-r1 JSONL, or trajforge problems (JSONL or parquet)"
    )
    sample.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML with a teacher: section")
    sample.add_argument("--out", required=True, help="trajectories JSONL (appended; a re-run samples what is missing)")
    sample.add_argument(
        "--limit", type=positive_int, default=None, help="sample only N problems (default: the recipe's)"
    )
    sample.set_defaults(handler=_sample)

    run = sub.add_parser("run", help="materialize the whole pipeline through Dagster (every stage, every shard)")
    run.add_argument("--recipe", default=str(DEFAULT_RECIPE), help="recipe YAML (default: embedded)")
    run.add_argument("--data", default=os.environ.get("TRAJFORGE_DATA", "data"), help="data folder")
    run.add_argument(
        "--runtime", choices=["runc", "runsc"], default=None, help="sandbox container runtime (default: the recipe's)"
    )
    run.add_argument("--finetune-recipe", default=str(CPU_RECIPE), help="fine-tuning recipe (default: CPU LoRA)")
    run.add_argument(
        "--eval-budgets",
        default=None,
        help="thinking budgets of the held-out evaluation, comma-separated (default: the recipe's evaluation:)",
    )
    run.add_argument(
        "--eval-limit", type=positive_int, default=None, help="held-out problems evaluated (default: the recipe's)"
    )
    run.add_argument(
        "--eval-answer-tokens",
        type=positive_int,
        default=None,
        help="pass-2 tokens after the budget is hit (default: the recipe's; Z1 gives pass 2 the full budget)",
    )
    run.set_defaults(handler=_run)

    add_train_commands(sub)
    return parser


EXIT_CODES = """exit codes: 0 all done; 1 some rows were rejected or could not be verified; 2 bad input,
recipe or option; 3 infrastructure down (Docker engine, teacher server); 130 interrupted"""


def _check_input_file(path: str, flag: str) -> None:
    if not Path(path).is_file():
        raise RecipeError(f"{flag}: {path} is not a file")


def _check_output_file(path: str, flag: str) -> None:
    """Fail before any work when the output cannot be written (a probe file, not os.access: root
    passes access checks on read-only places such as /proc)."""
    parent = Path(path).resolve().parent
    try:
        if Path(path).is_dir():
            raise OSError("it is a folder")
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".trajforge-probe-"):
            pass
    except OSError as err:
        raise RecipeError(f"{flag}: cannot write {path} ({err.strerror or err})") from None


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: pools close, containers are removed


def main(argv: list[str] | None = None) -> int:
    """Run one command; every error a user can cause is one line `trajforge: what: why` and an
    exit code (see EXIT_CODES), never a traceback."""
    from pipeline.common.layout import ManifestError
    from pipeline.teacher.client import TeacherUnreachable
    from pipeline.teacher.server import ServerStartError
    from pipeline.verification.files import VerifyInterrupted
    from sandbox.executors import SandboxUnavailable

    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return args.handler(args)
    except (RecipeError, ManifestError) as err:
        return _fail(err, 2)
    except (SandboxUnavailable, TeacherUnreachable, ServerStartError) as err:
        return _fail(err, 3)
    except VerifyInterrupted as err:
        return _fail(err, 130)
    except KeyboardInterrupt:
        return _fail("interrupted; finished work is kept, run the same command again to resume", 130)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(err, code: int) -> int:
    print(f"trajforge: {err}", file=sys.stderr)
    return code
