"""The version of kokoro-cli (read by the build, `kokoro --version` and the files we tag)."""

__version__ = "0.1.0"
