"""xxgk crawler: find, fetch and archive government information-disclosure annual reports.

Public entry points (import lazily; nothing here imports Scrapy):
- ``python -m crawler crawl --site NAME [--site NAME2 …] --data-dir D`` (one process crawls a
  group of sites, one Scrapy crawler each; one JSON summary line per site)
- ``crawler.runner.run_group`` / ``run_crawl`` (run that in a subprocess; a ``CrawlSummary`` per
  site, a ``crash`` error record for a site whose summary never came back)
- ``crawler.archive.Archive`` (WARC + SQLite index: read, read_record, has, latest,
  iter_captures)
- ``crawler.registry`` (load_sites, add_site, check_sites over ``sites.toml``)
"""
