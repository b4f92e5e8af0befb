"""The dataset card: README.md with the Hub's YAML `configs` block, statistics and a token-length
histogram (short vs long) as a PNG next to it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from pipeline.common.tables import markdown_table
from pipeline.dataset.provenance import CardProvenance, card_data, licenses_markdown, provenance_sections
from pipeline.problems.report import SOURCE_COLUMNS, source_table
from pipeline.strength.report import by_source

HISTOGRAM = "token_lengths.png"


CONFIG_NOTES = {
    "default": ": accepted trajectories (passed every test), shortest per problem and profile",
    "failed": ": trajectories that failed a test, or were cut at max_tokens (their code is a draft, so they are "
    "never accepted, whatever their `verdict` column says)",
    "wrong-answers": ": Sky-T1's wrong-answer control: `default`'s problems and profiles, each row a complete "
    "response the sandbox judged wrong (never a cut one), seeded",
    "length_harmonized": ": O1-Pruner's K verified samples per problem from the model being tuned, each with its "
    "reward and training weight (see Length-harmonized below)",
}


def configs_block(
    out_dir: Path, configs: Sequence[str], provenance: CardProvenance | None = None, split: str = "train"
) -> str:
    """The card's YAML, through `huggingface_hub.DatasetCardData`: license(s), sources, sizes,
    `configs` (data files per config) and `dataset_info` (rows and bytes of the shards on disk). The
    sizes are not decoration: `datasets` caches a local folder's named configs by this YAML, not by
    the files, so without them a rebuilt folder loads stale rows."""
    entries = [{"config_name": c, "data_files": [{"split": split, "path": f"{c}/{split}-*.parquet"}]} for c in configs]
    if "default" in configs:
        entries[list(configs).index("default")]["default"] = True
    infos = [_dataset_info(sorted((out_dir / c).glob(f"{split}-*.parquet")), c, split) for c in configs]
    provenance = provenance or CardProvenance()
    rows = sum(i["splits"][0]["num_examples"] for i in infos if i["config_name"] == "default")
    return card_data(entries, infos, provenance.sources, rows, provenance.pretty_name).to_yaml() + "\n"


def _dataset_info(files: Sequence[Path], config: str, split: str) -> dict:
    metas = [pq.read_metadata(f) for f in files]
    num_bytes = sum(m.row_group(i).total_byte_size for m in metas for i in range(m.num_row_groups))
    return {
        "config_name": config,
        "splits": [{"name": split, "num_bytes": num_bytes, "num_examples": sum(m.num_rows for m in metas)}],
        "download_size": sum(f.stat().st_size for f in files),
        "dataset_size": num_bytes,
    }


def _counts_table(title: str, counts: Counter) -> str:
    rows = [{title: key, "rows": f"{n:,}"} for key, n in sorted(counts.items())]
    return markdown_table(rows, [title, "rows"], numeric=["rows"])


SUMMARY_COLUMNS = ("id", "profile", "token_num", "source", "difficulty", "verdict")


def config_summaries(files: Mapping[str, Sequence[Path]]) -> dict[str, pl.DataFrame]:
    """Each config's narrow columns (no text), read from its shards: what the card counts."""
    empty = pl.DataFrame(schema={"id": pl.String, "profile": pl.String, "token_num": pl.Int32, "source": pl.String,
                                 "difficulty": pl.String, "verdict": pl.String})  # fmt: skip
    return {
        name: pl.scan_parquet([str(p) for p in paths]).select(SUMMARY_COLUMNS).collect() if paths else empty
        for name, paths in files.items()
    }


def _lengths(rows: pl.DataFrame, profile: str) -> pl.Series:
    return rows.filter(pl.col("profile") == profile)["token_num"]


def _length_table(rows: pl.DataFrame) -> str:
    columns = ["profile", "rows", "mean tokens", "median", "max"]
    lines = []
    for profile in ("short", "long"):
        lengths = _lengths(rows, profile)
        if lengths.len():
            values = (profile, f"{lengths.len():,}", f"{lengths.mean():,.0f}", f"{lengths.median():,.0f}",
                      f"{lengths.max():,}")  # fmt: skip
            lines.append(dict(zip(columns, values)))
    return markdown_table(lines, columns, numeric=columns[1:])


def write_histogram(rows: pl.DataFrame, path: Path) -> Path:
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure registry

    figure = Figure(figsize=(7, 3.5))
    axes = figure.add_subplot()
    for profile in ("short", "long"):
        lengths = _lengths(rows, profile).to_numpy()
        if len(lengths):
            axes.hist(lengths, bins=40, alpha=0.6, label=f"{profile} ({len(lengths)})")
    axes.set_xlabel("response tokens")
    axes.set_ylabel("rows")
    if rows.height:
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no rows", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def _variants_section(variants: Sequence[dict]) -> str:
    """Sky-T1 perturbations: rows changed against `default`; a mostly unchanged one is not published."""
    if not variants:
        return ""
    rows = [{**v, "unchanged": v["rows"] - v["changed"], "published": "yes" if v["published"] else f"no: {v['note']}"}
            for v in variants]  # fmt: skip
    columns = ["config", "rows", "changed", "unchanged", "excluded", "published"]
    return ("## Perturbed variants (Sky-T1)\n\nEach variant holds the `default` rows the perturbation can act on, "
            "every response perturbed (`excluded`: rows with nothing to perturb, e.g. one thinking step); the rows "
            "it actually changed are counted, and a variant that changed fewer than 90 % is not published. For "
            "`wrong-answers`, `rows` are `default`'s slots and `changed` the slots filled with a wrong response.\n\n"
            + markdown_table(rows, columns, numeric=["rows", "changed", "unchanged", "excluded"]) + "\n"
            + "".join(f"\n- `{v['config']}` made by {v['mode']}" for v in variants if v.get("mode"))
            + ("\n" if any(v.get("mode") for v in variants) else ""))  # fmt: skip


