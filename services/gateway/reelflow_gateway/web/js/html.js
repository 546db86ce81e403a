// htm bound to Preact: html`<div>...</div>` everywhere instead of a JSX build step.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
export { render } from "preact";
export { useState, useEffect, useRef, useCallback, useMemo } from "preact/hooks";
