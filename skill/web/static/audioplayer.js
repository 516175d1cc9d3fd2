// The page as an Alexa device with the AudioPlayer interface: it plays the streams the skill's
// AudioPlayer.Play directives name, reports AudioPlayer.Playback* events with the element's real
// position, and turns its transport buttons into PlaybackController requests, all through
// /simulate/event, the way a real device talks to the skill.
"use strict";

// Used by app.js (loaded after this file).
function createAudioPlayerDevice(element, hooks) {
  const NEARLY_FINISHED_SECONDS = 15; // when a device would have buffered the rest of the stream
  let stream = null; // {token, url} of the loaded stream
  let activity = "IDLE";
  let queue = []; // enqueued streams, played in order when the current one finishes
  let nearlySent = false;
  let startedSent = false;
  let interrupted = false; // stopped because the person spoke, not by the skill

  // context.AudioPlayer, sent with every request: the element's own position, never a wall clock.
  function state() {
    if (!stream) return { playerActivity: activity };
    const seconds = Number.isFinite(element.currentTime) ? element.currentTime : 0;
    return { token: stream.token, offsetInMilliseconds: Math.round(seconds * 1000), playerActivity: activity };
  }

  async function send(body) {
    const reply = await fetch("/simulate/event", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ locale: "en-US", player: state(), ...body }),
    });
    const data = await reply.json();
    if (!reply.ok) throw new Error(data.message || `The server answered ${reply.status}.`);
    hooks.onExchange(data.request.request.type, data);
    apply(data.response, null);
    return data;
  }

  function report(event, extra) {
    send({ event, ...extra }).catch((error) => hooks.onError(error));
  }

  // A loopback stream URL is fetched from this page's own origin, so 127.0.0.1 and localhost both work.
  function playable(url) {
    const parsed = new URL(url, window.location.href);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    return loopback ? parsed.pathname + parsed.search : parsed.href;
  }

  function load(item) {
    stream = { token: item.stream.token, url: item.stream.url };
    nearlySent = false;
    startedSent = false;
    const offset = (item.stream.offsetInMilliseconds || 0) / 1000;
    element.src = playable(item.stream.url);
    const seek = () => {
      element.removeEventListener("loadedmetadata", seek);
      element.currentTime = Math.min(offset, element.duration || offset);
    };
    element.addEventListener("loadedmetadata", seek);
    hooks.onStream(stream);
  }

  function start() {
    element.play().catch((error) => hooks.onError(new Error(`The track could not start (${error.message}).`)));
  }

  // Stopping a stream that is playing reports PlaybackStopped at the element's position.
  function stopNow() {
    if (!stream || activity !== "PLAYING") return;
    element.pause();
    activity = "STOPPED";
    report("PlaybackStopped");
  }

  // The AudioPlayer directives of a response. ``afterSpeech`` delays a new stream until the answer's
  // speech has been played, as Alexa does; ``null`` means there is no speech to wait for.
  function apply(response, afterSpeech) {
    const directives = ((response && response.response) || {}).directives || [];
    let handled = false;
    for (const directive of directives) {
      if (directive.type === "AudioPlayer.Play") {
        handled = true;
        const item = directive.audioItem;
        if (directive.playBehavior === "ENQUEUE") {
          queue.push(item);
          continue;
        }
        if (directive.playBehavior === "REPLACE_ALL") stopNow();
        queue = [];
        load(item);
        if (afterSpeech) afterSpeech(start); else start();
      } else if (directive.type === "AudioPlayer.Stop") {
        handled = true;
        stopNow();
      } else if (directive.type === "AudioPlayer.ClearQueue") {
        handled = true;
        queue = [];
        if (directive.clearBehavior === "CLEAR_ALL") stopNow();
      }
    }
    if (handled) interrupted = false;
    return handled;
  }

  element.addEventListener("playing", () => {
    activity = "PLAYING";
    if (!startedSent) {
      startedSent = true;
      report("PlaybackStarted");
    }
  });
  element.addEventListener("timeupdate", () => {
    if (!stream || nearlySent || !Number.isFinite(element.duration)) return;
    if (element.duration - element.currentTime <= NEARLY_FINISHED_SECONDS) {
      nearlySent = true;
      report("PlaybackNearlyFinished");
    }
  });
  element.addEventListener("ended", () => {
    activity = "FINISHED";
    report("PlaybackFinished");
    const next = queue.shift();
    if (next) {
      load(next);
      start();
    }
  });
  element.addEventListener("error", () => {
    if (!stream) return;
    activity = "STOPPED";
    const code = element.error ? element.error.code : 0;
    report("PlaybackFailed", { error: `The browser could not play the track (media error ${code}).` });
  });

  return {
    state,
    apply,
    get stream() { return stream; },
    get playing() { return activity === "PLAYING"; },
    // Speaking to the skill stops the stream first, as on an Echo (PlaybackStopped, reported before
    // the request goes out); it plays on only after a reply with nothing to say and no directive.
    interrupt() {
      interrupted = activity === "PLAYING";
      if (!interrupted) return Promise.resolve();
      element.pause();
      activity = "STOPPED";
      return send({ event: "PlaybackStopped" }).catch((error) => hooks.onError(error));
    },
    carryOn() {
      if (interrupted && activity === "STOPPED" && stream) {
        startedSent = false;
        start();
      }
      interrupted = false;
    },
    // The device's own transport buttons.
    command(name) { return send({ command: name }); },
  };
}
