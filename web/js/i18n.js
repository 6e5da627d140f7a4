// Every user-facing string of the participant page, French first.
// `t(key, params)` looks a string up in the current language and fills
// `{name}` placeholders. Static HTML carries `data-i18n*` attributes and is
// translated by `applyI18n()`; code calls `t()` and listens to `onLangChange`.

const STRINGS = {
  fr: {
    'app.title': 'Amphi',
    'app.skip': 'Aller à la discussion',
    'lang.label': 'Langue',
    'join.title': 'Rejoindre l’événement',
    'join.intro': 'Choisissez le nom que les autres verront.',
    'join.name': 'Votre nom',
    'join.submit': 'Entrer',
    'join.noInvite': 'Ce lien n’est pas complet : il faut un lien d’invitation (…?event=…&invite=…). Demandez-le à l’organisation.',
    'join.badInvite': 'Ce lien d’invitation n’est pas valide pour cet événement.',
    'join.nameRequired': 'Indiquez un nom.',
    'conn.connecting': 'Connexion…',
    'conn.online': 'En ligne',
    'conn.reconnecting': 'Reconnexion dans {s} s…',
    'conn.reconnectingNow': 'Reconnexion…',
    'conn.offline': 'Hors ligne',
    'conn.replaced': 'Ouvert dans un autre onglet',
    'conn.retry': 'Réessayer',
    'conn.replacedHelp': 'Vous êtes connecté depuis un autre onglet ou appareil.',
    'conn.resumeBtn': 'Reprendre ici',
    'conn.lost': 'Connexion perdue. Reconnexion automatique…',
    'conn.back': 'Reconnecté.',
    'status.label': 'Statut',
    'status.available': 'Disponible',
    'status.busy': 'Occupé·e',
    'status.away': 'Absent·e',
    'status.do_not_disturb': 'Ne pas déranger',
    'role.moderator': 'Animation',
    'role.mentor': 'Mentor',
    'role.jury': 'Jury',
    'role.participant': 'Participant·e',
    'role.spectator': 'Spectateur·rice',
    'room.youAreIn': 'Vous êtes ici :',
    'room.here': 'Vous êtes ici',
    'room.allRooms': 'Toutes les salles',
    'room.kind.hall': 'Hall',
    'room.kind.amphitheatre': 'Amphithéâtre',
    'room.kind.team_table': 'Table d’équipe',
    'room.kind.mentor_desk': 'Bureau mentor',
    'room.kind.jury_room': 'Salle du jury',
    'room.goto': 'Y aller',
    'room.gotoLabel': 'Se téléporter : {room}',
    'room.restricted': 'Accès réservé',
    'room.count': '{n} pers.',
    'room.empty': 'Personne',
    'side.label': 'Panneau latéral',
    'side.chat': 'Discussion',
    'side.people': 'Personnes',
    'side.team': 'Équipe',
    'chat.room': 'Salle',
    'chat.team': 'Équipe',
    'chat.announcements': 'Annonces',
    'chat.direct': 'Messages',
    'chat.unread': '{n} non lus',
    'chat.placeholder.room': 'Écrire à la salle {room}…',
    'chat.placeholder.team': 'Écrire à votre équipe…',
    'chat.placeholder.announcements': 'Publier une annonce pour tout l’événement…',
    'chat.placeholder.direct': 'Écrire à {name}…',
    'chat.send': 'Envoyer',
    'chat.empty.room': 'Aucun message dans cette salle pour l’instant.',
    'chat.empty.team': 'Aucun message d’équipe pour l’instant.',
    'chat.empty.announcements': 'Aucune annonce pour l’instant.',
    'chat.empty.direct': 'Aucun message. Commencez la conversation !',
    'chat.noTeam': 'Vous n’êtes dans aucune équipe : rejoignez-en une dans l’onglet Équipe.',
    'chat.readOnly': 'Seule l’animation publie des annonces.',
    'chat.noRoom': 'Vous n’avez pas d’avatar dans le lieu, donc pas de discussion de salle.',
    'chat.dmPick': 'Choisissez une personne dans la liste « Personnes » (bouton « Message ») pour lui écrire.',
    'chat.dmList': 'Conversations',
    'chat.dmBack': 'Toutes les conversations',
    'chat.messageLabel': 'Message',
    'chat.newFrom': 'Nouveau message de {name} ({channel}) : {text}',
    'chat.you': 'Vous',
    'chat.tooLong': 'Message trop long ({n}/{max}).',
    'chat.sending': 'Envoi…',
    'people.title': 'Personnes par salle',
    'people.search': 'Rechercher une personne',
    'people.locate': 'Localiser',
    'people.locateLabel': 'Localiser {name} sur la carte',
    'people.goto': 'Rejoindre',
    'people.gotoLabel': 'Se téléporter dans la salle de {name}',
    'people.message': 'Message',
    'people.messageLabel': 'Envoyer un message à {name}',
    'people.you': '(vous)',
    'people.count': '{n} connecté·e·s',
    'people.none': 'Personne ne correspond.',
    'people.offline': 'Hors ligne',
    'team.title': 'Votre équipe',
    'team.none': 'Vous n’êtes dans aucune équipe.',
    'team.join': 'Rejoindre',
    'team.joinLabel': 'Rejoindre l’équipe {name}',
    'team.leave': 'Quitter l’équipe',
    'team.members': 'Membres',
    'team.all': 'Équipes',
    'team.membersCount': '{n} membre(s)',
    'help.button': 'Demander de l’aide',
    'pitch.title': 'Pitch en cours',
    'map.label': 'Carte du lieu. Flèches ou Z Q S D pour se déplacer, clic pour marcher jusqu’à une case.',
    'map.loading': 'Chargement de la carte…',
    'map.failed': 'Impossible de charger la carte.',
    'map.zoomIn': 'Zoom avant',
    'map.zoomOut': 'Zoom arrière',
    'map.center': 'Centrer sur moi',
    'map.hint': 'Flèches / ZQSD : se déplacer · clic : marcher · +/− : zoom · C : centrer',
    'map.listView': 'Vue liste (sans carte)',
    'toast.close': 'Fermer',
    'err.blocked': 'Un mur ou un meuble bloque le passage.',
    'err.too_fast': 'Doucement ! Vous allez trop vite.',
    'err.no_path': 'Aucun chemin ne mène là.',
    'err.room_forbidden': 'Cette salle est réservée à d’autres rôles.',
    'err.room_full': 'Cette salle est pleine.',
    'err.out_of_bounds': 'Hors de la carte.',
    'err.text_too_long': 'Texte trop long.',
    'err.empty_text': 'Le message est vide.',
    'err.forbidden': 'Votre rôle ne permet pas cette action.',
    'err.no_team': 'Vous n’êtes dans aucune équipe.',
    'err.team_full': 'Cette équipe est complète.',
    'err.already_in_team': 'Vous êtes déjà dans une équipe.',
    'err.invalid_name': 'Ce nom n’est pas valide.',
    'err.overloaded': 'Le serveur est surchargé, réessayez.',
    'err.storage_unavailable': 'Le serveur n’a pas pu enregistrer, réessayez.',
    'err.generic': 'Erreur : {message}',
    'err.timeout': 'Pas de réponse du serveur.',
    'teleported': 'Téléporté·e : {room}',
    'clock.offset': 'Horloge : écart {ms} ms (± {rtt} ms)',
  },
  en: {
    'app.title': 'Amphi',
    'app.skip': 'Skip to chat',
    'lang.label': 'Language',
    'join.title': 'Join the event',
    'join.intro': 'Pick the name others will see.',
    'join.name': 'Your name',
    'join.submit': 'Enter',
    'join.noInvite': 'This link is incomplete: you need an invite link (…?event=…&invite=…). Ask the organisers.',
    'join.badInvite': 'This invite link is not valid for this event.',
    'join.nameRequired': 'Please enter a name.',
    'conn.connecting': 'Connecting…',
    'conn.online': 'Online',
    'conn.reconnecting': 'Reconnecting in {s} s…',
    'conn.reconnectingNow': 'Reconnecting…',
    'conn.offline': 'Offline',
    'conn.replaced': 'Open in another tab',
    'conn.retry': 'Retry',
    'conn.replacedHelp': 'You are connected from another tab or device.',
    'conn.resumeBtn': 'Use it here',
    'conn.lost': 'Connection lost. Reconnecting automatically…',
    'conn.back': 'Reconnected.',
    'status.label': 'Status',
    'status.available': 'Available',
    'status.busy': 'Busy',
    'status.away': 'Away',
    'status.do_not_disturb': 'Do not disturb',
    'role.moderator': 'Moderator',
    'role.mentor': 'Mentor',
    'role.jury': 'Jury',
    'role.participant': 'Participant',
    'role.spectator': 'Spectator',
    'room.youAreIn': 'You are in:',
    'room.here': 'You are here',
    'room.allRooms': 'All rooms',
    'room.kind.hall': 'Hall',
    'room.kind.amphitheatre': 'Amphitheatre',
    'room.kind.team_table': 'Team table',
    'room.kind.mentor_desk': 'Mentor desk',
    'room.kind.jury_room': 'Jury room',
    'room.goto': 'Go',
    'room.gotoLabel': 'Teleport to {room}',
    'room.restricted': 'Restricted',
    'room.count': '{n} ppl',
    'room.empty': 'Nobody',
    'side.label': 'Side panel',
    'side.chat': 'Chat',
    'side.people': 'People',
    'side.team': 'Team',
    'chat.room': 'Room',
    'chat.team': 'Team',
    'chat.announcements': 'Announcements',
    'chat.direct': 'Direct',
    'chat.unread': '{n} unread',
    'chat.placeholder.room': 'Message {room}…',
    'chat.placeholder.team': 'Message your team…',
    'chat.placeholder.announcements': 'Post an announcement to the whole event…',
    'chat.placeholder.direct': 'Message {name}…',
    'chat.send': 'Send',
    'chat.empty.room': 'No messages in this room yet.',
    'chat.empty.team': 'No team messages yet.',
    'chat.empty.announcements': 'No announcements yet.',
    'chat.empty.direct': 'No messages yet. Say hello!',
    'chat.noTeam': 'You are not in a team: join one in the Team tab.',
    'chat.readOnly': 'Only moderators post announcements.',
    'chat.noRoom': 'You have no avatar in the venue, so no room chat.',
    'chat.dmPick': 'Pick someone in the People list (“Message” button) to write to them.',
    'chat.dmList': 'Conversations',
    'chat.dmBack': 'All conversations',
    'chat.messageLabel': 'Message',
    'chat.newFrom': 'New message from {name} ({channel}): {text}',
    'chat.you': 'You',
    'chat.tooLong': 'Message too long ({n}/{max}).',
    'chat.sending': 'Sending…',
    'people.title': 'People by room',
    'people.search': 'Search people',
    'people.locate': 'Locate',
    'people.locateLabel': 'Show {name} on the map',
    'people.goto': 'Join',
    'people.gotoLabel': 'Teleport to {name}’s room',
    'people.message': 'Message',
    'people.messageLabel': 'Send a message to {name}',
    'people.you': '(you)',
    'people.count': '{n} online',
    'people.none': 'Nobody matches.',
    'people.offline': 'Offline',
    'team.title': 'Your team',
    'team.none': 'You are not in a team.',
    'team.join': 'Join',
    'team.joinLabel': 'Join team {name}',
    'team.leave': 'Leave team',
    'team.members': 'Members',
    'team.all': 'Teams',
    'team.membersCount': '{n} member(s)',
    'help.button': 'Ask for help',
    'pitch.title': 'Pitch running',
    'map.label': 'Venue map. Arrow keys or WASD to move, click to walk to a tile.',
    'map.loading': 'Loading the map…',
    'map.failed': 'Could not load the map.',
    'map.zoomIn': 'Zoom in',
    'map.zoomOut': 'Zoom out',
    'map.center': 'Centre on me',
    'map.hint': 'Arrows / WASD: move · click: walk · +/−: zoom · C: centre',
    'map.listView': 'List view (no map)',
    'toast.close': 'Close',
    'err.blocked': 'A wall or furniture is in the way.',
    'err.too_fast': 'Easy! You are moving too fast.',
    'err.no_path': 'No path leads there.',
    'err.room_forbidden': 'This room is reserved to others.',
    'err.room_full': 'This room is full.',
    'err.out_of_bounds': 'Outside the map.',
    'err.text_too_long': 'Text too long.',
    'err.empty_text': 'The message is empty.',
    'err.forbidden': 'Your role does not allow this.',
    'err.no_team': 'You are not in a team.',
    'err.team_full': 'This team is full.',
    'err.already_in_team': 'You are already in a team.',
    'err.invalid_name': 'This name is not valid.',
    'err.overloaded': 'The server is overloaded, try again.',
    'err.storage_unavailable': 'The server could not save, try again.',
    'err.generic': 'Error: {message}',
    'err.timeout': 'No answer from the server.',
    'teleported': 'Teleported: {room}',
    'clock.offset': 'Clock: offset {ms} ms (± {rtt} ms)',
  },
};

export const LANGS = [
  { code: 'fr', label: 'Français' },
  { code: 'en', label: 'English' },
];

const STORAGE_KEY = 'amphi.lang';
let lang = pickLanguage();
const listeners = new Set();

function pickLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked && STRINGS[asked]) return asked;
  let saved = null;
  try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* storage off */ }
  if (saved && STRINGS[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'fr']) {
    const code = String(l).slice(0, 2).toLowerCase();
    if (STRINGS[code]) return code;
  }
  return 'fr';
}

export function getLang() {
  return lang;
}

export function setLang(code) {
  if (!STRINGS[code] || code === lang) return;
  lang = code;
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* storage off */ }
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function t(key, params) {
  let s = STRINGS[lang][key] ?? STRINGS.fr[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

/** Whether a key exists (used to map server error codes to text). */
export function has(key) {
  return key in STRINGS[lang] || key in STRINGS.fr;
}

/** Translates static markup: text, aria-label, placeholder and title. */
export function applyI18n(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Formats a server time (ms since epoch) as a local hour:minute. */
export function formatTime(ms) {
  return new Date(ms).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}
