"""Audio out: file and stream sinks, encoders, the speaker, joins between chunks, word timings
and subtitles, and the M4B container. Importing the package itself loads nothing.
"""
