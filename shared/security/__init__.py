"""Security building blocks shared by the services: who is calling (tokens, principals), what they
may see (roles, member isolation), and strict input types.

The services wire them in; this package knows no service.
"""
