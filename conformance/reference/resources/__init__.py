"""One module per resource family: its fields, validation, serialization and special routes."""
