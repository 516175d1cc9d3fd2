"""Per-locale content (topics, routines, prompts), loaded once and validated before use.

Content is data so that it can be reviewed by people who do not read Python, and so every locale
can be checked for completeness by a test. A file that breaks its schema fails at load, loudly.
"""

from __future__ import annotations

import ipaddress
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from skill.content.overlay import has_content, read_json, read_locale_data
from skill.errors import ContentError
from skill.routine.compose import Composer, Style, fits
from skill.routine.model import Cues, Routine, parse_cues, parse_routine
from skill.speech.ssml import SSMLError

CONTENT_DIR = Path(__file__).resolve().parent
PUBLISHERS_FILE = CONTENT_DIR / "publishers.json"
DEFAULT_LOCALE = "en-US"
TOPIC_IDS: tuple[str, ...] = (
    "what_is", "symptoms", "causes", "diagnosis", "outlook", "red_flags", "massage_safety", "self_massage",
    "suboccipital_release", "ball_release", "acupressure", "scalp_massage", "pressure", "hold_time", "frequency",
    "heat_ice", "after_massage", "when_to_stop", "contraindications", "flare_relief", "stretches", "posture",
    "sleep", "devices", "chiropractic", "massage_therapist", "physical_therapist", "doctors", "see_doctor",
    "treatments", "nerve_block", "breathing", "about", "otc_medicines", "prescription_medicines", "nerve_block_relief",
    "nerve_block_aftercare", "botox", "advanced_procedures", "tens", "acupuncture", "migraine_difference",
    "something_else", "dizziness_vision", "ear_face_jaw", "how_common", "triggers", "pregnancy", "stress_mood",
    "worried_about_someone",
    "appointment", "supplements",
)
ROUTINE_IDS: tuple[str, ...] = ("quick", "full", "gentle")
OFFERS = ("more", "routine", "none")
MAX_ANSWER_WORDS = 50
MIN_QUESTIONS = 8
MAX_SOURCES = 3  # a card lists them, strongest first; more than three is a reading list, not a citation
# A paper is cited by its identifier, so its address must carry one: a DOI on doi.org, a PMID on
# PubMed, a Bookshelf ID for StatPearls on NCBI (other NCBI paths are copies of papers with a DOI).
_IDENTIFIER_PATHS: dict[str, tuple[str, re.Pattern[str]]] = {
    "doi.org": ("a DOI", re.compile(r"^/10\.\d{4,9}/\S+$")),
    "pubmed.ncbi.nlm.nih.gov": ("a PubMed ID", re.compile(r"^/\d{1,9}/?$")),
    "www.ncbi.nlm.nih.gov": ("an NCBI Bookshelf", re.compile(r"^/books/NBK\d+/?$")),
}
_SAMPLE_OK = re.compile(r"^[a-z' .]+$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Locale settings every text may name: spoken words by default, a ``<key>_digits`` form on cards.
# The crisis line and urgent-advice line differ by country, so safety texts never hard-code them.
LOCALE_PLACEHOLDERS = ("emergency_number", "crisis_service", "crisis_line", "urgent_advice", "advice_line")


@dataclass(frozen=True)
class Source:
    """A citation as a card shows it: who published it (from the allow-list), its title and address."""

    title: str
    url: str
    publisher: str


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    answer: str
    more: str | None
    card: str
    offer: str
    questions: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class LocaleContent:
    locale: str
    topics: dict[str, Topic]
    routines: dict[str, Routine]
    cues: Cues
    prompts: dict[str, str | tuple[str, ...]]
    settings: dict[str, str]
    examples: tuple[str, ...]

    def prompt(self, key: str, rng: random.Random | None = None, **values: Any) -> str:
        """A prompt with its placeholders filled; lists of variants pick one (seeded ``rng`` for tests)."""
        return self.fill(self.template(key, rng), **values)

    def template(self, key: str, rng: random.Random | None = None) -> str:
        """The prompt's words before filling; of several variants, one (so speech and card can agree)."""
        template = self.prompts[key]
        return (rng or random).choice(template) if isinstance(template, tuple) else template

    def fill(self, template: str, *, card: bool = False, **values: Any) -> str:
        """Fill the locale's numbers (words for speech, digits for cards) and any other placeholders."""
        numbers = {k: self.settings.get(f"{k}_digits", self.settings[k]) if card else self.settings[k]
                   for k in LOCALE_PLACEHOLDERS}
        return " ".join(template.format(**numbers, **values).split())

    def composer(self, routine_id: str) -> Composer:
        return Composer(self.routines[routine_id], self.cues)


def _words(text: str) -> int:
    return len(text.split())


@cache
def publishers() -> dict[str, str]:
    """The allow-list of authoritative publishers, host -> name (``publishers.json``).

    Kept as data beside the content so a reviewer can see, and a test can enforce, exactly whose
    pages the skill may cite: original publishers only, never copies, mirrors or content farms.
    """
    data = read_json(PUBLISHERS_FILE)
    table = data.get("publishers") if isinstance(data, dict) else None
    if not isinstance(table, dict) or not table or not all(
            isinstance(host, str) and host == host.strip().lower() and isinstance(name, str) and name.strip()
            for host, name in table.items()):
        raise ContentError(f"{PUBLISHERS_FILE}: 'publishers' must map lower-case hosts to publisher names")
    return table


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_source(data: Any, where: str) -> Source:
    """One citation, refused unless it is an https page of an allow-listed publisher.

    A raw IP address or an odd port is how mirrors show up, and a paper must be cited by its DOI or
    PubMed ID, so those are refused with a message that names the file, topic and address.
    """
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not data["title"].strip() \
            or not isinstance(data.get("url"), str):
        raise ContentError(f"{where}: each source needs a title and a url")
    url = data["url"]
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https":
        raise ContentError(f"{where}: source {url!r} must use https")
    if _is_ip_address(host) or any(c in parts.netloc for c in ":@"):
        raise ContentError(f"{where}: source {url!r} must name its publisher's host, not an IP address or port")
    publisher = publishers().get(host)
    if publisher is None:
        raise ContentError(f"{where}: source {url!r}: {host!r} is not on the allow-list in {PUBLISHERS_FILE.name}")
    if host in _IDENTIFIER_PATHS:
        kind, shape = _IDENTIFIER_PATHS[host]
        if not shape.match(parts.path) or parts.query or parts.fragment:
            raise ContentError(f"{where}: source {url!r} must be {kind} address")
    title = data["title"].strip()
    if title.lower().startswith(f"{publisher.lower()}:"):  # the card already says who published it
        raise ContentError(f"{where}: source title {title!r} repeats its publisher {publisher!r}")
    return Source(title, url, publisher)


def parse_topic(topic_id: str, data: Any, where: str) -> Topic:
    """One topic, checked for everything a listener or the interaction model depends on."""
    where = f"{where}: topic '{topic_id}'"
    if not isinstance(data, dict):
        raise ContentError(f"{where} must be an object")
    for key in ("title", "answer", "card", "offer"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ContentError(f"{where}: '{key}' must be a non-empty string")
    answer, more = data["answer"].strip(), data.get("more")
    if _words(answer) > MAX_ANSWER_WORDS:
        raise ContentError(f"{where}: answer has {_words(answer)} words (max {MAX_ANSWER_WORDS}, about 20 s)")
    if more is not None and (not isinstance(more, str) or not more.strip()):
        raise ContentError(f"{where}: 'more' must be a non-empty string when present")
    for key, text in (("answer", answer), ("more", more or "")):
        if re.search(r"\d", text):
            raise ContentError(f"{where}: '{key}' has digits; write numbers as words for speech")
        if any(name not in LOCALE_PLACEHOLDERS for name in _PLACEHOLDER.findall(text)):
            raise ContentError(f"{where}: '{key}' has an unknown placeholder")
    if data["offer"] not in OFFERS:
        raise ContentError(f"{where}: 'offer' must be one of {OFFERS}")
    if data["offer"] == "more" and not more:
        raise ContentError(f"{where}: offer 'more' needs a 'more' text")
    if len(data["card"]) > 400:
        raise ContentError(f"{where}: card text over 400 characters")
    questions = data.get("questions")
    if not isinstance(questions, list) or len(questions) < MIN_QUESTIONS:
        raise ContentError(f"{where}: needs at least {MIN_QUESTIONS} questions")
    for q in questions:
        if not isinstance(q, str) or not _SAMPLE_OK.match(q) or q != q.strip() or "  " in q:
            raise ContentError(f"{where}: question {q!r} must be lower case words (apostrophes and periods only)")
    sources = data.get("sources")
    if not isinstance(sources, list) or not 1 <= len(sources) <= MAX_SOURCES:
        raise ContentError(f"{where}: needs one to {MAX_SOURCES} sources, strongest first")
    return Topic(topic_id, data["title"].strip(), answer, more.strip() if more else None, data["card"].strip(),
                 data["offer"], tuple(questions), tuple(parse_source(s, where) for s in sources))


def _check_routines(routines: dict[str, Routine], cues: Cues, where: str) -> None:
    """Every step must fit one response alone at the slowest pace, or the chunker could not send it."""
    synonyms: set[str] = set()
    for routine in routines.values():
        for syn in routine.synonyms:
            if syn in synonyms or not _SAMPLE_OK.match(syn):
                raise ContentError(f"{where}: routine synonym {syn!r} is duplicated or not plain lower case")
            synonyms.add(syn)
        composer = Composer(routine, cues)
        for pace in ("slower", "normal", "faster"):
            for brief in (False, True):
                style = Style(pace, brief)
                for i in range(len(routine.steps)):
                    plan = composer.step(i, style)
                    if i == 0:
                        plan = composer.intro(style) + plan
                    if i == len(routine.steps) - 1:
                        plan = plan + composer.closing(style)
                    try:
                        ok = fits(plan)
                    except SSMLError as exc:
                        raise ContentError(f"{where}: routine '{routine.id}' step {i} at {pace} pace: {exc}") from exc
                    if not ok:
                        raise ContentError(f"{where}: routine '{routine.id}' step {i} is too long for one response")


@cache
def load(locale: str = DEFAULT_LOCALE) -> LocaleContent:
    """The validated content for ``locale``; cached, so handlers can call it on every request."""
    folder = CONTENT_DIR / locale
    if not folder.is_dir():
        raise ContentError(f"no content for locale {locale!r}")
    topics_file, routines_file, prompts_file = (folder / n for n in ("topics.json", "routines.json", "prompts.json"))
    topics_data = read_locale_data(locale, "topics").get("topics", {})
    missing = [t for t in TOPIC_IDS if t not in topics_data]
    extra = [t for t in topics_data if t not in TOPIC_IDS]
    if missing or extra:
        raise ContentError(f"{topics_file}: missing topics {missing}, unknown topics {extra}")
    topics = {t: parse_topic(t, topics_data[t], str(topics_file)) for t in TOPIC_IDS}
    seen: dict[str, str] = {}
    for topic in topics.values():
        for q in topic.questions:
            if q in seen and seen[q] != topic.id:
                raise ContentError(f"{topics_file}: question {q!r} is in both {seen[q]} and {topic.id}")
            seen[q] = topic.id
    routines_data = read_locale_data(locale, "routines")
    cues = parse_cues(routines_data.get("cues"), str(routines_file))
    raw_routines = routines_data.get("routines", {})
    if sorted(raw_routines) != sorted(ROUTINE_IDS):
        raise ContentError(f"{routines_file}: routines must be exactly {ROUTINE_IDS}")
    routines = {r: parse_routine(r, raw_routines[r], str(routines_file)) for r in ROUTINE_IDS}
    _check_routines(routines, cues, str(routines_file))
    prompts_data = read_locale_data(locale, "prompts")
    prompts = {k: tuple(v) if isinstance(v, list) else v for k, v in prompts_data.get("prompts", {}).items()}
    missing_prompts = [k for k in required_prompts() if k not in prompts]
    if missing_prompts:
        raise ContentError(f"{prompts_file}: missing prompts {missing_prompts}")
    settings = prompts_data.get("locale", {})
    for key in (*LOCALE_PLACEHOLDERS, *(f"{k}_digits" for k in LOCALE_PLACEHOLDERS), "skill_name"):
        if not isinstance(settings.get(key), str):
            raise ContentError(f"{prompts_file}: locale.{key} must be a string")
    return LocaleContent(locale, topics, routines, cues, prompts, settings, tuple(prompts_data.get("examples", ())))


@cache
def available_locales() -> tuple[str, ...]:
    """Locales with a content folder (scanned once: handlers ask on every request)."""
    return tuple(sorted(p.name for p in CONTENT_DIR.iterdir() if has_content(p)))


@cache
def required_prompts() -> tuple[str, ...]:
    """The reference locale's prompt keys: every other locale must define the same ones."""
    return tuple(read_json(CONTENT_DIR / DEFAULT_LOCALE / "prompts.json")["prompts"].keys())
