"""The three services. None imports another: they share contracts (shared.contracts) and messages."""
