"""Spreadsheet safety shared by the register's flat import and the catalogue's tables.

Inert text (no formula runs when a clerk opens an export), archive checks before parsing
(zip bombs, oversize files), characters XML cannot hold. It imports nothing of the project,
so both apps can use it without importing each other.
"""
