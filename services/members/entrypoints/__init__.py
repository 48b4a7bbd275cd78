"""Thin entrypoints of the members service: HTTP routes (and, later, message consumers)."""
