"""The body's governance: who may act (principals and their API keys), and under which rules.

``principals`` (roles, API keys: create, authenticate, list, revoke, expiry). No web
dependency: the service and the CLI both use it.
"""
