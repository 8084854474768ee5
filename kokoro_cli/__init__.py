"""kokoro-cli: a command-line speech synthesizer built on Kokoro-82M."""

__version__ = "0.1.0"

SAMPLE_RATE = 24_000  # Kokoro v1.0 output rate (config.json "sample_rate")
MAX_TOKENS = 510  # phoneme tokens per forward: 512 ALBERT positions minus the two pad tokens
# a voicepack: one 256-value style vector (128 timbre + 128 prosody) per utterance length
PACK_SHAPE = (MAX_TOKENS, 1, 256)
# audio samples per predicted duration frame: the decoder's upsampling (10 x 6) times the
# inverse STFT's hop (5), doubled because F0 runs at twice the frame rate (300 per F0 step)
FRAME_SAMPLES = 600
