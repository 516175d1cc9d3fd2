// The simulator page: sends what you type (or say) to /simulate, shows and plays the answer,
// and follows the answer's audio to show the current routine step and a countdown during holds.
// When the server has local tracks, the page is also an AudioPlayer device (audioplayer.js): a
// routine plays as one track, followed by the track's own timeline.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("say-form");
  const input = $("utterance");
  const sendButton = $("send");
  const micButton = $("mic");
  const player = $("player");
  const log = $("log");
  const errorBox = $("error");
  const statusLine = $("status");
  const routineBox = $("routine");
  const stepLine = $("step");
  const countdown = $("countdown");
  const drawingFigure = $("drawing-figure");
  const drawing = $("drawing");
  const trackBox = $("track-box");
  const trackStatus = $("track-status");
  const pauseButton = $("pause-resume");
  const COUNTDOWN_MIN_SECONDS = 3; // shorter pauses are just breaths between sentences
  const TRACK_STATUS_POLL_MS = 2000;

  let session = null;
  let timeline = [];
  let timelineAudio = null; // the audio URL the timeline belongs to
  let busy = false;
  let afterSpeech = null; // what starts once the answer's speech has played (a new routine track)
  let device = null; // the AudioPlayer device, when the server serves local tracks
  let trackTimeline = null; // {token, steps, countdowns} of the loaded track

  function addTurn(who, text) {
    const item = document.createElement("li");
    item.className = who === "you" ? "turn you" : "turn alexa";
    const speaker = document.createElement("span");
    speaker.className = "who";
    speaker.textContent = who === "you" ? "You" : "Alexa";
    const words = document.createElement("span");
    words.className = "words";
    words.textContent = text;
    item.append(speaker, words);
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function addNote(text) {
    const item = document.createElement("li");
    item.className = "note";
    item.textContent = text;
    log.append(item);
  }

  // Segment start times. Silences are exact; speech estimates are stretched to the real audio length.
  function placeSegments(segments, audioSeconds) {
    const silent = segments.filter((s) => s.kind === "silence").reduce((t, s) => t + s.seconds, 0);
    const spoken = segments.filter((s) => s.kind === "speech").reduce((t, s) => t + s.seconds, 0);
    const scale = audioSeconds > silent && spoken > 0 ? (audioSeconds - silent) / spoken : 1;
    let start = 0;
    return segments.map((s) => {
      const length = s.kind === "speech" ? s.seconds * scale : s.seconds;
      const placed = { ...s, start, end: start + length };
      start += length;
      return placed;
    });
  }

  function describeStep(step) {
    return `Step ${step.number} of ${step.total}: ${step.title}`;
  }

  // The drawing of where the hands go, for the step being played (served as SVG from the same AVG data).
  function showDrawing(step) {
    if (!step || !step.drawing) return;
    const url = `/drawings/${step.drawing}.svg`;
    if (drawing.getAttribute("src") !== url) {
      drawing.src = url;
      drawing.alt = step.drawing_alt || "";
    }
    drawingFigure.hidden = false;
  }

  function describeState(state) {
    if (!state) return "";
    const where = `Next: step ${state.step + 1}`;
    return state.paused ? `Paused. ${where}.` : `${where}.`;
  }

  function showRoutine(routine, audioUrl) {
    timelineAudio = audioUrl;
    const segments = (routine && routine.segments) || [];
    const hasSteps = segments.some((s) => s.step);
    const state = routine && routine.state;
    timeline = segments;
    routineBox.hidden = !(hasSteps || state || (device && device.stream));
    stepLine.textContent = describeState(state);
    countdown.textContent = "";
    drawingFigure.hidden = true;
    showDrawing((segments.find((s) => s.step) || {}).step);
  }

  function follow() {
    if (device && device.stream && trackTimeline && trackTimeline.token === device.stream.token) {
      followTrack(trackTimeline, device.state().offsetInMilliseconds / 1000);
      return;
    }
    const ours = timelineAudio && player.currentSrc.endsWith(timelineAudio);
    if (!ours || !timeline.length || !Number.isFinite(player.duration)) return;
    if (!("start" in timeline[0])) timeline = placeSegments(timeline, player.duration);
    const now = player.currentTime;
    let step = null;
    let current = null;
    for (const seg of timeline) {
      if (seg.start > now) break;
      if (seg.step) step = seg.step;
      current = seg;
    }
    if (step) {
      const text = describeStep(step);
      if (stepLine.textContent !== text) stepLine.textContent = text;
      showDrawing(step);
    }
    countdown.textContent = current ? countdownText(current, now) : "";
  }

  // The track's timeline: the step playing, and the countdown (hold, breath, pause) the position is in.
  function followTrack(track, now) {
    const step = track.steps.filter((s) => s.start_ms / 1000 <= now).pop();
    if (step) {
      const text = describeStep(step);
      if (stepLine.textContent !== text) stepLine.textContent = text;
      showDrawing(step);
    }
    const span = track.countdowns.find((c) => c.start_ms / 1000 <= now && now < c.end_ms / 1000);
    if (!span) {
      countdown.textContent = "";
      return;
    }
    const left = Math.max(1, Math.ceil(span.end_ms / 1000 - now));
    countdown.textContent = span.label.startsWith("Breathe") ? `${span.label}: ${left}` : `${span.label}: ${left} s`;
  }

  // A hold counts down to its end across the spoken anchors inside it; a breath or a long pause, to its own end.
  function countdownText(current, now) {
    if (current.hold !== undefined) {
      const end = Math.max(...timeline.filter((s) => s.hold === current.hold).map((s) => s.end));
      return now < end ? `Hold: ${Math.max(1, Math.ceil(end - now))} s` : "";
    }
    if (current.kind !== "silence" || now >= current.end) return "";
    const left = Math.max(1, Math.ceil(current.end - now));
    if (current.label === "breathe in") return `Breathe in: ${left}`;
    if (current.label === "breathe out") return `Breathe out: ${left}`;
    return current.seconds >= COUNTDOWN_MIN_SECONDS ? `Pause: ${left} s` : "";
  }

  let ticker = null;
  player.addEventListener("play", () => {
    clearInterval(ticker);
    ticker = setInterval(follow, 200);
  });
  player.addEventListener("pause", () => {
    clearInterval(ticker);
    follow();
    if (!player.ended) statusLine.textContent = "Paused: press play to carry on.";
  });
  player.addEventListener("ended", () => {
    countdown.textContent = "";
    statusLine.textContent = session ? "Finished. Say something to carry on." : "Finished.";
    speechDone();
  });

  function speechDone() {
    const next = afterSpeech;
    afterSpeech = null;
    if (next) next();
  }
  player.addEventListener("playing", () => { statusLine.textContent = "Playing the answer."; });
  player.addEventListener("loadedmetadata", follow);
  player.addEventListener("seeked", follow);

  function showJSON(data) {
    $("matched").textContent = JSON.stringify({ intent: data.intent, slots: data.slots, matched_by: data.matched_by },
      null, 2);
    $("request-json").textContent = JSON.stringify(data.request, null, 2);
    $("response-json").textContent = JSON.stringify(data.response, null, 2);
  }

  // Where the player was in the last answer: the skill acts on the step actually heard, not on
  // how long ago the answer arrived (an answer that never played was heard for 0 seconds).
  function heardSoFar() {
    if (!player.getAttribute("src")) return "all";
    if (player.ended) return "all";
    return Math.round(player.currentTime * 100) / 100;
  }

  async function say(text) {
    if (busy) return;
    busy = true;
    sendButton.disabled = true;
    errorBox.textContent = "";
    statusLine.textContent = "Waiting for the answer…";
    addTurn("you", text || "(opens the skill)");
    try {
      if (device) await device.interrupt();
      const reply = await fetch("/simulate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text, session, locale: "en-US", heard: heardSoFar(),
                               player: device ? device.state() : null }),
      });
      const data = await reply.json();
      if (!reply.ok) throw new Error(data.message || `The server answered ${reply.status}.`);
      session = data.session;
      addTurn("alexa", data.transcript || "(no speech)");
      if (!session) addNote("Session ended. Anything you say next starts a new one.");
      afterSpeech = null;
      // A new track starts after the answer's speech; a reply with nothing to say and no player
      // directive lets the track the person interrupted play on.
      const handled = device && device.apply(data.response, (start) => { afterSpeech = start; });
      if (device && !handled && !data.audio) afterSpeech = () => device.carryOn();
      showRoutine(data.routine, data.audio);
      showJSON(data);
      if (data.audio) {
        statusLine.textContent = "Preparing the voice…";
        player.src = data.audio;
        player.play().catch(() => { statusLine.textContent = "The answer is ready: press play to hear it."; });
      } else {
        player.removeAttribute("src");
        statusLine.textContent = "This answer has no speech.";
        speechDone();
      }
    } catch (error) {
      errorBox.textContent = error.message || "Something went wrong.";
      statusLine.textContent = "";
    } finally {
      busy = false;
      sendButton.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    input.value = "";
    say(text);
  });

  // With a track loaded, the transport buttons are the device's own (PlaybackController); otherwise words.
  for (const button of document.querySelectorAll("[data-say]")) {
    button.addEventListener("click", () => {
      if (device && device.stream && button.dataset.command) transport(button.dataset.command);
      else say(button.dataset.say);
    });
  }

  function transport(name) {
    const command = name === "Pause" && !device.playing ? "Play" : name;
    errorBox.textContent = "";
    device.command(command).catch((error) => { errorBox.textContent = error.message; });
  }

  function minutes(seconds) {
    const whole = Math.floor(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function showTrackState() {
    const playing = device.playing;
    pauseButton.textContent = device.stream && !playing ? "Resume" : "Pause";
    const where = minutes(device.state().offsetInMilliseconds / 1000 || 0);
    trackStatus.textContent = playing ? `Playing the routine track (${where}).` : `Track stopped at ${where}.`;
  }

  async function loadTimeline(stream) {
    const [, locale, routine, pace] = stream.token.split(":");
    trackTimeline = null;
    const reply = await fetch(`/tracks/${locale}/${routine}-${pace}.timeline.json`);
    if (reply.ok) trackTimeline = await reply.json();
    follow();
  }

  async function showTracksReady() {
    const reply = await fetch("/tracks/status");
    const status = await reply.json();
    const line = $("tracks-ready");
    if (status.state === "rendering") {
      line.textContent = `Rendering the routine tracks: ${status.done} of ${status.total} ready. ` +
        "Until then routines play in parts.";
      setTimeout(showTracksReady, TRACK_STATUS_POLL_MS);
    } else if (status.state === "failed" || !status.tracks) {
      line.textContent = status.state === "failed" ? "The routine tracks could not be rendered: routines play in parts."
        : "No routine tracks yet (python -m skill.local tracks renders them): routines play in parts.";
    } else {
      line.textContent = `${status.tracks} routine tracks ready: a routine plays as one track.`;
    }
  }

  async function startDevice() {
    const reply = await fetch("/simulate/device");
    if (!reply.ok || !(await reply.json()).audio_player) return;
    const track = $("track");
    device = createAudioPlayerDevice(track, {
      onStream(stream) {
        trackBox.hidden = false;
        routineBox.hidden = false;
        loadTimeline(stream).catch(() => { trackTimeline = null; });
      },
      onExchange(name, data) {
        const sent = data.request.context.AudioPlayer || {};
        addNote(`Player: ${name} at ${minutes((sent.offsetInMilliseconds || 0) / 1000)}`);
        $("request-json").textContent = JSON.stringify(data.request, null, 2);
        $("response-json").textContent = JSON.stringify(data.response, null, 2);
        showTrackState();
      },
      onError(error) { errorBox.textContent = error.message; },
    });
    for (const name of ["playing", "pause", "ended", "seeked"]) track.addEventListener(name, () => {
      showTrackState();
      follow();
    });
    track.addEventListener("play", () => {
      clearInterval(ticker);
      ticker = setInterval(follow, 200);
    });
    showTracksReady();
  }
  startDevice().catch(() => { device = null; });

  $("reset").addEventListener("click", () => {
    session = null;
    player.pause();
    showRoutine(null, null);
    addNote("New session: the next thing you say opens the skill afresh.");
    input.focus();
  });

  player.addEventListener("error", () => {
    if (player.getAttribute("src")) statusLine.textContent = "The audio could not be loaded.";
  });

  // Speaking needs the browser's own recognizer; where there is none, the button stays hidden.
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    const recognizer = new Recognition();
    recognizer.lang = "en-US";
    recognizer.interimResults = false;
    recognizer.maxAlternatives = 1;
    micButton.hidden = false;
    micButton.addEventListener("click", () => {
      if (micButton.getAttribute("aria-pressed") === "true") {
        recognizer.stop();
        return;
      }
      player.pause();
      micButton.setAttribute("aria-pressed", "true");
      micButton.textContent = "Listening…";
      recognizer.start();
    });
    recognizer.addEventListener("result", (event) => {
      const heard = event.results[0][0].transcript;
      input.value = heard;
      say(heard.trim());
      input.value = "";
    });
    recognizer.addEventListener("error", (event) => {
      errorBox.textContent = `Speech recognition failed (${event.error}). You can type instead.`;
    });
    recognizer.addEventListener("end", () => {
      micButton.setAttribute("aria-pressed", "false");
      micButton.textContent = "Speak";
    });
  }
})();
