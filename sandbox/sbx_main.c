/* sbx_main: hmap-sandbox's command line, startup and shutdown. Prints
 * "listening on http://127.0.0.1:PORT" as its first stdout line (tests start it
 * with --port 0 and read the port from there) and stops cleanly on SIGTERM. */
#include "sbx.h"
#include "hm_buf.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "hm_version.h"

static const char USAGE[] =
  "usage: hmap-sandbox [options]\n"
  "  A local Gorgias-compatible API server for tests and migration rehearsals.\n"
  "  --port N               TCP port (0 picks a free one; default 8080)\n"
  "  --listen ADDR          IPv4 address to bind (default 127.0.0.1)\n"
  "  --db FILE              SQLite file to keep objects in (default: in memory)\n"
  "  --account EMAIL:KEY[:ROLE]\n"
  "                         accepted Basic-auth pair, repeatable; ROLE (admin, agent,\n"
  "                         basic-agent, internal-agent, bot, lite-agent, observer-agent;\n"
  "                         default admin) decides which kinds the key may write (403)\n"
  "  --deny-write PREFIX    403 on POST/PUT/DELETE under PREFIX (/api/users: a key whose\n"
  "                         role may not write agents), repeatable, at most 8\n"
  "  --domain NAME          the account's domain in GET /api/account (default sandbox)\n"
  "                         (default sandbox@example.com:sandbox)\n"
  "  --rate N/SECONDS       leaky bucket per account (default 40/20; 80/20 = OAuth,\n"
  "                         40/10 = enterprise window; off = no limit)\n"
  "  --time-scale X         divide every time window, Retry-after and slow delay by X\n"
  "  --faults SPEC          comma list of KIND:PROBABILITY[:ARG], KIND one of\n"
  "                         429[:BURST], 500, 502, 503, slow:P:DELAY (500ms, 2s;\n"
  "                         the write commits at once, the reply waits),\n"
  "                         drop-before, drop-after (the write is committed, then the\n"
  "                         connection closes without a response)\n"
  "                         e.g. 429:0.05,500:0.02,slow:0.02:500ms,drop-after:0.02\n"
  "  --seed N               seed of the fault schedule (default 1)\n"
  "  --max-upload BYTES     largest accepted upload, else 413 (default 26214400)\n"
  "  --schema FILE          validate with this schema JSON (`hmapc schema` format)\n"
  "                         instead of the conformance table (sbx_conformance.c)\n"
  "  --put-created-datetime refuse|ignore\n"
  "                         a PUT carrying a create-only field such as\n"
  "                         created_datetime: 400 (default) or drop the field\n"
  "  --help-center-port N   serve the Help Center on its own host (0: a free port;\n"
  "                         printed as the second stdout line) to Bearer tokens from\n"
  "                         POST /api/help-center/auth; the account's host then\n"
  "                         answers its Help Center routes 403 (default: no own host)\n"
  "  --help-center-token-ttl SECONDS\n"
  "                         lifetime of a Help Center token, scaled (default 1800)\n"
  "  --setting TYPE.KEY=JSON\n"
  "                         switch an account setting, repeatable, e.g.\n"
  "                         satisfaction-surveys.send_survey_for_email=true,\n"
  "                         auto-merge.tickets.enabled=true,\n"
  "                         ticket-assignment.auto_assign_ticket_to_responding_agent=true,\n"
  "                         ticket-assignment.unassign_on_reply=true (all off by default)\n"
  "  --fidelity strict|lenient\n"
  "                         strict: --anonymous-sender refuse, --put-created-datetime\n"
  "                         refuse, --opened-datetime drop, the Help Center on its own\n"
  "                         host (a free port unless --help-center-port), every\n"
  "                         --setting switch on; lenient: accept, ignore, keep, no own\n"
  "                         host, all off. Later options win\n"
  "  --opened-datetime keep|drop\n"
  "                         a ticket's opened_datetime: stored as sent (default) or\n"
  "                         accepted and not stored (absent on read; fid §1.8)\n"
  "  --anonymous-sender accept|refuse\n"
  "                         a message whose sender has neither id nor email: stored\n"
  "                         (default) or 400\n"
  "  --log FILE             append one line per API request (time, method, route,\n"
  "                         status or fault) to FILE; also $HM_SBX_LOG\n"
  "  --help                 this text\n"
  "  --version              version and git revision\n";

