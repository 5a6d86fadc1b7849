// Entry point of the admin console (bundled into console.js by build.mjs).
import { render } from 'preact';
import { html } from './html.js';
import { App } from './app.js';

render(html`<${App} />`, document.getElementById('app'));
