"""Domain errors: one base class with a sentence a clerk can act on and a code.

Callbacks, the CLI and the importer translate a WorkflowError once, at their
boundary; nobody parses messages.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    """One member per thing that can be refused, grouped by area."""

    # configuration and database access
    INVALID_SETTING = "invalid_setting"
    DATABASE_UNREACHABLE = "database_unreachable"
    EMBEDDED_DATABASE_FAILED = "embedded_database_failed"
    MIGRATION_FAILED = "migration_failed"
    SCHEMA_NOT_READY = "schema_not_ready"
    # demo data
    DATABASE_NOT_EMPTY = "database_not_empty"
    INVALID_ARGUMENT = "invalid_argument"


class WorkflowError(Exception):
    """A refusal or failure explained in one sentence a person can act on."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigurationError(WorkflowError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.INVALID_SETTING)


class DatabaseUnavailable(WorkflowError):
    def __init__(self, message: str, code: ErrorCode = ErrorCode.DATABASE_UNREACHABLE) -> None:
        super().__init__(message, code)


class MigrationFailed(WorkflowError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.MIGRATION_FAILED)
