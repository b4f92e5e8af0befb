"""Thinking-budget evaluation of trained students: Shifted-Thinking-Window generation
(`stw`, `stw_server`) and pass@1 against average thinking tokens on the held-out split (`evaluate`)."""

from pipeline.evaluation.evaluate import (
    EvalReport,
    EvalRow,
    EvalSample,
    NotHeldOut,
    aggregate,
    evaluate,
    markdown_table,
    plot_curve,
    write_report,
    write_samples,
)
from pipeline.evaluation.stw import CONTINUATION_PHRASE, Generator, LocalGenerator, StwResult, load_generator
from pipeline.evaluation.stw_server import ServerGenerator

__all__ = [
    "CONTINUATION_PHRASE",
    "EvalReport",
    "EvalRow",
    "EvalSample",
    "Generator",
    "LocalGenerator",
    "NotHeldOut",
    "ServerGenerator",
    "StwResult",
    "aggregate",
    "evaluate",
    "load_generator",
    "markdown_table",
    "plot_curve",
    "write_report",
    "write_samples",
]
