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
    # demo data and any entrypoint
    DATABASE_NOT_EMPTY = "database_not_empty"
    INVALID_ARGUMENT = "invalid_argument"
    # orders
    CUSTOMER_NOT_FOUND = "customer_not_found"
    ORDER_NOT_FOUND = "order_not_found"
    EMPTY_ORDER = "empty_order"
    INVALID_QUANTITY = "invalid_quantity"
    PRODUCT_NOT_FOUND = "product_not_found"
    PRODUCT_INACTIVE = "product_inactive"
    INSUFFICIENT_STOCK = "insufficient_stock"
    ORDER_NOT_CANCELLABLE = "order_not_cancellable"
    # payments and refunds
    INVALID_AMOUNT = "invalid_amount"
    NO_ORDERS_SELECTED = "no_orders_selected"
    ORDERS_OF_SEVERAL_CUSTOMERS = "orders_of_several_customers"
    ORDER_CANCELLED = "order_cancelled"
    OVERPAYMENT = "overpayment"
    ALLOCATION_MISMATCH = "allocation_mismatch"
    REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
    # shipments
    SHIPMENT_NOT_FOUND = "shipment_not_found"
    ILLEGAL_SHIPMENT_MOVE = "illegal_shipment_move"
    CARRIER_REQUIRED = "carrier_required"
    ORDER_NOT_PAID = "order_not_paid"
    SHIPMENT_ALREADY_OPEN = "shipment_already_open"
    EVENT_OUT_OF_ORDER = "event_out_of_order"
    # inventory
    STOCK_BELOW_ZERO = "stock_below_zero"
    # imports
    IMPORT_FILE_UNREADABLE = "import_file_unreadable"
    IMPORT_NOT_CSV = "import_not_csv"
    IMPORT_MIXED_ENCODINGS = "import_mixed_encodings"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_MISSING_COLUMNS = "import_missing_columns"
    IMPORT_ALREADY_DONE = "import_already_done"
    IMPORT_OVER_THRESHOLD = "import_over_threshold"
    IMPORT_REPORT_UNWRITABLE = "import_report_unwritable"
    IMPORT_BUSY = "import_busy"
    IMPORT_LOAD_FAILED = "import_load_failed"
    # users and sign-in
    INVALID_USERNAME = "invalid_username"
    INVALID_ROLE = "invalid_role"
    WEAK_PASSWORD = "weak_password"
    USERNAME_TAKEN = "username_taken"
    USER_NOT_FOUND = "user_not_found"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    ADDRESS_LOCKED = "address_locked"
    ACCOUNT_DISABLED = "account_disabled"


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
