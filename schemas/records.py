"""Typed records for every artifact trajforge writes.

Records are plain frozen dataclasses: cheap to build by the hundred thousand, easy to
read, and converted to Arrow by `schemas.arrow`. Validation lives in `schemas.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class TestStyle(str, Enum):
    """How a problem's tests exercise a solution.

    stdin:  `TestCase.input` is fed on stdin, stdout is compared with `TestCase.output`.
    call:   `TestCase.input` is a JSON array of positional arguments for `Problem.fn_name`
            (a plain function or a method of LeetCode's `class Solution`); `TestCase.output`
            is the JSON-encoded expected return value.
    assert: `TestCase.input` is Python code run after the solution (HumanEval's
            `check(candidate)` program, MBPP's assert lines); `TestCase.output` is empty.
    """

    __test__ = False  # not a pytest test class despite the name

    STDIN = "stdin"
    CALL = "call"
    ASSERT = "assert"


class Split(str, Enum):
    TRAIN = "train"
    EVAL = "eval"  # held out: never trained on, used by decontamination and evaluation


class Verdict(str, Enum):
    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SYNTAX_ERROR = "syntax_error"
    SANDBOX_ERROR = "sandbox_error"  # infrastructure fault: retried, never the solution's failure


class Profile(str, Enum):
    SHORT = "short"
    LONG = "long"
    REFERENCE = "reference"  # O1-Pruner's pre-samples from the model being tuned, not a teacher's


TRUNCATED_REASONS = frozenset({"length", "max_tokens"})  # finish reasons of a response cut at max_tokens


@dataclass(frozen=True, slots=True)
class TestCase:
    __test__ = False

    input: str
    output: str


@dataclass(frozen=True, slots=True)
class Problem:
    id: str  # "{source}/{source_id}", unique across sources
    source: str  # registry name: taco, apps, code_contests, livecodebench, mbpp, humaneval, ...
    source_id: str  # the id the source itself uses
    statement: str
    test_style: TestStyle
    tests: tuple[TestCase, ...]
    starter_code: str = ""
    fn_name: str | None = None  # call/assert styles: function under test (HumanEval entry_point)
    time_limit_s: float = 6.0
    memory_limit_mb: int = 512
    difficulty: str | None = None  # the source's own label, lower-cased
    verifiable: bool = True  # False when the source has no tests (Code Evol-Instruct)
    reference_solution: str | None = None
    license: str = "unknown"
    dataset: str = ""  # where it came from: Hub repo id, package or file
    split: Split = Split.TRAIN
    metadata_json: str = "{}"  # source-specific extras kept verbatim (JSON object)
    # known-wrong programs (CodeContests `incorrect_solutions`): a test set that accepts one is weak;
    # a program in another language than `language` is a fenced block with its tag (```cpp ... ```)
    incorrect_solutions: tuple[str, ...] = ()
    correct_solutions: tuple[str, ...] = ()  # other accepted programs (CodeContests `solutions`), same encoding
    language: str = "python"  # of a solution that names none (no row field, no fenced tag): python, cpp, java
    # many-answer problems: a Python checker, or C++ as a fenced ```cpp block (argv: input output answer; exit 0
    # accepts, 1 or 2 rejects: testlib's convention)
    checker: str | None = None
    interactor: str | None = None  # Python or fenced C++ (argv: input answer; stdin/stdout joined to the solution's)
    interactive: bool = False  # judged only through its interactor, never as a plain stdin problem
    float_tolerance: float | None = None  # abs and rel tolerance of its numeric tokens; None: the run's (1e-6)


@dataclass(frozen=True, slots=True)
class Trajectory:
    id: str  # stable hash of (problem_id, profile, teacher_model, params_hash, sample_index)
    problem_id: str
    profile: Profile
    teacher_model: str
    params_hash: str
    sample_index: int
    reasoning: str
    answer: str
    code: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    finish_reason: str
    truncated: bool
    latency_s: float
    server_url: str


@dataclass(frozen=True, slots=True)
class TestResult:
    __test__ = False

    index: int
    verdict: Verdict
    time_s: float  # wall seconds
    detail: str = ""  # first difference, exception tail, or limit hit; truncated
    cpu_s: float | None = None  # CPU seconds (user + system) of the run; what the time limit is judged on


@dataclass(frozen=True, slots=True)
class Verification:
    problem_id: str
    solution_id: str  # a trajectory id, or any caller-chosen id
    verdict: Verdict
    passed: int
    total: int
    time_s: float
    tests: tuple[TestResult, ...] = ()
    attempts: int = 1  # > 1 when sandbox errors were retried


@dataclass(frozen=True, slots=True)
class DatasetRow:
    """One row of the published dataset: Z1-Code-Reasoning columns first, lineage after."""

    id: str
    question: str
    response: str  # reasoning + final answer, Shifted-Thinking-Window format (no think tags)
    token_num: int  # teacher tokenizer count of `response`
    problem_id: str
    source: str
    teacher_model: str
    profile: Profile
    verdict: Verdict
    passed: int
    total: int
    difficulty: str
    params_hash: str
    trajectory_id: str


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """A source row that could not become a record, with the reason. Never dropped silently."""

    source: str
    row_index: int
    record_id: str  # best-effort id from the raw row; "" when even that is missing
    field: str
    reason: str
    raw_preview: str = field(default="")  # first characters of the raw row, for a human to look at


class RemovalStage(str, Enum):
    EXACT_DEDUP = "exact_dedup"
    NEAR_DEDUP = "near_dedup"
    DECONTAMINATION = "decontamination"


@dataclass(frozen=True, slots=True)
class RemovalRow:
    """Why a problem left the set: the dedup and decontamination reports share this shape."""

    problem_id: str
    stage: RemovalStage
    matched_id: str  # the kept duplicate, or the benchmark problem it overlaps
    similarity: float  # 1.0 for exact duplicates, estimated Jaccard for near ones, n-gram hit ratio
    evidence: str  # the shared n-gram, or the normalized-hash for exact duplicates


@dataclass(frozen=True, slots=True)
class Dropped:
    """Any record a stage removed, in one shape: quarantine, dedup, decontamination, Z1 filters,
    failed verification. Counts by `reason` on the card and in asset metadata come from these."""

    stage: str  # problems, dataset, ...
    record_id: str  # the problem, trajectory or source row that left
    reason: str  # a slug: quarantined, exact_duplicate, near_duplicate, contaminated, over_token_budget, ...
    detail: str = ""  # what a human needs to check it (field and message, matched id, measured value)
    source: str = ""  # the problem source, where known
    profile: str = ""  # dataset removals: the trajectory's profile (short, long), counted apart on the card


RECORD_TYPES = (Problem, Trajectory, Verification, DatasetRow, QuarantineRow, RemovalRow, Dropped)
