'use strict';
// Bot Framework JS 4.23 peer for the comparison bench (issue 15): OimBot's menu tree (tree.js) as a dialog, following
// the SDK's multi-turn samples (a DialogBot that runs a ComponentDialog and saves ConversationState after each turn:
// https://github.com/microsoft/BotBuilder-Samples/tree/main/samples/javascript_nodejs/05.multi-turn-prompt).
//
//   PORT=5202 BOT_API_ROOT=http://127.0.0.1:5123 BOT_TOKEN=123:bench WEBHOOK_SECRET=s DB_FILE=/tmp/botframework.db \
//   [TREE_FILE=tests/Bench/compare/tree.json] node tests/Bench/compare/botframework.js
//
// POST /webhooks/telegram (X-Telegram-Bot-Api-Secret-Token, compared in constant time: 401 otherwise), GET /healthz.
// Bot Framework does not speak Telegram itself (Azure's connector translates), so TelegramAdapter below plays that part:
// a text message becomes a message Activity, and each sent Activity one Bot API sendMessage. The webhook answers after
// the turn, so after the reply was sent and the conversation state written and fsynced (WAL, synchronous=FULL).

const crypto = require('node:crypto');
const Database = require('better-sqlite3');
const { ActivityHandler, ActivityTypes, ActionTypes, BotAdapter, ConversationState, MessageFactory, TurnContext } = require('botbuilder');
const { ComponentDialog, DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog } = require('botbuilder-dialogs');
const { loadTree, initial, walk, render, serve } = require('./tree');

const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const tree = loadTree();

/** Telegram's Bot API as a Bot Framework channel: updates in, sendMessage out (https://core.telegram.org/bots/api). */
class TelegramAdapter extends BotAdapter {
  constructor(apiRoot, token) {
    super();
    this.sendMessageUrl = `${apiRoot}/bot${token}/sendMessage`;
  }

  /** Runs the bot for one update; other updates than text messages are acknowledged and ignored. */
  async processUpdate(update, logic) {
    const message = update.message;
    if (typeof message?.text !== 'string') return;
    const activity = {
      type: ActivityTypes.Message,
      id: String(message.message_id),
      channelId: 'telegram',
      serviceUrl: 'telegram',
      timestamp: new Date(message.date * 1000),
      conversation: { id: String(message.chat.id), conversationType: message.chat.type },
      from: { id: String(message.from?.id ?? message.chat.id) },
      recipient: { id: 'bot' },
      text: message.text,
    };
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async sendActivities(context, activities) {
    const responses = [];
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message) {
        responses.push({}); // typing, delay, trace: nothing to send on Telegram here
        continue;
      }
      const actions = activity.suggestedActions?.actions ?? [];
      const body = {
        chat_id: Number(activity.conversation.id),
        text: activity.text,
        reply_markup: actions.length === 0 ? undefined : { inline_keyboard: actions.map((a) => [{ text: a.title, callback_data: a.value }]) },
      };
      const response = await fetch(this.sendMessageUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const result = await response.json();
      if (!result.ok) throw new Error(`sendMessage failed: ${result.error_code} ${result.description}`);
      responses.push({ id: String(result.result.message_id) });
    }
    return responses;
  }

  async updateActivity() {
    throw new Error('not supported by this adapter');
  }

  async deleteActivity() {
    throw new Error('not supported by this adapter');
  }

  async continueConversation() {
    throw new Error('not supported by this adapter');
  }
}

/** BotState storage over one SQLite table. BotState writes with eTag '*' (last write wins), so no eTag check here. */
class SqliteStorage {
  constructor(file) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL'); // fsync on every commit, as OimBot's own store
    this.db.exec('CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    this.select = this.db.prepare('SELECT value FROM state WHERE key = ?').pluck();
    const upsert = this.db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const remove = this.db.prepare('DELETE FROM state WHERE key = ?');
    this.writeAll = this.db.transaction((changes) => changes.forEach(([key, item]) => upsert.run(key, JSON.stringify(item))));
    this.deleteAll = this.db.transaction((keys) => keys.forEach((key) => remove.run(key)));
  }

  async read(keys) {
    const items = {};
    for (const key of keys) {
      const value = this.select.get(key);
      if (value !== undefined) items[key] = JSON.parse(value);
    }
    return items;
  }

  async write(changes) {
    this.writeAll(Object.entries(changes));
  }

  async delete(keys) {
    this.deleteAll(keys);
  }
}

const TREE_DIALOG = 'tree';
const NODE_DIALOG = 'node';
const INPUT_PROMPT = 'input';

/** One node per waterfall: show it and wait for the answer, then replace itself with the node the answer leads to. */
class TreeDialog extends ComponentDialog {
  constructor() {
    super(TREE_DIALOG);
    this.addDialog(new TextPrompt(INPUT_PROMPT));
    this.addDialog(new WaterfallDialog(NODE_DIALOG, [this.show.bind(this), this.answer.bind(this)]));
    this.initialDialogId = NODE_DIALOG;
  }

  /** Continues the conversation, or starts it where its first message leads (the welcome node). */
  async run(context, dialogStateAccessor) {
    const dialogSet = new DialogSet(dialogStateAccessor);
    dialogSet.add(this);
    const dialogContext = await dialogSet.createContext(context);
    const result = await dialogContext.continueDialog();
    if (result.status === DialogTurnStatus.empty) {
      await dialogContext.beginDialog(this.id, walk(tree, initial(), context.activity.text));
    }
  }

  async show(step) {
    const reply = render(tree, step.options.node);
    const actions = reply.buttons.map((b) => ({ type: ActionTypes.PostBack, title: b.label, value: b.key }));
    return step.prompt(INPUT_PROMPT, { prompt: MessageFactory.suggestedActions(actions, reply.text) });
  }

  async answer(step) {
    return step.replaceDialog(NODE_DIALOG, walk(tree, step.options, step.result));
  }
}

/** The samples' DialogBot: messages run the dialog; the conversation state is saved once the turn is done. */
class DialogBot extends ActivityHandler {
  constructor(conversationState, dialog) {
    super();
    const dialogState = conversationState.createProperty('DialogState');
    this.onMessage(async (context, next) => {
      await dialog.run(context, dialogState);
      await next();
    });
    this.onDialog(async (context, next) => {
      await conversationState.saveChanges(context, false);
      await next();
    });
  }
}

const adapter = new TelegramAdapter(env('BOT_API_ROOT'), env('BOT_TOKEN'));
const bot = new DialogBot(new ConversationState(new SqliteStorage(env('DB_FILE'))), new TreeDialog());
const secret = Buffer.from(env('WEBHOOK_SECRET'));

function authentic(req) {
  const given = Buffer.from(req.headers['x-telegram-bot-api-secret-token'] ?? '');
  return given.length === secret.length && crypto.timingSafeEqual(given, secret);
}

async function handleWebhook(req, res) {
  if (!authentic(req)) {
    res.writeHead(401).end();
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let update;
  try {
    update = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    res.writeHead(400).end();
    return;
  }
  await adapter.processUpdate(update, (context) => bot.run(context));
  res.end();
}

serve(Number(env('PORT')), handleWebhook);

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
