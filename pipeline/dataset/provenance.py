"""Where the published rows come from, for the card: sources and their licenses, the card metadata
(through `huggingface_hub.DatasetCardData`, so the Hub validates what it reads), and citations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from huggingface_hub import DatasetCardData

UNKNOWN_LICENSES = frozenset({"", "unknown", "other", "none"})


@dataclass(frozen=True)
class SourceProvenance:
    source: str
    dataset: str  # Hub repo id, or the package that ships it
    license: str
    problems: int  # problems of this source in the problems stage's output (train + eval)
    origins: tuple[dict, ...] = ()  # what each recipe entry of this source read (pipeline.problems.origin)


@dataclass(frozen=True)
class CardProvenance:
    """What the card says about how the rows were made (every model by its Hub id, never a path)."""

    sources: tuple[SourceProvenance, ...] = ()
    teachers: tuple[dict, ...] = ()  # per profile: model, temperature, top_p, max_tokens, n, seed
    server: str = ""  # e.g. "vLLM 0.32.0 (CPU build)"
    verification: Mapping[str, str] = field(default_factory=dict)  # sandbox image, limits, tests used
    removals_by_stage: Mapping[str, int] = field(default_factory=dict)  # "stage: reason (profile)" -> rows
    rebuild: str = ""  # the one command that rebuilds the folder from recipe.yaml
    pretty_name: str = "trajforge verified code reasoning"


def read_sources(problem_files: Sequence[Path], origins: Sequence[dict] = ()) -> list[SourceProvenance]:
    """One row per source, from the problems files' narrow columns (the statements are never read),
    with the origins the problems stage recorded for it."""
    frame = pl.concat([pl.read_parquet(p, columns=["source", "dataset", "license"]) for p in problem_files])
    grouped = frame.group_by("source", maintain_order=True).agg(
        pl.col("dataset").unique().sort().str.join(", "), pl.col("license").unique().sort().str.join(", "), pl.len()
    )
    return [SourceProvenance(*row, tuple(o for o in origins if o["source"] == row[0]))
            for row in grouped.sort("source").iter_rows()]  # fmt: skip


def unknown_licenses(sources: Sequence[SourceProvenance]) -> list[str]:
    """Sources with a problem whose license is unknown (a source can list several, comma-separated)."""
    return [s.source for s in sources if any(part.strip().lower() in UNKNOWN_LICENSES for part in s.license.split(","))]


def license_fields(sources: Sequence[SourceProvenance]) -> dict:
    """One license when every source shares it; else `other`, named, and linked to the card's table."""
    licenses = sorted({s.license.lower() for s in sources})
    if len(licenses) == 1 and licenses[0] not in UNKNOWN_LICENSES:
        return {"license": licenses[0]}
    names = ", ".join(f"{s.source}: {s.license}" for s in sources) or "unknown"
    return {"license": "other", "license_name": f"mixed ({names})", "license_link": "LICENSE.md"}


