"""Administration of configuration data that lives in files: limit overrides, alert recipients.

Shared by the JSON API (``service.web.routes.admin_config``) and the HTML pages
(``service.web.routes.admin_pages``) so both apply the same validation, audit and file handling.
"""
