"""jingban (经办): case tracking for medical-insurance service offices."""

__version__ = "0.1.0"