def size_category(rows: int) -> str:
    """The Hub's size_categories bucket for a row count."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]  # fmt: skip
    return next((label for bound, label in bounds if rows < bound), "100M<n<1B")


def card_data(
    configs: Sequence[dict], infos: Sequence[dict], sources: Sequence[SourceProvenance], rows: int, pretty_name: str
) -> DatasetCardData:
    hub_ids = sorted({d for s in sources for d in s.dataset.split(", ") if "/" in d and " " not in d})
    return DatasetCardData(
        **license_fields(sources),
        language=["en"],
        pretty_name=pretty_name,
        task_categories=["text-generation"],
        size_categories=[size_category(rows)],
        source_datasets=hub_ids or None,
        tags=["code", "reasoning", "synthetic", "verified-by-execution"],
        configs=list(configs),
        dataset_info=list(infos),
    )


def licenses_markdown(sources: Sequence[SourceProvenance]) -> str:
    lines = ["# Licenses", "", "Each row inherits the license of the source its problem came from:", ""]
    lines += [f"- `{s.source}` ({s.dataset}): {s.license}" for s in sources]
    return "\n".join(lines) + "\n"


CITATIONS: Mapping[str, str] = {
    "z1": """@misc{yu2025z1,
  title = {Z1: Efficient Test-time Scaling with Code},
  author = {Yu, Zhaojian and Wu, Yinghao and Zhao, Yilun and Cohan, Arman and Zhang, Xiao-Ping},
  year = {2025}, eprint = {2504.00810}, archivePrefix = {arXiv}
}""",
    "o1_pruner": """@misc{luo2025o1pruner,
  title = {O1-Pruner: Length-Harmonizing Fine-Tuning for O1-Like Reasoning Pruning},
  author = {Luo, Haotian and Shen, Li and He, Haiying and Wang, Yibo and Liu, Shiwei and Li, Wei and Tan, Naiqiang
            and Cao, Xiaochun and Tao, Dacheng},
  year = {2025}, eprint = {2501.12570}, archivePrefix = {arXiv}
}""",
    "sky_t1": """@misc{li2025llms,
  title = {LLMs Can Easily Learn to Reason from Demonstrations Structure, not content, is what matters!},
  author = {Li, Dacheng and Cao, Shiyi and Griggs, Tyler and Liu, Shu and Mo, Xiangxi and Tang, Eric and Hegde, Sumanth
            and Hakhamaneshi, Kourosh and Patil, Shishir G. and Zaharia, Matei and Gonzalez, Joseph E. and Stoica, Ion},
  year = {2025}, eprint = {2502.07374}, archivePrefix = {arXiv}
}""",
}
SOURCE_CITATIONS: Mapping[str, str] = {
    "humaneval": """@misc{chen2021codex,
  title = {Evaluating Large Language Models Trained on Code},
  author = {Chen, Mark and others}, year = {2021}, eprint = {2107.03374}, archivePrefix = {arXiv}
}""",
    "mbpp": """@misc{austin2021program,
  title = {Program Synthesis with Large Language Models},
  author = {Austin, Jacob and others}, year = {2021}, eprint = {2108.07732}, archivePrefix = {arXiv}
}""",
    "apps": """@misc{hendrycks2021apps,
  title = {Measuring Coding Challenge Competence With APPS},
  author = {Hendrycks, Dan and others}, year = {2021}, eprint = {2105.09938}, archivePrefix = {arXiv}
}""",
    "taco": """@misc{li2023taco,
  title = {TACO: Topics in Algorithmic COde generation dataset},
  author = {Li, Rongao and others}, year = {2023}, eprint = {2312.14852}, archivePrefix = {arXiv}
}""",
    "code_contests": """@misc{li2022alphacode,
  title = {Competition-Level Code Generation with AlphaCode},
  author = {Li, Yujia and others}, year = {2022}, eprint = {2203.07814}, archivePrefix = {arXiv}
}""",
    "codeforces": """@misc{penedo2025codeforces,
  title = {CodeForces}, author = {Penedo, Guilherme and others}, year = {2025}, publisher = {Hugging Face},
  howpublished = {\\url{https://huggingface.co/datasets/open-r1/codeforces}}
}""",
    "open_r1": """@misc{openr1,
  title = {Open R1: A fully open reproduction of DeepSeek-R1}, author = {{Hugging Face}}, year = {2025},
  url = {https://github.com/huggingface/open-r1}
}""",
    "livecodebench": """@misc{jain2024livecodebench,
  title = {LiveCodeBench: Holistic and Contamination Free Evaluation of Large Language Models for Code},
  author = {Jain, Naman and others}, year = {2024}, eprint = {2403.07974}, archivePrefix = {arXiv}
}""",
    "evol_instruct": """@misc{luo2023wizardcoder,
  title = {WizardCoder: Empowering Code Large Language Models with Evol-Instruct},
  author = {Luo, Ziyang and others}, year = {2023}, eprint = {2306.08568}, archivePrefix = {arXiv}
}""",
}


def citations_markdown(sources: Sequence[SourceProvenance]) -> str:
    entries = list(CITATIONS.values()) + [SOURCE_CITATIONS[s.source] for s in sources if s.source in SOURCE_CITATIONS]
    return "## Citation\n\nThe methods this set follows (Z1, O1-Pruner, Sky-T1) and its sources:\n\n```bibtex\n" + (
        "\n\n".join(entries) + "\n```\n"
    )


TEACHER_COLUMNS = ("profile", "model", "temperature", "top_p", "max_tokens", "n", "seed")


def provenance_sections(provenance: CardProvenance) -> str:
    from pipeline.common.tables import markdown_table

    parts = ["## Provenance\n"]
    if provenance.sources:
        from pipeline.problems.origin import origin_text

        rows = [{"source": s.source, "dataset": s.dataset, "license": s.license, "problems": s.problems,
                 "read from": "; ".join(origin_text(o) for o in s.origins) or "not recorded"}
                for s in provenance.sources]  # fmt: skip
        parts.append("### Sources\n\n" + markdown_table(rows, list(rows[0]), numeric=["problems"]) + "\n")
    if provenance.teachers:
        served = f" Served by {provenance.server}." if provenance.server else ""
        parts.append("### Teachers\n\nEach profile's model (by its Hub id) and sampling parameters." + served
                     + "\n\n" + markdown_table(list(provenance.teachers), TEACHER_COLUMNS) + "\n")  # fmt: skip
    if provenance.verification:
        parts.append("### Verification\n\n" + "\n".join(f"- {k}: {v}" for k, v in provenance.verification.items())
                     + "\n")  # fmt: skip
    if provenance.removals_by_stage:
        rows = [{"stage": k.split(": ", 1)[0], "reason": k.split(": ", 1)[-1], "rows": n}
                for k, n in sorted(provenance.removals_by_stage.items())]  # fmt: skip
        parts.append("### Removals by stage\n\n" + markdown_table(rows, ["stage", "reason", "rows"], numeric=["rows"])
                     + "\n")  # fmt: skip
    if provenance.rebuild:
        parts.append("### Reproduce\n\n`recipe.yaml` (the recipe used) and `manifest.json` (sha256 of every input "
                     f"file) are in this folder. Rebuild with:\n\n```bash\n{provenance.rebuild}\n```\n")  # fmt: skip
    parts.append(LIMITATIONS)
    parts.append(citations_markdown(provenance.sources))
    return "\n".join(parts)


LIMITATIONS = """## Known limitations

- "Verified" means the extracted final program passed the tests listed for its problem in the sandbox
  (own tests, and amplified ones where `tests.use` says so). Tests can still miss wrong programs: see
  Test strength for how often they do, per source.
- The teachers are asked for Python, and a row's answer is judged as Python unless its final block
  is tagged C++ or Java (the sandbox runs those too). Problems whose sources ship no tests are kept
  out of `default` unless the tests stage synthesized tests for them (two independent teacher
  samples had to agree).
- Teacher samples are whatever the teacher wrote: reasoning text is not checked, only the final code.
- Licenses are the sources' own (LICENSE.md); check them before reuse.
"""
