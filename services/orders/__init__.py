"""Orders service: the marketplace of art. 7 (catalogue, quotes, purchase orders to the contractor)."""
