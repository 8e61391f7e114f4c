"""The repository format on disk: every path and its kind, YAML, schemas, defaults."""
