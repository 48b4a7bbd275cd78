"""Billing documents as files: EN 16931 CII and UBL XML, the readable PDF, Factur-X, and the parsing of
the contractor's own e-invoices. The only place that knows XML syntaxes and PDF libraries."""
