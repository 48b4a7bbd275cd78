"""Use cases of the billing service: each takes a command and a unit of work, and emits events.

Those called by message consumers run inside the inbox's transaction and never commit: the inbox
commits their effects together with its own row.
"""
