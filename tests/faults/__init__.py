"""The flow under load and faults: the services as processes, a fault injector, resilient flows."""
