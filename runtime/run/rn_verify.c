/* hm_verify: reads back every object the runs created and compares it with
 * what was sent (the create body, the follow-up messages appended to it, the
 * updates merged over it — all from the journal), field by field. Counts are
 * reconciled too: an intent without an answer is a difference. Exit 1 on any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rn.h"
#include "hm_run.h"

static const char *USAGE =
    "usage: hmaprun verify --state state.db --target URL [--credentials-file F] [--json] "
    "[--time-scale F] [--help-center-url URL]\n"
    "                       [--retarget] [--log-json] [--log-every SECONDS]\n"
    "       [--max-answer-bytes N]   (largest answer read, default 8 MiB)\n"
    "       [--map FILE.hbc --data DIR [--set NAME=VALUE]... [--probe FILE] [--sample N]]\n"
    "Reads back every migrated record and lists field-level differences; exit 1 on any.\n"
    "Without --map it compares with what the runs sent (the journal); with --map and --data\n"
    "with what the export says Gorgias should hold (the map planned again in memory):\n"
    "fields, messages and notes in number and order, attachments, tags as a set.\n"
    "--sample N checks the planner's sample of N records per object (without --map: the\n"
    "first N objects of each source object).\n"
    "The counts per object (verified, verify_differences) go into the run's report and its\n"
    "page (STATE.report.json and .html, or where the run wrote its report).\n";

/* The source options, taken out of argv before the shared ones are parsed. */
typedef struct src_args { const char *map, *data; long sample; int nrest; char **rest; } src_args;

static int take_src_args(int argc, char **argv, src_args *s) {
  memset(s, 0, sizeof *s);
  s->rest = calloc((size_t)argc + 1, sizeof *s->rest);
  if (!s->rest) return 2;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int valued = !strcmp(a, "--map") || !strcmp(a, "--data") || !strcmp(a, "--sample") ||
                 !strcmp(a, "--set") || !strcmp(a, "--probe");
    if (valued && i + 1 >= argc) {
      fprintf(stderr, "hmaprun verify: %s needs a value\n%s", a, USAGE);
      return 2;
    }
    if (!strcmp(a, "--map")) s->map = argv[++i];
    else if (!strcmp(a, "--data")) s->data = argv[++i];
    else if (!strcmp(a, "--set") || !strcmp(a, "--probe"))
      i++;   /* the planner's, given to it by hmaprun */
    else if (!strcmp(a, "--sample")) {
      char *end;
      s->sample = strtol(argv[++i], &end, 10);
      if (*end || s->sample <= 0) {
        fprintf(stderr, "hmaprun verify: --sample wants a positive count\n");
        return 2;
      }
    } else s->rest[s->nrest++] = argv[i];
  }
  if ((s->map != NULL) != (s->data != NULL)) {
    fprintf(stderr, "hmaprun verify: --map FILE.hbc and --data DIR go together\n%s", USAGE);
    return 2;
  }
  return 0;
}

/* --sample N without --map: the first N objects of each source object (in
 * creation order) are read back. 1 when this one is among them. */
static int sample_take(cJSON *per_object, const char *object, long n) {
  cJSON *c = cJSON_GetObjectItemCaseSensitive(per_object, object);
  if (!c) c = cJSON_AddNumberToObject(per_object, object, 0);
  if (c->valuedouble >= (double)n) return 0;
  cJSON_SetNumberValue(c, c->valuedouble + 1);
  return 1;
}

void hm_verify_src_report(hm_verify_src *v, const char *object, const char *key,
                          const char *target, long long gid, const char *lines, long long n) {
  if (v->found) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "object", object);
    cJSON_AddStringToObject(f, "key", key);
    cJSON_AddStringToObject(f, "target", target);
    cJSON_AddNumberToObject(f, "id", (double)gid);
    cJSON_AddStringToObject(f, "kind", strstr(lines, "missing in Gorgias") == lines
                                           ? "missing" : "different");
    cJSON *d = cJSON_AddArrayToObject(f, "differences");
    for (const char *l = lines; *l;) {
      const char *e = strchr(l, '\n');
      size_t len = e ? (size_t)(e - l) : strlen(l);
      char *one = strndup(l, len);
      if (one) cJSON_AddItemToArray(d, cJSON_CreateString(one));
      free(one);
      l += len + (e ? 1 : 0);
    }
    cJSON_AddItemToArray(v->found, f);
    return;
  }
  hm_buf_printf(v->report, "%s %s (Gorgias %s %lld): %lld difference(s)\n", object, key, target,
                gid, n);
  for (const char *l = lines; *l;) {
    const char *e = strchr(l, '\n');
    size_t len = e ? (size_t)(e - l) : strlen(l);
    hm_buf_printf(v->report, "  %s %s: %.*s\n", object, key, (int)len, l);
    l += len + (e ? 1 : 0);
  }
}

