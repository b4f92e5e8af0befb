"""Shared test set-up: nothing may reach the Hugging Face Hub from a test."""

import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
