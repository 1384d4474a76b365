"""The one exception type for bad input, so the CLI can report it in one line and exit 2."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in one input file: ``file:line: column 'c': message`` (or ``element E`` of an XML file)."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    element: str | None = None

    def where(self) -> str:
        """The place alone: ``file:line: column 'c': `` (empty parts left out)."""
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [f"column '{self.column}'" if self.column else "", f"element {self.element}" if self.element else ""]
        return f"{text}: " + "".join(f"{x}: " for x in parts if x)

    def __str__(self) -> str:
        text = f"{self.where()}{self.message}"
        return text.replace("\r", "\\r").replace("\n", "\\n")  # one problem, one line


@dataclass
class InputError(Exception):
    """Bad input (data file, codebook or option). Carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None, column: str | None = None,
               element: str | None = None) -> InputError:
        return cls([Problem(str(file), message, line, column, element)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
