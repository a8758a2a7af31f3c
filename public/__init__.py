"""The citizens' side: the public catalogue, item and department pages, the API, open data.

It reads the register (approvals) and the publication (catalog) and writes nothing; it has no models.
"""
