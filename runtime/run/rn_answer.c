/* hm_answer: what a server's answer must look like before anything of it is
 * recorded or reused. A Gorgias id is a JSON number, integral, in 1..2^53-1
 * (a string, zero, a negative or a fraction is not one: it would end up in a
 * request path or a reference). A create answers the JSON object it made; an
 * upload a JSON object (or an array of them) with a string url. Of an answer
 * the state keeps only the fields a later step reads (the allowlist below),
 * each bounded, never the whole answer. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "rn.h"

#define MAX_GID 9007199254740991.0   /* 2^53 - 1: beyond it a double is no longer exact */
#define MAX_FIELD_BYTES 8192

long long hm_answer_id(const cJSON *v) {
  if (!cJSON_IsNumber(v)) return 0;
  double d = v->valuedouble;
  if (!(d >= 1 && d <= MAX_GID) || floor(d) != d) return 0;
  return (long long)d;
}

/* The id member as the answer spelled it, for a message (bounded, escaped). */
static void quote_id(const cJSON *v, char *out, size_t cap) {
  char *t = v ? cJSON_PrintUnformatted(v) : NULL;
  snprintf(out, cap, "%.60s%s", t ? t : "none", t && strlen(t) > 60 ? "..." : "");
  cJSON_free(t);
}

int hm_answer_check(const cJSON *json, int upload, int need_id, const cJSON **obj, char *why,
                    size_t whylen) {
  *obj = NULL;
  if (!json) { snprintf(why, whylen, "an answer that is not JSON"); return 0; }
  const cJSON *o = json;
  if (cJSON_IsArray(json)) {
    if (!upload) {
      snprintf(why, whylen, "a JSON array instead of the object it created");
      return 0;
    }
    o = cJSON_GetArrayItem(json, 0);   /* uploads answer [ {...} ] */
  }
  if (!cJSON_IsObject(o)) {
    snprintf(why, whylen, "an answer that is not a JSON object");
    return 0;
  }
  if (upload) {
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(o, "url");
    if (!cJSON_IsString(url) || !url->valuestring[0] ||
        strlen(url->valuestring) > MAX_FIELD_BYTES) {
      snprintf(why, whylen, "an upload answer without a usable \"url\"");
      return 0;
    }
  } else if (need_id) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!hm_answer_id(id)) {
      char q[80];
      quote_id(id, q, sizeof q);
      snprintf(why, whylen, "an \"id\" that is not a positive integer (%s)", q);
      return 0;
    }
  }
  *obj = o;
  return 1;
}

/* The answer fields later steps read: an upload's url ({"$ref": R, "field":
 * "url"} in attachments and inline images), a custom field's object_type and
 * label (rollback deactivates it with them when the sent body lacks them),
 * and the run's own "skipped" mark of an upload that was not sent. */
static const char *const KEPT[] = { "url", "object_type", "label", "skipped" };

char *hm_answer_fields(const cJSON *obj) {
  cJSON *f = cJSON_CreateObject();
  for (size_t i = 0; i < sizeof KEPT / sizeof *KEPT; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, KEPT[i]);
    if (cJSON_IsString(v) && strlen(v->valuestring) <= MAX_FIELD_BYTES)
      cJSON_AddStringToObject(f, KEPT[i], v->valuestring);
    else if (cJSON_IsBool(v))
      cJSON_AddBoolToObject(f, KEPT[i], cJSON_IsTrue(v));
  }
  char *s = cJSON_PrintUnformatted(f);
  cJSON_Delete(f);
  return s;
}
