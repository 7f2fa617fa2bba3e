"""The benchmark: synthetic entries, timed builds, browser measurements."""
