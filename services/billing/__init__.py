"""Billing service: supplier invoices and their matching, member invoices (rebilling), numbering."""
