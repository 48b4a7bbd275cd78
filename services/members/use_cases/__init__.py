"""Use cases of the members service: each takes a command and a unit of work, and emits events."""