typedef struct opts {
  int port;
  const char *listen, *db, *rate, *faults, *schema_file, *log;
  double time_scale, hc_ttl;
  int hc_port;                  /* -1: no Help Center host */
  unsigned long long seed;
} opts;

static int add_pair(hm_sbx_ctx *ctx, const char *pair);

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "hmap-sandbox: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", USAGE);
  return 2;
}

/* EMAIL:KEY[:ROLE]: the last part is a role only when it names one, so a key
 * holding colons still works. */
static int add_account(hm_sbx_ctx *ctx, const char *pair) {
  char buf[300];
  if (strlen(pair) >= sizeof buf) return -1;
  snprintf(buf, sizeof buf, "%s", pair);
  char *last = strrchr(buf, ':'), role[32] = "";
  if (last && last != strchr(buf, ':') && hm_sbx_role_known(last + 1)) {
    snprintf(role, sizeof role, "%s", last + 1);
    *last = '\0';
  }
  if (add_pair(ctx, buf) != 0) return -1;
  snprintf(ctx->accounts[ctx->naccounts - 1].role, sizeof role, "%s", role);
  return 0;
}

static int add_pair(hm_sbx_ctx *ctx, const char *pair) {
  const char *colon = strchr(pair, ':');
  if (!colon || colon == pair || (size_t)(colon - pair) >= sizeof ctx->accounts[0].email ||
      strlen(colon + 1) >= sizeof ctx->accounts[0].key || !colon[1])
    return -1;
  hm_sbx_account *na = realloc(ctx->accounts, (size_t)(ctx->naccounts + 1) * sizeof *na);
  if (!na) return -1;
  ctx->accounts = na;
  hm_sbx_account *a = &na[ctx->naccounts++];
  memset(a, 0, sizeof *a);
  memcpy(a->email, pair, (size_t)(colon - pair));
  snprintf(a->key, sizeof a->key, "%s", colon + 1);
  return 0;
}

