"""`kokoro serve`: the HTTP/Unix-socket server on one warm engine, its start-up (listen), and
the standard-library client that `say` uses to reach it.
"""
