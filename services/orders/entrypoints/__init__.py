"""Entrypoints of the orders service: its HTTP routes and its message handlers."""
