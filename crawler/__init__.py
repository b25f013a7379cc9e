"""xxgk crawler: find, fetch and archive government information-disclosure annual reports.

Public entry points (import lazily; nothing here imports Scrapy):
- ``python -m crawler crawl --site NAME --data-dir D`` (one crawl, one JSON summary line)
- ``crawler.runner.run_crawl`` (runs that in a subprocess, returns ``CrawlSummary``)
- ``crawler.archive.Archive`` (WARC + SQLite index: read, read_record, has, latest,
  iter_captures)
- ``crawler.registry`` (load_sites, add_site, check_sites over ``sites.toml``)
"""
