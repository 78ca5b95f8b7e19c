"""The web app: a server-rendered surface (Flask, Jinja2, no build step) over the jobs seam, where the
Digital-Manager and city IT act on a match in one click (docs/web.md).

A surface like the CLI and the scheduler: it may import jobs, settings, storage and notifier; nothing
but ``cli`` imports it. One module per job — ``context`` (what a request needs), ``users``,
``sessions``, ``throttle``, ``csrf``, ``links`` (signed mail links), ``auth`` (login, logout, who may
see what), ``pages`` and ``feedback`` (the routes), ``app`` (the factory) and ``server`` (waitress).
"""
