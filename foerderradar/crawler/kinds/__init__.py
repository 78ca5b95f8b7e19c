"""Portal kinds: everything one kind is, in one package, so a new kind touches one folder and one line.

Layout::

    entry/                (beside kinds/, below it and below the crawl-time modules)
      base.py             PortalBase (keys every entry has), STRICT, http_url — a leaf
      mapping.py          config pieces of the kinds with a field mapping: CallDefaults and FieldMap
                          (both derived from FundingCall), LiteralValue, MappingKeys, url_template check
      css.py              the CSS selector checks html and watch share
    kinds/
      <kind>/config.py    the kind's config model (``kind`` literal + its own keys); no Scrapy
      <kind>/spider.py    the kind's Scrapy spider
      <kind>/reader.py    where a kind has one: reading its source format without Scrapy
                          (csv: the table; foerderdatenbank_export: the zip of XML documents)

A new kind goes into ``kinds/<kind>/`` (``config.py`` + ``spider.py``), gets one line in
:data:`foerderradar.crawler.registry.KINDS`, a section in ``docs/portal-kinds.md`` and its keys in the
header of ``config/portals.yaml`` (tests/crawler/test_portal_kinds.py checks all four for every kind).

Dependencies run one way: ``settings`` → ``crawler.registry`` → ``kinds/<kind>/config.py`` →
``entry.mapping`` / ``entry.css`` → ``entry.base``; the crawl-time modules (``crawler/mapping.py``,
``crawl_settings.py``) read ``entry`` too, never ``kinds``, so nothing runs in a circle.
Config modules import no spider and no Scrapy, so
loading ``portals.yaml`` stays light; the registry imports a spider only when a crawl asks for it.
Crawl-time field mapping (FieldMapper, coerce, resolve_path …) is :mod:`foerderradar.crawler.mapping`.

Which reading modules live here (decision): a module that reads the source of exactly one kind
moves into that kind's package as ``reader.py`` (it was ``crawler/csvread.py`` and
``crawler/fdb_export.py``). Modules several kinds, the pipeline or the matcher share stay in
``crawler/``: ``selectors.py`` (CSS/text reading), ``sections.py`` (question headings, html and
watch), ``textextract.py`` and ``vocab.py`` (German terms and the category vocabulary). ``watch``
reads pages with the ``html`` kind's helpers (``values_of``, ``region_text``), imported from
``kinds/html/spider.py``.
"""
