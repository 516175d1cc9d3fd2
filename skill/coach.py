"""The conversation, as pure decisions: what to say, what to remember, whether to keep listening.

Every intent the skill handles is one method here. Methods read the request's facts (text, slot
values) and the current state (session attributes, the user's profile) and return a :class:`Turn`;
they never touch the ASK SDK, so the whole conversation is testable without envelopes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from skill.content import LocaleContent, Topic
from skill.player import AudioCommand
from skill.profile import Profile, Unfinished
from skill.routine.compose import RESPONSE_SECONDS, RESPONSE_SSML_CHARS, Style, stated_half_minutes
from skill.routine.state import RoutineState
from skill.speech.estimate import estimate_seconds
from skill.speech.plan import PACE_ORDER, PACES, Plan, Silence
from skill.speech.ssml import render_body
from skill.text import number_words
from skill.understanding.ranker import Ranker, load_lexicon
from skill.understanding.scope import load_scope
from skill.understanding.screen import Finding, check
from skill.understanding.semantic import semantic_index

RED_FLAGS = "red_flags"
WORRIED_ABOUT_SOMEONE = "worried_about_someone"  # how to help a person who may be suicidal
URGENT_KEY = "urgent"  # set on the urgent response only, to the red flag's category
# Topics whose answer tells a person how to massage, stretch or use something: never the answer to
# words that may describe a warning sign (the warning signs are, instead).
HOW_TO_TOPICS = frozenset({
    "self_massage", "suboccipital_release", "ball_release", "acupressure", "scalp_massage", "pressure", "hold_time",
    "frequency", "stretches", "flare_relief", "breathing", "posture", "heat_ice", "devices", "tens", "sleep",
})
URGENT_RATE = 100  # urgent answers at Alexa's own clear speed, whatever pace the routine uses
# "More" comes in pages of whole sentences: with its follow-up question each stays within about 20 s.
MORE_PAGE_SECONDS = 17.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Card:
    title: str
    text: str


@dataclass(frozen=True)
class Turn:
    """One response. ``reprompt`` is ``None`` exactly when the session ends."""

    speech: Plan
    session: dict[str, Any]
    profile: Profile
    reprompt: Plan | None = None
    timed: Plan | None = None
    card: Card | None = None
    unsaved: Plan | None = None  # said instead of ``speech`` when the profile could not be saved
    audio: AudioCommand | None = None  # for the device's audio player (long-form mode)

    @property
    def ends_session(self) -> bool:
        return self.reprompt is None


def informational_topic(finding: Finding, matched: str | None) -> str:
    """The answer to a general question about a warning sign: the matched topic if the screen lists it
    for that sign, else the headache warning signs, or, for a sign whose topics leave those out (a
    question about someone else's suicide risk), the sign's own first topic."""
    if matched is not None and matched in finding.informs:
        return matched
    return RED_FLAGS if RED_FLAGS in finding.informs or not finding.informs else finding.informs[0]


_RANKERS: dict[str, Ranker] = {}


def ranked_topics(content: LocaleContent) -> dict[str, tuple[tuple[str, ...], str]]:
    """What the ranker knows of each topic: its sample questions with its title last, and its answer text."""
    return {t.id: ((*t.questions, t.title), f"{t.answer} {t.more or ''}") for t in content.topics.values()}


def build_ranker(topics: dict[str, tuple[tuple[str, ...], str]], locale: str,
                 outside: Iterable[str] | None = None) -> Ranker:
    """A ranker over ``topics`` (as :func:`ranked_topics` gives them), hybrid when the embedding model is
    there; ``outside``, when given, replaces the scope's refusal examples."""
    semantic = semantic_index({topic: questions for topic, (questions, _) in topics.items()}, outside)
    return Ranker(topics, load_lexicon(locale.split("-")[0]), semantic=semantic)


def ranker_for(content: LocaleContent) -> Ranker:
    """One ranker per locale, built on first use: a few milliseconds lexical, a few tenths of a second
    when the sentence-embedding model is there to load (hybrid ranking)."""
    if content.locale not in _RANKERS:
        _RANKERS[content.locale] = build_ranker(ranked_topics(content), content.locale)
    return _RANKERS[content.locale]


@dataclass
class Coach:
    """The conversation for one request. Build it, call one method, send the returned turn."""

    content: LocaleContent
    profile: Profile
    session: dict[str, Any] = field(default_factory=dict)
    now: float = 0.0  # epoch seconds; places an interruption within the last response's audio
    heard: float | None = None  # seconds of the last response the client's player had played, if it says
    rng: random.Random = field(default_factory=random.Random)

    # ----- helpers -------------------------------------------------------------------------------
    @property
    def rate(self) -> int:
        return int(PACES[self.profile.pace]["rate"])

    def say(self, *texts: str | None) -> Plan:
        """Plain prompts at the user's pace: calm by default, slower or faster when they asked."""
        return Plan.of(*texts, rate=self.rate)

    def p(self, key: str, **values: Any) -> str:
        return self.content.prompt(key, self.rng, **values)

    def _session(self, **changes: Any) -> dict[str, Any]:
        """A copy of the session attributes with ``changes``; a value of ``None`` removes the key."""
        out = dict(self.session)
        for key, value in changes.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out

    def _turn(self, speech: Plan, reprompt: Plan | None, *, card: Card | None = None, timed: Plan | None = None,
              profile: Profile | None = None, **session: Any) -> Turn:
        if reprompt is not None and "last_speech" not in session and timed is None:
            session["last_speech"] = speech.text()
        session.setdefault(URGENT_KEY, None)  # only an urgent answer carries the key
        return Turn(speech, self._session(**session), profile or self.profile, reprompt, timed, card)

    @property
    def routine(self) -> RoutineState | None:
        """The routine in progress; a routine whose last response is still playing counts as running."""
        counts = {r: len(v.steps) for r, v in self.content.routines.items()}
        state = RoutineState.from_dict(self.session.get("routine"), counts)
        if state is not None and state.final and state.playing_step(self.now, self.heard) is None:
            self.session = self._session(routine=None)  # the last response has been heard: it is over
            return None
        return state

    def _open(self, speech: Plan, reprompt_key: str, **kw: Any) -> Turn:
        return self._turn(speech, self.say(self.p(reprompt_key)), **kw)

    # ----- launch, help, fallback, stop ------------------------------------------------------------
    def launch(self) -> Turn:
        parts: list[str] = []
        profile = self.profile
        if not profile.disclaimer_heard:
            parts += [self.p("welcome_first"), self.p("disclaimer")]
            profile = replace(profile, disclaimer_heard=True)
        else:
            parts.append(self.p("welcome_back"))
        if profile.unfinished:
            routine = self.content.routines[profile.unfinished.routine]
            offer = self.p("launch_resume", step=number_words(profile.unfinished.step + 1), routine=routine.name)
            return self._turn(self.say(*parts, offer), self.say(offer), profile=profile, offer="resume")
        parts.append(self.p("launch_menu") if not self.profile.disclaimer_heard else self.p("launch_menu_brief"))
        return self._turn(self.say(*parts), self.say(self.p("launch_menu")), profile=profile)

    def help(self) -> Turn:
        self._settle()
        extra = self._mid_routine_offer()
        return self._open(self.say(self.p("help"), extra), "help_reprompt", offer=None)

    def fallback(self) -> Turn:
        self._settle()
        extra = self._mid_routine_offer()
        if extra:
            return self._turn(self.say(extra), self.say(self.p("continue_reprompt")))
        return self._open(self.say(self.p("fallback")), "fallback_reprompt", offer=None)

    def stop(self) -> Turn:
        """Stop or cancel: save the place in a routine, say goodbye, end the session."""
        state, _ = self._settle()
        goodbye = self.p("goodbye")
        if not state:
            return self._turn(self.say(goodbye), None, routine=None, offer=None)
        place = {"step": number_words(state.step + 1), "routine": self.content.routines[state.id].name}
        turn = self._turn(self.say(self.p("stopped_saved", **place), goodbye), None,
                          profile=self._save_place(state), routine=None, offer=None)
        return replace(turn, unsaved=self.say(self.p("stopped_not_saved", **place), goodbye))

    def session_ended(self) -> Turn:
        state, _ = self._settle()
        profile = self._save_place(state) if state else self.profile
        return Turn(Plan(), self._session(routine=None), profile, None)

    def thanks(self) -> Turn:
        """A thank-you is not a question: acknowledge it, and keep a routine's place on offer."""
        self._settle()
        follow = self._mid_routine_offer() or self.p("what_next")
        return self._turn(self.say(self.p("thanks"), follow), self.say(follow))

    def unknown_intent(self) -> Turn:
        return self.fallback()

    # ----- questions and answers ------------------------------------------------------------------
    def question(self, text: str | None) -> Turn:
        """Free text: the safety screen first, always; then the scope and the ranker; then an honest "don't know"."""
        text = (text or "").strip()
        self._settle()
        if not text:
            return self.fallback()
        finding = check(text, self.content.locale)
        if finding.urgent:
            return self.urgent(finding.category, someone_else=finding.someone_else)
        if self.session.get("offer") == "safety_check":
            # Anything but a clear yes or no to the safety question is asked again, never guessed.
            return self._ask_safety_again()
        # Another body part, condition or everyday request is refused, not answered with a near neighbour.
        excluded = load_scope(self.content.locale.split("-")[0]).excludes(text)
        ranker = ranker_for(self.content)
        match = None if excluded else ranker.best(text)
        if match is not None and match.topic in HOW_TO_TOPICS and (finding.caution or not ranker.sure(match)):
            # Instructions only for words that read like no warning sign and surely ask for them: an
            # unsure match gives the warning signs when the words name a symptom, else an honest "don't know".
            if finding.caution or finding.signs or finding.suppressed:
                return self.topic(RED_FLAGS)
            match = None
        if finding.informational:
            # Only topics the screen lists for that warning sign may answer a general question about
            # it ("can whiplash cause it"); anything else, a how-to say, gives way to the warning signs,
            # so a red-flag question never gets massage instructions.
            return self.topic(informational_topic(finding, match.topic if match is not None else None))
        if match is None:
            examples = self.content.examples
            listed = ", ".join(examples[:-1]) + f", or {examples[-1]}" if len(examples) > 1 else "".join(examples)
            extra = self._mid_routine_offer()
            return self._turn(self.say(self.p("unknown_question", examples=listed), extra),
                              self.say(extra or self.p("unknown_question_reprompt")), last_topic=None, offer=None)
        return self.topic(match.topic)

    def described(self, text: str | None, category: str | None = None) -> Turn:
        """Words Alexa's model heard as a symptom description: our own screen decides first (it knows
        negation and remote time); Alexa's resolved category is the fallback when the screen is silent.
        Words the screen set aside as negated or past go on as an ordinary question."""
        finding = check(text or "", self.content.locale)
        if finding.urgent:
            return self.urgent(finding.category, someone_else=finding.someone_else)
        if finding.informational or (text and category in finding.suppressed):
            return self.question(text)
        return self.urgent(category) if category or not text else self.question(text)

    def asked_topic(self, text: str | None, topic_id: str | None) -> Turn:
        """A question Alexa resolved to a topic: the words are screened first, like every question."""
        finding = check(text or "", self.content.locale)
        if finding.urgent:
            return self.urgent(finding.category, someone_else=finding.someone_else)
        if finding.informational or topic_id not in self.content.topics:
            return self.question(text)
        if text and (topic_id in HOW_TO_TOPICS or finding.caution):
            # Instructions follow our own measured reading of the words (caution, a sure match), not
            # the device's resolution alone: the same words get the same answer on every path.
            return self.question(text)
        if self.session.get("offer") == "safety_check":
            return self._ask_safety_again()
        return self.topic(topic_id)

    def urgent(self, category: str | None = None, someone_else: bool = False) -> Turn:
        """A red flag: the answer for that situation, once, clearly; any routine is set aside and no
        routine starts again in this session. Crisis statements get the crisis line, calmly; about
        someone else ("my friend says she wants to die"), how to help them, and "more" goes on with
        the signs to take seriously (the worried-about-someone topic)."""
        key = f"urgent_{category}_someone" if someone_else else f"urgent_{category}"
        if key not in self.content.prompts:
            key, someone_else = f"urgent_{category}", False
        if key not in self.content.prompts:
            category, key = category or "general", "urgent_general"
        state, _ = self._settle()
        profile = self._save_place(state) if state else self.profile
        template = self.content.template(key, self.rng)  # the card repeats the very words spoken
        speech = Plan.of(self.content.fill(template), rate=max(self.rate, URGENT_RATE))
        reprompt = Plan.of(self.p("crisis_reprompt" if category == "crisis" else "urgent_reprompt"),
                           rate=max(self.rate, URGENT_RATE))
        card = Card(self.p("urgent_card_title"), self.content.fill(template, card=True))
        last_topic = WORRIED_ABOUT_SOMEONE if someone_else else RED_FLAGS
        return self._turn(speech, reprompt, card=card, profile=profile, last_topic=last_topic, offer=None,
                          routine=None, pending_routine=None, routine_blocked=True, blocked_for=category,
                          **{URGENT_KEY: category})

    def topic(self, topic_id: str) -> Turn:
        self._settle()
        topic = self.content.topics[topic_id]
        answer = self.content.fill(topic.answer)
        extra = self._mid_routine_offer()
        if extra:
            follow, offer = extra, "continue"
        elif topic.offer == "more":
            follow, offer = self.p("offer_more"), "more"
        elif topic.offer == "routine":
            follow, offer = self.p("offer_routine"), "routine"
        else:
            follow, offer = self.p("what_next"), None
        return self._turn(self.say(answer, follow), self.say(follow), card=self._card(topic),
                          last_topic=topic_id, offer=offer, more_page=None)

    def more(self) -> Turn:
        """The rest of the last topic, a page of at most about 20 s at a time, each but the last
        ending with an offer of more (the card holds it all)."""
        self._settle()
        topic_id = self.session.get("last_topic")
        topic = self.content.topics.get(topic_id) if isinstance(topic_id, str) else None
        routine_offer = self._mid_routine_offer()
        if topic is None or topic.more is None:
            follow = routine_offer or self.p("what_next")
            return self._turn(self.say(self.p("no_more"), follow), self.say(follow), offer=None, more_page=None)
        pages = self._pages(self.content.fill(topic.more))
        page = self.session.get("more_page", 0)
        page = page if isinstance(page, int) and 0 <= page < len(pages) else 0
        card = Card(topic.title, self.content.fill(topic.more, card=True))
        if page + 1 < len(pages):
            follow = self.p("offer_more")
            return self._turn(self.say(pages[page], follow), self.say(follow), card=card, offer="more",
                              more_page=page + 1)
        follow = routine_offer or self.p("what_next")
        offer = "continue" if self.routine else None
        return self._turn(self.say(pages[page], follow), self.say(follow), card=card, offer=offer, more_page=None)

    def _pages(self, text: str) -> list[str]:
        """Whole sentences packed into pages of at most MORE_PAGE_SECONDS at the user's pace."""
        pages: list[str] = []
        for sentence in _SENTENCE_END.split(text.strip()):
            joined = f"{pages[-1]} {sentence}" if pages else sentence
            if pages and estimate_seconds(self.say(joined)) <= MORE_PAGE_SECONDS:
                pages[-1] = joined
            else:
                pages.append(sentence)
        return pages

    def repeat(self) -> Turn:
        """In a routine: the step being played when interrupted, else the step just heard."""
        state, interrupted = self._settle()
        if state:
            return self._play(state, state.step if interrupted else max(0, state.step - 1), lead=None)
        finished = self._just_finished()
        if finished is not None:  # "repeat" straight after the end: the routine's last step again
            return self._gate(finished, len(self.content.routines[finished].steps) - 1, None, with_intro=False)
        last = self.session.get("last_speech")
        if not isinstance(last, str) or not last:
            return self._open(self.say(self.p("nothing_to_repeat"), self.p("launch_menu_brief")), "launch_menu")
        return self._turn(self.say(last), self.say(self.p("what_next")))

    def _just_finished(self) -> str | None:
        """The routine whose end was the last thing said, if any: "repeat" and "start over" mean it."""
        finished = self.session.get("finished_routine")
        return finished if finished in self.content.routines and not self.session.get("last_speech") else None

    def _card(self, topic: Topic) -> Card:
        """The answer in writing, then who published each source and its title: a reader can judge a
        source by its publisher, and a bare address on a phone screen tells them nothing."""
        sources = "\n".join(f"- {s.publisher}: {s.title}" for s in topic.sources)
        return Card(topic.title, f"{self.content.fill(topic.card, card=True)}\n\nSources:\n{sources}")

    # ----- yes / no ---------------------------------------------------------------------------------
    def yes(self) -> Turn:
        offer = self.session.get("offer")
        if offer == "safety_check":
            return self._safety_sign_present()
        if self.routine:
            return self.resume()
        if offer == "more":
            return self.more()
        if offer == "routine":
            return self.choose_routine()
        if offer == "resume":
            return self.resume()
        if offer == "choose_routine":
            return self.choose_routine()
        return self._open(self.say(self.p("what_next")), "launch_menu", offer=None)

    def no(self) -> Turn:
        offer = self.session.get("offer")
        if offer == "safety_check":
            return self._safety_clear()
        if self.routine:
            return self.pause()
        if offer in ("more", "routine", "resume", "choose_routine"):
            return self._turn(self.say(self.p("ok_no"), self.p("what_next")), self.say(self.p("what_next")),
                              offer=None)
        return self.stop()

    # ----- the safety check before a routine --------------------------------------------------------
    def _gate(self, routine_id: str, step: int, lead: str | None, *, with_intro: bool) -> Turn:
        """Every routine start passes here: none after an urgent answer in this session, and none
        before this session's safety check ("yes" means a warning sign applies, so it cannot be
        answered backwards by a hurried "yes, go on")."""
        if self.session.get("routine_blocked"):
            return self._blocked()
        if not self.session.get("safety_checked"):
            key = "safety_check_short" if self.profile.safety_checked else "safety_check"
            pending = {"id": routine_id, "step": step, "lead": lead or "", "intro": with_intro}
            return self._turn(self.say(self.p(key)), self.say(self.p("safety_check_reprompt")),
                              offer="safety_check", pending_routine=pending)
        return self._start(routine_id, step, lead, with_intro=with_intro)

    def _start(self, routine_id: str, step: int, lead: str | None, *, with_intro: bool) -> Turn:
        """A routine begins (or resumes) once the checks have passed: here, as spoken chunks."""
        state = RoutineState(routine_id, step, self.profile.pace)
        return self._play(state, step, lead=lead, with_intro=with_intro)

    def _blocked(self) -> Turn:
        """No routine after an urgent answer, or after a warning sign at the safety check, this session.
        After a crisis answer "get checked first" would be the wrong words: it says the crisis line again."""
        if self.session.get("blocked_for") == "crisis":
            return self._open(self.say(self.p("routine_blocked_crisis")), "crisis_reprompt", offer=None,
                              pending_routine=None)
        return self._open(self.say(self.p("routine_blocked")), "urgent_reprompt", offer=None, pending_routine=None)

    def _ask_safety_again(self) -> Turn:
        return self._turn(self.say(self.p("not_understood_yes_no"), self.p("safety_check_reprompt")),
                          self.say(self.p("safety_check_reprompt")))

    def _safety_sign_present(self) -> Turn:
        """A warning sign applies today: advice instead of the routine, and no routine this session."""
        speech = self.say(self.p("safety_check_yes"))
        return self._open(speech, "urgent_reprompt", offer=None, pending_routine=None, routine_blocked=True)

    def _safety_clear(self) -> Turn:
        pending = self.session.get("pending_routine")
        self.profile = replace(self.profile, safety_checked=True)
        self.session = self._session(pending_routine=None, offer=None, safety_checked=True)
        if not isinstance(pending, dict) or pending.get("id") not in self.content.routines:
            return self.choose_routine()
        routine = self.content.routines[pending["id"]]
        step = pending.get("step")
        step = step if isinstance(step, int) and 0 <= step < len(routine.steps) else 0
        lead = pending.get("lead") if isinstance(pending.get("lead"), str) and pending.get("lead") else None
        return self._gate(routine.id, step, lead, with_intro=pending.get("intro") is True)

    # ----- routines -------------------------------------------------------------------------------
    def choose_routine(self) -> Turn:
        style = Style(self.profile.pace, brief=self.profile.completed_any())
        items = [self.p("choose_routine_item", title=r.title, description=r.description,
                        minutes=self._minutes(estimate_seconds(self.content.composer(r.id).whole(style))))
                 for r in self.content.routines.values()]
        speech = self.say(self.p("choose_routine", choices=". ".join(items)))
        return self._turn(speech, self.say(self.p("choose_routine_reprompt")), offer="choose_routine")

    def start_routine(self, routine_id: str | None, *, unknown: bool = False) -> Turn:
        if self.session.get("routine_blocked"):
            return self._blocked()  # not a menu of routines that would then be refused
        if routine_id is None:
            turn = self.choose_routine()
            if unknown:
                return replace(turn, speech=self.say(self.p("unknown_routine")) + turn.speech)
            return turn
        name = self.content.routines[routine_id].name
        return self._gate(routine_id, 0, self.p("routine_start", routine=name), with_intro=True)

    def resume(self) -> Turn:
        if self.session.get("offer") == "safety_check":
            return self._ask_safety_again()  # "carry on" is no answer to "any warning signs?"
        if self.session.get("routine_blocked"):
            return self._blocked()
        state = self.routine
        if state is None and self.profile.unfinished:
            unfinished = self.profile.unfinished
            if unfinished.step < len(self.content.routines[unfinished.routine].steps):
                # Back after a break: this session's safety check, then the stop reminder, once.
                return self._gate(unfinished.routine, unfinished.step, self.content.cues.stop_reminder,
                                  with_intro=False)
        if state is None or state.step >= len(self.content.routines[state.id].steps):
            return self._open(self.say(self.p("nothing_to_resume"), self.p("launch_menu_brief")), "launch_menu")
        return self._play(state, state.step, lead=None)

    def next_step(self) -> Turn:
        """Skip to the step after the one being played, or after the last one heard."""
        state, interrupted = self._settle()
        if state is None:
            return self.resume()
        return self._play(state, state.step + 1 if interrupted else state.step, lead=None)

    def previous_step(self) -> Turn:
        state, interrupted = self._settle()
        if state is None:
            return self.resume()
        current = state.step if interrupted else max(0, state.step - 1)
        if current == 0:
            return self._play(state, 0, lead=self.p("back_at_start"))
        return self._play(state, current - 1, lead=None)

    def start_over(self) -> Turn:
        state = self.routine
        if state is not None:
            title = self.content.routines[state.id].name
            return self._play(state, 0, lead=self.p("start_over", routine=title), with_intro=True)
        routine_id = self._just_finished() or (self.profile.unfinished.routine if self.profile.unfinished else None)
        if routine_id is not None:
            title = self.content.routines[routine_id].name
            return self._gate(routine_id, 0, self.p("start_over", routine=title), with_intro=True)
        return self.choose_routine()

    def pause(self) -> Turn:
        state, _ = self._settle()
        if state is None:
            return self._open(self.say(self.p("progress_none")), "launch_menu")
        total = len(self.content.routines[state.id].steps)
        place = {"step": number_words(state.step + 1), "total": number_words(total)}
        turn = self._turn(self.say(self.p("paused", **place)), self.say(self.p("paused_reprompt")),
                          profile=self._save_place(state), routine=replace(state, paused=True).to_dict(),
                          offer="resume")
        return replace(turn, unsaved=self.say(self.p("paused_not_saved", **place)))

    def _next_pace(self, pace: str, direction: int) -> tuple[str, str]:
        """The pace one step slower (-1) or faster (+1) than ``pace``, and what to say about it."""
        index = PACE_ORDER.index(pace) + direction
        if not 0 <= index < len(PACE_ORDER):
            return pace, self.p("pace_slowest" if direction < 0 else "pace_fastest")
        return PACE_ORDER[index], self.p("pace_slower" if direction < 0 else "pace_faster")

    def change_pace(self, direction: int) -> Turn:
        """Slower (-1) or faster (+1): holds, breaths and speech all follow; the choice is remembered."""
        new_pace, lead = self._next_pace(self.profile.pace, direction)
        self.profile = replace(self.profile, pace=new_pace)
        state, _ = self._settle()
        if state:
            return self._play(replace(state, pace=new_pace), state.step, lead=lead)
        return self._turn(self.say(lead, self.p("pace_set"), self.p("what_next")), self.say(self.p("what_next")))

    def progress(self) -> Turn:
        state, _ = self._settle()
        if state is None:
            return self._open(self.say(self.p("progress_none")), "launch_menu")
        routine = self.content.routines[state.id]
        remaining = self.content.composer(state.id).remaining_seconds(state.step, self._style(state))
        speech = self.say(self.p("progress", step=number_words(state.step + 1), total=number_words(len(routine.steps)),
                                 title=routine.steps[state.step].title, minutes=self._minutes(remaining)),
                          self.p("continue_prompt"))
        return self._turn(speech, self.say(self.p("continue_reprompt")), offer="continue")

    # ----- routine internals ----------------------------------------------------------------------
    def _settle(self) -> tuple[RoutineState | None, bool]:
        """Account for a command that interrupted playback: the resume point moves back to the step
        that was playing, so nothing is skipped. Returns the settled routine and whether it was cut short.
        Continue-like commands do not call this: they always carry on after the last response."""
        state = self.routine
        if state is None:
            return None, False
        playing = state.playing_step(self.now, self.heard)
        settled = replace(state.settled(), step=playing if playing is not None else state.step)
        self.session = self._session(routine=settled.to_dict())
        return settled, playing is not None

    def _style(self, state: RoutineState) -> Style:
        seed = sum(self.profile.completed.values()) + state.step
        return Style(state.pace, brief=self.profile.completed_any(), seed=seed)

    def _minutes(self, seconds: float) -> str:
        """A length as a listener says it, to the nearest half minute ("three and a half minutes")."""
        halves = stated_half_minutes(seconds)
        whole, half = divmod(halves, 2)
        if whole == 0:
            return self.p("minutes_half")
        if whole == 1:
            return self.p("minutes_one_half" if half else "minutes_one")
        return self.p("minutes_many_half" if half else "minutes_many", count=number_words(whole))

    def _save_place(self, state: RoutineState) -> Profile:
        """The profile with this routine's place (and pace) remembered for next time."""
        return replace(self.profile, unfinished=Unfinished(state.id, state.step, int(self.now)), pace=state.pace)

    def _mid_routine_offer(self) -> str | None:
        state = self.routine
        if state is None:
            return None
        title = self.content.routines[state.id].name
        return self.p("mid_routine_offer", routine=title, step=number_words(state.step + 1))

    def _play(self, state: RoutineState, start: int, *, lead: str | None, with_intro: bool = False) -> Turn:
        """Play as many whole steps as fit from ``start``, then prompt, or close the routine at the end."""
        routine = self.content.routines[state.id]
        if start >= len(routine.steps):  # "next" on the last step
            speech = self.say(self.p("last_step_done"), self.p("routine_done_next"))
            return self._turn(speech, self.say(self.p("routine_done_next")), routine=None, offer=None,
                              finished_routine=state.id)
        composer = self.content.composer(state.id)
        speech = self.say(lead) if lead else Plan()
        # The routine's own closing words say it is done; the skill adds only the safety line and what next.
        closing = Plan.of(Silence(1)) + self.say(self.p("routine_done_help"), self.p("routine_done_next"))
        prompt = self.say(self.p("continue_prompt"))
        reserve = estimate_seconds(speech) + max(estimate_seconds(closing), estimate_seconds(prompt))
        reserve_chars = len(render_body(speech)) + max(len(render_body(closing)), len(render_body(prompt)))
        timed, end, marks = composer.chunk(start, self._style(state), with_intro=with_intro,
                                           seconds=RESPONSE_SECONDS - reserve,
                                           chars=RESPONSE_SSML_CHARS - reserve_chars)
        covered = routine.steps[start:end]
        card_lines = [f"{start + i + 1}. {s.title}" for i, s in enumerate(covered)]
        card = Card(f"{routine.title}: steps {start + 1} to {end} of {len(routine.steps)}", "\n".join(card_lines))
        lead_seconds = estimate_seconds(speech)
        new_state = RoutineState(state.id, end, state.pace, chunk_start=start, sent_at=self.now,
                                 marks=tuple(lead_seconds + m for m in marks), final=end >= len(routine.steps))
        if end >= len(routine.steps):
            # The state lives on (one past the last step) while this last response plays, so pause,
            # back, repeat and stop still act on the step being heard.
            return self._turn(speech, self.say(self.p("routine_done_next")), timed=timed + closing, card=card,
                              profile=self.profile.finish(state.id), routine=new_state.to_dict(), offer=None,
                              last_speech=None, finished_routine=state.id)
        return self._turn(speech, self.say(self.p("continue_reprompt")), timed=timed + prompt, card=card,
                          profile=self._save_place(new_state), routine=new_state.to_dict(), offer="continue",
                          last_speech=None)
