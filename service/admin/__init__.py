"""Administration of configuration data that lives in files: limit overrides, alert recipients.

Shared by the JSON API (``service.routes.admin_config``) and the HTML pages
(``service.routes.admin_pages``) so both apply the same validation, audit and file handling.
"""
