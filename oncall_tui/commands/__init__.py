"""Sub-commands that have grown past a few lines, one module each; `cli.py` parses the
arguments and hands over."""
