"""Station simulator: synthetic dataloggers writing Circular 10/2021 files (demo and tests)."""
