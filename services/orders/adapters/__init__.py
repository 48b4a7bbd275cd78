"""Adapters of the orders service: its tables and repositories (all its SQL lives here)."""
