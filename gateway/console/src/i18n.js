// French by default, English available; the choice is kept in localStorage (it is no secret).
const LANG_KEY = 'fhirgw.console.lang';

const fr = {
  'app.title': 'fhir-gateway · console d’administration',
  'app.brand': 'fhir-gateway',
  'nav.label': 'Navigation principale',
  'nav.dashboard': 'Tableau de bord',
  'nav.deliveries': 'Livraisons',
  'nav.logout': 'Se déconnecter',
  'lang.label': 'Langue',
  'lang.fr': 'Français',
  'lang.en': 'English',
  'login.title': 'Connexion',
  'login.intro':
    'Saisissez le jeton d’administration (FHIRGW_ADMIN_TOKEN) ou la clé d’un client de rôle admin.',
  'login.label': 'Jeton ou clé d’administration',
  'login.hint':
    'Il reste dans cet onglet (sessionStorage) jusqu’à sa fermeture ; il n’est jamais mis dans l’adresse ni dans un cookie.',
  'login.submit': 'Se connecter',
  'login.empty': 'Saisissez un jeton.',
  'login.refused': 'Jeton refusé par la passerelle.',
  'login.notAdmin': 'Cette clé n’est pas une clé d’administration.',
  'login.expired': 'La session a été refusée par la passerelle : reconnectez-vous.',
  'error.network': 'La passerelle ne répond pas.',
  'error.status': 'Erreur {status}',
  'common.refresh': 'Actualiser',
  'common.loading': 'Chargement…',
  'common.none': '—',
  'common.cancel': 'Annuler',
  'common.notFound': 'Cette page n’existe pas.',
  'common.updatedAt': 'Mis à jour à {time}',
  'dash.title': 'Tableau de bord',
  'dash.ready': 'Disponibilité',
  'dash.ready.yes': 'Prête',
  'dash.ready.no': 'Pas prête',
  'dash.ingest': 'Dépôts acceptés',
  'dash.refusals': 'Dépôts refusés',
  'dash.perMinute': '{value} / min',
  'dash.window': 'sur les {minutes} dernières minutes',
  'dash.windowWaiting': 'en attente d’un deuxième relevé',
  'dash.dead': 'Livraisons mortes',
  'dash.dead.link': 'Voir les livraisons mortes',
  'dash.dead.none': 'Aucune livraison morte',
  'dash.connectors': 'Connecteurs',
  'dash.noConnectors': 'Aucun connecteur ne fonctionne.',
  'dash.col.connector': 'Connecteur',
  'dash.col.circuit': 'Circuit',
  'dash.col.depth': 'En file',
  'dash.col.oldest': 'Plus ancienne en attente',
  'dash.col.rate': 'Livrées / min',
  'dash.col.failures': 'Échecs par classe',
  'dash.col.dead': 'Mortes',
  'dash.noFailures': 'aucun',
  'circuit.closed': 'fermé',
  'circuit.half-open': 'semi-ouvert',
  'circuit.open': 'ouvert',
  'circuit.unknown': 'inconnu',
  'dash.charts': 'Dernière heure',
  'dash.chartsNote':
    'Relevés de /metrics toutes les {seconds} s pendant que la console est ouverte (la passerelle ne garde pas d’historique).',
  'chart.delivered': 'Livraisons réussies par minute',
  'chart.failed': 'Tentatives échouées par minute',
  'chart.depth': 'Livraisons en file',
  'chart.ingest': 'Dépôts par minute',
  'chart.accepted': 'acceptés',
  'chart.refused': 'refusés',
  'chart.empty': 'Pas encore assez de relevés.',
  'dash.rules': 'Refus par règle',
  'dash.rules.none': 'Aucune règle n’a refusé de dépôt depuis le démarrage.',
  'dash.col.rule': 'Règle',
  'dash.col.sinceStart': 'Depuis le démarrage',
  'dash.col.lastHour': 'Dernière heure (relevés)',
  'status.pending': 'en attente',
  'status.in-flight': 'en cours',
  'status.delivered': 'livrée',
  'status.failed': 'en échec (nouvel essai prévu)',
  'status.dead': 'morte',
  'status.skipped': 'ignorée',
  'deliveries.title': 'Livraisons',
  'deliveries.filter': 'Filtrer',
  'deliveries.filter.status': 'État',
  'deliveries.filter.anyStatus': 'tous',
  'deliveries.filter.connector': 'Connecteur',
  'deliveries.filter.since': 'Modifiées depuis',
  'deliveries.filter.record': 'Dossier (id)',
  'deliveries.filter.apply': 'Appliquer',
  'deliveries.filter.clear': 'Effacer',
  'deliveries.count.one': '{count} livraison',
  'deliveries.count.other': '{count} livraisons',
  'deliveries.capped':
    'Seules les {count} livraisons modifiées le moins récemment sont lues : précisez le filtre.',
  'deliveries.empty': 'Aucune livraison pour ce filtre.',
  'deliveries.col.updated': 'Mise à jour',
  'deliveries.col.id': 'Livraison',
  'deliveries.col.record': 'Dossier',
  'deliveries.col.destination': 'Destination',
  'deliveries.col.connector': 'Connecteur',
  'deliveries.col.status': 'État',
  'deliveries.col.attempts': 'Tentatives',
  'deliveries.col.lastError': 'Dernière erreur',
  'deliveries.bulk': 'Relancer les livraisons mortes du filtre…',
  'deliveries.bulk.title': 'Relancer en masse',
  'deliveries.bulk.none': 'Aucune livraison morte ne correspond au filtre.',
  'deliveries.bulk.confirm.one':
    'Relancer {count} livraison morte ? Elle repart en attente avec un nouveau budget de tentatives.',
  'deliveries.bulk.confirm.other':
    'Relancer {count} livraisons mortes ? Elles repartent en attente avec un nouveau budget de tentatives.',
  'deliveries.bulk.capped': 'Au moins {count} : la passerelle relancera toutes celles du filtre.',
  'deliveries.bulk.scope': 'Filtre : connecteur {connector}, depuis {since}, dossier {record}.',
  'deliveries.bulk.any': 'tous',
  'deliveries.bulk.ok': 'Relancer',
  'deliveries.bulk.done.one': '{count} livraison relancée.',
  'deliveries.bulk.done.other': '{count} livraisons relancées.',
  'delivery.title': 'Livraison {id}',
  'delivery.back': 'Toutes les livraisons',
  'delivery.sameRecord': 'Livraisons du même dossier',
  'delivery.record': 'Dossier',
  'delivery.document': 'Document',
  'delivery.destination': 'Destination',
  'delivery.connector': 'Connecteur',
  'delivery.status': 'État',
  'delivery.reason': 'Motif',
  'delivery.attempts': 'Tentatives',
  'delivery.lastError': 'Dernière erreur',
  'delivery.nextAttemptAt': 'Prochaine tentative',
  'delivery.firstAttemptAt': 'Première tentative',
  'delivery.createdAt': 'Créée',
  'delivery.updatedAt': 'Mise à jour',
  'delivery.log': 'Tentatives',
  'delivery.log.empty': 'Aucune tentative pour l’instant.',
  'delivery.log.at': 'Date',
  'delivery.log.outcome': 'Résultat',
  'delivery.log.errorClass': 'Classe d’erreur',
  'delivery.log.httpStatus': 'Statut HTTP',
  'delivery.log.message': 'Message',
  'delivery.retry': 'Relancer',
  'delivery.retried': 'Livraison relancée avec un nouveau budget de tentatives.',
  'delivery.watching': 'Actualisation automatique tant que la livraison n’est pas terminée.',
  'duration.s': '{s} s',
  'duration.m': '{m} min {s} s',
  'duration.h': '{h} h {m} min',
  'duration.d': '{d} j {h} h',
};

