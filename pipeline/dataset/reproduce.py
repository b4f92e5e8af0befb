"""What goes next to the card so the folder can be trusted and rebuilt: the recipe used (local paths
replaced), a manifest of every input file's hash, and the provenance the card prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import yaml

from pipeline.common.layout import DataLayout
from pipeline.dataset.assemble import public_model_name
from pipeline.dataset.provenance import CardProvenance, SourceProvenance, read_sources, unknown_licenses

RECIPE_FILE, MANIFEST_FILE = "recipe.yaml", "manifest.json"
INPUT_STAGES = ("problems", "amplified_tests", "synthesized_tests", "trajectories", "verification", "test_strength")
LOCAL = "<local>"


def _is_local_path(value: str) -> bool:
    return value.startswith(("/", "~", "./", "../")) or (len(value) > 2 and value[1:3] in (":\\", ":/"))


def without_local_paths(value):
    """The recipe's values with every local path replaced by `<local>/<name>` (a path names nothing
    anyone else can find, and leaks the builder's file system)."""
    if isinstance(value, dict):
        return {k: without_local_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_local_paths(v) for v in value]
    if isinstance(value, str) and _is_local_path(value):
        return f"{LOCAL}/{Path(value).name}"
    return value


def input_manifest(layout: DataLayout, shards: Sequence[str], sources: Sequence[SourceProvenance]) -> dict:
    """Every input file the build read (through the stages' manifests): path relative to the data
    folder, rows, sha256; and each source with its license."""
    files = []
    for stage in INPUT_STAGES:
        for key in ("all", *shards):
            if layout.manifest_file(stage, key).exists():
                files += [{"stage": stage, "key": key, "path": f.path, "rows": f.rows, "sha256": f.sha256}
                          for f in layout.read_manifest(stage, key).files]  # fmt: skip
    return {
        "inputs": files,
        "sources": [
            {
                "source": s.source,
                "dataset": s.dataset,
                "license": s.license,
                "problems": s.problems,
                "origins": list(s.origins),
            }
            for s in sources
        ],  # fmt: skip
        "unknown_licenses": unknown_licenses(sources),
    }


def write_reproducibility(layout: DataLayout, recipe_path: str | Path, shards: Sequence[str], sources) -> list[Path]:
    hub = layout.hub_dir()
    recipe = yaml.safe_load(Path(recipe_path).read_text(encoding="utf-8"))
    written = [hub / RECIPE_FILE, hub / MANIFEST_FILE]
    written[0].write_text(yaml.safe_dump(without_local_paths(recipe), sort_keys=False), encoding="utf-8")
    written[1].write_text(json.dumps(input_manifest(layout, shards, sources), indent=2), encoding="utf-8")
    return written


def teacher_rows(recipe_path: str | Path) -> tuple[dict, ...]:
    from pipeline.teacher.config import EMBEDDED, teacher_recipe
    from pipeline.teacher.embedded import EMBEDDED_PUBLIC_ID

    recipe = teacher_recipe(recipe_path)
    return tuple(
        {"profile": p.name, "model": EMBEDDED_PUBLIC_ID if p.model == EMBEDDED else public_model_name(p.model),
         "temperature": p.temperature, "top_p": p.top_p, "max_tokens": p.max_tokens, "n": p.n, "seed": p.seed}
        for p in recipe.profiles
    )  # fmt: skip


def served_by(recipe_path: str | Path) -> str:
    from pipeline.teacher.config import teacher_recipe

    backend = teacher_recipe(recipe_path).backend
    if backend in ("managed_vllm", "vllm_engine"):
        return f"vLLM {_vllm_version() or '(version unknown)'}"
    return {"managed_transformers": "transformers serve", "openai": "OpenAI-compatible servers (vLLM replicas)"}.get(
        backend, backend
    )


def _vllm_version() -> str | None:
    from pipeline.teacher.server import VLLM_VENV

    found = sorted(VLLM_VENV.glob("lib/python*/site-packages/vllm*.dist-info"))
    return found[-1].name.removesuffix(".dist-info").split("-", 1)[-1] if found else None


def gather_provenance(
    layout: DataLayout, recipe_path: str | Path, shards: Sequence[str], removals: dict[str, int]
) -> CardProvenance:
    from pipeline.strength.settings import tests_recipe
    from sandbox.image import image_id, image_tag

    files = [layout.handed_off("problems", layout.problems_file(split)) for split in ("train", "eval")]
    summary = layout.report("problems_summary.json")
    origins = json.loads(summary.read_text(encoding="utf-8")).get("origins", []) if summary.exists() else []
    sources = tuple(read_sources(files, origins))
    verification = {
        "sandbox": f"Docker image `{image_tag()}` (id `{image_id(image_tag()) or 'not built on this host'}`; "
        "network off, read-only root, per-test rlimits, unprivileged uid)",
        "limits": "each problem's own time and memory limits, the time limit raised to 3x its reference's slowest "
        "test + 0.5 s on the judging host where that is more; CPU time decides (wall: 2x + 1 s), and a time-out "
        "is judged twice before it is final",
        "tests run": f"`tests.use: {tests_recipe(recipe_path).use}` (own tests, amplified tests, or both)",
        "reference pass rates": "per source in the Sources table above; test strength in Test strength",
    }
    return CardProvenance(sources, teacher_rows(recipe_path), served_by(recipe_path), verification, removals,
                          f"trajforge run --recipe {RECIPE_FILE}")  # fmt: skip
