"""Test strength: how many known-wrong programs a problem's tests reject (issue #18)."""
