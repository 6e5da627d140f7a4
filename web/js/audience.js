// The audience's side of a pitch in the venue: reaction buttons, the
// floating counts the server sends once a second, and the questions panel
// (ask, upvote; the picked question shows first). Shown while a team is on
// stage; spectators only react.

import { onLangChange } from './i18n.js';
import { $ } from './ui.js';
import { reactionButtons, relabelReactions, showReactions } from './reactions.js';
import { questionsPanel } from './questions.js';

export class AudiencePanel {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.team = null;
    this.box = $('#audience-box');
    const send = (msg) => conn.request(msg).catch(onError);
    reactionButtons($('#audience-react'), send);
    this.questions = questionsPanel($('#audience-questions'), {
      send,
      me: () => store.me?.id ?? null,
      canAsk: store.me?.role !== 'spectator',
    });
    onLangChange(() => { relabelReactions($('#audience-react')); this.questions.render(); });
  }

  handle(msg) {
    switch (msg.type) {
      case 'pitch':
        this.team = msg.timer?.team ?? null;
        this.box.hidden = this.team == null;
        this.questions.update(null, this.team);
        break;
      case 'reactions':
        showReactions($('#audience-stream'), msg);
        break;
      case 'questions':
        this.questions.update(msg, this.team);
        break;
      default:
    }
  }
}
