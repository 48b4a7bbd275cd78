"""Pure domain core of the members service: standard library only (checked by import-linter)."""
