// The closed sets of the API's options (VideoOptions in /openapi.json), for selects.
export const ASPECTS = ["16:9", "9:16", "1:1"];
export const RESOLUTIONS = ["720p", "1080p"];
export const TRANSITIONS = ["none", "fade", "fadeblack", "fadewhite", "dissolve", "wipeleft", "wiperight",
  "slideleft", "slideright", "circleopen", "circleclose", "zoomin"];
export const VIDEO_DEFAULTS = {
  aspect: "16:9", resolution: "1080p", transition: "fade", transition_s: 0.5, motion: true, narration: true,
  subtitles: true, fps: 30,
};
export const SCRIPT_FILE_TYPES = ".fountain,.txt,.md,text/plain,text/markdown";
