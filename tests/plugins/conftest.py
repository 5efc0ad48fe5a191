"""Plugin sources here are tested as installed packages (tests/test_plugin_*.py), never collected from source."""

# Importing a plugin's source file here would clash with its installed copy of the same module name.
collect_ignore_glob = ["*"]
