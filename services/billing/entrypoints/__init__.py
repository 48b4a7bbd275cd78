"""Entrypoints of the billing service: HTTP routes and message consumers, thin by design."""
