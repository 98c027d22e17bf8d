"""Report rendering (HTML, XLSX) for numbers assembled in the domain core."""
