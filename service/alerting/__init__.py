"""Alert delivery for the service: the alerts file, channels (SMTP, webhook), the outbox
sender, the SSE broker and :class:`~service.alerting.runtime.AlertRuntime`, which the jobs and
routes share as ``Runtime.alerts``."""
