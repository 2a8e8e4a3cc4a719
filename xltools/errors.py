"""Input the tool cannot use at all. Each error carries one Chinese sentence for the user.

Problems *inside* a usable workbook are findings (xltools.findings), never exceptions.
"""
from __future__ import annotations


class XltoolsError(Exception):
    """Base of every error the toolkit raises on purpose. `str(e)` is the Chinese message."""

    exit_code = 2

    def __init__(self, message: str, *, path: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


class UnreadableWorkbook(XltoolsError, ValueError):
    """Not an xlsx, corrupt, truncated, encrypted, an .xls renamed .xlsx, empty."""


class UnsafeWorkbook(UnreadableWorkbook):
    """A workbook refused before parsing: zip bomb, absurd sheet dimension."""


class InputNotFound(XltoolsError, FileNotFoundError):
    """A file or folder named on the command line does not exist."""


class WriteFailed(XltoolsError, OSError):
    """The output could not be written (read-only folder, file locked by Excel, disk full)."""


class BadDeclaration(XltoolsError, ValueError):
    """A template-family declaration, catalogue or JSON document that does not fit its schema."""


class TemplateError(XltoolsError, ValueError):
    """A narrative template that fails to compile or render; the message names the file and line."""
