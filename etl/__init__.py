"""Ingestion: read, validate and load bulk files through workflow."""
