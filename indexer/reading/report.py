"""The account of a corpus read: how many rows were seen, which became documents, and
which were skipped, by reason, with the first problems listed by file and row."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_EXAMPLES = 1000


@dataclass
class RowProblem:
    """One skipped row: where it is, and why it was skipped."""

    source: str
    row: int
    reason: str
    detail: str


@dataclass
class ReadReport:
    """What a read saw: counts of valid and skipped rows, and the first problems."""

    rows_seen: int = 0
    valid: int = 0
    problems_by_reason: Counter[str] = field(default_factory=Counter)
    examples: list[RowProblem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Rows seen that did not become documents."""
        return sum(self.problems_by_reason.values())

    def add(self, problem: RowProblem) -> None:
        """Count a problem; keep it as an example while fewer than `MAX_EXAMPLES` are kept."""
        self.problems_by_reason[problem.reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def summary(self, max_examples: int = 10) -> str:
        """A human-readable account: rows seen, valid, skipped by reason, first problems."""
        lines = [f"rows seen: {self.rows_seen:,}", f"valid: {self.valid:,}"]
        lines.append(f"skipped: {self.skipped:,}")
        lines += [f"  {reason}: {n:,}" for reason, n in self.problems_by_reason.most_common()]
        if self.examples:
            lines.append("first problems:")
        for p in self.examples[:max_examples]:
            lines.append(
                f"  {p.source}:{p.row}: {p.reason}" + (f" ({p.detail})" if p.detail else "")
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data."""
        return {
            "rows_seen": self.rows_seen,
            "valid": self.valid,
            "skipped": self.skipped,
            "problems_by_reason": dict(self.problems_by_reason),
            "examples": [asdict(p) for p in self.examples],
        }
