"""Adapters of the billing service: its tables and repositories (all its SQL lives here)."""
