"""The event backbone: a broker port with two adapters, the transactional outbox and the inbox."""