typedef struct obj { char *ref, *object, *target, *path; long long gid; int reused; } obj;
typedef struct objs { obj *v; size_t n, cap; } objs;

static int collect(void *ctx, const hm_idrow *r) {
  objs *o = ctx;
  if (r->gid <= 0) return 0;   /* uploads and skipped files: nothing to read back */
  if (o->n == o->cap) {
    o->cap = o->cap ? o->cap * 2 : 64;
    obj *g = realloc(o->v, o->cap * sizeof *g);
    if (!g) return 1;
    o->v = g;
  }
  o->v[o->n++] = (obj){strdup(r->ref),
                       strdup(r->object ? r->object : ""),
                       strdup(r->target ? r->target : ""),
                       strdup(r->path ? r->path : ""),
                       r->gid,
                       r->reused};
  return 0;
}

static void objs_free(objs *o) {
  for (size_t i = 0; i < o->n; i++) {
    free(o->v[i].ref);
    free(o->v[i].object);
    free(o->v[i].target);
    free(o->v[i].path);
  }
  free(o->v);
}

/* Expected state = create body, then messages appended, then updates merged. */
static int build_expected(void *ctx, const hm_jrow *j) {
  cJSON **exp = ctx;
  /* delta-message rows are already part of the merged create body. */
  if (strcmp(j->phase, "create") && strcmp(j->phase, "message") && strcmp(j->phase, "update"))
    return 0;
  cJSON *body = j->body ? cJSON_Parse(j->body) : NULL;
  if (!body) return 0;
  if (!strcmp(j->phase, "create") && j->status == 409) {
    /* Reused after a 409: the object is another record's (or pre-existing);
     * what this record sent was never applied to it. */
    cJSON_Delete(body);
    cJSON_Delete(*exp);
    *exp = NULL;
    return 1;
  }
  if (!strcmp(j->phase, "create")) { cJSON_Delete(*exp); *exp = body; return 0; }
  if (!*exp) { cJSON_Delete(body); return 0; }
  if (!strcmp(j->phase, "message")) {
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(*exp, "messages");
    if (cJSON_IsArray(msgs)) cJSON_AddItemToArray(msgs, body);
    else cJSON_Delete(body);
    return 0;
  }
  cJSON *it = body->child;
  while (it) {   /* update: top-level fields replace (Gorgias PUT is partial, lists replace) */
    cJSON *next = it->next;
    cJSON *moved = cJSON_DetachItemViaPointer(body, it);
    cJSON_DeleteItemFromObjectCaseSensitive(*exp, moved->string);
    cJSON_AddItemToObject(*exp, moved->string, moved);
    it = next;
  }
  cJSON_Delete(body);
  return 0;
}

/* One finding, for --json. */
static void finding(cJSON *arr, const obj *o, const char *kind, const char *lines) {
  if (!arr) return;
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "object", o->object);
  cJSON_AddStringToObject(f, "ref", o->ref);
  cJSON_AddStringToObject(f, "target", o->target);
  cJSON_AddNumberToObject(f, "id", (double)o->gid);
  cJSON_AddStringToObject(f, "kind", kind);
  cJSON *d = cJSON_AddArrayToObject(f, "differences");
  while (lines && *lines) {
    const char *e = strchr(lines, '\n');
    size_t len = e ? (size_t)(e - lines) : strlen(lines);
    char *one = strndup(lines, len);
    if (one) cJSON_AddItemToArray(d, cJSON_CreateString(one));
    free(one);
    lines += len + (e ? 1 : 0);
  }
  cJSON_AddItemToArray(arr, f);
}

static int add_message(void *ctx, const cJSON *m) {
  cJSON_AddItemToArray(ctx, cJSON_Duplicate(m, 1));
  return 0;
}

