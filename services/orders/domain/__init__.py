"""Pure domain core of the orders service: standard library only (checked by import-linter)."""
