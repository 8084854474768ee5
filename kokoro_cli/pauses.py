"""The default pauses between chunks, in seconds from the end of speech to the start of the next.

Kept apart from joins.py (which cuts audio with numpy) so the CLI can show them as option
defaults without loading numpy: `kokoro --help` and the server fast path stay quick.
"""

# Sentences: the median of the model's own sentence-end silences within a chunk (0.45 s
# measured at -40 dBFS on 30 Harvard sentences), so a chunk join sounds like any other sentence end.
SENTENCE_PAUSE = 0.45
CLAUSE_PAUSE = 0.2  # a long sentence cut at a comma or semicolon (the model's own: 0.15-0.2 s)
WORD_PAUSE = 0.05  # a sentence too long for one chunk, cut between words
PARAGRAPH_PAUSE = 1.0
CHAPTER_PAUSE = 2.0  # between chapters (`kokoro book`)
# The margins of every whole output (issue 27): silence from its start to the first speech, and
# from the last speech to its end. Without them a device that wakes on playback (Bluetooth,
# HDMI) swallows the first syllable, files played one after another run together, and the
# DNSMOS P.808 score of the hidden sentence set fell from 3.99 to 3.83 (3.99 again with 0.25 s
# added back). The tail is a sentence's pause: outputs played back to back stay apart as
# sentences do (a little more, with the next one's lead-in).
LEAD_IN = 0.2
TAIL = SENTENCE_PAUSE
MAX_PAUSE = 60.0  # seconds; longer silences are almost certainly a typo (500 instead of 500ms)
