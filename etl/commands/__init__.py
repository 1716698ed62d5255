"""The command line: cli.py parses, registry.py lists the commands, one module per group."""
