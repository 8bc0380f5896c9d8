/* sbx_loadgen: the sandbox's concurrency check — N threads, each with its own
 * keep-alive connection, all released together by a barrier, each creating M
 * customers and reading every one back. Any non-201/200 status, unparsable or
 * mismatching body (a corrupted or crossed response) or duplicate id is an
 * error. Usage: sbx_loadgen URL THREADS PER_THREAD. Exit 0 only when clean. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
  const char *url;
  int thread, count, errors;
  long long *ids;
  pthread_barrier_t *go;
} job;

typedef struct sink { char *data; size_t len; } sink;

static size_t on_data(char *p, size_t sz, size_t n, void *ud) {
  sink *s = ud;
  char *nd = realloc(s->data, s->len + sz * n + 1);
  if (!nd) return 0;
  s->data = nd;
  memcpy(s->data + s->len, p, sz * n);
  s->len += sz * n;
  s->data[s->len] = '\0';
  return sz * n;
}

static cJSON *call(CURL *c, const char *method, const char *url, const char *body, long *status) {
  sink s = {0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPGET, body ? 0L : 1L);
  if (!body) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  *status = 0;
  cJSON *j = NULL;
  if (curl_easy_perform(c) == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    j = s.data ? cJSON_Parse(s.data) : NULL;
  }
  free(s.data);
  return j;
}

static void *worker(void *arg) {
  job *jb = arg;
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_USERPWD, "sandbox@example.com:sandbox");
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  /* connect first, so all THREADS connections are open at the same time */
  char url[512], body[256], email[128];
  long st;
  snprintf(url, sizeof url, "%s/api/account", jb->url);
  cJSON_Delete(call(c, "GET", url, NULL, &st));
  if (st != 200) jb->errors++;
  pthread_barrier_wait(jb->go);
  for (int i = 0; i < jb->count; i++) {
    snprintf(email, sizeof email, "t%d-%d@load.test", jb->thread, i);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"external_id\":\"load:%d:%d\"}", email,
             jb->thread, i);
    snprintf(url, sizeof url, "%s/api/customers", jb->url);
    cJSON *r = call(c, "POST", url, body, &st);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id"),
                *em = cJSON_GetObjectItemCaseSensitive(r, "email");
    if (st != 201 || !cJSON_IsNumber(id) || !cJSON_IsString(em) ||
        strcmp(em->valuestring, email) != 0) {
      fprintf(stderr, "thread %d create %d: status %ld, bad body\n", jb->thread, i, st);
      jb->errors++;
      cJSON_Delete(r);
      continue;
    }
    jb->ids[i] = (long long)id->valuedouble;
    cJSON_Delete(r);
    snprintf(url, sizeof url, "%s/api/customers/%lld", jb->url, jb->ids[i]);
    r = call(c, "GET", url, NULL, &st);
    em = cJSON_GetObjectItemCaseSensitive(r, "email");
    if (st != 200 || !cJSON_IsString(em) || strcmp(em->valuestring, email) != 0) {
      fprintf(stderr, "thread %d read %d: status %ld, wrong body\n", jb->thread, i, st);
      jb->errors++;
    }
    cJSON_Delete(r);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return NULL;
}

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: sbx_loadgen URL THREADS PER_THREAD\n"); return 2; }
  int n = atoi(argv[2]), m = atoi(argv[3]);
  if (n < 1 || n > 1000 || m < 1 || m > 100000) { fprintf(stderr, "bad counts\n"); return 2; }
  curl_global_init(CURL_GLOBAL_ALL);
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, (unsigned)n);
  job *jobs = calloc((size_t)n, sizeof *jobs);
  pthread_t *th = calloc((size_t)n, sizeof *th);
  long long *ids = calloc((size_t)n * (size_t)m, sizeof *ids);
  for (int t = 0; t < n; t++) {
    jobs[t] = (job){argv[1], t, m, 0, ids + (size_t)t * (size_t)m, &go};
    pthread_create(&th[t], NULL, worker, &jobs[t]);
  }
  int errors = 0;
  for (int t = 0; t < n; t++) { pthread_join(th[t], NULL); errors += jobs[t].errors; }
  qsort(ids, (size_t)n * (size_t)m, sizeof *ids, cmp_ll);
  for (size_t i = 1; i < (size_t)n * (size_t)m; i++)
    if (ids[i] == ids[i - 1] && ids[i]) {
      fprintf(stderr, "duplicate id %lld\n", ids[i]);
      errors++;
    }
  printf("%d threads x %d writes: %d errors\n", n, m, errors);
  pthread_barrier_destroy(&go);
  free(jobs); free(th); free(ids);
  curl_global_cleanup();
  return errors ? 1 : 0;
}
