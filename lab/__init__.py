"""The static-vs-dynamic graph lab."""
__version__ = "0.1.0"
