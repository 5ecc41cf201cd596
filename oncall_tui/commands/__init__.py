"""The sub-commands, one module each (`check.py`, `init.py`, ...), listed in
`registry.py`, from which `cli.py` builds the parser and the help."""
