"""One renderer module per command; each reads plain data and draws it with rich."""