/* Fields Gorgias takes on create but never returns as sent (the profile's
 * unechoed: `imported`, the server's own updated_datetime), at the top and in
 * each message sent inside the create. */
static void drop_unechoed(cJSON *obj, const hm_gorgias_kind *g) {
  for (size_t i = 0; g && g->unechoed[i]; i++)
    cJSON_DeleteItemFromObjectCaseSensitive(obj, g->unechoed[i]);
}

static void drop_write_only(cJSON *exp, const obj *o) {
  drop_unechoed(exp, hm_gorgias_of(o->target, o->path));
  cJSON *msgs = cJSON_GetObjectItemCaseSensitive(exp, HM_GORGIAS_ROUTES.nested_list);
  cJSON *m;
  cJSON_ArrayForEach(m, msgs) drop_unechoed(m, &HM_GORGIAS[HM_GK_MESSAGE]);
}

/* A record the run created, read back (side effects such as a ticket's
 * implicit customer are checked but are no record of the export). */
static void tally_record(cJSON *tally, const obj *o, int same) {
  if (strncmp(o->ref, "implicit:", 9)) hm_verified_add(tally, o->object, same);
}

int hm_verify_main(int argc, char **argv) { return hm_verify_main_with(argc, argv, NULL); }

int hm_verify_main_with(int argc, char **argv, const hm_run_planner *planner) {
  src_args sa;
  int rc = take_src_args(argc, argv, &sa);
  hm_target_args a;
  if (!rc) rc = hm_target_args_parse(sa.nrest, sa.rest, USAGE, &a);
  free(sa.rest);
  if (rc || a.help) return rc;
  if (sa.map && !planner) {
    fprintf(stderr, "hmaprun verify: this build cannot plan %s in-process\n", sa.map);
    return 2;
  }
  hm_store *st;
  char err[1024];
  if (hm_store_open(&st, a.state, 0, err, sizeof err)) {
    fprintf(stderr, "hmaprun verify: %s\n", err);
    return 2;
  }
  hm_http *h;
  const volatile sig_atomic_t *stop = hm_client_install_signals();
  if ((rc = hm_client_connect_bound(&a, st, stop, 0, "verify", &h))) {
    hm_store_close(st);
    return rc;
  }
  objs o = { 0 };
  hm_store_each_id(st, 0, 0, collect, &o);
  hm_buf report; hm_buf_init(&report);
  cJSON *found = a.json ? cJSON_CreateArray() : NULL;
  long long diffs = 0, checked = 0;
  long long doubt = hm_store_in_doubt(st);
  hm_progress prog;
  hm_progress_init(&prog, a.log_json, (long long)o.n, 2.0 * a.time_scale);
  hm_progress_configure(&prog, "verify", "objects", a.log_every);
  if (doubt) {
    hm_buf_printf(&report, "state: %lld call(s) sent without a recorded answer (resume the run)\n",
                  doubt);
    diffs += doubt;
  }
  cJSON *tally = cJSON_CreateObject();
  hm_verify_src vs = { h, st, a.state, stop, &report, found, 0, 0, 0, 0, 0, tally };
  if (sa.map) {   /* against the export: the journal's bodies are not the reference */
    rc = hm_verify_source(&vs, planner, sa.map, sa.data, sa.sample);
    checked = vs.checked;
    diffs += vs.diffs;
    if (vs.rc == 1 && !rc) rc = 1;
  }
  cJSON *per_object = sa.sample ? cJSON_CreateObject() : NULL;
  for (size_t i = 0; i < o.n && !rc && !sa.map; i++) {
    if (*stop) { rc = 4; break; }
    if (per_object && !sample_take(per_object, o.v[i].object, sa.sample)) continue;
    if (!i || strcmp(o.v[i].target, o.v[i - 1].target)) hm_progress_phase(&prog, o.v[i].target);
    char path[600];
    snprintf(path, sizeof path, "%s/%lld", o.v[i].path, o.v[i].gid);
    hm_http_resp r;
    hm_http_request(h, "GET", path, NULL, 1, &r);
    checked++;
    if (r.status == 401 || r.status == 403) {
      fprintf(stderr, "hmaprun verify: Gorgias refused the credentials (%s)\n", r.err);
      rc = 3;
    } else if (r.status == 404) {
      hm_buf_printf(&report, "%s %s (Gorgias %s %lld): missing in Gorgias\n", o.v[i].object,
                    o.v[i].ref, o.v[i].target, o.v[i].gid);
      finding(found, &o.v[i], "missing", NULL);
      diffs++;
      tally_record(tally, &o.v[i], 0);
    } else if (r.status < 200 || r.status >= 300) {
      fprintf(stderr, "hmaprun verify: GET %s: %s\n", path, r.err);
      rc = r.status ? 1 : 4;
    } else if (!o.v[i].reused) {
      cJSON *exp = NULL;
      hm_store_each_call_of(st, o.v[i].ref, build_expected, &exp);
      if (exp) {
        drop_write_only(exp, &o.v[i]);
        cJSON *actual = r.json;
        if (cJSON_GetObjectItemCaseSensitive(exp, "messages") &&
            !cJSON_GetObjectItemCaseSensitive(actual, "messages")) {
          char q[128];
          snprintf(q, sizeof q, "%s%lld%s", HM_GORGIAS_ROUTES.ticket_messages, o.v[i].gid,
                   HM_GORGIAS_ROUTES.messages_oldest_first);
          cJSON *msgs = cJSON_AddArrayToObject(actual, "messages");
          hm_http_list(h, q, 0, add_message, msgs, err, sizeof err);
        }
        hm_buf d; hm_buf_init(&d);
        int n = hm_rn_json_diff(exp, actual, "", &d);
        tally_record(tally, &o.v[i], n == 0);
        if (n) {
          diffs += n;
          hm_buf_printf(&report, "%s %s (Gorgias %s %lld): %d difference(s)\n", o.v[i].object,
                        o.v[i].ref, o.v[i].target, o.v[i].gid, n);
          finding(found, &o.v[i], "different", hm_buf_cstr(&d));
          const char *line = hm_buf_cstr(&d);
          while (*line) {
            const char *e = strchr(line, '\n');
            size_t len = e ? (size_t)(e - line) : strlen(line);
            hm_buf_printf(&report, "  %.*s\n", (int)len, line);
            line += len + (e ? 1 : 0);
          }
        }
        hm_buf_free(&d);
        cJSON_Delete(exp);
      }
    }
    hm_http_resp_free(&r);
    hm_progress_step(&prog, o.v[i].target, "checked", o.v[i].ref, 0);
  }
  cJSON_Delete(per_object);
  hm_progress_end(&prog);
  if (found) {
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "checked", (double)checked);
    cJSON_AddNumberToObject(out, "differences", (double)diffs);
    cJSON_AddNumberToObject(out, "in_doubt", (double)doubt);
    cJSON_AddItemToObject(out, "objects", found);
    hm_store_count sum;   /* the records behind the objects read back, as status counts them */
    hm_ledger_sum(st, &sum);
    hm_ledger_add_json(&sum, cJSON_AddObjectToObject(out, "ledger"));
    char *t = cJSON_Print(out);
    if (t) puts(t);
    free(t);
    cJSON_Delete(out);
  } else {
    fputs(hm_buf_cstr(&report), stdout);
    printf("verify: %lld object(s) read back, %lld difference(s)\n", checked, diffs);
    hm_buf l;
    hm_buf_init(&l);
    hm_ledger_line(st, &l);
    fputs(hm_buf_cstr(&l), stdout);
    hm_buf_free(&l);
  }
  hm_buf_free(&report);
  if (rc != 2 && rc != 3) {   /* what was read back, also when interrupted */
    hm_verified_sum vsum = { checked, diffs, sa.sample, sa.map != NULL };
    hm_verified_write(st, tally, &vsum);
  }
  cJSON_Delete(tally);
  objs_free(&o);
  hm_http_close(h);
  hm_store_close(st);
  if (!rc && diffs) rc = 1;
  char *again = rc == 4 ? hm_command_line("hmaprun", argc, argv) : NULL;
  if (rc == 1)
    hm_progress_outcome(&prog, rc, diffs ? diffs : 1, diffs ? "difference(s)" : "failed read(s)");
  else hm_progress_outcome(&prog, rc, 0, again);
  free(again);
  return rc;
}
