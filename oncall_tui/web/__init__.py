"""`oncall-tui serve`: the board in a browser, read-only, working without internet."""