static int parse_args(int argc, char **argv, opts *o, hm_sbx_ctx *ctx) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(USAGE, stdout); return 1; }
    if (strcmp(a, "--version") == 0) {
      printf("hmap-sandbox %s (git %s)\n", HM_VERSION, HM_GIT_REVISION);
      return 1;
    }
    if (i + 1 >= argc) return usage_error("missing value or unknown option", a);
    const char *v = argv[++i];
    char *end;
    if (strcmp(a, "--port") == 0) {
      long p = strtol(v, &end, 10);
      if (*end || end == v || p < 0 || p > 65535) return usage_error("bad --port", v);
      o->port = (int)p;
    } else if (strcmp(a, "--listen") == 0) o->listen = v;
    else if (strcmp(a, "--db") == 0) o->db = v;
    else if (strcmp(a, "--rate") == 0) o->rate = v;
    else if (strcmp(a, "--faults") == 0) o->faults = v;
    else if (strcmp(a, "--schema") == 0) o->schema_file = v;
    else if (strcmp(a, "--log") == 0) o->log = v;
    else if (strcmp(a, "--domain") == 0) {
      if (!*v || strlen(v) >= sizeof ctx->domain) return usage_error("bad --domain", v);
      snprintf(ctx->domain, sizeof ctx->domain, "%s", v);
    } else if (strcmp(a, "--account") == 0) {
      if (add_account(ctx, v) != 0) return usage_error("bad --account (EMAIL:KEY[:ROLE])", v);
    } else if (strcmp(a, "--help-center-port") == 0) {
      long p = strtol(v, &end, 10);
      if (*end || end == v || p < 0 || p > 65535) return usage_error("bad --help-center-port", v);
      o->hc_port = (int)p;
    } else if (strcmp(a, "--help-center-token-ttl") == 0) {
      o->hc_ttl = strtod(v, &end);
      if (*end || end == v || !(o->hc_ttl > 0) || o->hc_ttl > 1e7)
        return usage_error("bad --help-center-token-ttl", v);
    } else if (strcmp(a, "--setting") == 0) {
      if (hm_sbx_setting_parse(ctx, v) != 0) return usage_error("bad --setting (TYPE.KEY=JSON)", v);
    } else if (strcmp(a, "--fidelity") == 0) {
      int strict = strcmp(v, "strict") == 0;
      if (!strict && strcmp(v, "lenient") != 0)
        return usage_error("--fidelity takes strict or lenient", v);
      ctx->refuse_anonymous_sender = ctx->refuse_created_on_put = strict;
      ctx->drop_opened = strict;
      if (strict && o->hc_port < 0) o->hc_port = 0;
      if (!strict) o->hc_port = -1;
      hm_sbx_settings_all(ctx, strict);
    } else if (strcmp(a, "--anonymous-sender") == 0) {
      if (strcmp(v, "refuse") == 0) ctx->refuse_anonymous_sender = 1;
      else if (strcmp(v, "accept") == 0) ctx->refuse_anonymous_sender = 0;
      else return usage_error("--anonymous-sender takes accept or refuse", v);
    } else if (strcmp(a, "--seed") == 0) {
      o->seed = strtoull(v, &end, 10);
      if (*end || end == v) return usage_error("bad --seed", v);
    } else if (strcmp(a, "--time-scale") == 0) {
      o->time_scale = strtod(v, &end);
      if (*end || end == v || !(o->time_scale >= 0.001) || o->time_scale > 1e6)
        return usage_error("bad --time-scale", v);
    } else if (strcmp(a, "--max-upload") == 0) {
      unsigned long long m = strtoull(v, &end, 10);
      if (*end || end == v || m == 0 || m > (1ull << 34)) return usage_error("bad --max-upload", v);
      ctx->max_upload = (size_t)m;
    } else if (strcmp(a, "--deny-write") == 0) {
      if (hm_sbx_deny_add(ctx, v) != 0) return usage_error("bad --deny-write (/api/...)", v);
    } else if (strcmp(a, "--opened-datetime") == 0) {
      if (strcmp(v, "drop") == 0) ctx->drop_opened = 1;
      else if (strcmp(v, "keep") == 0) ctx->drop_opened = 0;
      else return usage_error("--opened-datetime takes drop or keep", v);
    } else if (strcmp(a, "--put-created-datetime") == 0) {
      if (strcmp(v, "refuse") == 0) ctx->refuse_created_on_put = 1;
      else if (strcmp(v, "ignore") == 0) ctx->refuse_created_on_put = 0;
      else return usage_error("--put-created-datetime takes refuse or ignore", v);
    } else
      return usage_error("unknown option", a);
  }
  return 0;
}

static int load_schema(hm_sbx_ctx *ctx, const char *file) {
  char err[256];
  hm_buf text; hm_buf_init(&text);
  char *table = NULL;
  const char *src;
  if (!file) src = table = hm_sbx_conformance_json();
  else {
    int e = hm_buf_read_path(&text, file);
    if (e) {
      fprintf(stderr, "hmap-sandbox: cannot read schema %s: %s\n", file, strerror(e));
      hm_buf_free(&text);
      return -1;
    }
    src = hm_buf_cstr(&text);
  }
  ctx->schema = src ? hm_sbx_schema_parse(src, err, sizeof err) : NULL;
  hm_buf_free(&text);
  free(table);
  if (!ctx->schema) {
    fprintf(stderr, "hmap-sandbox: %s: %s\n", file ? file : "conformance table",
            src ? err : "out of memory");
    return -1;
  }
  return 0;
}

