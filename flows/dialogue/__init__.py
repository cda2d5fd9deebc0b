"""The dialogue engine and the plain data it passes: one update in, replies and changes out."""
