"""Long-form mode: on a device with an audio player, a routine plays as one pre-rendered track.

Nobody has to say "continue" with their hands behind their head: after the safety check and the
menu (in the session, as always) the skill says a short intro, hands the device the track and ends
the session. From then on every request comes out of session: the player's events, its buttons,
and "Alexa, pause / next / slower ..." intents that carry the player's token and offset. So the
place lives in the profile (:class:`~skill.profile.TrackPlace`), and every command is worked out
from the offset and the track's rendered timeline (:class:`~skill.routine.tracks.Track`), never
from estimates.

:class:`LongFormCoach` is the :class:`~skill.coach.Coach` for such a device: each command acts on
the track when one of ours is in the player, and falls back to the chunked conversation otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from skill.coach import Coach, Turn
from skill.player import AudioCommand, Play, PlayerState, Stop
from skill.profile import Profile, TrackPlace, Unfinished
from skill.routine.tracks import EMPTY, Catalog, Track, parse_token
from skill.speech.plan import Plan
from skill.text import number_words

# A command that starts the track again without this session's safety check is trusted only within
# one sitting: the track was started after a check, and the place was saved this recently. After a
# longer break (the next day, say), the check is asked again, in a session, before playback.
SITTING_SECONDS = 30 * 60


@dataclass
class LongFormCoach(Coach):
    """The conversation on a device that can stream the routine tracks in ``catalog``."""

    catalog: Catalog = EMPTY
    base_url: str = ""
    player: PlayerState | None = None

    # ----- where the routine is -----------------------------------------------------------------
    def _track(self, routine_id: str, pace: str | None = None) -> Track | None:
        return self._fits(self.catalog.get(self.content.locale, routine_id, pace or self.profile.pace))

    def _ours(self, token: str | None) -> Track | None:
        """The track a token names, if it is one of ours in this locale (foreign and damaged: ``None``)."""
        return self._fits(self.catalog.by_token(token))

    def _fits(self, track: Track | None) -> Track | None:
        """A track only if it belongs to this locale and has one timeline entry per step of its routine
        (a manifest rendered from other content would put commands in the wrong step)."""
        routine = self.content.routines.get(track.routine) if track is not None else None
        if track is None or routine is None or track.locale != self.content.locale:
            return None
        return track if len(track.steps) == len(routine.steps) else None

    def _in_player(self, *, live_only: bool = True) -> tuple[Track, int] | None:
        """The track in the player and the offset it is at (clamped to the track), if it is ours.

        The player's own offset wins; a player that gives none falls back to the saved place. A routine
        running in chunks in this session (no track at this pace, say) wins over an old track in the player."""
        player = self.player
        if player is None or (live_only and not player.live) or self.routine is not None:
            return None
        track = self._ours(player.token)
        if track is None:
            return None
        offset = player.offset_ms
        if offset is None:
            place = self.profile.place
            offset = place.offset_ms if place is not None and place.token == track.token else 0
        return track, track.clamp(offset)

    def _placed(self, track: Track, offset_ms: int) -> Profile:
        """The profile with the track's place saved, to the millisecond, and the step it is in."""
        offset = track.clamp(offset_ms)
        now = int(self.now)
        return replace(self.profile, place=TrackPlace(track.token, offset, now),
                       unfinished=Unfinished(track.routine, track.step_at(offset), now))

    def _same_sitting(self, track: Track) -> bool:
        """Whether this routine's place was saved within the sitting (at whatever pace)."""
        place = self.profile.place
        placed = parse_token(place.token) if place is not None else None
        return place is not None and placed is not None and placed[:2] == (track.locale, track.routine) \
            and 0 <= self.now - place.when <= SITTING_SECONDS

    def _place_words(self, track: Track, offset_ms: int) -> dict[str, str]:
        routine = self.content.routines[track.routine]
        return {"step": number_words(track.step_at(offset_ms) + 1), "total": number_words(len(routine.steps)),
                "routine": routine.name}

    # ----- turns with the player ----------------------------------------------------------------
    def _stream(self, track: Track, offset_ms: int, speech: Plan) -> Turn:
        """Speak, then play ``track`` from ``offset_ms``; the session ends so the stream can start."""
        offset = track.clamp(offset_ms)
        turn = self._turn(speech, None, profile=self._placed(track, offset), routine=None, offer=None,
                          pending_routine=None)
        return replace(turn, audio=Play(track.token, track.url(self.base_url), offset))

    def _go(self, track: Track, offset_ms: int, lead: str | None = None) -> Turn:
        """Play from ``offset_ms`` now if this is the same sitting; else through the session's checks."""
        if self.session.get("routine_blocked"):
            return self._blocked()
        if self.session.get("safety_checked") or self._same_sitting(track):
            words = lead or self.p("longform_resume", **self._place_words(track, offset_ms))
            return self._stream(track, offset_ms, self.say(words))
        self.profile = self._placed(track, offset_ms)
        return self._gate(track.routine, track.step_at(offset_ms), lead, with_intro=False)

    def _silent(self, profile: Profile | None = None, audio: AudioCommand | None = None) -> Turn:
        """A response with nothing to say: what AudioPlayer and PlaybackController requests allow."""
        return Turn(Plan(), {}, profile or self.profile, None, audio=audio)

    # ----- starting a routine -------------------------------------------------------------------
    def _start(self, routine_id: str, step: int, lead: str | None, *, with_intro: bool) -> Turn:
        """The checks have passed: a short intro, then the track, from the start or the saved place."""
        track, offset = self._resume_point(routine_id, step, with_intro=with_intro)
        if track is None:
            return super()._start(routine_id, step, lead, with_intro=with_intro)
        follow = self.p("longform_start") if offset == 0 else \
            self.p("longform_resume", **self._place_words(track, offset))
        return self._stream(track, offset, self.say(lead, follow))

    def _resume_point(self, routine_id: str, step: int, *, with_intro: bool) -> tuple[Track | None, int]:
        """The track and offset that begin ``step``: the saved place when it lies in that step (to the
        second where it was stopped), else the step's start on the track at the current pace."""
        place = self.profile.place
        placed = self._ours(place.token) if place is not None else None
        if not with_intro and placed is not None and place is not None and placed.routine == routine_id \
                and placed.step_at(place.offset_ms) == step:
            return placed, placed.clamp(place.offset_ms)
        track = self._track(routine_id)
        if track is None:
            return None, 0
        return track, 0 if with_intro else track.start_of(step)

    # ----- commands while a track is in the player ------------------------------------------------
    def pause(self) -> Turn:
        live = self._in_player()
        return super().pause() if live is None else self._halt(*live, "paused", "paused_not_saved")

    def stop(self) -> Turn:
        live = self._in_player()
        if live is None:
            return super().stop()
        return self._halt(*live, "stopped_saved", "stopped_not_saved", self.p("goodbye"))

    def _halt(self, track: Track, offset: int, saved: str, not_saved: str, tail: str | None = None) -> Turn:
        """Stop the player and save its place; the words say where, and whether the place was kept."""
        words = self._place_words(track, offset)
        turn = self._turn(self.say(self.p(saved, **words), tail), None, profile=self._placed(track, offset),
                          routine=None, offer=None)
        return replace(turn, audio=Stop(), unsaved=self.say(self.p(not_saved, **words), tail))

    def resume(self) -> Turn:
        live = self._in_player()
        if live is None or self.session.get("offer") == "safety_check":
            return super().resume()
        return self._go(*live)

    def next_step(self) -> Turn:
        live = self._in_player()
        if live is None:
            return super().next_step()
        track, offset = live
        step = track.step_at(offset)
        if step + 1 >= len(track.steps):  # "next" in the last step: the routine is done, as in chunked mode
            speech = self.say(self.p("last_step_done"), self.p("routine_done_next"))
            turn = self._turn(speech, self.say(self.p("routine_done_next")), profile=self.profile.finish(track.routine),
                              routine=None, offer=None, finished_routine=track.routine)
            return replace(turn, audio=Stop())
        return self._go(track, track.start_of(step + 1))

    def previous_step(self) -> Turn:
        live = self._in_player()
        if live is None:
            return super().previous_step()
        track, offset = live
        step = track.step_at(offset)
        if step == 0:
            return self._go(track, 0, self.p("back_at_start"))
        return self._go(track, track.start_of(step - 1))

    def repeat(self) -> Turn:
        """The step the player is in; right after the track finished, its last step."""
        live = self._in_player(live_only=False)
        if live is None:
            return super().repeat()
        track, offset = live
        return self._go(track, track.start_of(track.step_at(offset)))

    def start_over(self) -> Turn:
        """The track in the player from its start, also right after it finished."""
        live = self._in_player(live_only=False)
        if live is None:
            return super().start_over()
        track, _ = live
        return self._go(track, 0, self.p("start_over", routine=self.content.routines[track.routine].name))

    def change_pace(self, direction: int) -> Turn:
        """The other pace's track, at the same step and the same fraction of the way through it."""
        live = self._in_player()
        if live is None:
            return super().change_pace(direction)
        track, offset = live
        pace, lead = self._next_pace(track.pace, direction)
        self.profile = replace(self.profile, pace=pace)
        target = self._track(track.routine, pace) or track
        step = track.step_at(offset)
        return self._go(target, target.at_fraction(step, track.into_step(offset)), lead)

    def progress(self) -> Turn:
        """How much longer, from the track itself; then the routine carries on where it was."""
        live = self._in_player()
        if live is None:
            return super().progress()
        track, offset = live
        step = track.step_at(offset)
        routine = self.content.routines[track.routine]
        words = self.p("progress", step=number_words(step + 1), total=number_words(len(routine.steps)),
                       title=routine.steps[step].title, minutes=self._minutes(track.remaining_ms(offset) / 1000))
        return self._go(track, offset, f"{words} {self.p('longform_carry_on')}")

    def yes(self) -> Turn:
        """After an answer given mid-routine, "yes" carries on with the track."""
        if self.session.get("offer") == "continue" and self._in_player() is not None:
            return self.resume()
        return super().yes()

    def urgent(self, category: str | None = None, someone_else: bool = False) -> Turn:
        """A red flag while a track plays: the playback stops (its place kept) before the urgent answer."""
        live = self._in_player()
        if live is not None:
            self.profile = self._placed(*live)
        turn = super().urgent(category, someone_else)
        return replace(turn, audio=Stop()) if live is not None else turn

    def _mid_routine_offer(self) -> str | None:
        live = self._in_player()
        if live is None:
            return super()._mid_routine_offer()
        track, offset = live
        words = self._place_words(track, offset)
        return self.p("mid_routine_offer", routine=words["routine"], step=words["step"])

    # ----- AudioPlayer events (no session, no speech) ---------------------------------------------
    def playback_started(self) -> Turn:
        return self._remember_player()

    def playback_nearly_finished(self) -> Turn:
        """One track holds the whole routine: nothing to enqueue, the place is kept."""
        return self._remember_player()

    def playback_stopped(self) -> Turn:
        """Saved to the millisecond: the next launch offers this place and resumes at this second."""
        return self._remember_player()

    def playback_failed(self) -> Turn:
        return self._remember_player()

    def playback_finished(self) -> Turn:
        """The track played to its end: the routine counts as done, as at the end in chunked mode."""
        track = self._ours(self.player.token if self.player else None)
        return self._silent(self.profile.finish(track.routine)) if track is not None else self._silent()

    def _remember_player(self) -> Turn:
        live = self._in_player(live_only=False)
        return self._silent(self._placed(*live)) if live is not None else self._silent()

    # ----- PlaybackController: the device's buttons (no speech allowed) --------------------------
    def play_command(self) -> Turn:
        live = self._in_player(live_only=False)
        return self._button(*live) if live is not None else self._silent()

    def pause_command(self) -> Turn:
        live = self._in_player(live_only=False)
        return self._silent(self._placed(*live), Stop()) if live is not None else self._silent()

    def next_command(self) -> Turn:
        live = self._in_player(live_only=False)
        if live is None or live[0].step_at(live[1]) + 1 >= len(live[0].steps):
            return self._silent()  # nothing after the last step to skip to: it plays on
        track, offset = live
        return self._button(track, track.start_of(track.step_at(offset) + 1))

    def previous_command(self) -> Turn:
        live = self._in_player(live_only=False)
        if live is None:
            return self._silent()
        track, offset = live
        return self._button(track, track.start_of(max(0, track.step_at(offset) - 1)))

    def _button(self, track: Track, offset_ms: int) -> Turn:
        """A button may start the track only within the sitting: a button cannot ask the safety check."""
        if not self._same_sitting(track):
            return self._silent()
        offset = track.clamp(offset_ms)
        return self._silent(self._placed(track, offset), Play(track.token, track.url(self.base_url), offset))
