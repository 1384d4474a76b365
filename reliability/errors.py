"""The one exception type for bad input, so the CLI can report it in one line and exit 2."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in one input file: ``file:line: column 'c': message``."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        col = f"column '{self.column}': " if self.column else ""
        text = f"{where}: {col}{self.message}"
        return text.replace("\r", "\\r").replace("\n", "\\n")  # one problem, one line


@dataclass
class InputError(Exception):
    """Bad input (data file, codebook or option). Carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None, column: str | None = None) -> InputError:
        return cls([Problem(str(file), message, line, column)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
