"""The config: the TOML file, its values (durations, `${VAR}`), themes, and
its errors worded for a person."""