const en = {
  'app.title': 'fhir-gateway · administration console',
  'app.brand': 'fhir-gateway',
  'nav.label': 'Main navigation',
  'nav.dashboard': 'Dashboard',
  'nav.deliveries': 'Deliveries',
  'nav.logout': 'Log out',
  'lang.label': 'Language',
  'lang.fr': 'Français',
  'lang.en': 'English',
  'login.title': 'Log in',
  'login.intro': 'Enter the admin token (FHIRGW_ADMIN_TOKEN) or the key of a client with role admin.',
  'login.label': 'Admin token or key',
  'login.hint':
    'It stays in this tab (sessionStorage) until the tab is closed; it is never put in the address or in a cookie.',
  'login.submit': 'Log in',
  'login.empty': 'Enter a token.',
  'login.refused': 'The gateway refused this token.',
  'login.notAdmin': 'This key is not an admin key.',
  'login.expired': 'The gateway refused the session: log in again.',
  'error.network': 'The gateway does not answer.',
  'error.status': 'Error {status}',
  'common.refresh': 'Refresh',
  'common.loading': 'Loading…',
  'common.none': '—',
  'common.cancel': 'Cancel',
  'common.notFound': 'This page does not exist.',
  'common.updatedAt': 'Updated at {time}',
  'dash.title': 'Dashboard',
  'dash.ready': 'Readiness',
  'dash.ready.yes': 'Ready',
  'dash.ready.no': 'Not ready',
  'dash.ingest': 'Accepted submissions',
  'dash.refusals': 'Refused submissions',
  'dash.perMinute': '{value} / min',
  'dash.window': 'over the last {minutes} minutes',
  'dash.windowWaiting': 'waiting for a second sample',
  'dash.dead': 'Dead deliveries',
  'dash.dead.link': 'See the dead deliveries',
  'dash.dead.none': 'No dead delivery',
  'dash.connectors': 'Connectors',
  'dash.noConnectors': 'No connector is running.',
  'dash.col.connector': 'Connector',
  'dash.col.circuit': 'Circuit',
  'dash.col.depth': 'Queued',
  'dash.col.oldest': 'Oldest pending',
  'dash.col.rate': 'Delivered / min',
  'dash.col.failures': 'Failures by class',
  'dash.col.dead': 'Dead',
  'dash.noFailures': 'none',
  'circuit.closed': 'closed',
  'circuit.half-open': 'half-open',
  'circuit.open': 'open',
  'circuit.unknown': 'unknown',
  'dash.charts': 'Last hour',
  'dash.chartsNote':
    'Samples of /metrics every {seconds} s while the console is open (the gateway keeps no history).',
  'chart.delivered': 'Successful deliveries per minute',
  'chart.failed': 'Failed attempts per minute',
  'chart.depth': 'Queued deliveries',
  'chart.ingest': 'Submissions per minute',
  'chart.accepted': 'accepted',
  'chart.refused': 'refused',
  'chart.empty': 'Not enough samples yet.',
  'dash.rules': 'Refusals by rule',
  'dash.rules.none': 'No rule has refused a submission since the start.',
  'dash.col.rule': 'Rule',
  'dash.col.sinceStart': 'Since the start',
  'dash.col.lastHour': 'Last hour (samples)',
  'status.pending': 'pending',
  'status.in-flight': 'in flight',
  'status.delivered': 'delivered',
  'status.failed': 'failed (will retry)',
  'status.dead': 'dead',
  'status.skipped': 'skipped',
  'deliveries.title': 'Deliveries',
  'deliveries.filter': 'Filter',
  'deliveries.filter.status': 'State',
  'deliveries.filter.anyStatus': 'any',
  'deliveries.filter.connector': 'Connector',
  'deliveries.filter.since': 'Changed since',
  'deliveries.filter.record': 'Record (id)',
  'deliveries.filter.apply': 'Apply',
  'deliveries.filter.clear': 'Clear',
  'deliveries.count.one': '{count} delivery',
  'deliveries.count.other': '{count} deliveries',
  'deliveries.capped': 'Only the {count} least recently changed deliveries are read: narrow the filter.',
  'deliveries.empty': 'No delivery matches this filter.',
  'deliveries.col.updated': 'Updated',
  'deliveries.col.id': 'Delivery',
  'deliveries.col.record': 'Record',
  'deliveries.col.destination': 'Destination',
  'deliveries.col.connector': 'Connector',
  'deliveries.col.status': 'State',
  'deliveries.col.attempts': 'Attempts',
  'deliveries.col.lastError': 'Last error',
  'deliveries.bulk': 'Retry the dead deliveries of this filter…',
  'deliveries.bulk.title': 'Bulk retry',
  'deliveries.bulk.none': 'No dead delivery matches the filter.',
  'deliveries.bulk.confirm.one':
    'Retry {count} dead delivery? It goes back to pending with a fresh attempt budget.',
  'deliveries.bulk.confirm.other':
    'Retry {count} dead deliveries? They go back to pending with a fresh attempt budget.',
  'deliveries.bulk.capped': 'At least {count}: the gateway will retry every one of the filter.',
  'deliveries.bulk.scope': 'Filter: connector {connector}, since {since}, record {record}.',
  'deliveries.bulk.any': 'any',
  'deliveries.bulk.ok': 'Retry',
  'deliveries.bulk.done.one': '{count} delivery retried.',
  'deliveries.bulk.done.other': '{count} deliveries retried.',
  'delivery.title': 'Delivery {id}',
  'delivery.back': 'All deliveries',
  'delivery.sameRecord': 'Deliveries of the same record',
  'delivery.record': 'Record',
  'delivery.document': 'Document',
  'delivery.destination': 'Destination',
  'delivery.connector': 'Connector',
  'delivery.status': 'State',
  'delivery.reason': 'Reason',
  'delivery.attempts': 'Attempts',
  'delivery.lastError': 'Last error',
  'delivery.nextAttemptAt': 'Next attempt',
  'delivery.firstAttemptAt': 'First attempt',
  'delivery.createdAt': 'Created',
  'delivery.updatedAt': 'Updated',
  'delivery.log': 'Attempts',
  'delivery.log.empty': 'No attempt yet.',
  'delivery.log.at': 'When',
  'delivery.log.outcome': 'Outcome',
  'delivery.log.errorClass': 'Error class',
  'delivery.log.httpStatus': 'HTTP status',
  'delivery.log.message': 'Message',
  'delivery.retry': 'Retry',
  'delivery.retried': 'Delivery retried with a fresh attempt budget.',
  'delivery.watching': 'Refreshed automatically until the delivery is finished.',
  'duration.s': '{s} s',
  'duration.m': '{m} min {s} s',
  'duration.h': '{h} h {m} min',
  'duration.d': '{d} d {h} h',
};

