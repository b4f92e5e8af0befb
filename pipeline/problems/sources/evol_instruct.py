"""Code Evol-Instruct (nickrosh/Evol-Instruct-Code-80k-v1): 78K WizardCoder-style instructions.

Columns: instruction, output (a GPT answer, usually prose around a fenced code block).

There are no tests: problems are `verifiable=False` with `tests=()`. `test_style` is stdin
only because the field is required; nothing runs these problems, so it means nothing here.
`reference_solution` is the `output` text verbatim. The source has no ids, so `source_id` is
`content_id(instruction)` ("q-" + xxh3-64 of the text).
"""

from __future__ import annotations

from pipeline.problems.sources.base import SourceSpec, require_text
from pipeline.problems.sources.tests_format import content_id
from schemas import Problem, TestStyle

HUB_PATH = "nickrosh/Evol-Instruct-Code-80k-v1"
LICENSE = "cc-by-nc-sa-4.0"


def normalize(row: dict) -> Problem:
    instruction = require_text(row, "instruction")
    source_id = content_id(instruction)
    output = row.get("output")
    reference = output if isinstance(output, str) and output.strip() else None
    # test style is a placeholder: the problem has no tests and is marked unverifiable
    return SPEC.problem(
        source_id, instruction, (TestStyle.STDIN, (), None), verifiable=False, reference_solution=reference
    )


SPEC = SourceSpec("evol_instruct", HUB_PATH, normalize, LICENSE)
