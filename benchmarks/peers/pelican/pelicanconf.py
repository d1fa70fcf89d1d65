# Minimal Pelican project equivalent to a site-builder build of the benchmark corpus.
# benchmarks/run.py copies this file and theme/ next to the converted content and runs
#   pelican content -o out -s pelicanconf.py
import importlib.util

SITENAME = "Bench Fact Check"
SITEURL = "https://bench.example.org"
RELATIVE_URLS = False
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "theme"  # resolved relative to this file

PATH = "content"
ARTICLE_PATHS = ["claims"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = []
DELETE_OUTPUT_DIRECTORY = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Same public URLs as site-builder: claimant = author, verdict = category, topic = tag.
ARTICLE_URL = "claims/{slug}/"
ARTICLE_SAVE_AS = "claims/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
AUTHOR_URL = "actors/{slug}/"
AUTHOR_SAVE_AS = "actors/{slug}/index.html"
AUTHORS_SAVE_AS = "actors/index.html"
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = "topics/{slug}/index.html"
TAGS_SAVE_AS = "topics/index.html"
CATEGORY_URL = "verdicts/{slug}/"
CATEGORY_SAVE_AS = "verdicts/{slug}/index.html"
CATEGORIES_SAVE_AS = "verdicts/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors"]
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DEFAULT_PAGINATION = False

# Atom feeds: the whole site, and one per claimant and per topic (as site-builder).
FEED_DOMAIN = SITEURL
FEED_MAX_ITEMS = 50
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = "actors/{slug}/feed.xml"
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = "topics/{slug}/feed.xml"
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},   # includes footnotes and tables
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}

# Sitemap through the pelican-sitemap plugin (PyPI: pelican-sitemap), when installed.
if importlib.util.find_spec("pelican.plugins.sitemap") is not None:
    PLUGINS = ["pelican.plugins.sitemap"]
    SITEMAP = {"format": "xml"}
else:
    PLUGINS = []
