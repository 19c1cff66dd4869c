import { listenSecurity, loadConfig } from "./config.js";
import { createLogger, startApp } from "./app.js";
import { PromptTemplates } from "./prompt/templates.js";
import { insecureListenWarning } from "./server/listen-policy.js";

const config = (() => {
  try {
    return loadConfig();
  } catch (err) {
    console.error(`roomhistory: ${(err as Error).message}`);
    process.exit(2);
  }
})();
const logger = createLogger(config.logLevel);
// loadConfig already refused an unsafe address unless ROOMHISTORY_ALLOW_INSECURE=true allowed it: say so.
const insecure = insecureListenWarning(listenSecurity(config));
if (insecure) logger.warn({ address: config.listen }, insecure);

const app = await startApp(config, logger).catch((err: Error) => {
  // A port in use or a missing templates directory: one clear line, not a stack trace.
  console.error(`roomhistory: cannot start: ${err.message}`);
  process.exit(1);
});
logger.info(
  {
    address: app.address,
    store: config.redisCluster ? `redis cluster ${config.redisCluster.join(",")}` : config.redisUrl ? "redis" : "memory",
    templates: config.templatesDir,
    tls: config.tls ? (config.tls.clientCaFile ? "mtls" : "tls") : "off",
    reflection: config.reflection,
    tokens: config.auth ? config.auth.tokensFile : "off (every caller may call every RPC)",
    metrics: app.metricsAddress ? `http://${app.metricsAddress}/metrics` : "off",
    traces: config.tracing ? config.tracing.tracesUrl : "off",
  },
  config.redisUrl || config.redisCluster
    ? `roomhistory serving on ${app.address} with the Redis store`
    : `roomhistory serving on ${app.address} with the in-memory store (no ROOMHISTORY_REDIS_URL set: history is lost on exit)`,
);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "shutting down: health NOT_SERVING, ending watches, finishing in-flight calls");
    app.shutdown().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

// SIGHUP: read every template again on its next use (changed files are also noticed without it, README).
process.on("SIGHUP", () => {
  PromptTemplates.reloadAll();
  logger.info("SIGHUP: templates will be read again on their next use");
});

// SIGHUP: read the TLS certificate files now rather than at the next poll (open connections keep theirs).
process.on("SIGHUP", () => {
  if (config.tls && !app.reloadTls()) logger.info("SIGHUP: TLS certificate files unchanged");
});

// SIGHUP: read the tokens file now (changes are also noticed within a second without it); an invalid
// file is logged and the tokens in force stay.
process.on("SIGHUP", () => {
  if (app.auth) logger.info({ applied: app.auth.reload() }, "SIGHUP: tokens file read again");
});
