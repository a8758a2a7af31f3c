"""Imports of tables into the register: the official layout (`official.import_official`)."""
