"""Markdown tables: the one writer behind the card, reports, the CLI and Dagster metadata."""

from __future__ import annotations

from collections.abc import Sequence


def _cell(value, max_cell: int | None) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if max_cell is not None and len(text) > max_cell:
        text = text[: max_cell - 1] + "…"
    return text.replace("|", "\\|")


def markdown_table(
    rows: Sequence[dict], columns: Sequence[str], numeric: Sequence[str] = (), max_cell: int | None = None
) -> str:
    """A GitHub-flavoured table of `rows` (dicts) in `columns` order, padded so that it also reads
    well in a terminal; `numeric` columns align right."""
    body = [[_cell(row.get(c), max_cell) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in [list(columns), *body]) for i in range(len(columns))]
    right = [c in numeric for c in columns]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if r else "-" * (w + 2) for w, r in zip(widths, right)) + "|"
    return "\n".join([line(columns), rule, *(line(cells) for cells in body)])
