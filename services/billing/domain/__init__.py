"""Pure domain core of the billing service: standard library and `shared.errors` only (import-linter)."""
