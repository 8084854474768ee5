"""The `kokoro` command line: the app (every subcommand), the fast path to a warm server
(quick), doctor, and the progress displays. Nothing else in the package imports from here.
"""
