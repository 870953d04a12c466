// Boundaries of Appeal desk (issue 14), checked by dependency-cruiser in `npm run lint`. An `error` fails
// CI. A rule that cannot hold yet is `warn` with what remains named beside it: it is reported on every
// run, and the work left is in docs/architecture.md ("Boundaries"). Module-level circles (appeals ->
// notifications -> appeals, ...) are checked by scripts/module-graph.ts, which collapses files to modules.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular-across-modules',
      severity: 'error',
      comment: 'A file cycle that leaves its module is a circle between modules.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { circular: true, pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-circular-in-module',
      severity: 'warn',
      comment:
        'Remaining file cycles inside one module, from earlier splits: storage.ts <-> storage.s3.ts, ' +
        'ocr.ts <-> ocr.tesseract.ts (type only), checks.rules.ts <-> checks.quality.ts / checks.format.ts ' +
        '(Slot and CheckResult types; to go with the one Slot type).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'http-only-from-routes',
      severity: 'error',
      comment:
        'Only routes files (and src/http, src/web, the runtime: app.ts, server.ts, start.ts) import src/http/. ' +
        'Domain code takes hashing/tokens from platform/crypto.ts and roles/principals from platform/principal.ts.',
      from: {
        path: '^src/',
        pathNot: ['\\.routes\\.ts$', '^src/http/', '^src/web/', '^src/(app|server|start)\\.ts$'],
      },
      to: { path: '^src/http/' },
    },
    {
      name: 'browser-imports-no-server',
      severity: 'error',
      comment: 'Pages (src/web/static) run in the browser: they import only each other.',
      from: { path: '^src/web/static/' },
      to: { pathNot: '^src/web/static/' },
    },
    {
      name: 'server-imports-no-browser',
      severity: 'error',
      comment: 'Server code never imports page scripts (they are served, not executed).',
      from: { path: '^src/', pathNot: '^src/web/static/' },
      to: { path: '^src/web/static/.+\\.js$' },
    },
    {
      name: 'pages-rendered-from-routes',
      severity: 'error',
      comment:
        'HTML pages belong to src/web/: in a module only routes files import src/web/, and only the page ' +
        'renderers (buyer-pages.ts); use cases answer outcomes, the routes pick the page.',
      from: { path: '^src/modules/' },
      to: { path: '^src/web/', pathNot: '^src/web/buyer-pages\\.ts$' },
    },
    {
      name: 'pages-rendered-from-routes-only',
      severity: 'error',
      comment: 'A module file that is not a routes file renders no page (see pages-rendered-from-routes).',
      from: { path: '^src/modules/', pathNot: '\\.routes\\.ts$' },
      to: { path: '^src/web/' },
    },
    {
      name: 'page-renderers-are-pure',
      severity: 'error',
      comment:
        'The page renderers (src/web/buyer-pages.ts) are (lang, values) -> string over platform (escapeHtml, ' +
        'the texts): they import no module, no http and no web router, so a routes file importing them closes no circle.',
      from: { path: '^src/web/buyer-pages\\.ts$' },
      to: { path: '^src/', pathNot: '^src/platform/' },
    },
    {
      name: 'appeals-imports-no-capability',
      severity: 'error',
      comment:
        'The appeals module owns the appeal and imports no other capability module. The audit trail is a ' +
        'foundation module (every module records to it, it imports none of them); what the buyer view shows ' +
        'of refunds comes through a port (appeals.view-ports.ts), the reactions to its events are subscribers.',
      from: { path: '^src/modules/appeals/' },
      to: { path: '^src/modules/', pathNot: '^src/modules/(appeals|audit)/' },
    },
    {
      name: 'side-effect-modules-are-leaves',
      severity: 'error',
      comment:
        'Nothing imports notifications, webhooks, refunds or sla, not even one of the four another: they react ' +
        'to appeal events through their *.subscriber.ts files, wired only by the runtime (src/subscribers.ts). ' +
        'A module that needs an e-mail or a webhook sent writes it through the ports in platform ' +
        '(email-outbox.ts, webhook-outbox.ts).',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/(notifications|webhooks|refunds|sla)/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'audit-is-a-foundation',
      severity: 'error',
      comment: 'The audit trail is recorded by every module and depends on none of them.',
      from: { path: '^src/modules/audit/' },
      to: { path: '^src/modules/', pathNot: '^src/modules/audit/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
