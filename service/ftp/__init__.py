"""FTP: the receiver that stations upload to (``quantrac ftp-receiver``, CLI in ``service.cli``)."""
