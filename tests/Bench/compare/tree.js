'use strict';
// OimBot's menu tree as the peers walk it. tree.json is written by `dotnet run -c Release --project tests/Bench -- tree`
// (tests/Bench/TreeExport.cs): every node's text as OimBot renders it on Telegram, its options in order, the welcome
// and main-menu ids and the Spanish command words. The walk follows OimBot's rules for the inputs the bench sends
// (src/Bot/Dialogs/DialogEngine.cs): a greeting (or any first message) shows the welcome node, a number picks that
// option of the node on screen, a back word returns to the previous node, a menu word shows the main menu. Consent,
// handoff, languages and free-text understanding are OimBot's alone; anything else shows the current node again.
//
// A conversation's state is { node, history }: the node on screen and the way back (node ids, at most 20), the same
// fields OimBot keeps (src/Bot/Dialogs/ConversationState.cs).

const fs = require('node:fs');
const path = require('node:path');

const MAX_HISTORY = 20;

/** The tree from TREE_FILE (default: tree.json beside this file), with its command words made comparable. */
function loadTree(file = process.env.TREE_FILE || path.join(__dirname, 'tree.json')) {
  const tree = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const id of [tree.welcome, tree.menu]) {
    if (!tree.nodes[id]) throw new Error(`${file}: node '${id}' is missing`);
  }
  return {
    ...tree,
    greetings: new Set(tree.greetings.map(normalise)),
    menuWords: new Set(tree.menuWords.map(normalise)),
    backWords: new Set(tree.backWords.map(normalise)),
  };
}

/** As OimBot compares commands: case, accents and surrounding or repeated spaces do not matter. */
function normalise(text) {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');
}

const initial = () => ({ node: null, history: [] });

/** The state after the user wrote `text` in `state` (a new object; `state` is not changed). */
function walk(tree, state, text) {
  const words = normalise(text ?? '');
  if (!tree.nodes[state.node] || tree.greetings.has(words)) return { node: tree.welcome, history: [] };
  if (tree.menuWords.has(words)) return goTo(tree, state, tree.menu);
  if (tree.backWords.has(words)) return back(tree, state);
  const options = tree.nodes[state.node].options;
  const picked = /^\d{1,2}$/.test(words) ? options[Number(words) - 1] : undefined;
  if (!picked) return state;
  return picked.target === tree.backTarget ? back(tree, state) : goTo(tree, state, picked.target);
}

/** Moves on, remembering where the user was (never the welcome node: there is no way back to the notice). */
function goTo(tree, state, target) {
  if (!tree.nodes[target]) target = tree.menu;
  const remember = state.node !== target && state.node !== tree.welcome;
  return { node: target, history: remember ? [...state.history, state.node].slice(-MAX_HISTORY) : state.history };
}

/** The previous node worth returning to (not the welcome, a handoff or an end), else the main menu. */
function back(tree, state) {
  const history = [...state.history];
  while (history.length > 0) {
    const previous = history.pop();
    const node = tree.nodes[previous];
    if (previous !== state.node && previous !== tree.welcome && node && node.kind !== 'handoff' && node.kind !== 'end') {
      return { node: previous, history };
    }
  }
  return { node: tree.menu, history };
}

/** The node as OimBot sends it on Telegram: its text, and one inline button per option (callback data node/option). */
function render(tree, nodeId) {
  const node = tree.nodes[nodeId];
  return { text: node.text, buttons: node.options.map((o) => ({ label: o.label, key: `${nodeId}/${o.id}` })) };
}

/** Telegram's reply_markup for those buttons, one per row as OimBot sends them (undefined when there are none). */
function inlineKeyboard(buttons) {
  return buttons.length === 0 ? undefined : { inline_keyboard: buttons.map((b) => [{ text: b.label, callback_data: b.key }]) };
}

/**
 * The peers' HTTP server: POST /webhooks/telegram to `handle(req, res)`, GET /healthz, 404 otherwise, on
 * 127.0.0.1:`port`. Idle keep-alive connections stay open as long as Kestrel keeps them (130 s), not Node's 5 s: a
 * load generator that pauses between runs must not find its pooled connections closed under it.
 */
function serve(port, handle) {
  const http = require('node:http');
  const server = http.createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (req.method === 'POST' && url === '/webhooks/telegram') {
      handle(req, res).catch((err) => {
        console.error(`update failed: ${err.message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } else if (req.method === 'GET' && url === '/healthz') {
      res.end('ok');
    } else {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 130_000;
  server.listen(port, '127.0.0.1');
  return server;
}

module.exports = { loadTree, initial, walk, render, inlineKeyboard, normalise, serve };
