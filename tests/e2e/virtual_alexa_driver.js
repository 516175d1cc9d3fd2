// Drive a skill served over HTTP with virtual-alexa, an independent Alexa client, and print what happened.
//
//   node virtual_alexa_driver.js SKILL_URL MODEL_FILE [TIMEOUT_MS] < steps.json
//
// steps.json is a JSON list; each step is one of
//   {"launch": true}                      a LaunchRequest
//   {"utter": "how hard should i press"}  matched by virtual-alexa against the interaction model
//   {"intend": "AMAZON.HelpIntent", "slots": {"name": "value"}}
//   {"offset": 50000}                     the stream playing has reached this millisecond
//   {"event": "nearlyFinished"}           the player reports: nearlyFinished or finished
// virtual-alexa treats any utterance containing ask/open/launch/talk to/tell as a launch, whatever
// follows, so such an utter step is refused here: send it as intend or launch instead.
// Every request gets the APL-A interface (as a current Echo would) and a timeout, which
// virtual-alexa lacks. Its device has an audio player: a Play directive starts a stream (PlaybackStarted),
// an intent while it plays stops it first (PlaybackStopped). Output: one JSON object
// {"results": [...], "error": null | "..."}, where each result holds the step, the request sent and the
// response received, every exchange the step caused (player events included) and the player's state
// after it. Stops at the first failure.
"use strict";

const fs = require("fs");
const { VirtualAlexa } = require("virtual-alexa");

const LAUNCH_QUIRK = /(ask|open|launch|talk to|tell).*/i;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no response within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function send(alexa, step) {
  const player = alexa.audioPlayer();
  if (typeof step.offset === "number") {
    if (!player.isPlaying()) throw new Error("offset: nothing is playing");
    player.playbackOffset(step.offset);
    return Promise.resolve(null);
  }
  if (step.event === "nearlyFinished") return player.playbackNearlyFinished();
  if (step.event === "finished") return player.playbackFinished();
  if (step.launch) return alexa.launch();
  if (typeof step.intend === "string") return alexa.intend(step.intend, step.slots || {});
  if (typeof step.utter === "string") {
    if (LAUNCH_QUIRK.test(step.utter)) {
      throw new Error(`virtual-alexa would take "${step.utter}" for a launch: use intend or launch`);
    }
    return alexa.utter(step.utter);
  }
  throw new Error(`unknown step ${JSON.stringify(step)}`);
}

async function main() {
  const [url, modelFile, timeoutArg] = process.argv.slice(2);
  if (!url || !modelFile) throw new Error("usage: virtual_alexa_driver.js SKILL_URL MODEL_FILE [TIMEOUT_MS]");
  const timeoutMs = Number(timeoutArg || 10000);
  const steps = JSON.parse(fs.readFileSync(0, "utf8"));
  if (!Array.isArray(steps)) throw new Error("stdin must hold a JSON list of steps");

  const alexa = VirtualAlexa.Builder().interactionModelFile(modelFile).skillURL(url).create();
  let lastRequest = null;
  let exchanges = [];
  alexa.filter((request) => {
    request.context.System.device.supportedInterfaces["Alexa.Presentation.APLA"] = {};
    if (!request.request.type.startsWith("AudioPlayer.")) lastRequest = JSON.parse(JSON.stringify(request));
  });
  const interactor = alexa._interactor; // every request and response, the player's events included
  const invoke = interactor.invoke.bind(interactor);
  interactor.invoke = async (request) => {
    const response = await invoke(request);
    exchanges.push(JSON.parse(JSON.stringify({ request, response })));
    return response;
  };
  const playerState = () => {
    const player = alexa.audioPlayer();
    const playing = player.playing();
    return { activity: ["BUFFER_UNDERRUN", "FINISHED", "IDLE", "PLAYING", "PAUSED", "STOPPED"][player.playerActivity()],
      token: playing ? playing.stream.token : null, offset: playing ? playing.stream.offsetInMilliseconds : null };
  };

  const results = [];
  for (const step of steps) {
    lastRequest = null;
    exchanges = [];
    try {
      const response = await withTimeout(Promise.resolve().then(() => send(alexa, step)), timeoutMs,
        JSON.stringify(step));
      results.push({ step, request: lastRequest, response: response ? JSON.parse(JSON.stringify(response)) : null,
        exchanges, player: playerState() });
    } catch (error) {
      return { results, error: `${JSON.stringify(step)}: ${error && error.message ? error.message : error}` };
    }
  }
  return { results, error: null };
}

main()
  .then((outcome) => {
    process.stdout.write(JSON.stringify(outcome));
    process.exit(outcome.error ? 1 : 0); // an abandoned request must not keep the process alive
  })
  .catch((error) => {
    process.stdout.write(JSON.stringify({ results: [], error: String(error && error.message ? error.message : error) }));
    process.exit(2);
  });
