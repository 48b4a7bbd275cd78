"""Contracts and plumbing shared by the three services. No business rule lives here."""
