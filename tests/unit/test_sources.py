"""Sources a clinician would accept: original publishers on the allow-list, papers by DOI or PubMed ID,
at most three a topic, and cards that say who published each one."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

import pytest

from skill.coach import Coach
from skill.content import MAX_SOURCES, TOPIC_IDS, available_locales, load, parse_source, parse_topic, publishers
from skill.content.overlay import read_locale_data
from skill.errors import ContentError
from skill.profile import Profile

# The kinds of address the content once cited (issue 13): copies, mirrors, content farms, blogs.
COPY_HOSTS = ("isliquidbiopsy.org", "47.251.13.51", "medilib.ir", "fdocuments.us", "www.scribd.com",
              "homeremedy011.blogspot.com", "biologyinsights.com", "www.healthline.com", "spencermassage.com")


def topic_with(sources: list[dict]) -> dict:
    return {"title": "T", "answer": "A short answer.", "card": "Card.", "offer": "none",
            "questions": [f"question number {w}" for w in "one two three four five six seven eight".split()],
            "sources": sources}


@pytest.mark.parametrize("locale", available_locales())
def test_every_source_in_every_locale_is_an_allow_listed_original(locale):
    """Read from the raw (overlaid) data, not the loader, so the check does not trust the code it tests."""
    allowed = publishers()
    topics = read_locale_data(locale, "topics")["topics"]
    assert set(topics) == set(TOPIC_IDS)
    for topic_id, topic in topics.items():
        assert 1 <= len(topic["sources"]) <= MAX_SOURCES, topic_id
        urls = [s["url"] for s in topic["sources"]]
        assert len(set(urls)) == len(urls), f"{topic_id}: a source is listed twice"
        for source in topic["sources"]:
            parts = urlsplit(source["url"])
            assert parts.scheme == "https", (topic_id, source["url"])
            assert parts.hostname in allowed, (topic_id, source["url"])
            assert source["title"].strip() and "http" not in source["title"], (topic_id, source["title"])


@pytest.mark.parametrize("locale", available_locales())
def test_loaded_sources_carry_the_allow_listed_publisher_name(locale):
    for topic in load(locale).topics.values():
        for source in topic.sources:
            assert source.publisher == publishers()[urlsplit(source.url).hostname]


def test_the_allow_list_names_publishers_and_no_copy_sites():
    allowed = publishers()
    assert allowed["www.nhs.uk"] == "NHS"
    assert {"doi.org", "pubmed.ncbi.nlm.nih.gov"} <= set(allowed)
    assert not set(COPY_HOSTS) & set(allowed)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://www.nhs.uk/conditions/headaches/", "https"),
    ("https://47.251.13.51/38958920", "IP address"),
    ("https://47.251.13.51:8081/38958920", "IP address"),
    ("https://[2001:db8::1]/38958920", "IP address"),
    ("https://www.nhs.uk:8443/conditions/headaches/", "IP address or port"),
    ("https://isliquidbiopsy.org/article_em-4494.html", "allow-list"),
    ("https://www.healthline.com/health/occipital-neuralgia-exercises", "allow-list"),
    ("https://nhs.uk.example.com/conditions/headaches/", "allow-list"),
    ("https://doi.org/", "DOI"),
    ("https://doi.org/s11916-024-01288-6", "DOI"),
    ("https://pubmed.ncbi.nlm.nih.gov/", "PubMed ID"),
    ("https://pubmed.ncbi.nlm.nih.gov/?term=occipital+neuralgia", "PubMed ID"),
    ("https://pubmed.ncbi.nlm.nih.gov/occipital-neuralgia/", "PubMed ID"),
    ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6130929/", "Bookshelf"),
    ("ftp://doi.org/10.1007/s11916-024-01288-6", "https"),
])
def test_bad_sources_are_refused_naming_topic_and_url(url, reason):
    with pytest.raises(ContentError) as caught:
        parse_topic("ball_release", topic_with([{"title": "A page", "url": url}]), "topics.json")
    message = str(caught.value)
    assert "topic 'ball_release'" in message and url in message and reason in message


@pytest.mark.parametrize("source", [{"url": "https://www.nhs.uk/conditions/headaches/"},
                                    {"title": " ", "url": "https://www.nhs.uk/conditions/headaches/"},
                                    {"title": "Headaches"}, "https://www.nhs.uk/conditions/headaches/"])
def test_a_source_needs_a_title_and_an_address(source):
    with pytest.raises(ContentError, match="title and a url"):
        parse_source(source, "topics.json: topic 'x'")


def test_more_than_three_sources_or_none_are_refused():
    good = [{"title": f"Paper {i}", "url": f"https://pubmed.ncbi.nlm.nih.gov/{24737457 + i}/"} for i in range(4)]
    assert len(parse_topic("x", topic_with(good[:3]), "t").sources) == 3
    for sources in (good, []):
        with pytest.raises(ContentError, match="one to 3 sources"):
            parse_topic("x", topic_with(sources), "t")


@pytest.mark.parametrize(("url", "publisher"), [
    ("https://doi.org/10.1007/s11916-024-01288-6", "Peer-reviewed paper"),
    ("https://pubmed.ncbi.nlm.nih.gov/24737457/", "PubMed"),
    ("https://pubmed.ncbi.nlm.nih.gov/24737457", "PubMed"),
    ("https://www.ncbi.nlm.nih.gov/books/NBK542213/", "NCBI Bookshelf (NIH)"),
    ("https://www.nhs.uk/conditions/headaches/", "NHS"),
    ("https://WWW.NHS.UK/conditions/headaches/", "NHS"),
])
def test_good_sources_get_their_publisher_from_the_allow_list(url, publisher):
    source = parse_source({"title": " A title ", "url": url}, "t")
    assert (source.title, source.url, source.publisher) == ("A title", url, publisher)


@pytest.mark.parametrize("topic_id", TOPIC_IDS)
def test_the_card_shows_publisher_and_title_for_each_source_not_a_bare_url(topic_id):
    content = load("en-US")
    coach = Coach(content, Profile(safety_checked=True), {}, rng=random.Random(1))
    topic = content.topics[topic_id]
    card = coach.topic(topic_id).card
    assert card is not None
    body, listed = card.text.split("\n\nSources:\n")
    assert listed.splitlines() == [f"- {s.publisher}: {s.title}" for s in topic.sources]
    assert "://" not in card.text
    assert body == content.fill(topic.card, card=True)


def test_a_title_that_repeats_its_publisher_is_refused():
    """The card reads "publisher: title"; "NHS: NHS: Headaches" tells the reader nothing twice."""
    with pytest.raises(ContentError, match="repeats its publisher"):
        parse_source({"title": "NHS: Headaches", "url": "https://www.nhs.uk/conditions/headaches/"}, "here")
