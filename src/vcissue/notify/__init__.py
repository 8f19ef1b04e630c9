"""Notices that get delivered: the transactional outbox, e-mail and signed webhooks,
reminders, and the worker that delivers them.

``events`` (pure: kinds, ids, what an event carries; the issuer writes one per state
change in the change's transaction), ``signing`` (HMAC-SHA256 webhook signatures and the
receiver's check), ``templates`` (subject and text per event, en/hr), ``config`` (the
``[notify]`` settings), ``channels`` (SMTP, HTTP), ``delivery`` (fan-out to recipients,
retries with exponential back-off, dead letters), ``reminders`` (per-scheme windows, once
each), ``worker`` (the loop). Importing this package imports none of them.
"""