const messages = { fr, en };
export const languages = Object.keys(messages);

function initialLang() {
  try {
    const saved = window.localStorage.getItem(LANG_KEY);
    if (saved && Object.hasOwn(messages, saved)) return saved;
  } catch {
    // No storage: French.
  }
  return 'fr';
}

let lang = initialLang();

export function currentLang() {
  return lang;
}

export function setLang(next) {
  if (!Object.hasOwn(messages, next)) return;
  lang = next;
  try {
    window.localStorage.setItem(LANG_KEY, next);
  } catch {
    // Kept for this page only.
  }
}

/** The locale of dates and numbers. */
export function locale() {
  return lang === 'fr' ? 'fr-FR' : 'en-GB';
}

/**
 * The message of key in the current language with {name} replaced by vars.name; with a count,
 * key.one / key.other by the language's plural rules when they exist.
 */
export function t(key, vars) {
  const table = messages[lang];
  let chosen = key;
  if (vars && typeof vars.count === 'number') {
    const plural = key + '.' + new Intl.PluralRules(locale()).select(vars.count);
    const other = key + '.other';
    if (Object.hasOwn(table, plural)) chosen = plural;
    else if (Object.hasOwn(table, other)) chosen = other;
  }
  const text = Object.hasOwn(table, chosen) ? table[chosen] : chosen;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole);
}

/** Both dictionaries, for the test that they have the same keys. */
export const dictionaries = messages;
