'use strict';
// grammY 1.46 peer for the comparison bench (issue 15): OimBot's menu tree (tree.js) in webhook mode, the way grammY's
// docs set up a bot (https://grammy.dev/guide/deployment-types, https://grammy.dev/plugins/session).
//
//   SESSION=sqlite|memory PORT=5201 BOT_API_ROOT=http://127.0.0.1:5123 BOT_TOKEN=123:bench WEBHOOK_SECRET=s \
//   DB_FILE=/tmp/grammy.db [TREE_FILE=tests/Bench/compare/tree.json] node tests/Bench/compare/grammy.js
//
// POST /webhooks/telegram (X-Telegram-Bot-Api-Secret-Token checked by grammY: 401 otherwise), GET /healthz.
// webhookCallback answers after the update is handled, so each webhook answer comes after the reply was sent and, with
// SESSION=sqlite, after the session was written and fsynced (WAL, synchronous=FULL). SESSION=memory keeps sessions in
// grammY's default in-memory storage (lost on restart).

const Database = require('better-sqlite3');
const { Bot, session, webhookCallback } = require('grammy');
const { loadTree, initial, walk, render, inlineKeyboard, serve } = require('./tree');

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const port = Number(env('PORT'));
const mode = env('SESSION', 'sqlite');
if (mode !== 'sqlite' && mode !== 'memory') throw new Error('SESSION must be sqlite or memory');
const tree = loadTree();

/** A grammY storage adapter (read/write/delete by session key) over one SQLite table. */
function sqliteStorage(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL'); // fsync on every commit, as OimBot's own store
  db.exec('CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  const select = db.prepare('SELECT value FROM sessions WHERE key = ?').pluck();
  const upsert = db.prepare('INSERT INTO sessions (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM sessions WHERE key = ?');
  return {
    read: async (key) => {
      const value = select.get(key);
      return value === undefined ? undefined : JSON.parse(value);
    },
    write: async (key, value) => void upsert.run(key, JSON.stringify(value)),
    delete: async (key) => void remove.run(key),
  };
}

const bot = new Bot(env('BOT_TOKEN'), {
  // Known in advance, so grammY never calls getMe.
  botInfo: {
    id: Number(env('BOT_TOKEN').split(':')[0]) || 1,
    is_bot: true,
    first_name: 'OimBot peer',
    username: 'oimbot_peer_bot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  },
  client: { apiRoot: env('BOT_API_ROOT') },
});

bot.use(session({ initial, storage: mode === 'sqlite' ? sqliteStorage(env('DB_FILE')) : undefined }));

bot.on('message:text', async (ctx) => {
  ctx.session = walk(tree, ctx.session, ctx.message.text);
  const reply = render(tree, ctx.session.node);
  await ctx.reply(reply.text, { reply_markup: inlineKeyboard(reply.buttons) });
});

const handleUpdate = webhookCallback(bot, 'http', { secretToken: env('WEBHOOK_SECRET') });

serve(port, handleUpdate);

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
