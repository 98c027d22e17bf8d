"""Alert rules and lifecycle: pure functions of plain values, plus the evaluation pass.

Modules: :mod:`config` (the alerts file as validated models), :mod:`bands` (Decree 45/2022
ratio bands), :mod:`lifecycle` (firing → acknowledged → resolved, reminders, escalation,
flapping guard), :mod:`routing` (who gets which notification on which channel),
:mod:`messages` (Vietnamese/English texts), :mod:`signals` (conditions read from the store) and
:mod:`engine` (one evaluation pass that writes alerts, history and the outbox).
"""
