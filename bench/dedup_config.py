"""Constants shared by the dedup/decontamination benchmark modules."""

NGRAM = 8  # decontamination n-gram size (pipeline default)
SHINGLE = 5  # DedupSettings.shingle_size default
NUM_PERM = 128
THRESHOLD = 0.8
TARGET_SECONDS = 60.0
TARGET_PEAK_BYTES = 4 * 1024**3

EXACT_RATE = 0.02
NEAR_RATE = 0.03
CONTAM_RATE = 0.01
