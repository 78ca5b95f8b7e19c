"""Helpers shared by the SEDIA spider tests: a spider with a fixed day, result pages parsed by it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from scrapy import Request
from scrapy.http import TextResponse

from foerderradar.crawler.kinds.eu_sedia.config import EuSediaPortal
from foerderradar.crawler.kinds.eu_sedia.spider import EuSediaSpider
from foerderradar.model import FundingCall

TOPIC = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"
TODAY = date(2025, 6, 1)

Item = dict[str, Any]


def make_spider(today: date = TODAY, **config: Any) -> EuSediaSpider:
    portal = EuSediaPortal.model_validate({"key": "eu", "kind": "eu_sedia", **config})
    return EuSediaSpider(portal=portal, today=today)


def api_response(spider: EuSediaSpider, body: bytes, page: int = 1) -> TextResponse:
    request = spider.search_request(page)
    return TextResponse(url=request.url, body=body, encoding="utf-8", request=request)


def parse_page(spider: EuSediaSpider, body: bytes, page: int = 1) -> tuple[list[Item], list[Request]]:
    items: list[Item] = []
    requests: list[Request] = []
    for out in spider.parse(api_response(spider, body, page), page=page):
        if isinstance(out, Request):
            requests.append(out)
        else:
            FundingCall.model_validate(out)  # every item passes the pipeline's validation
            items.append(out)
    return items, requests


def page_of(*rows: Item, total: int | None = None) -> bytes:
    return json.dumps({"totalResults": len(rows) if total is None else total, "results": list(rows)}).encode()


def by_id(items: list[Item]) -> dict[str, Item]:
    ids = [i["source_id"] for i in items]
    assert len(ids) == len(set(ids)), ids  # one call per identifier
    return {i["source_id"]: i for i in items}
