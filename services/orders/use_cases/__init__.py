"""Use cases of the orders service: each takes a command and a unit of work, and emits events."""