def _harmonized_section(harmonized: Mapping | None) -> str:
    """How `length_harmonized` was computed: lambda, and what drew the samples (K, temperature...)."""
    if not harmonized:
        return ""
    if "reference_model" not in harmonized:
        drawn = "the teachers' verified samples (`harmonize_from: teachers`; not the paper's setting)"
    else:
        drawn = (
            f"K = {harmonized['reference_k']} samples per problem from `{harmonized['reference_model']}` (the model "
            f"being tuned), temperature {harmonized['reference_temperature']}, top_p "
            f"{harmonized['reference_top_p']}, max_tokens {harmonized['reference_max_tokens']}"
        )
    return (
        "## Length-harmonized (O1-Pruner)\n\n"
        f"Computed on {drawn}. Per problem, L_ref and A_ref are the mean length and accuracy of those samples; each "
        f"sample's reward is R = L_ref / L - 1 + lambda (A - A_ref) with lambda = {harmonized['harmonizing_lambda']}; "
        "`weight` is R clipped to [-2, 4] and z-normalised over the config (the released code's recipe). A response "
        "cut at max_tokens counts as wrong.\n"
    )


SOURCE_TABLE_COLUMNS = (*SOURCE_COLUMNS, "references_run", "references_accepted")


def _strength_section(strength: pl.DataFrame | None) -> str:
    """How strong the tests behind "verified" are, per source (`pipeline/strength/report.py`)."""
    if strength is None or not strength.height:
        return ""
    table = by_source(strength)
    return (
        "## Test strength\n\nPer source, for the problems sampled: **TPR**, the share of reference solutions their "
        "tests accept; **TNR**, the share of known-wrong programs they reject (the source's labelled incorrect "
        "solutions, and teacher samples whose output differs from the reference's on an amplified input); "
        "**mutation score**, the share of the reference's mutants (operator swaps, off-by-one constants, "
        "negated conditions, dropped statements) they reject, mutants that no input tells apart from the "
        "reference left out. `_amplified`: the same for the amplified tests (inputs mutated from the "
        "problem's own, outputs from its reference). Empty: not measurable (no reference, no wrong program).\n\n"
        + markdown_table(table.to_dicts(), table.columns, numeric=table.columns[1:])
        + "\n"
    )


def source_rows(summary: dict | None, references: Mapping[str, Counter]) -> list[dict]:
    """The problems stage's per-source table plus how each source's references did in the sandbox
    (APPS is known to ship references that fail their own tests: the rate is shown, not hidden)."""
    if summary is None:
        return []
    rows = source_table(summary)
    for row in rows:
        verdicts = (
            references.get(row["source"], Counter())
            if row["source"] != "total"
            else sum(references.values(), Counter())
        )
        row["references_run"], row["references_accepted"] = sum(verdicts.values()), verdicts.get("accepted", 0)
    return rows


def write_card(
    out_dir: str | Path,
    title: str,
    configs: Mapping[str, pl.DataFrame],
    removals: Mapping[str, int],
    sources: Sequence[dict] = (),
    variants: Sequence[dict] = (),
    harmonized: Mapping | None = None,
    strength: pl.DataFrame | None = None,
    provenance: CardProvenance | None = None,
) -> Path:
    """README.md for the folder: YAML configs, what each config holds, statistics, sources, removals.
    `configs`: each config's `config_summaries` frame."""
    out_dir = Path(out_dir)
    present = [name for name, rows in configs.items() if rows.height]  # empty configs are not written
    main = configs.get("default", config_summaries({"default": []})["default"])
    write_histogram(main, out_dir / HISTOGRAM)
    accepted = main.filter(pl.col("verdict") == "accepted").height
    sections = [
        f"---\n{configs_block(out_dir, present, provenance)}---\n",
        f"# {title}\n",
        "Coding problems with SHORT and LONG reasoning trajectories from teacher models, in the Shifted "
        "Thinking Window format (`response` = reasoning + final answer, no think tags), every solution "
        "verified by running its code against the problem's tests in a sandbox.\n",
        "## Configs\n\n"
        + "\n".join(
            f"- `{name}`: {rows.height:,} rows"
            + ("" if rows.height else " (empty: not written)")
            + CONFIG_NOTES.get(name, "")
            for name, rows in configs.items()
        )
        + "\n",
        "## Statistics (`default`)\n",
        f"Verified rows: {accepted:,} of {main.height:,}.\n",
        _counts_table("source", Counter(main["source"].to_list())) + "\n",
        _counts_table("difficulty", Counter(main["difficulty"].to_list())) + "\n",
        _length_table(main) + "\n",
        f"![token lengths, short vs long]({HISTOGRAM})\n",
        "## Sources\n\nRows read per source, what became of them, and how the sources' own reference "
        "solutions did against their tests in the sandbox.\n\n"
        + markdown_table(sources, SOURCE_TABLE_COLUMNS, numeric=SOURCE_TABLE_COLUMNS[1:])
        + "\n",
        _strength_section(strength),
        _harmonized_section(harmonized),
        _variants_section(variants),
        "## Removed before publishing\n\n" + _counts_table("reason", Counter(dict(removals))) + "\n",
        provenance_sections(provenance) if provenance else "",
    ]
    path = out_dir / "README.md"
    path.write_text("\n".join(sections), encoding="utf-8")
    if provenance and provenance.sources:
        (out_dir / "LICENSE.md").write_text(licenses_markdown(provenance.sources), encoding="utf-8")
    return path
