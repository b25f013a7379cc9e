"""Scrapy settings of the xxgk crawler: polite by default, overridable per run (``-s K=V``)."""

from __future__ import annotations

BOT_NAME = "xxgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "xxgk-crawler/0.1 (+https://github.com/xxgk-project/xxgk; archives government information "
    "disclosure annual reports; polite, obeys robots.txt)"
)
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "xxgk-crawler"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 60
# The parser refuses inputs above parsing.extract.limits.Limits.max_bytes; fetching more is waste
# (tests/crawler/test_bounds.py asserts the two numbers are equal; crawler may not import parsing).
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # no link-depth cut: the crawler's own bounds below act, and say so
URLLENGTH_LIMIT = 8192  # longer URLs become ``url_too_long`` error records (checked by the spider)
CONCURRENT_ITEMS = 8  # callbacks yield requests, not items; Scrapy spawns this many tasks each
CLOSESPIDER_TIMEOUT = 0
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's code-executing HTTP endpoint, one per crawl: off
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "WARNING"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_CLASS = "crawler.urls.CanonicalFingerprinter"

DOWNLOAD_HANDLERS = {  # report bodies stream to disk instead of memory (crawler.spool)
    "http": "crawler.spool.SpoolingDownloadHandler",
    "https": "crawler.spool.SpoolingDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.CrawlDelayMiddleware": 110,
    "crawler.middlewares.BackoffMiddleware": 560,
    # process_response runs high → low: after redirects (600) and decompression (590),
    # before meta-refresh (580) and retries (550): it sees each final, decoded response once.
    "crawler.middlewares.ArchiveMiddleware": 585,
    "crawler.middlewares.RawHeadersMiddleware": 595,  # headers as received, before decoding
    "crawler.middlewares.OffsiteRedirectMiddleware": 610,
    "crawler.middlewares.RedirectArchiveMiddleware": 615,  # each 3xx hop as its own record
}

# xxgk's own knobs
XXGK_ARCHIVE_COMMIT_EVERY = 8  # index commit (after WARC fsync) every N captures …
XXGK_ARCHIVE_COMMIT_INTERVAL = 2.0  # … or every N seconds
XXGK_ARCHIVE_MAX_FILE_BYTES = 1 << 30
XXGK_RETRY_BACKOFF_BASE = 2.0  # seconds before the 1st retry, doubling per retry
XXGK_RETRY_BACKOFF_MAX = 60.0
XXGK_CRAWL_DELAY_MAX = 30.0  # cap on a robots.txt Crawl-delay
XXGK_CONDITIONAL = True  # re-check archived documents that have ETag/Last-Modified (304)
XXGK_SPOOL_BYTES = 4 * 1024 * 1024  # report bodies above this go to disk as they arrive (0: off)
XXGK_MAX_LIST_PAGES = 500  # list pages per site per run (site: overrides.page_limit)
XXGK_MAX_DOCUMENTS = 5000  # documents + attachments per site per run (overrides.max_documents)
XXGK_SITES_AT_ONCE = 8  # site crawls running at once in one crawl process (a group of sites)
XXGK_LOG_BOILERPLATE = True  # False: no per-crawler middleware lists / stats dump at INFO
