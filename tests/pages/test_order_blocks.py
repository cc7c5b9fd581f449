"""The production and artwork blocks that the customer page (each expanded active order)
and the order page share: one tag each, compact or `detailed`."""

from datetime import datetime, timezone

import pytest

from lookup.pages.sections import Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.models import Artwork, ProductionStatus
from lookup.reading.reader import Reading
from lookup.templatetags.perpdesk import artwork_section, production_section
from tests.support import perp_payloads as p
from tests.support.page_html import parse

FETCHED = datetime(2026, 11, 24, 13, 2, tzinfo=timezone.utc)
FAILED = Section(error=PERPUnavailable("/api/orders/{order_id}/production", "timeout", timeout=10))


def read(value):
    return Section.of(Reading(value, FETCHED))


@pytest.mark.parametrize("detailed", [False, True])
def test_production_shows_its_stages(detailed):
    document = parse(production_section(read(ProductionStatus.from_json(p.production("ORD-1"))), detailed))

    assert len(document.find_all("li", cls="pd-step")) == 3
    assert ("pd-stepper-detailed" in document.find("ol").classes) == detailed


@pytest.mark.parametrize("detailed", [False, True])
def test_production_perp_has_none_of_yet_says_so(detailed):
    assert parse(production_section(read(None), detailed)).text == "No production status for this order yet."


@pytest.mark.parametrize("block", [production_section, artwork_section])
def test_a_failed_block_says_why_and_not_that_there_is_nothing(block):
    document = parse(block(FAILED, True))

    assert "pd-error" in document.find("p").classes and "PERP did not answer" in document.text
    assert "yet" not in document.text


def test_artwork_is_a_strip_of_thumbnails_on_the_customer_page_and_cards_on_the_order_page():
    artwork = read(Artwork.from_json(p.artwork("ORD-1")))

    assert parse(artwork_section(artwork)).find_all("ul", cls="pd-artwork-strip")
    assert parse(artwork_section(artwork, True)).find_all("ul", cls="pd-artwork-cards")


@pytest.mark.parametrize("detailed", [False, True])
def test_artwork_perp_has_none_of_yet_says_so(detailed):
    assert parse(artwork_section(read(None), detailed)).text == "No artwork submitted yet."