static void cleanup(hm_sbx_ctx *ctx) {
  hm_sbx_http_stop(ctx);
  hm_sbx_store_close(ctx->store);
  hm_sbx_schema_free(ctx->schema);
  hm_sbx_rate_free(&ctx->rate);
  pthread_mutex_destroy(&ctx->faults.mu);
  pthread_mutex_destroy(&ctx->stats.mu);
  cJSON_Delete(ctx->stats.by_route);
  free(ctx->accounts);
  hm_sbx_tokens_free(&ctx->tokens);
  cJSON_Delete(ctx->settings);
  if (ctx->log) fclose(ctx->log);
  pthread_mutex_destroy(&ctx->log_mu);
}

int main(int argc, char **argv) {
  hm_sbx_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.max_upload = 26214400;
  ctx.refuse_created_on_put = 1;
  opts o = {.port = 8080, .listen = "127.0.0.1", .rate = "40/20", .time_scale = 1, .seed = 1,
            .hc_ttl = 1800, .hc_port = -1};
  ctx.settings = hm_sbx_settings_defaults();
  int rc = parse_args(argc, argv, &o, &ctx);
  if (rc) { free(ctx.accounts); cJSON_Delete(ctx.settings); return rc == 1 ? 0 : rc; }
  if (ctx.naccounts == 0) add_account(&ctx, "sandbox@example.com:sandbox");
  ctx.time_scale = o.time_scale;
  hm_sbx_tokens_init(&ctx.tokens, o.hc_ttl / o.time_scale);
  int cap;
  double win;
  if (hm_sbx_rate_parse(o.rate, &cap, &win) != 0) {
    free(ctx.accounts);
    cJSON_Delete(ctx.settings);
    hm_sbx_tokens_free(&ctx.tokens);
    return usage_error("bad --rate (N/SECONDS or off)", o.rate);
  }
  hm_sbx_rate_init(&ctx.rate, cap, win / o.time_scale);
  hm_sbx_faults_init(&ctx.faults, o.seed);
  pthread_mutex_init(&ctx.stats.mu, NULL);
  pthread_mutex_init(&ctx.log_mu, NULL);
  ctx.stats.by_route = cJSON_CreateObject();
  char err[512];
  if (o.faults && hm_sbx_faults_parse(&ctx.faults, o.faults, err, sizeof err) != 0) {
    cleanup(&ctx);
    return usage_error("bad --faults", err);
  }
  if (load_schema(&ctx, o.schema_file) != 0) { cleanup(&ctx); return 2; }
  if (!o.log) o.log = getenv("HM_SBX_LOG");
  if (o.log && *o.log && !(ctx.log = fopen(o.log, "a"))) {
    fprintf(stderr, "hmap-sandbox: cannot open log %s\n", o.log);
    cleanup(&ctx);
    return 2;
  }
  ctx.store = hm_sbx_store_open(o.db, err, sizeof err);
  if (!ctx.store) { fprintf(stderr, "hmap-sandbox: %s\n", err); cleanup(&ctx); return 2; }

  /* Block the stop signals before the server threads exist so they inherit the
   * mask and only this thread, in sigwait, ever sees them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (hm_sbx_http_start(&ctx, o.listen, o.port, err, sizeof err) != 0) {
    fprintf(stderr, "hmap-sandbox: %s\n", err);
    cleanup(&ctx);
    return 2;
  }
  if (o.hc_port >= 0 && hm_sbx_http_start_hc(&ctx, o.listen, o.hc_port, err, sizeof err) != 0) {
    fprintf(stderr, "hmap-sandbox: help center: %s\n", err);
    cleanup(&ctx);
    return 2;
  }
  printf("listening on %s\n", ctx.base_url);
  if (ctx.hc_daemon) printf("help center on %s\n", ctx.hc_base_url);
  fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  __atomic_store_n(&ctx.stopping, 1, __ATOMIC_RELAXED);
  cleanup(&ctx);
  return 0;
}
