// Tagged templates over Preact's h(): every interpolated value becomes a text node or a property,
// never markup, so data from the gateway cannot turn into HTML.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
