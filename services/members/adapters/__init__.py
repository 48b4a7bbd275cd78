"""Adapters of the members service: its tables and repositories (all its SQL lives here)."""
