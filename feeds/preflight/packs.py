"""Each profile's rule pack: every requirement of the spec it cites, checked or "not checked".

Rule names are stable: they label held items, the CLI and the metric
`newsfeeds_partner_items_held{partner,rule}`. docs/partners.md explains each rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from feeds.preflight import rules as r
from feeds.preflight.rules import FeedRule, Rule


@dataclass(frozen=True, slots=True)
class Pack:
    """A profile's rules: item rules (hold an item), feed rules (reported), and the rest."""

    cites: tuple[str, ...]
    items: tuple[Rule, ...] = ()
    feeds: tuple[FeedRule, ...] = ()
    not_checked: tuple[tuple[str, str], ...] = ()  # (requirement, why it is not checked)


# MSN Partner Hub. Read 2026-12-04:
# - https://support.microsoft.com/en-us/topic/msn-feed-item-metadata-requirements-0114c19c-36bb-4fef-8322-4a1ed6888329
#   (an article must have a unique id, title, published date, body and link; title more than
#   20 characters, at most 150 unless a short title is given, no HTML; published in the past
#   and less than 365 days old)
# - https://helpcenter.microsoftstart.com/kb/articles/25-feed-content-specifications
#   (HTTPS feed sources only; only articles with images can be auto-published)
# - https://ms.vanillastaging.com/kb/articles/7-feed-content-specifications (an earlier
#   version of the same page: images at least 150×150 px)
MSN = Pack(
    cites=(
        "https://support.microsoft.com/en-us/topic/msn-feed-item-metadata-requirements-0114c19c-36bb-4fef-8322-4a1ed6888329",
        "https://helpcenter.microsoftstart.com/kb/articles/25-feed-content-specifications",
        "https://ms.vanillastaging.com/kb/articles/7-feed-content-specifications",
    ),
    items=(
        Rule("title-too-short", r.title_longer_than(20), "title more than 20 characters"),
        Rule("title-too-long", r.title_at_most(150), "title at most 150 characters"),
        Rule("title-markup", r.title_is_plain, "no HTML tags in the title"),
        Rule("body-missing", r.has_body, "an article has a body"),
        Rule("date-in-future", r.published_in_past, "published date in the past"),
        Rule("date-too-old", r.published_within(365), "published less than 365 days ago"),
        Rule("link-not-https", r.https_link, "https links (HTTPS sources only)"),
        Rule("image-missing", r.has_image, "an image, to be auto-published"),
        Rule("image-not-https", r.https_image, "https images (HTTPS sources only)"),
        Rule("image-too-small", r.image_at_least(150, 150), "images at least 150×150 px"),
    ),
    feeds=(FeedRule("site-not-https", r.site_is_https, "the feed is served over https"),),
    not_checked=(
        ("unique id", "guids are permanent by design (DESIGN.md invariant 1)"),
        ("short title", "the article model has no short title: titles over 150 are held"),
        ("RFC 822 / RFC 3339 dates", "every document is rendered so (invariant 4)"),
        ("image at most 15 MB; PNG, JPG, GIF, WebP", "image bytes are not fetched"),
        ("abstract in plain text", "summaries are plain text by normalization"),
    ),
)

# SmartNews SmartFormat 2.1. Read 2026-12-04:
# - https://publishers.smartnews.com/hc/en-us/articles/360036526213-SmartFormat-Specification-Version-2-1
# - https://publishers.smartnews.com/hc/en-us/articles/56500436151065 (current edition:
#   channel description 30 characters or less; namespace http://www.smartnews.be/snf)
# A channel snf:logo, a thumbnail per item and the full content are SmartView's needs.
SMARTNEWS = Pack(
    cites=(
        "https://publishers.smartnews.com/hc/en-us/articles/360036526213-SmartFormat-Specification-Version-2-1",
        "https://publishers.smartnews.com/hc/en-us/articles/56500436151065",
    ),
    items=(
        Rule("thumbnail-missing", r.has_image, "a thumbnail per item (media:thumbnail)"),
        Rule("body-missing", r.has_body, "the full article in content:encoded"),
    ),
    feeds=(
        FeedRule("logo-missing", r.has_logo, "a channel logo (snf:logo)"),
        FeedRule(
            "description-too-long",
            r.description_at_most(30),
            "description of 30 characters or less",
        ),
    ),
    not_checked=(
        ("UTF-8 only", "every document is UTF-8"),
        ("file under 1 MB (recommended)", "[feeds] max_bytes bounds every document"),
        ("snf:analytics, snf:advertisement, snf:video", "optional; nothing to carry them from"),
        ("snf:darkModeLogo", "optional; no dark-mode logo is configured"),
    ),
)

# Flipboard RSS spec. Read 2026-12-04:
# - https://about.flipboard.com/rss-spec/ (the entire body copy; at least one image per
#   article no less than 400 px in the smallest dimension; at least 30 items)
# - https://in-id.about.flipboard.com/rss-spec (an edition that adds: updates pushed by
#   PubSubHubbub, now WebSub)
FLIPBOARD = Pack(
    cites=("https://about.flipboard.com/rss-spec/", "https://in-id.about.flipboard.com/rss-spec"),
    items=(
        Rule("body-missing", r.has_body, "the entire body copy of the article"),
        Rule("image-missing", r.has_image, "at least one image per article"),
        Rule("image-too-small", r.image_at_least(400, 400), "no less than 400 px, smallest side"),
    ),
    feeds=(
        FeedRule("too-few-items", r.at_least_items(30), "at least 30 items"),
        FeedRule("websub-missing", r.has_hub, "updates pushed via PubSubHubbub (WebSub)"),
    ),
    not_checked=(
        ("description of 300 characters or more", "a recommendation ('should generally')"),
        ("link on the feed's domain", "a preference; feeds are often on another host"),
    ),
)

# generic: a partner with no published rules: the public feed's invariants only.
GENERIC = Pack(cites=())

# google-news: the news sitemap's rules (feeds/build/newsmap.py enforces them as it builds):
# https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap, read
# 2026-12-04: articles published in the last two days, at most 1,000 news:news per file.
GOOGLE_NEWS = Pack(
    cites=("https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap",),
    not_checked=(
        ("last two days, at most 1,000 URLs per file", "the sitemap builder applies both"),
        ("publication name and language", "from [sitemaps] and each article's language"),
    ),
)

PACKS: dict[str, Pack] = {
    "msn": MSN,
    "smartnews": SMARTNEWS,
    "flipboard": FLIPBOARD,
    "generic": GENERIC,
    "google-news": GOOGLE_NEWS,
}
