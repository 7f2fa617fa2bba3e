"""Community Map: entries in YAML become a validated, searchable static site and map."""

__version__ = "0.1.0"
