"""Crawling: portal kinds, Scrapy spiders, and the runner that feeds the store."""
