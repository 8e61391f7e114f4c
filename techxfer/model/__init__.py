"""Frozen dataclasses of the repository format, built only from schema-valid data."""
