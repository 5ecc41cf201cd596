"""Sources: the plugin contract and what the core gives plugins (options,
templates, runbooks, threads for blocking calls)."""
