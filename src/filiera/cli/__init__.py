"""The `filiera` command line: thin commands over the library."""
