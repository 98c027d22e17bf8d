"""Where station files come from: FTP folders, local folders, HTTP JSON endpoints."""
