"""What every portal entry of portals.yaml shares: the common keys (base.py) and the config pieces
several kinds reuse — field mappings (mapping.py), CSS selectors (css.py).

Its own package below ``crawler.kinds`` and the crawl-time modules (crawler/mapping.py,
crawl_settings.py), which all read these models: so the kinds and the runtime never import each
other in a circle (the acyclic contract in pyproject.toml).
"""
