"""The results service: the public, read-only record of each cycle's shortlist and awards.

It owns nothing but a projection: ``cycle.shortlist_published`` and
``cycle.results_published`` from ``inagara.reviews`` become its tables, and its web
process renders them as public pages (Indonesian first) and a JSON feed. It reads no
other service's database and publishes no event.
"""
