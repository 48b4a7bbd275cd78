"""Ways to run the system: embedded (one process, SQLite, in-process broker) or as local services.

The launcher is the only package allowed to know all three services: it composes them.
"""
