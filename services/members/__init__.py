"""Members service: local authorities, their adhesion to the competence, schools, tariffs."""
